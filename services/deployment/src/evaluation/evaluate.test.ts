import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateTransformJobCommand,
  DescribeModelPackageCommand,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  UpdateEndpointCommand,
  type DescribeEndpointCommandOutput,
} from '@aws-sdk/client-sagemaker';
import 'aws-sdk-client-mock-jest';
import { evaluationReport, transformJobName, transformJobStateChangeEvent, type EvaluationReport, type TransformJobStateChangeEvent } from '@pipeline/shared';
import { config, fixture, JOB as job, jobArn, mockedDeployment, mockServingEndpoint, NOW, publishedEvents, RUN_ID as runId, validationException } from '../testing';
import { handleTransformJobStateChange } from './evaluate';

const { sagemaker, eventBridge, s3, deps } = mockedDeployment();
const previousJob = 'mlp-local-20261120-080000-0f0f0f';
const challengerJob = `${job}-challenger`;
const championJob = transformJobName('local', runId, 'champion', previousJob);
const reportKey = `evaluations/${runId}/report.json`;
const artifactOf = (name: string) => `s3://${config.dataBucket}/models/${name}/output/model.tar.gz`;
const packageArn = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${config.modelPackageGroup}/1`;

/** The registry: no version yet; CreateModelPackage makes version 1 with the status asked for. */
function registry() {
  sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
  sagemaker.on(CreateModelPackageCommand).callsFake((input: { ModelApprovalStatus: string }) => {
    sagemaker.on(DescribeModelPackageCommand).resolves({
      ModelPackageArn: packageArn,
      ModelPackageGroupName: config.modelPackageGroup,
      ModelPackageVersion: 1,
      ModelApprovalStatus: input.ModelApprovalStatus as never,
    });
    return { ModelPackageArn: packageArn };
  });
}
const registered = () => sagemaker.commandCalls(CreateModelPackageCommand).map((call) => call.args[0].input);

// Ten test rows: six "a", four "b".
const TRUTH = ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'];
const body = (text: string) => ({ Body: { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'] });
const outFile = (labels: readonly string[]) => labels.map((label) => `${JSON.stringify({ prob: [0.9], label: [`__label__${label}`] })}\n`).join('');
const missing = () => Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });

function event(name: string, status = 'Completed'): TransformJobStateChangeEvent {
  const sample = fixture<{ detail: Record<string, unknown> }>('transform-job-completed');
  sample.detail.TransformJobName = name;
  sample.detail.TransformJobStatus = status;
  return transformJobStateChangeEvent.parse(sample);
}

function trainingJob(name: string) {
  sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: name }).resolves({
    TrainingJobName: name,
    TrainingJobArn: jobArn(name),
    TrainingJobStatus: 'Completed',
    ModelArtifacts: { S3ModelArtifacts: artifactOf(name) },
    FinalMetricDataList: [{ MetricName: 'validation:accuracy', Value: 0.95, Timestamp: NOW }],
  });
}

function transformJob(name: string, status: string, extra: Record<string, unknown> = {}) {
  sagemaker
    .on(DescribeTransformJobCommand, { TransformJobName: name })
    .resolves({ TransformJobName: name, TransformJobArn: `arn:aws:sagemaker:us-east-1:123456789012:transform-job/${name}`, TransformJobStatus: status as never, ...extra });
}

/** The run's test split and the predictions of its jobs (undefined: that job does not exist). */
function world(options: { challenger: readonly string[]; champion?: readonly string[]; championStatus?: string; startedWithChampion?: string }) {
  const testKey = `prepared/${runId}/test/test.txt`;
  s3.on(ListObjectsV2Command, { Prefix: `prepared/${runId}/test/` }).resolves({ Contents: [{ Key: testKey }] });
  s3.on(GetObjectCommand, { Key: testKey }).resolves(body(TRUTH.map((label, i) => `__label__${label} text ${i}\n`).join('')));
  s3.on(GetObjectCommand, { Key: reportKey }).rejects(missing());
  s3.on(GetObjectCommand, { Key: `evaluations/${runId}/${challengerJob}/test.jsonl.out` }).resolves(body(outFile(options.challenger)));
  transformJob(challengerJob, 'Completed');
  sagemaker.on(ListTagsCommand).resolves({ Tags: [{ Key: 'ml-pipeline:champion-model', Value: options.startedWithChampion ?? (options.champion ? previousJob : '') }] });
  trainingJob(job);
  registry();
  if (options.champion) {
    s3.on(GetObjectCommand, { Key: `evaluations/${runId}/${championJob}/test.jsonl.out` }).resolves(body(outFile(options.champion)));
    transformJob(championJob, options.championStatus ?? 'Completed');
  }
}

function serving(model: string | undefined, extra: Partial<DescribeEndpointCommandOutput> = {}) {
  mockServingEndpoint(sagemaker, model, extra);
  if (model !== undefined) trainingJob(model);
}

function writtenReport(): EvaluationReport {
  const put = s3.commandCalls(PutObjectCommand).find((call) => call.args[0].input.Key === reportKey);
  expect(put?.args[0].input.IfNoneMatch).toBe('*');
  return evaluationReport.parse(JSON.parse(String(put!.args[0].input.Body)));
}

/** A report already written, with its decision. */
function reportDeciding(deploy: boolean, reason: string): EvaluationReport {
  const accuracy = deploy ? 0.9 : 0.5;
  return {
    runId,
    testRows: 10,
    labels: ['a', 'b'],
    challenger: { trainingJob: job, modelArtifact: artifactOf(job), accuracy, macroF1: accuracy, perClass: {}, confusion: [] },
    champion: null,
    decision: { deploy, reasons: [reason] },
  };
}

// 9 of 10 right (one b taken for a), 7 of 10, 5 of 10.
const GOOD = ['a', 'a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'b'];
const FAIR = ['a', 'a', 'a', 'a', 'a', 'b', 'a', 'a', 'b', 'b'];
const POOR = ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'];

describe('the end of a run evaluation', () => {
  it('scores the new model on the test rows, writes report.json and registers it Approved when nothing is in service', async () => {
    world({ challenger: GOOD });
    serving(undefined);

    await expect(handleTransformJobStateChange(event(challengerJob), deps)).resolves.toEqual({ outcome: 'approved', reportKey, modelPackage: packageArn });

    const report = writtenReport();
    expect(report).toEqual({
      runId,
      testRows: 10,
      labels: ['a', 'b'],
      challenger: {
        trainingJob: job,
        modelArtifact: artifactOf(job),
        accuracy: 0.9,
        macroF1: expect.closeTo((12 / 13 + 6 / 7) / 2, 12),
        perClass: {
          a: { precision: 6 / 7, recall: 1, f1: expect.closeTo(12 / 13, 12), support: 6 },
          b: { precision: 1, recall: 0.75, f1: expect.closeTo(6 / 7, 12), support: 4 },
        },
        confusion: [
          [6, 0],
          [1, 3],
        ],
      },
      champion: null,
      decision: { deploy: true, reasons: ['test accuracy 90.00% reaches the minimum 80.00%', 'no model is in service to compare with'] },
    });
    expect(registered()).toEqual([
      expect.objectContaining({
        ModelPackageGroupName: config.modelPackageGroup,
        ModelPackageDescription: `run ${runId}: test accuracy 90.00% macro-F1 ${(((12 / 13 + 6 / 7) / 2) * 100).toFixed(2)}% on 10 rows`,
        ModelApprovalStatus: 'Approved',
        InferenceSpecification: expect.objectContaining({ Containers: [expect.objectContaining({ ModelDataUrl: artifactOf(job) })] }),
        ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: `s3://${config.dataBucket}/${reportKey}` } } },
        CustomerMetadataProperties: expect.objectContaining({ runId, trainingJob: job, testAccuracy: '0.9000', gateDecision: 'deploy', registeredAs: 'Approved' }),
        ClientToken: runId,
      }),
    ]);
    // The registry's state-change event deploys it (registry/approved.ts), not this function.
    expect(sagemaker).not.toHaveReceivedCommand(CreateEndpointConfigCommand);
    expect(sagemaker).not.toHaveReceivedCommand(CreateEndpointCommand);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('registers a model that passes the gate PendingManualApproval when approval is manual, and says how to approve it', async () => {
    world({ challenger: GOOD });
    serving(undefined);
    deps.config.modelApproval = 'manual';
    try {
      await expect(handleTransformJobStateChange(event(challengerJob), deps)).resolves.toEqual({ outcome: 'awaiting-approval', reportKey, modelPackage: packageArn });
    } finally {
      deps.config.modelApproval = 'auto';
    }
    expect(registered()[0]).toMatchObject({ ModelApprovalStatus: 'PendingManualApproval' });
    const [awaiting] = publishedEvents(eventBridge);
    expect(awaiting).toMatchObject({
      DetailType: 'Model Awaiting Approval',
      Detail: {
        trainingJobName: job,
        modelPackage: { arn: packageArn, version: 1, approvalStatus: 'PendingManualApproval' },
        approveCommand: expect.stringContaining(`aws sagemaker update-model-package --region us-east-1 --model-package-arn ${packageArn} --model-approval-status Approved`),
        evaluation: { challenger: { accuracy: 0.9 } },
      },
    });
    expect(sagemaker).not.toHaveReceivedCommand(CreateEndpointCommand);
  });

  it('registers nothing twice: the version of the run found in the registry is the one (a duplicate event)', async () => {
    world({ challenger: GOOD });
    serving(undefined);
    sagemaker.on(ListModelPackagesCommand).resolves({
      ModelPackageSummaryList: [
        { ModelPackageArn: packageArn, ModelPackageVersion: 1, ModelPackageDescription: `run ${runId}: test accuracy 90.00%`, ModelApprovalStatus: 'Approved', CreationTime: NOW, ModelPackageStatus: 'Completed', ModelPackageName: config.modelPackageGroup },
      ],
    });
    await expect(handleTransformJobStateChange(event(challengerJob), deps)).resolves.toEqual({ outcome: 'approved', reportKey, modelPackage: packageArn });
    expect(sagemaker).not.toHaveReceivedCommand(CreateModelPackageCommand);
  });

  it('compares with the model in service on the same rows and approves the new one when it keeps up', async () => {
    world({ challenger: GOOD, champion: GOOD });
    serving(previousJob);

    await expect(handleTransformJobStateChange(event(championJob), deps)).resolves.toMatchObject({ outcome: 'approved' });

    const report = writtenReport();
    expect(report.champion).toMatchObject({ trainingJob: previousJob, modelArtifact: artifactOf(previousJob), accuracy: 0.9 });
    expect(report.decision.reasons[1]).toBe(
      `the model in service (${previousJob}) scores 90.00% on the same 10 test rows; the new model is within the 2.00% allowed drop`,
    );
    expect(registered()[0]).toMatchObject({ ModelApprovalStatus: 'Approved' });
    expect(sagemaker).not.toHaveReceivedCommand(UpdateEndpointCommand);
  });

  it("lists a label only the champion predicts in both models' matrices, and in neither macro-F1", async () => {
    const championWithOldClass = [...GOOD.slice(0, 9), 'retired'];
    world({ challenger: GOOD, champion: championWithOldClass });
    serving(previousJob);

    await handleTransformJobStateChange(event(championJob), deps);

    const report = writtenReport();
    expect(report.labels).toEqual(['a', 'b', 'retired']);
    expect(report.challenger.confusion).toEqual([
      [6, 0, 0],
      [1, 3, 0],
      [0, 0, 0],
    ]);
    expect(report.champion!.confusion).toEqual([
      [6, 0, 0],
      [1, 2, 1],
      [0, 0, 0],
    ]);
    expect(report.challenger.perClass.retired).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    // the challenger's macro-F1 is over a and b, as when no champion is in service
    expect(report.challenger.macroF1).toBeCloseTo((12 / 13 + 6 / 7) / 2, 12);
    expect(report.champion!.macroF1).toBeCloseTo((12 / 13 + 2 / 3 + 0) / 3, 12);
  });

  it('rejects a model worse than the one in service on the same rows, with the test metrics in Model Rejected', async () => {
    world({ challenger: FAIR, champion: GOOD });
    serving(previousJob);
    deps.config.gate.minAccuracy = 0.6;
    try {
      await expect(handleTransformJobStateChange(event(challengerJob), deps)).resolves.toEqual({ outcome: 'rejected', reportKey, modelPackage: packageArn });
    } finally {
      deps.config.gate.minAccuracy = 0.8;
    }

    const [rejected] = publishedEvents(eventBridge);
    expect(rejected).toMatchObject({
      DetailType: 'Model Rejected',
      Detail: {
        trainingJobName: job,
        gate: { minAccuracy: 0.6, tolerance: 0.02, servingAccuracy: 0.9, servingModel: previousJob },
        reason: `test accuracy 70.00% reaches the minimum 60.00%; the model in service (${previousJob}) scores 90.00% on the same 10 test rows; the new model is more than the allowed 2.00% below it`,
        evaluation: {
          reportKey,
          reportUri: `s3://${config.dataBucket}/${reportKey}`,
          testRows: 10,
          challenger: { trainingJob: job, accuracy: 0.7 },
          champion: { trainingJob: previousJob, accuracy: 0.9 },
          decision: { deploy: false },
          weakestClasses: [{ label: 'b', recall: 0.5, support: 4 }, { label: 'a', recall: expect.closeTo(5 / 6, 12), support: 6 }],
          topConfusions: [{ actual: 'b', predicted: 'a', count: 2 }, { actual: 'a', predicted: 'b', count: 1 }],
          classes: [{ label: 'a', support: 6 }, { label: 'b', support: 4 }],
          classesOmitted: 0,
        },
        modelPackage: { arn: packageArn, version: 1, approvalStatus: 'Rejected' },
      },
    });
    // Kept in the registry for the record.
    expect(registered()[0]).toMatchObject({ ModelApprovalStatus: 'Rejected', CustomerMetadataProperties: expect.objectContaining({ gateDecision: 'reject' }) });
    expect(sagemaker).not.toHaveReceivedCommand(CreateEndpointConfigCommand);
    expect(sagemaker).not.toHaveReceivedCommand(UpdateEndpointCommand);
  });

  it('rejects a model below the minimum when nothing is in service, and says nothing is', async () => {
    world({ challenger: POOR });
    serving(undefined);

    await expect(handleTransformJobStateChange(event(challengerJob), deps)).resolves.toMatchObject({ outcome: 'rejected' });
    expect(publishedEvents(eventBridge)[0]?.Detail).toMatchObject({
      gate: { minAccuracy: 0.8, tolerance: 0.02 },
      reason: 'test accuracy 50.00% is below the minimum 80.00%; no model is in service to compare with',
      evaluation: { champion: null },
    });
    expect(publishedEvents(eventBridge)[0]?.Detail).not.toHaveProperty('gate.servingModel');
  });

  it("waits for the champion's job, then decides on its event", async () => {
    world({ challenger: GOOD, champion: GOOD, championStatus: 'InProgress' });
    serving(previousJob);

    await expect(handleTransformJobStateChange(event(challengerJob), deps)).resolves.toEqual({ outcome: 'waiting', for: championJob });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('evaluates a champion that replaced the one the evaluation started with, on the same rows', async () => {
    const newer = 'mlp-local-20261125-100000-abcdef';
    world({ challenger: GOOD, startedWithChampion: previousJob });
    transformJob(championJob, 'Completed');
    serving(newer);
    const newerJob = transformJobName('local', runId, 'champion', newer);
    sagemaker.on(DescribeTransformJobCommand, { TransformJobName: newerJob }).rejects(validationException(`Could not find transform job 'arn:aws:sagemaker:us-east-1:123456789012:transform-job/${newerJob}'.`));

    await expect(handleTransformJobStateChange(event(championJob), deps)).resolves.toEqual({ outcome: 'waiting', for: newerJob });
    expect(sagemaker.commandCalls(CreateTransformJobCommand).map((c) => [c.args[0].input.TransformJobName, c.args[0].input.ModelName])).toEqual([[newerJob, newer]]);
    expect(sagemaker.commandCalls(CreateTransformJobCommand)[0]!.args[0].input.TransformInput?.DataSource?.S3DataSource?.S3Uri).toBe(
      `s3://${config.dataBucket}/evaluations/${runId}/input/test.jsonl`,
    );
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it("takes the decision of the report already written (a duplicate event, or the other job's) without scoring again", async () => {
    world({ challenger: POOR });
    serving(undefined);
    const report = reportDeciding(true, 'written first');
    s3.on(GetObjectCommand, { Key: reportKey }).resolves(body(JSON.stringify(report)));

    await expect(handleTransformJobStateChange(event(challengerJob), deps)).resolves.toMatchObject({ outcome: 'approved' });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(sagemaker).not.toHaveReceivedCommand(DescribeTransformJobCommand);
  });

  it('takes the report a concurrent invocation wrote first', async () => {
    world({ challenger: POOR });
    serving(undefined);
    const first = reportDeciding(false, 'written by the other invocation');
    s3.on(GetObjectCommand, { Key: reportKey }).rejectsOnce(missing()).resolves(body(JSON.stringify(first)));
    s3.on(PutObjectCommand, { Key: reportKey }).rejects(Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } }));

    await expect(handleTransformJobStateChange(event(challengerJob), deps)).resolves.toMatchObject({ outcome: 'rejected' });
    expect(publishedEvents(eventBridge)[0]?.Detail).toMatchObject({ reason: 'written by the other invocation' });
  });

  it('does nothing when the endpoint serves the model already', async () => {
    world({ challenger: GOOD });
    serving(job);

    await expect(handleTransformJobStateChange(event(challengerJob), deps)).resolves.toEqual({ outcome: 'already-deployed' });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(sagemaker).not.toHaveReceivedCommand(CreateModelCommand);
  });

  it('reports Pipeline Failed (step evaluation) when a transform job failed', async () => {
    world({ challenger: GOOD });
    transformJob(challengerJob, 'Failed', { FailureReason: 'ClientError: bad record' });
    serving(undefined);

    await expect(handleTransformJobStateChange(event(challengerJob, 'Failed'), deps)).resolves.toEqual({ outcome: 'evaluation-failed', job: challengerJob });
    expect(publishedEvents(eventBridge)).toEqual([
      expect.objectContaining({
        DetailType: 'Pipeline Failed',
        Detail: expect.objectContaining({ failedStep: 'evaluation', resource: challengerJob, reason: 'ClientError: bad record', state: 'Failed' }),
      }),
    ]);
  });

  it('refuses predictions that do not line up with the test rows', async () => {
    world({ challenger: GOOD.slice(1) });
    serving(undefined);
    await expect(handleTransformJobStateChange(event(challengerJob), deps)).rejects.toThrow(/predicted 9 rows of the 10 test rows/);
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('fails when EventBridge refuses Model Rejected, so that the retry publishes it', async () => {
    world({ challenger: POOR });
    serving(undefined);
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    await expect(handleTransformJobStateChange(event(challengerJob), deps)).rejects.toThrow(/EventBridge refused Model Rejected/);
  });

  it('refuses a transform job that is not one of the stage evaluations', async () => {
    await expect(handleTransformJobStateChange(event('mlp-prod-20261125-110409-a1b2c3-challenger'), deps)).rejects.toThrow(/not one of stage local's/);
    expect(sagemaker.calls()).toHaveLength(0);
  });
});
