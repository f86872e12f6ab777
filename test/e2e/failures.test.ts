/**
 * Failures after ingestion, each reported by a `Pipeline failed` email that says where and why:
 * - a Glue run that fails: a drop whose first lines look right to the ingestion check but whose
 *   every row the preprocessing job refuses (multi-label fastText lines), so the run finds no usable row;
 * - training refused: a drop with a single label preprocesses fine, but a classifier needs two;
 * - a training job that fails in SageMaker: the deployed training service's own configuration (read
 *   with Lambda GetFunctionConfiguration) with one invalid hyperparameter, turned into its own
 *   CreateTrainingJob request: BlazingText refuses the value and the job ends Failed.
 */
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTrainingJobCommand, DescribeTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { loadConfig } from '../../services/training/src/config';
import { trainingJobRequest } from '../../services/training/src/training-job';
import { runIdFor } from '../../shared/src/names';
import { localCredentials, useDeployedStack } from '../support/stack';
import {
  describeEndpoint,
  drop,
  getText,
  glueRuns,
  listKeys,
  readManifest,
  runIdOf,
  SUBJECT,
  trainingJobs,
  waitForLabeled,
} from './support';

const e2e = useDeployedStack('failures.test.ts');

/** Two labels on every line: the ingestion check (first lines start with `__label__X text`) passes it, the Glue job refuses each row. */
function multiLabelLines(rows: number): string {
  return Array.from({ length: rows }, (_, i) => `__label__sports __label__politics match report number ${i} of the season\n`).join('');
}

let preparedRunId = '';

describe('pipeline failures', () => {
  it('a Glue run that fails: Pipeline failed email naming the preprocessing step and the job error', async () => {
    const seen = e2e.mail.mark();
    await drop(e2e, 'news/multi-label.txt', multiLabelLines(200));
    const mail = await e2e.mail.next(SUBJECT['Pipeline Failed'], seen, 60_000);
    const runId = runIdOf(mail);
    expect(mail.subject).toBe(`[local] Pipeline failed: preprocessing of run ${runId}`);
    expect(mail.text).toMatch(/Failed step:\s+preprocessing/);
    expect(mail.text).toMatch(/State:\s+FAILED/);
    expect(mail.text).toMatch(/Reason:\s+preprocess: error: no usable rows in 1 data file\(s\) under s3:\/\/\S+\/labeled\/ \(200 rejected: invalid_label 200\)/);

    const runs = await glueRuns(e2e);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ JobRunState: 'FAILED', Arguments: expect.objectContaining({ '--run_id': runId }) });
    expect(runs[0]!.ErrorMessage).toMatch(/no usable rows/);
    expect(mail.text).toContain(`${runs[0]!.JobName}/${runs[0]!.Id}`);
    // the drop itself was accepted and stays in the corpus; nothing was trained
    await waitForLabeled(e2e, 'news/multi-label.txt');
    expect(await trainingJobs(e2e)).toEqual([]);
    expect(e2e.mail.all().filter((other) => !seen.has(other.file))).toHaveLength(1);
  }, 90_000);

  it('training refused (one label only): Pipeline failed email naming the training step and why', async () => {
    const seen = e2e.mail.mark();
    const rows = Array.from({ length: 300 }, (_, i) => `"Company","Firm ${i}","a company founded in ${1900 + (i % 100)} , maker of product line ${i}"\n`);
    await drop(e2e, 'one-label.csv', rows.join(''));
    const mail = await e2e.mail.next(SUBJECT['Pipeline Failed'], seen, 60_000);
    preparedRunId = runIdOf(mail);
    expect(mail.subject).toBe(`[local] Pipeline failed: training of run ${preparedRunId}`);
    expect(mail.text).toMatch(/Failed step:\s+training/);
    expect(mail.text).toMatch(/Reason:\s+A classifier needs at least 2 labels in the training split; it has 1\./);
    expect(mail.text).toContain(`mlp-local-${preparedRunId}`);

    // preprocessing itself succeeded over the whole corpus; no training job was started
    const run = (await glueRuns(e2e)).find((candidate) => candidate.Arguments?.['--run_id'] === preparedRunId);
    expect(run?.JobRunState).toBe('SUCCEEDED');
    const manifest = await readManifest(e2e, preparedRunId);
    expect(Object.keys(manifest.labels)).toEqual(['Company']);
    expect(manifest.rejected_rows).toBe(200);
    expect(await trainingJobs(e2e)).toEqual([]);
    expect(JSON.parse(await getText(e2e, `prepared/${preparedRunId}/pipeline-failed.json`))).toMatchObject({ runId: preparedRunId, failedStep: 'training' });
  }, 90_000);

  it('a training job that fails in SageMaker: Pipeline failed email naming the training job and the algorithm error', async () => {
    expect(preparedRunId).not.toBe('');
    const seen = e2e.mail.mark();
    // The training service as deployed, with a misconfigured hyperparameter (epochs must be a positive integer).
    const lambda = new LambdaClient({ endpoint: e2e.info.endpoint, region: e2e.info.region, credentials: localCredentials });
    const deployed = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'ml-pipeline-training-local-startTraining' }));
    const config = loadConfig({ ...deployed.Environment?.Variables, AWS_REGION: e2e.info.region, HYPERPARAMETER_EPOCHS: '0' });
    const runId = runIdFor(new Date(), 'e2e-misconfigured-epochs');
    const request = trainingJobRequest(config, {
      runId,
      glueJobRunId: 'jr_e2e',
      bucket: e2e.info.dataBucket,
      preparedPrefix: `prepared/${preparedRunId}/`,
      manifest: await readManifest(e2e, preparedRunId),
      preprocessingSeconds: 1,
    });
    expect(request.HyperParameters?.epochs).toBe('0');
    await e2e.sagemaker.send(new CreateTrainingJobCommand(request));

    const mail = await e2e.mail.next(SUBJECT['Pipeline Failed'], seen, 60_000);
    expect(mail.subject).toBe(`[local] Pipeline failed: training of run ${runId}`);
    expect(mail.text).toMatch(/Failed step:\s+training/);
    expect(mail.text).toMatch(new RegExp(`Resource:\\s+mlp-local-${runId}\\r?\\n`));
    expect(mail.text).toMatch(/State:\s+Failed/);
    expect(mail.text).toMatch(/Reason:\s+ClientError: Invalid value for hyperparameter 'epochs': '0'/);
    const job = await e2e.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: `mlp-local-${runId}` }));
    expect(job.TrainingJobStatus).toBe('Failed');
    expect(job.FailureReason).toMatch(/epochs/);
    // no model came out of any of these runs, and there is no endpoint
    expect(await listKeys(e2e, 'models/')).toEqual([]);
    expect(await describeEndpoint(e2e)).toBeUndefined();
    expect(e2e.mail.all().filter((other) => !seen.has(other.file))).toHaveLength(1);
  }, 90_000);
});
