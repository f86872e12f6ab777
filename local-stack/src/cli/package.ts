/**
 * `npm run package`: packages the four services through serverless-compose (offline, no credentials),
 * recorded so that `npm start` and the tests reuse these packages while their inputs are unchanged.
 */
import './warnings';
import path from 'node:path';
import { packageWithCompose } from '../deploy/package';
import { SERVICE_NAMES } from '../deploy/templates';

packageWithCompose(path.resolve(__dirname, '../../..'), SERVICE_NAMES, process.argv[2] ?? 'local').catch((error: Error) => {
  console.error(`package: ${error.message}`);
  process.exit(1);
});
