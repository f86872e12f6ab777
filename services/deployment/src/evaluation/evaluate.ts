/**
 * The evaluation stage's end, on `SageMaker Transform Job State Change` of one of a run's transform jobs:
 * once the challenger's job and, when a model is in service, the champion's job have completed, the
 * metrics of both on the same test rows go to `evaluations/<runId>/report.json`, and the gate decides on
 * them; the decision becomes the run's version in the registry (Approved, which deploys it, PendingManualApproval
 * or Rejected: decide below).
 *
 * State is AWS's: the jobs (deterministic names), their tags and report.json. The first invocation that
 * finds both jobs done writes the report (If-None-Match: *); any later one, for a duplicate event or the
 * other job's event, reads it and takes the same decision, and registering twice finds the version the first made (registry/registry.ts).
 *
 * A champion replaced while the evaluation ran (another run deployed meanwhile): the decision is taken
 * against the model in service when both jobs are done. If that is not the model the champion job
 * evaluated, a transform job for the new one starts (`-champion-<hash of its name>`) and its event decides.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CHAMPION_MODEL_TAG,
  classificationMetrics,
  evaluationOutputKey,
  evaluationReport,
  evaluationReportKey,
  isNotFound,
  isPreconditionFailed,
  manifestKey,
  NORMALIZATION_VERSION_TAG,
  readManifest,
  TRIGGER_TAG,
  type PreprocessManifest,
  modelEvaluationOf,
  parseTransformJobName,
  readText,
  summarizeEvaluation,
  trainingJobName,
  trainingJobPrefix,
  transformJobName,
  type EvaluationReport,
  type TransformJobStateChangeEvent,
} from '@pipeline/shared';
import { announce } from '../announce';
import type { DeploymentDeps } from '../deploy';
import { approvalCommands, approvalStatusFor, registerModel } from '../registry/registry';
import { runRows } from '../manifest';
import { evaluateQualityGate } from '../quality-gate';
import { isServingOrDeploying } from '../rollout';
import { describeTrainingJob, findEndpoint, servingModel, tagsOf, validationAccuracy } from '../sagemaker';
import { parsePredictions, readTestRows } from './test-split';
import { findTransformJob, startTransformJob, TRANSFORM_ENDED, type TransformJobDescription } from './transform-jobs';

export type EvaluationOutcome =
  | { outcome: 'waiting'; for: string }
  | { outcome: 'evaluation-failed'; job: string }
  | { outcome: 'already-deployed' }
  | { outcome: 'rejected' | 'awaiting-approval' | 'approved'; reportKey: string; modelPackage: string };

interface Evaluated {
  jobName: string;
  modelName: string;
  modelArtifact: string;
}

export async function handleTransformJobStateChange(event: TransformJobStateChangeEvent, deps: DeploymentDeps): Promise<EvaluationOutcome> {
  const { config, sagemaker } = deps;
  const parsed = parseTransformJobName(config.stage, event.detail.TransformJobName);
  if (parsed === undefined) throw new Error(`transform job ${event.detail.TransformJobName} is not one of stage ${config.stage}'s evaluations`);
  const { runId } = parsed;
  const jobName = trainingJobName(config.stage, runId);
  const reportKey = evaluationReportKey(runId);

  const endpoint = await findEndpoint(sagemaker, config.endpointName);
  if (isServingOrDeploying(endpoint, jobName)) return { outcome: 'already-deployed' };

  let report = await readReport(deps, reportKey);
  if (report === undefined) {
    const challengerName = transformJobName(config.stage, runId, 'challenger');
    const challenger = await findTransformJob(sagemaker, challengerName);
    if (challenger === undefined) throw new Error(`transform job ${challengerName} does not exist, though ${event.detail.TransformJobName} does`);
    const failed = await reportFailure(deps, runId, challenger);
    if (failed) return failed;
    if (challenger.TransformJobStatus !== 'Completed') return { outcome: 'waiting', for: challengerName };

    // The champion is the model in service now, whichever the evaluation started with.
    const prefix = trainingJobPrefix(config.stage);
    const serving = endpoint && (await servingModel(sagemaker, endpoint, (name) => name.startsWith(prefix)));
    let champion: Evaluated | undefined;
    if (serving) {
      const championName = transformJobName(config.stage, runId, 'champion', serving.modelName);
      const championJob = await findTransformJob(sagemaker, championName);
      if (championJob === undefined) {
        const startedWith = (await tagsOf(sagemaker, challenger.TransformJobArn))[CHAMPION_MODEL_TAG];
        deps.logger.info('the model in service is not the one the evaluation started with: evaluating it on the same rows', { runId, startedWith, serving: serving.modelName });
        await startTransformJob(sagemaker, { jobName: championName, modelName: serving.modelName, bucket: config.dataBucket, runId, instanceType: config.transformInstanceType });
        return { outcome: 'waiting', for: championName };
      }
      const championFailed = await reportFailure(deps, runId, championJob);
      if (championFailed) return championFailed;
      if (championJob.TransformJobStatus !== 'Completed') return { outcome: 'waiting', for: championName };
      champion = { jobName: championName, modelName: serving.modelName, modelArtifact: await modelArtifactOf(deps, serving.modelName) };
    }
    const challengerModel = { jobName: challengerName, modelName: jobName, modelArtifact: await modelArtifactOf(deps, jobName) };
    report = await writeReport(deps, reportKey, await buildReport(deps, runId, challengerModel, champion));
  }
  return decide(deps, runId, report, reportKey);
}

/** Pipeline Failed (step evaluation) for a job that failed or was stopped. */
async function reportFailure(deps: DeploymentDeps, runId: string, job: TransformJobDescription): Promise<EvaluationOutcome | undefined> {
  const status = job.TransformJobStatus ?? '';
  if (!TRANSFORM_ENDED.has(status) || status === 'Completed') return undefined;
  await announce(deps, 'Pipeline Failed', runId, {
    failedStep: 'evaluation',
    resource: job.TransformJobName ?? '',
    reason: job.FailureReason ?? `transform job ${job.TransformJobName} ${status}`,
    state: status,
    ...(await runRows(deps, runId)),
  });
  return { outcome: 'evaluation-failed', job: job.TransformJobName ?? '' };
}

