/**
 * `npm start`: runs the local stack in the foreground until Ctrl-C or SIGTERM. The npm script execs node
 * (`exec node --import tsx ...`), so that a SIGTERM sent to npm reaches this process: through `sh -c` and
 * the tsx wrapper it stopped at the shell and left the stack running, orphaned, on its port.
 */
import './warnings';
import path from 'node:path';
import { createPipelineClients, LOCAL_CREDENTIALS, pipelineConfig } from '../../../console/src/data/clients';
import { formatRunLine, followRuns, RunFollower } from '../../../console/src/data/follow';
import { PipelineStore } from '../../../console/src/data/store';
import { defineCommand, parseCommandLine } from '../../../scripts/lib/cli';
import { consoleLogger } from '../core/logger';
import { startLocalStack, type RunningStack } from '../stack';

const root = path.resolve(__dirname, '../../..');

const COMMAND = defineCommand({
  usage: 'npm start',
  summary:
    'Runs the local stack in the foreground until Ctrl-C or SIGTERM: packages the four services when they changed, deploys ' +
    'them into itself and writes .local/stack.json when ready; prints the console URL and a line per stage of each run. ' +
    'Environment: LOCAL_STACK_PORT (default 4566, 0 for a free port), LOCAL_STACK_DIR (default .local), ' +
    'LOCAL_STACK_LOG_LEVEL=debug (every request, and all function output, in the terminal), LOCAL_STACK_CHAOS, ' +
    'LOCAL_STACK_FOLLOW=0 (no run lines). The terminal shows warnings and errors, handlers\' included, one line each; ' +
    'everything functions, Glue jobs and training jobs print is in CloudWatch Logs (npx serverless logs -f <function> --stage local).',
  options: {},
});

async function main(): Promise<void> {
  parseCommandLine(COMMAND);
  const say = (message: string) => console.log(`[local-stack] ${message}`);
  say('starting: packaging the services and starting the providers');
  const stack = await startLocalStack({
    root,
    // Default <root>/.local; another directory keeps a second stack (a test's, say) apart from this checkout's.
    localDir: process.env.LOCAL_STACK_DIR ? path.resolve(process.env.LOCAL_STACK_DIR) : undefined,
    logger: consoleLogger('local-stack', process.env.LOCAL_STACK_LOG_LEVEL === 'debug' ? 'debug' : 'warn'),
    progress: say,
  });
  const { info, timings } = stack;
  say(`ready in ${(timings.readyMs / 1000).toFixed(1)} s (packaging ${(timings.packagingMs / 1000).toFixed(1)} s, deploy ${(timings.deployMs / 1000).toFixed(1)} s)`);
  say(`endpoint    ${info.endpoint}`);
  say(`data bucket s3://${info.dataBucket}/${info.incomingPrefix}  (drop labeled data here)`);
  say(`emails      ${info.mailDir}`);
  say(`console     ${info.consoleUrl}`);
  say(`stack info  ${stack.infoFile}`);
  say(`logs        npx serverless logs -f <function> --stage local (in services/<name>), or aws logs tail /aws/lambda/<function name> --endpoint-url ${info.endpoint}`);
  say(`try: AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=${info.region} aws --endpoint-url ${info.endpoint} s3 ls s3://${info.dataBucket}/`);
  // One line per stage of each run, from the same data layer as the console (LOCAL_STACK_FOLLOW=0: none).
  const follow = process.env.LOCAL_STACK_FOLLOW === '0' ? undefined : followStack(stack, say);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping`);
    await follow?.stop();
    await stack.stop();
    say('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function followStack(stack: RunningStack, say: (message: string) => void) {
  const { info } = stack;
  const clients = createPipelineClients({ region: info.region, endpoint: info.endpoint, credentials: LOCAL_CREDENTIALS });
  const store = new PipelineStore(clients, pipelineConfig(info.stage, info.region, '', info.dataBucket));
  return followRuns(store, new RunFollower(), {
    onLines: (lines) => lines.forEach((line) => say(formatRunLine(line))),
    onError: (message) => say(`(run lines: ${message})`),
  });
}

main().catch((error: Error) => {
  console.error(`[local-stack] failed to start: ${error.message}`);
  process.exit(1);
});
