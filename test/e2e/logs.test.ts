/**
 * Issue 10's acceptance test for logs: after a drop, `npx serverless logs -f ingestDrop --stage local`
 * (and `--tail`) shows the handler's lines of that drop, and so does the AWS CLI (the one on PATH, or
 * $AWS_CLI): `aws logs tail` where the CLI has it (v2), `filter-log-events` with a JSON pattern,
 * `describe-log-groups` (the groups the templates declare, with their retention), `describe-log-streams`
 * and `get-log-events` (START ... REPORT of the invocation). The CLI part is skipped, saying why, without
 * an AWS CLI.
 */
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { AwsCli, awsCli, describeWithCli } from '../support/aws-cli';
import { log, ROOT, secondsSince, useDeployedStack } from '../support/stack';
import { waitFor } from '../support/wait';
import { drop, listKeys } from './support';

const INGESTION = path.join(ROOT, 'services', 'ingestion');
const GROUP = '/aws/lambda/ml-pipeline-ingestion-local-ingestDrop';

/** `serverless`'s environment: nothing of this process's AWS setup, LOCAL_STACK_DIR naming the stack. */
function serverlessEnv(localDir: string): NodeJS.ProcessEnv {
  return { ...process.env, LOCAL_STACK_DIR: localDir, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
}

describe('logs where Serverless and AWS users look for them', () => {
  const e2e = useDeployedStack('logs');
  // A drop the ingestion rejects (wrong columns): its handler logs a warning naming the key, and nothing else runs.
  const key = 'logs-test/customers.csv';
  const body = 'id,name,email,country,signup\n1,Ann,ann@example.com,SE,2024-01-01\n';

  /** Waits until the invocation that handled `incomingKey` has ended (its REPORT follows the handler's lines). */
  const handled = async (incomingKey: string) => {
    await waitFor(`rejected/ to keep ${incomingKey}`, async () => (await listKeys(e2e, `rejected/${incomingKey.slice('incoming/'.length)}`)).length > 0, 60_000);
    return waitFor(
      `the log of the invocation that handled ${incomingKey}`,
      () => {
        const events = e2e.stack.providers.logs.service.filterLogEvents({ group: GROUP }).events;
        const line = events.find((event) => event.message.includes('drop rejected') && event.message.includes(incomingKey));
        if (!line) return undefined;
        const stream = events.filter((event) => event.logStreamName === line.logStreamName);
        const report = stream.find((event) => event.timestamp >= line.timestamp && event.message.startsWith('REPORT RequestId:'));
        return report && { line, report, stream: line.logStreamName };
      },
      30_000,
    );
  };

  let first: Awaited<ReturnType<typeof handled>>;
  beforeAll(async () => {
    const incoming = await drop(e2e, key, body);
    first = await handled(incoming);
  }, 120_000);

  it('npx serverless logs -f ingestDrop --stage local shows the handler lines of the last drop', async () => {
    const started = Date.now();
    const output = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('npx', ['--no-install', 'serverless', 'logs', '-f', 'ingestDrop', '--stage', 'local'], { cwd: INGESTION, env: serverlessEnv(e2e.localDir), timeout: 120_000, maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    log(`serverless logs -f ingestDrop: exit ${output.code} in ${secondsSince(started)} s`);
    expect([output.code, output.stderr]).toEqual([0, expect.any(String)]);
    // The Powertools record of the drop, as written, and serverless's own summary of the invocation.
    const record = output.stdout.split('\n').find((line) => line.includes('"drop rejected"'));
    expect(record).toBeDefined();
    expect(JSON.parse(record!.slice(record!.indexOf('{')))).toMatchObject({ level: 'WARN', message: 'drop rejected', key: `incoming/${key}`, service: 'ingestion' });
    // Serverless styles its summary lines: ANSI colours may surround them.
    expect(output.stdout).toMatch(/^(\x1b\[[\d;]*m)*START/m);
    expect(output.stdout).toMatch(/^(\x1b\[[\d;]*m)*END Duration: [\d.]+ ms/m);
  }, 150_000);

  it('serverless logs --tail follows new invocations as they happen', async () => {
    // serverless asks for the streams of the function, then for their events: once it has, it is following.
    const filter = jest.spyOn(e2e.stack.providers.logs.service, 'filterLogEvents');
    const polls = () => filter.mock.calls.filter(([input]) => input.group === GROUP && input.streamNames !== undefined).length;
    const tail = spawn('npx', ['--no-install', 'serverless', 'logs', '-f', 'ingestDrop', '--stage', 'local', '--tail', '--interval', '250'], {
      cwd: INGESTION,
      env: serverlessEnv(e2e.localDir),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    tail.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    try {
      await waitFor('serverless logs --tail to poll the log group', () => polls() > 0, 90_000, 100);
      const incoming = await drop(e2e, 'logs-test/second.csv', body);
      await handled(incoming);
      await waitFor('serverless logs --tail to print the second drop', () => stdout.includes(`"key":"${incoming}"`), 30_000, 100);
      expect(stdout).toMatch(/"message":"drop rejected"/);
      expect(polls()).toBeGreaterThan(1);
    } finally {
      filter.mockRestore();
      // npx starts serverless as its child: end the whole group it leads.
      if (tail.pid) process.kill(-tail.pid, 'SIGTERM');
    }
  }, 150_000);

  describeWithCli(`through the AWS CLI (${awsCli()?.version ?? 'none'})`, () => {
    let aws: AwsCli;
    beforeAll(() => {
      aws = new AwsCli(() => e2e.info.endpoint, e2e.localDir, 60_000);
    });
    jest.setTimeout(60_000);

    it('aws logs tail shows the lines of the last drop (CLI v2; v1 has no logs tail)', async () => {
      if (aws.info.major < 2) {
        console.warn(`aws logs tail: ${aws.info.version} has no \`logs tail\` (AWS CLI v2 only); set AWS_CLI to a v2 CLI to run this test`);
        expect((await aws.fails('logs', 'tail', GROUP)).stderr).toMatch(/Invalid choice/);
        return;
      }
      const output = await aws.ok('logs', 'tail', GROUP, '--since', '1h', '--format', 'short');
      expect(output).toContain('"message":"drop rejected"');
      expect(output).toContain(`"key":"incoming/${key}"`);
      const filtered = await aws.ok('logs', 'tail', GROUP, '--since', '1h', '--filter-pattern', 'REPORT');
      expect(filtered.trim().split('\n').every((line) => line.includes('REPORT RequestId:'))).toBe(true);
    });

    it('filter-log-events takes a JSON filter pattern and pages', async () => {
      const { events } = await aws.json<{ events: Array<{ logStreamName: string; message: string; eventId: string }> }>(
        'logs', 'filter-log-events', '--log-group-name', GROUP, '--filter-pattern', '{ $.level = "WARN" && $.message = "drop rejected" }',
      );
      expect(events.length).toBeGreaterThanOrEqual(1);
      expect(events.map((event) => JSON.parse(event.message.slice(event.message.indexOf('{'))).key)).toContain(`incoming/${key}`);
      // The CLI pages on its own: one event per page, the same events.
      const paged = await aws.json<{ events: unknown[] }>('logs', 'filter-log-events', '--log-group-name', GROUP, '--filter-pattern', '{ $.level = "WARN" && $.message = "drop rejected" }', '--page-size', '1');
      expect(paged.events).toEqual(events);
      const refused = await aws.fails('logs', 'filter-log-events', '--log-group-name', GROUP, '--filter-pattern', '[ip, user]');
      expect(refused.stderr).toMatch(/InvalidParameterException.*Invalid filter pattern/);
    });

    it('describe-log-groups lists the groups the templates declare, with their retention', async () => {
      const { logGroups } = await aws.json<{ logGroups: Array<{ logGroupName: string; retentionInDays?: number; arn: string }> }>('logs', 'describe-log-groups', '--log-group-name-prefix', '/aws/lambda/ml-pipeline-');
      const names = logGroups.map((group) => group.logGroupName);
      expect(names).toContain(GROUP);
      expect(names).toContain('/aws/lambda/ml-pipeline-deployment-local-evaluateModel');
      // Every service sets logRetentionInDays: 14 (serverless.yml), which serverless puts on each function's group.
      expect(logGroups.find((group) => group.logGroupName === '/aws/lambda/ml-pipeline-deployment-local-evaluateModel')?.retentionInDays).toBe(14);
      expect(logGroups.find((group) => group.logGroupName === GROUP)).toEqual(expect.objectContaining({ retentionInDays: 14, arn: `arn:aws:logs:us-east-1:000000000000:log-group:${GROUP}:*` }));
    });

    it('describe-log-streams and get-log-events show the invocation from START to REPORT', async () => {
      const { logStreams } = await aws.json<{ logStreams: Array<{ logStreamName: string }> }>('logs', 'describe-log-streams', '--log-group-name', GROUP, '--order-by', 'LastEventTime', '--descending');
      expect(logStreams.map((stream) => stream.logStreamName)).toContain(first.stream);
      const { events } = await aws.json<{ events: Array<{ message: string }> }>('logs', 'get-log-events', '--log-group-name', GROUP, '--log-stream-name', first.stream, '--start-from-head');
      const messages = events.map((event) => event.message);
      const start = messages.findIndex((message) => message.startsWith('START RequestId:'));
      const rejected = messages.findIndex((message) => message.includes('drop rejected'));
      const report = messages.findIndex((message, index) => index > rejected && message.startsWith('REPORT RequestId:'));
      expect(start).toBeGreaterThanOrEqual(0);
      expect(start).toBeLessThan(rejected);
      expect(rejected).toBeLessThan(report);
      expect(messages[report - 1]).toMatch(/^END RequestId: /);
    });
  });
});