async function modelArtifactOf(deps: DeploymentDeps, modelName: string): Promise<string> {
  const job = await describeTrainingJob(deps.sagemaker, modelName).catch(() => undefined);
  return job?.ModelArtifacts?.S3ModelArtifacts ?? '';
}

/** Both models' metrics on the run's test rows, and the gate's decision on them. */
export async function buildReport(deps: DeploymentDeps, runId: string, challenger: Evaluated, champion: Evaluated | undefined): Promise<EvaluationReport> {
  const { config, s3 } = deps;
  const rows = await readTestRows(s3, config.dataBucket, runId);
  const truth = rows.map((row) => row.label);
  const labels = [...new Set(truth)].sort();
  const predictionsOf = async (evaluated: Evaluated) => {
    const key = evaluationOutputKey(runId, evaluated.jobName);
    const predicted = parsePredictions(await readText(s3, config.dataBucket, key), `s3://${config.dataBucket}/${key}`);
    if (predicted.length !== truth.length) {
      throw new Error(`${evaluated.jobName} predicted ${predicted.length} rows of the ${truth.length} test rows: its output does not line up with the test split`);
    }
    return predicted;
  };
  const [challengerPredicted, championPredicted] = await Promise.all([predictionsOf(challenger), champion && predictionsOf(champion)]);
  // Labels only a model predicted (none of the test rows has them: a champion trained on other classes, say) extend the
  // list after the test rows' labels, so that both models' matrices share report.labels.
  const predictedLabels = new Set([...challengerPredicted, ...(championPredicted ?? [])]);
  const allLabels = [...labels, ...[...predictedLabels].filter((label) => !labels.includes(label)).sort()];
  const evaluationOf = (evaluated: Evaluated, predicted: string[]) =>
    modelEvaluationOf(classificationMetrics(truth, predicted, allLabels), { trainingJob: evaluated.modelName, modelArtifact: evaluated.modelArtifact });
  const challengerEvaluation = evaluationOf(challenger, challengerPredicted);
  const championEvaluation = champion && championPredicted && evaluationOf(champion, championPredicted);
  const gate = evaluateQualityGate(
    challengerEvaluation.accuracy,
    championEvaluation ? { modelName: champion!.modelName, accuracy: championEvaluation.accuracy } : undefined,
    config.gate,
    rows.length,
  );
  return {
    runId,
    testRows: rows.length,
    labels: allLabels,
    challenger: challengerEvaluation,
    champion: championEvaluation ?? null,
    decision: { deploy: gate.accepted, reasons: gate.reasons },
  };
}

