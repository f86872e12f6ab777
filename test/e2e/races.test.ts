/**
 * Races and duplicates:
 * - two drops in quick succession: nothing is lost, Glue never runs twice at once, and the model
 *   finally serving was trained on both;
 * - chaos mode (every event delivered twice, 20% of Lambda invocations failing): exactly one Glue
 *   run and one training job per run, one endpoint deployment per run, every email exactly once.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import type { JobRun } from '@aws-sdk/client-glue';
import { ListTransformJobsCommand } from '@aws-sdk/client-sagemaker';
import { transformJobName } from '@pipeline/shared';
import { localCredentials, log, secondsSince, useDeployedStack } from '../support/stack';
import { waitFor } from '../support/wait';
import {
  classesFile,
  describeEndpoint,
  drop,
  dropWithClasses,
  listKeys,
  manifestSourceKeys,
  readManifest,
  runIdOf,
  SUBJECT,
  syntheticCsv,
  trainingJobs,
  waitForLabeled,
  waitUntilIdle,
} from './support';

const fileStarted = Date.now();
afterAll(() => log(`file races.test.ts took ${secondsSince(fileStarted)} s`));

const runIdOfRun = (run: JobRun): string => run.Arguments?.['--run_id'] ?? '';

/** Glue runs sorted by start; each ends before the next starts. */
function expectNoOverlap(runs: JobRun[]): void {
  const sorted = [...runs].sort((a, b) => a.StartedOn!.getTime() - b.StartedOn!.getTime());
  for (let i = 1; i < sorted.length; i++) {
    expect(sorted[i - 1]!.CompletedOn!.getTime()).toBeLessThanOrEqual(sorted[i]!.StartedOn!.getTime());
  }
}

// The drops of these tests carry no label noise: with the generator's default 3% of random labels, a validation
// split of 150 to 400 rows varies by about 1.5 points between runs, and the quality gate (at most 2 points below
// the model in service) rejected the second run's model in 2 of 12 chaos runs. These tests are about events, not
// about the gate (rejections.test is).
describe('two drops in quick succession', () => {
  const e2e = useDeployedStack('races');

  it('loses nothing, never runs Glue twice at once, and ends serving a model trained on both', async () => {
    await drop(e2e, 'burst/classes.txt', classesFile());
    await waitForLabeled(e2e, 'burst/classes.txt');
    const started = Date.now();
    await drop(e2e, 'burst/a.csv', syntheticCsv({ rows: 2_000, seed: 31, labelNoise: 0 }));
    await drop(e2e, 'burst/b.csv', syntheticCsv({ rows: 2_000, seed: 32, labelNoise: 0 }));

    const { runs, finals } = await waitUntilIdle(e2e, 150_000);
    log(`two drops: ${runs.length} Glue run(s), idle after ${secondsSince(started)} s`);
    const [keyA, keyB] = [await waitForLabeled(e2e, 'burst/a.csv'), await waitForLabeled(e2e, 'burst/b.csv')];
    expect(await listKeys(e2e, 'incoming/')).toEqual([]);

    // one run at a time; a run per drop at most; every run trained and was deployed
    expectNoOverlap(runs);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(2);
    expect(runs.every((run) => run.JobRunState === 'SUCCEEDED')).toBe(true);
    expect(finals.every((mail) => SUBJECT['Model Deployed'].test(mail.subject))).toBe(true);
    const jobs = await trainingJobs(e2e);
    expect(jobs.map((job) => job.TrainingJobName).sort()).toEqual(runs.map((run) => `mlp-local-${runIdOfRun(run)}`).sort());

    // the last run read both drops, and its model is the one serving
    const last = [...runs].sort((a, b) => a.StartedOn!.getTime() - b.StartedOn!.getTime()).at(-1)!;
    const manifest = await readManifest(e2e, runIdOfRun(last));
    expect(manifestSourceKeys(manifest, e2e.info.dataBucket)).toEqual([keyA, keyB].sort());
    expect(manifest.input_rows).toBe(4_000);
    expect((await describeEndpoint(e2e))?.EndpointConfigName).toBe(`mlp-local-${runIdOfRun(last)}`);
    // one email per run
    expect(finals.map(runIdOf).sort()).toEqual(runs.map(runIdOfRun).sort());
  }, 180_000);
});

