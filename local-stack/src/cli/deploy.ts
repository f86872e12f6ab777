/**
 * `npm run deploy:local -- <service> [<service> ...]`: packages and redeploys services into the running
 * local stack, replacing just those services, as `serverless deploy` of one service does on AWS.
 */
import './warnings';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defineCommand, parseCommandLine, usageError } from '../../../scripts/lib/cli';
import { SERVICE_NAMES } from '../deploy/templates';
import { localPaths, type StackInfo } from '../stack';

const COMMAND = defineCommand({
  usage: 'npm run deploy:local -- <service> [<service> ...]',
  summary: 'Packages and redeploys services into the running local stack, replacing just those services.',
  arguments: { name: 'service', description: `a service to redeploy: ${SERVICE_NAMES.join(', ')}`, min: 1 },
  options: {},
});

async function main(): Promise<void> {
  const { positionals: services } = parseCommandLine(COMMAND);
  const unknown = services.filter((service) => !(SERVICE_NAMES as readonly string[]).includes(service));
  if (unknown.length > 0) usageError(COMMAND, `no such service: ${unknown.join(', ')}`);
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