/** The run's report.json, or undefined when it has none (yet). */
export async function readReport(deps: Pick<DeploymentDeps, 's3' | 'config'>, key: string): Promise<EvaluationReport | undefined> {
  try {
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.config.dataBucket, Key: key }));
    return evaluationReport.parse(JSON.parse((await object.Body?.transformToString('utf-8')) ?? ''));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The first report written for the run wins; a concurrent invocation takes it instead of its own. */
async function writeReport(deps: DeploymentDeps, key: string, report: EvaluationReport): Promise<EvaluationReport> {
  try {
    await deps.s3.send(
      new PutObjectCommand({ Bucket: deps.config.dataBucket, Key: key, Body: `${JSON.stringify(report, null, 2)}\n`, ContentType: 'application/json', IfNoneMatch: '*' }),
    );
    return report;
  } catch (error) {
    if (!isPreconditionFailed(error)) throw error;
    const written = await readReport(deps, key);
    if (written === undefined) throw new Error(`${key} was written meanwhile but cannot be read`);
    return written;
  }
}

/**
 * The gate's decision as a registry version (registry/registry.ts): Rejected (kept for the record, Model Rejected),
 * PendingManualApproval (modelApproval manual: Model Awaiting Approval), or Approved, whose `SageMaker Model Package
 * State Change` event deploys it (registry/approved.ts), as any later approval would.
 */
async function decide(deps: DeploymentDeps, runId: string, report: EvaluationReport, reportKey: string): Promise<EvaluationOutcome> {
  const { config, sagemaker } = deps;
  const jobName = trainingJobName(config.stage, runId);
  const job = await describeTrainingJob(sagemaker, jobName);
  const evaluation = summarizeEvaluation(report, config.dataBucket, reportKey);
  const champion = report.champion;
  const [jobTags, manifest] = await Promise.all([tagsOf(sagemaker, job.TrainingJobArn), readRunManifest(deps, runId)]);
  const { ref } = await registerModel(
    deps,
    {
      runId,
      trainingJob: jobName,
      modelDataUrl: job.ModelArtifacts?.S3ModelArtifacts ?? report.challenger.modelArtifact,
      ...(jobTags.glueJobRunId ? { glueJobRunId: jobTags.glueJobRunId } : {}),
      ...(jobTags[TRIGGER_TAG] ? { trigger: jobTags[TRIGGER_TAG] } : {}),
      ...(jobTags[NORMALIZATION_VERSION_TAG] ? { normalizationVersion: jobTags[NORMALIZATION_VERSION_TAG] } : {}),
      ...(manifest ? { manifest } : {}),
    },
    report,
    reportKey,
  );
  const status = approvalStatusFor(report.decision.deploy, config.modelApproval);
  const trigger = jobTags[TRIGGER_TAG] ? { trigger: jobTags[TRIGGER_TAG] } : {};
  deps.logger.info('model registered', { runId, modelPackage: ref.arn, status });
  if (status === 'Rejected') {
    await announce(deps, 'Model Rejected', runId, {
      trainingJobName: jobName,
      metrics: { validationAccuracy: validationAccuracy(job) ?? report.challenger.accuracy },
      gate: {
        minAccuracy: config.gate.minAccuracy,
        tolerance: config.gate.maxAccuracyDrop,
        ...(champion ? { servingAccuracy: champion.accuracy, servingModel: champion.trainingJob } : {}),
      },
      reason: report.decision.reasons.join('; '),
      evaluation,
      modelPackage: { ...ref, approvalStatus: 'Rejected' },
      ...trigger,
      ...(await runRows(deps, runId)),
    });
    return { outcome: 'rejected', reportKey, modelPackage: ref.arn };
  }
  if (status === 'PendingManualApproval') {
    const commands = approvalCommands(config, ref.arn);
    await announce(deps, 'Model Awaiting Approval', runId, {
      trainingJobName: jobName,
      modelPackage: { ...ref, approvalStatus: 'PendingManualApproval' },
      approveCommand: commands.approve,
      rejectCommand: commands.reject,
      evaluation,
      ...trigger,
      ...(await runRows(deps, runId)),
    });
    return { outcome: 'awaiting-approval', reportKey, modelPackage: ref.arn };
  }
  return { outcome: 'approved', reportKey, modelPackage: ref.arn };
}

async function readRunManifest(deps: DeploymentDeps, runId: string): Promise<PreprocessManifest | undefined> {
  const read = await readManifest(deps.s3, { bucket: deps.config.dataBucket, key: manifestKey(runId) }).catch(() => undefined);
  return read?.status === 'read' ? read.manifest : undefined;
}
