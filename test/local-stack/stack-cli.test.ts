/**
 * Issue 4's acceptance test for SQS, EventBridge and Glue, through the AWS CLI alone (v1 or v2), against the
 * local stack with the project's four services deployed into it (a temporary state directory, a
 * free port; packaging is reused when current, as `npm test` leaves it): the deployed queues and
 * rules are listed, a message makes a round trip, a custom pipeline event is routed to the
 * notification queue and becomes an email, and a run of the deployed Glue job started with
 * arguments ends SUCCEEDED, honours them, and sets the pipeline going. S3, STS and SES v2 are in
 * server-cli.test.ts. Skipped without an AWS CLI.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dataBucketName, glueJobName, trainingJobName } from '../../shared/src/names';
import { PIPELINE_DETAIL_TYPES } from '../../shared/src/events';
import { loadPackagedService, SERVICE_NAMES } from '../../local-stack/src/deploy/templates';
import { startLocalStack, type RunningStack, type StackInfo } from '../../local-stack/src/stack';
import { readMailbox, type Mail } from '../../scripts/lib/mail';
import { AwsCli, describeWithCli, printedTimestampMs } from '../support/aws-cli';
import { temporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';
import { DBPEDIA_CSV } from './sagemaker-harness';

const ROOT = path.resolve(__dirname, '..', '..');
const STAGE = 'local';
const ACCOUNT = '000000000000';
const BUCKET = dataBucketName(STAGE, ACCOUNT, 'us-east-1');
const NOTIFICATIONS = `ml-pipeline-${STAGE}-notifications`;
const GLUE_JOB = glueJobName(STAGE);

interface Message {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
}

interface Rule {
  Name: string;
  Arn: string;
  EventPattern: string;
  State: string;
  EventBusName: string;
}

interface JobRun {
  Id: string;
  JobName: string;
  JobRunState: string;
  Arguments?: Record<string, string>;
  ErrorMessage?: string;
  StartedOn?: string | number;
  CompletedOn?: string | number;
}

/** Names of the EventBridge rules in the packaged templates: what the stack deployed. */
function packagedRuleNames(): string[] {
  return SERVICE_NAMES.flatMap((service) =>
    Object.values(loadPackagedService(ROOT, service).template.Resources)
      // A rule with a condition (the retrainSchedule rule: parameter none by default) is not created.
      .filter((resource) => resource.Type === 'AWS::Events::Rule' && resource.Condition === undefined)
      .map((resource) => resource.Properties?.Name as string),
  ).sort();
}

