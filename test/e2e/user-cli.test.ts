/**
 * Issue 6's last "done when", as a user does it: the local stack running, the AWS CLI alone to drop
 * labeled data (the real DBpedia sample, 14,000 rows, with its classes.txt) into incoming/. The pipeline
 * must email `Model deployed`, and the endpoint must be as accurate on the held-out split as the native
 * fastText CLI trained on the same split with the job's hyperparameters. Then a garbage drop: a `Data
 * rejected` email, and the endpoint keeps serving the same model. With the AWS CLI the machine has (v1 or v2).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DescribeTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { trainingJobName } from '../../shared/src/names';
import { cliFlagsFor, trainAndTest } from '../../scripts/lib/fasttext-cli';
import { AwsCli, describeWithCli } from '../support/aws-cli';
import { log, ROOT, useDeployedStack } from '../support/stack';
import { temporaryDirectory, type TemporaryDirectory } from '../support/temporary-directory';
import {
  SUBJECT,
  describeEndpoint,
  endpointTestAccuracy,
  getText,
  glueRuns,
  listKeys,
  runIdOf,
} from './support';

const SAMPLE = path.join(ROOT, '..', 'shared', 'data', 'dbpedia_sample');
/** A single run of each side on 1,400 test rows: the benchmark holds 0.5 points on means of runs. */
const MAX_ACCURACY_GAP = 0.01;

describeWithCli('a user drops their own CSV with the AWS CLI', () => {
  const e2e = useDeployedStack('user-cli.test.ts');
  let temp: TemporaryDirectory | undefined;
  let scratch = '';
  let aws: AwsCli;
  let runId = '';

  beforeAll(() => {
    temp = temporaryDirectory('user-cli');
    scratch = temp.dir;
    aws = new AwsCli(() => e2e.info.endpoint, scratch, 120_000);
  });
  afterAll(() => temp?.remove());

  const s3Uri = (key: string) => `s3://${e2e.info.dataBucket}/${key}`;

  it('gets a Model deployed email and an endpoint as accurate as the native fastText CLI on the same data', async () => {
    const seen = e2e.mail.mark();
    const started = Date.now();
    await aws.ok('s3', 'cp', path.join(SAMPLE, 'classes.txt'), s3Uri(`${e2e.info.incomingPrefix}dbpedia/classes.txt`));
    await aws.ok('s3', 'cp', path.join(SAMPLE, 'train.csv'), s3Uri(`${e2e.info.incomingPrefix}dbpedia/train.csv`));
    const mail = await e2e.mail.next(SUBJECT['Model Deployed'], seen, 120_000);
    runId = runIdOf(mail);
    log(`user-cli: Model deployed ${((Date.now() - started) / 1000).toFixed(1)} s after the first aws s3 cp: ${mail.subject}`);
    expect(mail.subject).toContain(e2e.info.endpointName);
    expect(mail.text).toMatch(/Labels \(14\):\s+Album \d+, Animal \d+, Artist \d+/);

    const endpoint = await endpointTestAccuracy(e2e, runId, Number.POSITIVE_INFINITY);
    expect(endpoint).toBeGreaterThan(0.9);
    const trainFile = path.join(scratch, 'train.txt');
    const testFile = path.join(scratch, 'test.txt');
    writeFileSync(trainFile, await getText(e2e, `prepared/${runId}/train/train.txt`));
    writeFileSync(testFile, await getText(e2e, `prepared/${runId}/test/test.txt`));
    const job = await e2e.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: trainingJobName(e2e.info.stage, runId) }));
    const native = trainAndTest(trainFile, testFile, path.join(scratch, 'native'), cliFlagsFor(job.HyperParameters ?? {}));
    log(`user-cli: test accuracy endpoint ${endpoint.toFixed(4)}, native fastText CLI ${native.accuracy.toFixed(4)}`);
    expect(Math.abs(endpoint - native.accuracy)).toBeLessThanOrEqual(MAX_ACCURACY_GAP);
  }, 240_000);

  it('gets a Data rejected email for a garbage drop while the endpoint keeps serving the same model', async () => {
    expect(runId).not.toBe('');
    const serving = await describeEndpoint(e2e);
    const runsBefore = (await glueRuns(e2e)).length;
    const seen = e2e.mail.mark();
    const garbage = path.join(scratch, 'garbage.csv');
    writeFileSync(garbage, randomBytes(64 * 1024));
    const key = `${e2e.info.incomingPrefix}garbage.csv`;
    await aws.ok('s3', 'cp', garbage, s3Uri(key));

    const mail = await e2e.mail.next(SUBJECT['Dataset Rejected'], seen, 60_000, (candidate) => candidate.subject.includes(key));
    expect(mail.text).toMatch(/not UTF-8|NUL bytes/);
    const report = JSON.parse(await aws.ok('s3', 'cp', s3Uri('rejected/garbage.csv.error.json'), '-')) as { key: string; reason: string };
    expect(report).toMatchObject({ key, reason: expect.stringMatching(/not UTF-8|NUL bytes/) });
    expect(await listKeys(e2e, key)).toEqual([]);

    expect((await glueRuns(e2e)).length).toBe(runsBefore);
    const after = await describeEndpoint(e2e);
    expect(after).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: serving?.EndpointConfigName });
    expect(await endpointTestAccuracy(e2e, runId, 300)).toBeGreaterThan(0.9);
  }, 120_000);
});
