/**
 * `npm run deploy:local -- <service> [<service> ...]`: packages and redeploys services into the running
 * local stack, replacing just those services, as `serverless deploy` of one service does on AWS.
 */
import './warnings';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_NAMES } from '../deploy/templates';
import { localPaths, type StackInfo } from '../stack';

async function main(): Promise<void> {
  const services = process.argv.slice(2);
  if (services.length === 0 || services.some((service) => !(SERVICE_NAMES as readonly string[]).includes(service))) {
    console.error(`usage: npm run deploy:local -- <service> [...]  (services: ${SERVICE_NAMES.join(', ')})`);
    process.exit(2);
  }
  const { infoFile } = localPaths(path.resolve(__dirname, '../../..'));
  if (!existsSync(infoFile)) {
    console.error(`no running local stack (${infoFile} is missing): start it with \`npm start\``);
    process.exit(1);
  }
  const info = JSON.parse(readFileSync(infoFile, 'utf8')) as StackInfo;
  for (const service of services) {
    const started = Date.now();
    const response = await fetch(`${info.endpoint}/_local/deploy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`redeploying ${service} failed (HTTP ${response.status}): ${text}`);
    console.log(`redeployed ${service} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

main().catch((error: Error) => {
  console.error(`deploy:local: ${error.message}`);
  process.exit(1);
});
