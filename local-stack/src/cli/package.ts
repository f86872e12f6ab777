/**
 * `npm run package`: packages the four services through serverless-compose (offline, no credentials),
 * recorded so that `npm start` and the tests reuse these packages while their inputs are unchanged.
 */
import './warnings';
import path from 'node:path';
import { defineCommand, parseCommandLine } from '../../../scripts/lib/cli';
import { packageWithCompose } from '../deploy/package';
import { SERVICE_NAMES } from '../deploy/templates';

const COMMAND = defineCommand({
  usage: 'npm run package -- [options]',
  summary:
    'Packages the four services with `serverless package` through serverless-compose (offline, no credentials, the ' +
    "services' default parameters), recorded so that npm start and the tests reuse the packages while their inputs are unchanged.",
  options: { stage: { type: 'string', value: 'stage', default: 'local', description: 'the stage to package' } },
});

const { values } = parseCommandLine(COMMAND);
packageWithCompose(path.resolve(__dirname, '../../..'), SERVICE_NAMES, values.stage).catch((error: Error) => {
  console.error(`package: ${error.message}`);
  process.exit(1);
});