/** A run id in the pipeline's own shape (`YYYYMMDD-HHMMSS-xxxxxx`), unique to this test file's run. */
function testRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${createHash('sha256').update(`${process.pid}-${Math.random()}`).digest('hex').slice(0, 6)}`;
}

describeWithCli('AWS CLI against the local stack with the services deployed', () => {
  let stack: RunningStack;
  let info: StackInfo;
  let localDir: string;
  let aws: AwsCli;

  beforeAll(async () => {
    localDir = temporaryDirectory('stack-cli').dir;
    stack = await startLocalStack({ root: ROOT, localDir, port: 0, chaos: '' });
    // The CLI is pointed where stack.json says, as a user of the stack would point it.
    info = JSON.parse(readFileSync(stack.infoFile, 'utf8')) as StackInfo;
    expect(info).toMatchObject({ stage: STAGE, dataBucket: BUCKET, endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    aws = new AwsCli(() => info.endpoint, localDir);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    if (localDir) await rm(localDir, { recursive: true, force: true });
  });

  /** The first email, not in `seen`, whose subject matches. */
  function nextMail(subject: RegExp, seen: Set<string>, timeoutMs = 30_000): Promise<Mail> {
    return waitFor(`an email matching ${subject}`, () => readMailbox(info.mailDir).find((mail) => !seen.has(mail.file) && subject.test(mail.subject)), timeoutMs);
  }
  const mailFiles = (): Set<string> => new Set(readMailbox(info.mailDir).map((mail) => mail.file));

  async function queueUrl(name: string): Promise<string> {
    return (await aws.json<{ QueueUrl: string }>('sqs', 'get-queue-url', '--queue-name', name)).QueueUrl;
  }

  async function queueAttributes(url: string, ...names: string[]): Promise<Record<string, string>> {
    return (await aws.json<{ Attributes: Record<string, string> }>('sqs', 'get-queue-attributes', '--queue-url', url, '--attribute-names', ...names)).Attributes;
  }

  describe('sqs', () => {
    it('lists the deployed notification queue and its DLQ, and reads their attributes', async () => {
      const listed = await aws.json<{ QueueUrls: string[] }>('sqs', 'list-queues', '--queue-name-prefix', NOTIFICATIONS);
      const base = `${info.endpoint}/${ACCOUNT}`;
      expect(listed.QueueUrls).toEqual([`${base}/${NOTIFICATIONS}`, `${base}/${NOTIFICATIONS}-dlq`]);

      const attributes = await queueAttributes(`${base}/${NOTIFICATIONS}`, 'All');
      expect(attributes).toMatchObject({
        QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${NOTIFICATIONS}`,
        VisibilityTimeout: '180',
        SqsManagedSseEnabled: 'true',
      });
      for (const count of ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed']) {
        expect(attributes[count]).toMatch(/^\d+$/);
      }
      const dlq = await queueAttributes(`${base}/${NOTIFICATIONS}-dlq`, 'QueueArn', 'MessageRetentionPeriod');
      expect(dlq).toEqual({ QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${NOTIFICATIONS}-dlq`, MessageRetentionPeriod: '1209600' });
      expect(JSON.parse(attributes.RedrivePolicy!)).toEqual({ deadLetterTargetArn: dlq.QueueArn, maxReceiveCount: 3 });
    }, 60_000);

    it('sends a message, receives it with its attributes, and deletes it', async () => {
      const url = (await aws.json<{ QueueUrl: string }>('sqs', 'create-queue', '--queue-name', 'cli-round-trip', '--attributes', 'VisibilityTimeout=60')).QueueUrl;
      expect(url).toBe(`${info.endpoint}/${ACCOUNT}/cli-round-trip`);
      expect(await queueUrl('cli-round-trip')).toBe(url);

      // What the query protocol has to escape (markup, a carriage return) and what UTF-8 has to carry.
      const body = 'Model <deployed> & "ready": 95 % \r\nüñï©ødé ✓ 😀';
      const sent = await aws.json<{ MessageId: string; MD5OfMessageBody: string; MD5OfMessageAttributes: string }>(
        'sqs',
        'send-message',
        '--queue-url',
        url,
        '--message-body',
        body,
        '--message-attributes',
        JSON.stringify({
          kind: { DataType: 'String', StringValue: 'cli <test>' },
          attempt: { DataType: 'Number', StringValue: '3' },
          raw: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2, 255]).toString('base64') },
        }),
      );
      expect(sent.MD5OfMessageBody).toBe(createHash('md5').update(body, 'utf8').digest('hex'));
      expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
      expect(await queueAttributes(url, 'ApproximateNumberOfMessages')).toEqual({ ApproximateNumberOfMessages: '1' });

      const received = await aws.json<{ Messages: Message[] }>(
        'sqs',
        'receive-message',
        '--queue-url',
        url,
        '--attribute-names',
        'All',
        '--message-attribute-names',
        'All',
        '--max-number-of-messages',
        '10',
        '--wait-time-seconds',
        '5',
      );
      expect(received.Messages).toHaveLength(1);
      const [message] = received.Messages as [Message];
      expect(message).toMatchObject({ MessageId: sent.MessageId, Body: body, MD5OfBody: sent.MD5OfMessageBody });
      expect(message.Attributes).toMatchObject({ ApproximateReceiveCount: '1', SenderId: ACCOUNT });
      expect(Number(message.Attributes?.SentTimestamp)).toBeGreaterThan(Date.now() - 60_000);
      expect(message.MessageAttributes).toEqual({
        kind: { DataType: 'String', StringValue: 'cli <test>' },
        attempt: { DataType: 'Number', StringValue: '3' },
        raw: { DataType: 'Binary', BinaryValue: aws.bytesSentFor(Buffer.from([0, 1, 2, 255]).toString('base64')).toString('base64') },
      });
      expect(await queueAttributes(url, 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible')).toEqual({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '1',
      });

      // An empty receive prints nothing at all.
      expect(await aws.ok('sqs', 'receive-message', '--queue-url', url)).toBe('');
      expect(await aws.ok('sqs', 'delete-message', '--queue-url', url, '--receipt-handle', message.ReceiptHandle)).toBe('');
      expect(await queueAttributes(url, 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible')).toEqual({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '0',
      });
    }, 60_000);

    it('reports a missing queue as an error', async () => {
      const missing = await aws.fails('sqs', 'get-queue-url', '--queue-name', 'no-such-queue');
      expect(missing.stderr).toContain('AWS.SimpleQueueService.NonExistentQueue');
    }, 30_000);
  });

  describe('events', () => {
    it('lists the deployed rules, with their patterns and targets', async () => {
      const { Rules: rules } = await aws.json<{ Rules: Rule[] }>('events', 'list-rules');
      expect(rules.map((rule) => rule.Name).sort()).toEqual(packagedRuleNames());
      for (const rule of rules) {
        expect(rule).toMatchObject({ State: 'ENABLED', EventBusName: 'default', Arn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/${rule.Name}` });
        expect(() => JSON.parse(rule.EventPattern) as unknown).not.toThrow();
      }
      const notify = rules.find((rule) => rule.Name === `ml-pipeline-${STAGE}-notify`)!;
      expect(JSON.parse(notify.EventPattern)).toEqual({
        source: [{ prefix: 'ml-pipeline.' }],
        'detail-type': PIPELINE_DETAIL_TYPES,
        detail: { stage: [STAGE] },
      });
      const ingest = rules.find((rule) => rule.Name === `ml-pipeline-${STAGE}-ingest-drop`)!;
      expect(JSON.parse(ingest.EventPattern)).toMatchObject({ source: ['aws.s3'], detail: { bucket: { name: [BUCKET] }, object: { key: [{ prefix: 'incoming/' }] } } });

      const targets = await aws.json<{ Targets: Array<{ Id: string; Arn: string }> }>('events', 'list-targets-by-rule', '--rule', notify.Name);
      expect(targets.Targets).toEqual([{ Id: 'notifications-queue', Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${NOTIFICATIONS}` }]);

      const missing = await aws.fails('events', 'describe-rule', '--name', 'no-such-rule');
      expect(missing.stderr).toContain('ResourceNotFoundException');
    }, 60_000);

    it('accepts a custom pipeline event and routes it through the notification queue to an email', async () => {
      const seen = mailFiles();
      const runId = testRunId();
      const detail = {
        runId,
        stage: STAGE,
        at: new Date().toISOString(),
        bucket: BUCKET,
        key: `incoming/cli/${runId}.csv`,
        rejectedKey: `rejected/cli/${runId}.csv`,
        reason: 'sent by the AWS CLI test',
      };
      const put = await aws.json<{ FailedEntryCount: number; Entries: Array<{ EventId?: string; ErrorCode?: string }> }>(
        'events',
        'put-events',
        '--entries',
        JSON.stringify([{ Source: 'ml-pipeline.ingestion', DetailType: 'Dataset Rejected', Detail: JSON.stringify(detail) }]),
      );
      expect(put.FailedEntryCount).toBe(0);
      expect(put.Entries).toEqual([{ EventId: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);

      const mail = await nextMail(new RegExp(`^\\[${STAGE}\\] Data rejected: incoming/cli/${runId}\\.csv \\(sent by the AWS CLI test\\)$`), seen);
      expect(mail.text).toContain(`Run:      ${runId}`);
      expect(mail.text).toContain(`s3://${BUCKET}/rejected/cli/${runId}.csv`);
      // The email names the event it came from: the one put-events answered with.
      expect(mail.text.replace(/\s+/g, '')).toContain(put.Entries[0]!.EventId!.replace(/\s+/g, ''));
    }, 60_000);

    it('accepts a batch entry by entry, reporting the malformed ones', async () => {
      const put = await aws.json<{ FailedEntryCount: number; Entries: Array<{ EventId?: string; ErrorCode?: string; ErrorMessage?: string }> }>(
        'events',
        'put-events',
        '--entries',
        JSON.stringify([
          { Source: 'cli.test', DetailType: 'Ping', Detail: '{"n":1}' },
          { Source: 'cli.test', DetailType: 'Ping', Detail: 'not json' },
        ]),
      );
      expect(put.FailedEntryCount).toBe(1);
      expect(put.Entries).toEqual([{ EventId: expect.stringMatching(/^[0-9a-f-]{36}$/) }, { ErrorCode: 'MalformedDetail', ErrorMessage: expect.any(String) }]);
    }, 30_000);
  });

  describe('glue', () => {
    it('lists the deployed preprocessing job', async () => {
      const { Jobs: jobs } = await aws.json<{ Jobs: Array<Record<string, unknown>> }>('glue', 'get-jobs');
      expect(jobs).toEqual([
        expect.objectContaining({
          Name: GLUE_JOB,
          Command: expect.objectContaining({ Name: 'pythonshell', ScriptLocation: `s3://${BUCKET}/glue-scripts/preprocess.py` }),
          DefaultArguments: expect.objectContaining({ '--validation_ratio': '0.1', '--test_ratio': '0.1' }),
          ExecutionProperty: { MaxConcurrentRuns: 1 },
        }),
      ]);
      // The script the job names is in the bucket: the deployment uploaded it.
      const script = await aws.json<{ ContentLength: number }>('s3api', 'head-object', '--bucket', BUCKET, '--key', 'glue-scripts/preprocess.py');
      expect(script.ContentLength).toBeGreaterThan(1000);

      const missing = await aws.fails('glue', 'get-job-runs', '--job-name', 'no-such-job');
      expect(missing.stderr).toContain('EntityNotFoundException');
    }, 30_000);

    it('runs the job with arguments to SUCCEEDED; the run honours them and the pipeline trains on its output', async () => {
      // 1,000 rows of the DBpedia sample (header-less, shuffled) and its classes, kept under labeled/.
      const csv = readFileSync(DBPEDIA_CSV, 'utf8').split('\n').slice(0, 1000).join('\n') + '\n';
      const csvFile = path.join(localDir, 'dbpedia-1000.csv');
      await writeFile(csvFile, csv);
      await aws.ok('s3', 'cp', csvFile, `s3://${BUCKET}/labeled/cli/dbpedia-1000.csv`, '--no-progress');
      await aws.ok('s3', 'cp', path.join(path.dirname(DBPEDIA_CSV), 'classes.txt'), `s3://${BUCKET}/labeled/classes.txt`, '--no-progress');

      const seen = mailFiles();
      const runId = testRunId();
      const args = {
        '--input_uri': `s3://${BUCKET}/labeled/`,
        '--output_uri': `s3://${BUCKET}/prepared/${runId}/`,
        '--run_id': runId,
        '--validation_ratio': '0.2',
        '--test_ratio': '0.15',
      };
      const started = await aws.json<{ JobRunId: string }>('glue', 'start-job-run', '--job-name', GLUE_JOB, '--arguments', JSON.stringify(args));
      expect(started.JobRunId).toMatch(/^jr_[0-9a-f]{64}$/);

      const run = await waitFor(
        `Glue run ${started.JobRunId} to end`,
        async () => {
          const { JobRuns: runs } = await aws.json<{ JobRuns: JobRun[] }>('glue', 'get-job-runs', '--job-name', GLUE_JOB);
          const found = runs.find((candidate) => candidate.Id === started.JobRunId);
          return found && !['STARTING', 'RUNNING', 'STOPPING', 'WAITING'].includes(found.JobRunState) ? found : undefined;
        },
        60_000,
        200,
      );
      expect(run).toMatchObject({ JobName: GLUE_JOB, JobRunState: 'SUCCEEDED', Arguments: args });
      expect(run.ErrorMessage).toBeUndefined();
      expect(printedTimestampMs(run.CompletedOn)).toBeGreaterThanOrEqual(printedTimestampMs(run.StartedOn));
      expect(printedTimestampMs(run.StartedOn)).toBeGreaterThan(Date.now() - 600_000);

      // The ratios given as arguments, not the job's defaults (0.1, 0.1), shaped the splits.
      const manifest = JSON.parse(await aws.ok('s3', 'cp', `s3://${BUCKET}/prepared/${runId}/manifest.json`, '-')) as {
        run_id: string;
        input_rows: number;
        rows: { train: number; validation: number; test: number };
      };
      expect(manifest.run_id).toBe(runId);
      expect(manifest.input_rows).toBe(1000);
      const total = manifest.rows.train + manifest.rows.validation + manifest.rows.test;
      expect(manifest.rows.validation / total).toBeCloseTo(0.2, 1);
      expect(manifest.rows.test / total).toBeCloseTo(0.15, 1);
      const listing = await aws.ok('s3', 'ls', `s3://${BUCKET}/prepared/${runId}/`, '--recursive');
      for (const key of ['train/train.txt', 'validation/validation.txt', 'test/test.txt']) expect(listing).toContain(`prepared/${runId}/${key}`);

      // The run's Glue Job State Change reached the training service through its deployed rule.
      const trainingJob = trainingJobName(STAGE, runId);
      const training = await waitFor(
        `training job ${trainingJob} to end`,
        async () => {
          const result = await aws.run('sagemaker', 'describe-training-job', '--training-job-name', trainingJob);
          if (result.code !== 0) return undefined;
          const job = JSON.parse(result.stdout) as { TrainingJobStatus: string; InputDataConfig: Array<{ ChannelName: string; DataSource: { S3DataSource: { S3Uri: string } } }> };
          return job.TrainingJobStatus === 'InProgress' ? undefined : job;
        },
        60_000,
        200,
      );
      expect(training.TrainingJobStatus).toBe('Completed');
      expect(training.InputDataConfig.find((channel) => channel.ChannelName === 'train')?.DataSource.S3DataSource.S3Uri).toBe(`s3://${BUCKET}/prepared/${runId}/train/`);
      // And on to the quality gate and its email: nothing of the run is left in flight when the stack stops.
      const outcome = await nextMail(new RegExp(`^\\[${STAGE}\\] Model (deployed|rejected): .*\\brun ${runId}\\b`), seen, 60_000);
      expect(outcome.text).toContain(trainingJob);
    }, 120_000);
  });
});
