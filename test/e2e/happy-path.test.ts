/**
 * The main job, end to end through the SDK: a labeled drop becomes a `Model deployed` email and a
 * serving endpoint; a second drop retrains on the union of both drops and replaces the model
 * blue/green while a client keeps querying, without one failed request.
 */
import { CloudWatchLogsClient, DescribeLogStreamsCommand, FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { localCredentials, log, secondsSince, useDeployedStack } from '../support/stack';
import { waitFor } from '../support/wait';
import {
  classesFile,
  describeEndpoint,
  drop,
  dropWithClasses,
  endpointTestAccuracy,
  EndpointProber,
  glueRuns,
  invokeRaw,
  manifestSourceKeys,
  readManifest,
  RECIPE_PROBE,
  recipeCsv,
  runIdOf,
  SUBJECT,
  syntheticCsv,
  waitForLabeled,
} from './support';

const e2e = useDeployedStack('happy-path.test.ts');

/** A few texts that are not in any drop: one per kind of article. */
const PROBES = [
  'Zorvik Industries is a company headquartered in the city , a manufacturer of software products with revenue and employees',
  'The river flows from the mountain lake through the valley to the glacier basin , its tributary creek near the summit',
  'Kalo Ratime is a football player , a midfielder who played for the club in the league season and scored',
];

let firstRunId = '';
let firstCsvKey = '';

describe('happy path', () => {
  it('drop -> Model deployed email naming the endpoint and the accuracy -> the endpoint answers', async () => {
    const seen = e2e.mail.mark();
    await drop(e2e, 'dbpedia/classes.txt', classesFile());
    // classes.txt alone starts no run; waiting for it keeps the data drop's run the only one.
    await waitForLabeled(e2e, 'dbpedia/classes.txt');

    const csv = syntheticCsv({ rows: 14_000, seed: 101 });
    const dropped = Date.now();
    await drop(e2e, 'dbpedia/part-1.csv', csv);
    const mail = await e2e.mail.next(SUBJECT['Model Deployed'], seen, 180_000);
    log(`happy path: drop of 14,000 rows (${(csv.length / 1e6).toFixed(1)} MB) -> Model deployed email in ${secondsSince(dropped)} s`);

    firstRunId = runIdOf(mail);
    const subject = /^\[local\] Model deployed: (\S+) now serves run \S+ \((\d+\.\d+)%\)$/.exec(mail.subject);
    expect(subject).not.toBeNull();
    expect(subject![1]).toBe(e2e.info.endpointName);
    const accuracy = Number(subject![2]) / 100;
    expect(accuracy).toBeGreaterThan(0.9);
    expect(mail.text).toContain(`Endpoint:`);
    expect(mail.text).toMatch(new RegExp(`Endpoint:\\s+${e2e.info.endpointName}\\r?\\n`));
    expect(mail.text).toMatch(/Validation accuracy:\s+\d+\.\d\d%/);
    // classes.txt named the numeric labels
    expect(mail.text).toMatch(/Labels \(14\):.*\bCompany \d+/);
    // nothing else was sent for this drop
    expect(e2e.mail.all().filter((other) => !seen.has(other.file)).map((other) => other.subject)).toEqual([mail.subject]);

    firstCsvKey = await waitForLabeled(e2e, 'dbpedia/part-1.csv');
    const endpoint = await describeEndpoint(e2e);
    expect(endpoint?.EndpointStatus).toBe('InService');
    expect(endpoint?.EndpointConfigName).toBe(`mlp-local-${firstRunId}`);

    // BlazingText's JSON format, one entry per instance, k labels each, most likely first
    const { contentType, body } = await invokeRaw(e2e, PROBES.map((text) => text.toLowerCase()), 2);
    expect(contentType).toMatch(/^application\/json/);
    expect(Array.isArray(body)).toBe(true);
    const entries = body as Array<{ label: unknown; prob: unknown }>;
    expect(entries).toHaveLength(PROBES.length);
    for (const entry of entries) {
      expect(Object.keys(entry).sort()).toEqual(['label', 'prob']);
      expect(entry.label).toEqual([expect.stringMatching(/^__label__\w+$/), expect.stringMatching(/^__label__\w+$/)]);
      const prob = entry.prob as number[];
      expect(prob).toHaveLength(2);
      expect(prob[0]).toBeGreaterThanOrEqual(prob[1]!);
      expect(prob[0]).toBeLessThanOrEqual(1.00001);
      expect(prob[1]).toBeGreaterThan(0);
    }
    expect(entries.map((entry) => (entry.label as string[])[0])).toEqual(['__label__Company', '__label__NaturalPlace', '__label__Athlete']);

    // the served model is the one trained: it labels the run's held-out test split about as well as the email says
    expect(await endpointTestAccuracy(e2e, firstRunId)).toBeGreaterThan(accuracy - 0.05);

    // the run's Glue output and training log are in CloudWatch Logs, where AWS puts them
    const logs = new CloudWatchLogsClient({ endpoint: e2e.info.endpoint, region: e2e.info.region, credentials: localCredentials });
    try {
      const run = (await glueRuns(e2e)).find((candidate) => candidate.Arguments?.['--run_id'] === firstRunId)!;
      const glueOutput = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws-glue/python-jobs/output', logStreamNames: [run.Id!] }));
      expect(glueOutput.events?.map((event) => event.message)).toContainEqual(expect.stringMatching(new RegExp(`^preprocess: run ${firstRunId}: 14000 input rows -> train \\d+`)));
      const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/sagemaker/TrainingJobs', logStreamNamePrefix: `mlp-local-${firstRunId}/` }));
      expect(logStreams?.map((stream) => stream.logStreamName)).toEqual([expect.stringMatching(new RegExp(`^mlp-local-${firstRunId}/algo-1-\\d{10}$`))]);
      const training = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/sagemaker/TrainingJobs', logStreamName: logStreams![0]!.logStreamName, startFromHead: true }));
      expect(training.events?.map((event) => event.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^#epochs \d+: trained in/), 'Completed: Training job completed']));
    } finally {
      logs.destroy();
    }
  }, 240_000);

  it('a second drop retrains on the union of both drops; the model is replaced with no failed request', async () => {
    expect(firstRunId).not.toBe('');
    const seen = e2e.mail.mark();
    // More of the same, plus a class the first model cannot know: the answer to the recipe probe tells the models apart.
    const before = await e2e.classifier.classifyOne(RECIPE_PROBE);
    expect(before[0]?.label).not.toBe('Recipe');

    const prober = new EndpointProber(e2e, [RECIPE_PROBE, ...PROBES]);
    prober.start();
    try {
      await waitFor('the prober to get answers', () => prober.answers.length >= 5, 10_000);
      const dropped = Date.now();
      // its classes.txt, dropped with it, names the new class too (line 15)
      await dropWithClasses(e2e, 'dbpedia/part-2.csv', syntheticCsv({ rows: 4_000, seed: 202 }) + recipeCsv(700, 7), `${classesFile()}Recipe\n`);
      const mail = await e2e.mail.next(SUBJECT['Model Deployed'], seen, 180_000);
      log(`happy path: second drop -> Model deployed email in ${secondsSince(dropped)} s`);
      const secondRunId = runIdOf(mail);
      expect(secondRunId).not.toBe(firstRunId);
      expect(mail.text).toMatch(/previous model \d+\.\d\d%/);
      // the new model serves: the prober sees the new class
      await waitFor('the endpoint to answer with the new model', () => prober.answers.at(-1)?.labels[0] === 'Recipe', 30_000, 50);
      await waitFor('a few more answers from the new model', () => prober.answers.filter((answer) => answer.labels[0] === 'Recipe').length >= 5, 10_000, 50);

      const endpoint = await describeEndpoint(e2e);
      expect(endpoint?.EndpointStatus).toBe('InService');
      expect(endpoint?.EndpointConfigName).toBe(`mlp-local-${secondRunId}`);

      // the run read both drops
      const manifest = await readManifest(e2e, secondRunId);
      const secondCsvKey = await waitForLabeled(e2e, 'dbpedia/part-2.csv');
      expect(manifestSourceKeys(manifest, e2e.info.dataBucket)).toEqual([firstCsvKey, secondCsvKey].sort());
      expect(Object.keys(manifest.labels)).toHaveLength(15);
      expect(manifest.labels.Recipe?.train).toBeGreaterThan(0);
      expect(manifest.labels.Company?.train).toBeGreaterThan(0);
      expect(manifest.input_rows).toBe(14_000 + 4_000 + 700);
      // and still knows the first drop's classes
      expect(await endpointTestAccuracy(e2e, secondRunId)).toBeGreaterThan(0.85);
    } finally {
      await prober.stop();
    }

    // blue/green: not one failed request, answers from the old model then only from the new one
    expect(prober.failures).toEqual([]);
    const labels = prober.answers.map((answer) => answer.labels[0]);
    const switchedAt = labels.indexOf('Recipe');
    expect(switchedAt).toBeGreaterThan(0);
    expect(labels.slice(switchedAt).every((label) => label === 'Recipe')).toBe(true);
    log(`blue/green: ${prober.requests} requests during the update, 0 failed; switched after ${switchedAt}`);
  }, 240_000);
});