describe('chaos: every event twice, 20% of invocations failing', () => {
  const e2e = useDeployedStack('chaos', { chaos: 'duplicate,fail:0.2,seed:7' });
  let endpointEventsQueue = '';

  beforeAll(async () => {
    // A failed notification batch comes back after the queue's visibility timeout (180 s): lowered, as an
    // operator could, so that redeliveries take seconds. The function and the queue are otherwise as deployed.
    const notifications = (await e2e.sqs.send(new GetQueueUrlCommand({ QueueName: 'ml-pipeline-local-notifications' }))).QueueUrl!;
    await e2e.sqs.send(new SetQueueAttributesCommand({ QueueUrl: notifications, Attributes: { VisibilityTimeout: '2' } }));
    // The endpoint's state changes, as any subscriber sees them.
    const queue = await e2e.sqs.send(new CreateQueueCommand({ QueueName: 'e2e-endpoint-events' }));
    endpointEventsQueue = queue.QueueUrl!;
    const { Attributes } = await e2e.sqs.send(new GetQueueAttributesCommand({ QueueUrl: endpointEventsQueue, AttributeNames: ['QueueArn'] }));
    const events = new EventBridgeClient({ endpoint: e2e.info.endpoint, region: e2e.info.region, credentials: localCredentials });
    await events.send(
      new PutRuleCommand({
        Name: 'e2e-endpoint-events',
        EventPattern: JSON.stringify({ source: ['aws.sagemaker'], 'detail-type': ['SageMaker Endpoint State Change'], detail: { EndpointName: [e2e.info.endpointName] } }),
      }),
    );
    await events.send(new PutTargetsCommand({ Rule: 'e2e-endpoint-events', Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn! }] }));
  }, 120_000);

  async function endpointEvents(): Promise<Array<{ id: string; status: string; config: string }>> {
    const events: Array<{ id: string; status: string; config: string }> = [];
    for (;;) {
      const { Messages } = await e2e.sqs.send(new ReceiveMessageCommand({ QueueUrl: endpointEventsQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300 }));
      if (!Messages?.length) return events;
      for (const message of Messages) {
        const event = JSON.parse(message.Body!) as { id: string; detail: { EndpointStatus: string; EndpointConfigName?: string } };
        events.push({ id: event.id, status: event.detail.EndpointStatus, config: event.detail.EndpointConfigName ?? '' });
      }
    }
  }

  it('one Glue run, one training job and one endpoint deployment per run; every email exactly once', async () => {
    const started = Date.now();
    const seen = e2e.mail.mark();
    await dropWithClasses(e2e, 'chaos/part-1.csv', syntheticCsv({ rows: 1_500, seed: 41, labelNoise: 0 }));
    const first = await e2e.mail.next(SUBJECT['Model Deployed'], seen, 120_000);
    await drop(e2e, 'chaos/empty.csv', '');
    await dropWithClasses(e2e, 'chaos/part-2.csv', syntheticCsv({ rows: 1_500, seed: 42, labelNoise: 0 }));
    const second = await e2e.mail.next(SUBJECT['Model Deployed'], new Set([...seen, first.file]), 120_000);
    const { runs } = await waitUntilIdle(e2e, 60_000);
    await e2e.mail.next(SUBJECT['Dataset Rejected'], seen, 30_000);
    // the notification queue has delivered everything it was given (redeliveries included)
    const notifications = (await e2e.sqs.send(new GetQueueUrlCommand({ QueueName: 'ml-pipeline-local-notifications' }))).QueueUrl!;
    await waitFor(
      'the notification queue to be empty',
      async () => {
        const { Attributes } = await e2e.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: notifications, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
        );
        return Attributes?.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0';
      },
      30_000,
      250,
    );
    log(`chaos: two runs deployed and the queues drained after ${secondsSince(started)} s`);

    // chaos was on: the stack's own counters (not observable through AWS APIs) show failed invocations
    const lambda = e2e.stack.providers.lambda.service;
    const chaosFailures = lambda.listFunctions().reduce((sum, fn) => sum + lambda.functionStats(fn.name).chaosFailures, 0);
    log(`chaos: ${chaosFailures} Lambda invocations failed on purpose`);
    expect(chaosFailures).toBeGreaterThan(0);

    // exactly one Glue run and one training job per run
    const runIds = [runIdOf(first), runIdOf(second)];
    expect(runs.map(runIdOfRun).sort()).toEqual([...runIds].sort());
    expectNoOverlap(runs);
    expect((await trainingJobs(e2e)).map((job) => job.TrainingJobName).sort()).toEqual(runIds.map((runId) => `mlp-local-${runId}`).sort());
    // the second run read both drops
    expect(manifestSourceKeys(await readManifest(e2e, runIds[1]!), e2e.info.dataBucket)).toHaveLength(2);

    // one evaluation per run: the new model's transform job, and for the second run one of the model in service
    // (each training and transform job event arrived twice; the report was written once, report.json's first writer wins)
    const transforms = await e2e.sagemaker.send(new ListTransformJobsCommand({ NameContains: 'mlp-local-', MaxResults: 100 }));
    const transformNames = (transforms.TransformJobSummaries ?? []).map((job) => job.TransformJobName!).sort();
    expect(transformNames).toEqual(
      [`mlp-local-${runIds[0]}-challenger`, `mlp-local-${runIds[1]}-challenger`, transformJobName('local', runIds[1]!, 'champion', `mlp-local-${runIds[0]}`)].sort(),
    );
    expect(transforms.TransformJobSummaries!.every((job) => job.TransformJobStatus === 'Completed')).toBe(true);

    // one endpoint deployment per run (each event arrived twice: chaos delivers to every target twice)
    const events = await endpointEvents();
    const distinct = [...new Map(events.map((event) => [event.id, event])).values()];
    expect(events.length).toBe(2 * distinct.length);
    expect(distinct.filter((event) => event.status === 'CREATING')).toHaveLength(1);
    expect(distinct.filter((event) => event.status === 'UPDATING')).toHaveLength(1);
    expect(distinct.filter((event) => event.status === 'IN_SERVICE').map((event) => event.config)).toEqual(runIds.map((runId) => `mlp-local-${runId}`));
    expect((await describeEndpoint(e2e))?.EndpointConfigName).toBe(`mlp-local-${runIds[1]}`);

    // every email exactly once
    const subjects = e2e.mail.all().filter((mail) => !seen.has(mail.file)).map((mail) => mail.subject).sort();
    expect(subjects).toHaveLength(3);
    expect(new Set(subjects).size).toBe(3);
    expect(subjects.filter((subject) => SUBJECT['Model Deployed'].test(subject))).toEqual([first.subject, second.subject].sort());
    expect(subjects.filter((subject) => SUBJECT['Dataset Rejected'].test(subject))).toEqual([expect.stringContaining('incoming/chaos/empty.csv')]);
  }, 240_000);
});
