import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { type AwsRequest, type EventBridgeEvent, type ObjectStore } from '../../local-stack/src/core/types';
import { GlueProvider } from '../../local-stack/src/providers/glue/provider';
import { LogsService } from '../../local-stack/src/providers/logs';
import { temporaryDirectory, type TemporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';
import { accountRoot } from '../../local-stack/src/core/credentials';

const JOB = 'ml-pipeline-test-preprocess';

/** An ObjectStore over one folder per bucket: enough to hand the provider its script. */
function folderStore(root: string): ObjectStore {
  const file = (bucket: string, key: string) => path.join(root, bucket, key);
  return {
    listKeys: async () => [],
    readObject: async (bucket, key) => createReadStream(file(bucket, key)),
    objectPath: async (bucket, key) => file(bucket, key),
    writeObject: async () => ({ etag: 'unused' }),
  };
}

function request(operation: string, input: Record<string, unknown>): AwsRequest {
  return {
    method: 'POST',
    path: '/',
    rawPath: '/',
    query: new URLSearchParams(),
    headers: { 'x-amz-target': `AWSGlue.${operation}` },
    body: Buffer.from(JSON.stringify(input)),
    service: 'glue',
    region: 'us-east-1',
    accountId: '000000000000',
    requestId: 'r',
    caller: accountRoot(),
  };
}

/** Calls an operation; an AWS error rejects as the AwsError the router would serialise. */
async function call(provider: GlueProvider, operation: string, input: Record<string, unknown>) {
  const response = await provider.handle(request(operation, input));
  return JSON.parse(String(response.body)) as Record<string, unknown>;
}

describe('Glue provider', () => {
  let dir: string;
  let events: EventBridgeEvent[];
  let provider: GlueProvider;
  let logs: LogsService;

  const script = (body: string) => {
    rmSync(path.join(dir, 'objects'), { recursive: true, force: true });
    mkdirSync(path.join(dir, 'objects', 'bucket', 'glue'), { recursive: true });
    writeFileSync(path.join(dir, 'objects', 'bucket', 'glue', 'job.py'), body);
  };

  function newProvider(): GlueProvider {
    const glue = new GlueProvider({
      stateDir: path.join(dir, 'state'),
      objects: folderStore(path.join(dir, 'objects')),
      events: { publish: async (event) => void events.push(event as EventBridgeEvent) },
      endpointUrl: () => 'http://127.0.0.1:1',
      region: 'us-east-1',
      logs,
    });
    glue.putJob({
      Name: JOB,
      Command: { Name: 'pythonshell', ScriptLocation: 's3://bucket/glue/job.py' },
      DefaultArguments: { '--greeting': 'hello' },
      ExecutionProperty: { MaxConcurrentRuns: 1 },
      Timeout: 1,
    });
    return glue;
  }

  let temp: TemporaryDirectory;

  beforeEach(() => {
    temp = temporaryDirectory('glue');
    dir = temp.dir;
    events = [];
    logs = new LogsService({ stateDir: path.join(dir, 'state'), region: 'us-east-1' });
    provider = newProvider();
  });
  afterEach(async () => {
    await provider.stop();
    logs.stop();
    temp.remove();
  });

  const terminalEvent = () => events.find((event) => event.detail.state !== 'RUNNING');

  it('runs the script with the default and run arguments and reports SUCCEEDED', async () => {
    script('import sys, json\nprint(json.dumps(sys.argv[1:]))\n');
    const { JobRunId } = await call(provider, 'StartJobRun', { JobName: JOB, Arguments: { '--run_id': 'r1' } });
    const event = await waitFor('the state change event', terminalEvent, 10_000);
    expect(event).toMatchObject({
      source: 'aws.glue',
      'detail-type': 'Glue Job State Change',
      detail: { jobName: JOB, state: 'SUCCEEDED', jobRunId: JobRunId, severity: 'INFO' },
    });
    const { JobRun } = await call(provider, 'GetJobRun', { JobName: JOB, RunId: JobRunId });
    expect(JobRun).toMatchObject({ JobRunState: 'SUCCEEDED', Arguments: { '--run_id': 'r1' } });
    const log = readFileSync(path.join(dir, 'state', 'glue', 'logs', `${JobRunId}.log`), 'utf8');
    expect(JSON.parse(log)).toEqual(expect.arrayContaining(['--greeting', 'hello', '--run_id', 'r1', '--JOB_NAME', JOB]));
  });

  it('reports FAILED with the last line the script wrote to stderr', async () => {
    script('import sys\nsys.exit("nothing usable in the input")\n');
    await call(provider, 'StartJobRun', { JobName: JOB });
    const event = await waitFor('the failure event', terminalEvent, 10_000);
    expect(event.detail).toMatchObject({ state: 'FAILED', message: 'nothing usable in the input' });
  });

  it("writes a run's stdout to /aws-glue/python-jobs/output and its stderr to .../error, in a stream named by the run id", async () => {
    script('import sys\nprint("rows read: 3")\nprint("r\\u00e9sum\\u00e9", flush=True)\nsys.stderr.write("WARNING: 1 row skipped\\nTraceback: none\\nno newline at the end")\n');
    const { JobRunId } = (await call(provider, 'StartJobRun', { JobName: JOB })) as { JobRunId: string };
    await waitFor('the state change event', terminalEvent, 10_000);
    const messages = (group: string) => logs.filterLogEvents({ group, streamNames: [JobRunId] }).events.map((event) => event.message);
    expect(messages('/aws-glue/python-jobs/output')).toEqual(['rows read: 3', 'résumé']);
    expect(messages('/aws-glue/python-jobs/error')).toEqual(['WARNING: 1 row skipped', 'Traceback: none', 'no newline at the end']);
    const { JobRun } = await call(provider, 'GetJobRun', { JobName: JOB, RunId: JobRunId });
    expect(JobRun).toMatchObject({ LogGroupName: '/aws-glue/python-jobs' });
  });

  it('refuses a second concurrent run, and stops a run on request', async () => {
    script('import time\ntime.sleep(30)\n');
    const { JobRunId } = await call(provider, 'StartJobRun', { JobName: JOB });
    await expect(call(provider, 'StartJobRun', { JobName: JOB })).rejects.toMatchObject({
      code: 'ConcurrentRunsExceededException',
    });
    const stopped = await call(provider, 'BatchStopJobRun', { JobName: JOB, JobRunIds: [JobRunId] });
    expect(stopped.SuccessfulSubmissions).toEqual([{ JobName: JOB, JobRunId }]);
    const event = await waitFor('the stop event', terminalEvent, 10_000);
    expect(event.detail.state).toBe('STOPPED');
  });

  it('answers unknown jobs and operations with AWS errors', async () => {
    await expect(call(provider, 'StartJobRun', { JobName: 'nope' })).rejects.toMatchObject({ code: 'EntityNotFoundException' });
    await expect(call(provider, 'CreateCrawler', {})).rejects.toMatchObject({
      code: 'UnknownOperationException',
      message: expect.stringMatching(/CreateCrawler/),
    });
  });

  it('fails a run that was in progress when the stack stopped, after a restart', async () => {
    script('import time\ntime.sleep(30)\n');
    const { JobRunId } = await call(provider, 'StartJobRun', { JobName: JOB });
    await provider.stop();
    provider = newProvider();
    await provider.start();
    const { JobRun } = await call(provider, 'GetJobRun', { JobName: JOB, RunId: JobRunId });
    expect(JobRun).toMatchObject({ JobRunState: 'FAILED', ErrorMessage: expect.stringMatching(/stopped while/) });
    expect(events.at(-1)?.detail).toMatchObject({ state: 'FAILED', jobRunId: JobRunId });
  });
});
