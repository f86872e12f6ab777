/**
 * The evaluation of a run's model on the run's test split (docs/contracts.md, `evaluations/<runId>/`):
 * the names of its Batch Transform jobs and objects, `report.json`'s schema (fixed by the contract), and
 * the summary of it that `Model Deployed` / `Model Rejected` carry.
 */
import { z } from 'zod';
import { fnv1a, trainingJobName } from './names';
import { topConfusions, weakestClasses, type ClassificationMetrics } from './metrics';

export const EVALUATIONS_PREFIX = 'evaluations/';
export const evaluationPrefix = (runId: string): string => `${EVALUATIONS_PREFIX}${runId}/`;
export const evaluationReportKey = (runId: string): string => `${evaluationPrefix(runId)}report.json`;
/** The test split as Batch Transform input for BlazingText: one `{"source": text}` a line, in test.txt's order. */
export const evaluationInputKey = (runId: string): string => `${evaluationPrefix(runId)}input/test.jsonl`;
/** Each transform job writes under `evaluations/<runId>/<job name>/`. */
export const evaluationOutputPrefix = (runId: string, transformJobName: string): string => `${evaluationPrefix(runId)}${transformJobName}/`;
/** Batch Transform writes `<input object>.out` under the output path. */
export const evaluationOutputKey = (runId: string, transformJobName: string): string => `${evaluationOutputPrefix(runId, transformJobName)}test.jsonl.out`;

export type EvaluationRole = 'challenger' | 'champion';

/** Tag on the challenger's transform job: the model in service when the evaluation started ('' when none). */
export const CHAMPION_MODEL_TAG = 'ml-pipeline:champion-model';

const shortHash = (text: string): string => fnv1a(text).toString(16).padStart(8, '0').slice(0, 6);

/**
 * The run's transform jobs: `<training job>-challenger` for the new model, and for the model in service
 * `<training job>-champion-<6 hex of its name>` (a champion replaced during the evaluation gets a job of its own).
 */
export function transformJobName(stage: string, runId: string, role: 'challenger'): string;
export function transformJobName(stage: string, runId: string, role: 'champion', championModel: string): string;
export function transformJobName(stage: string, runId: string, role: EvaluationRole, championModel?: string): string {
  const name = role === 'challenger' ? `${trainingJobName(stage, runId)}-challenger` : `${trainingJobName(stage, runId)}-champion-${shortHash(championModel ?? '')}`;
  if (name.length > 63) throw new Error(`transform job name ${name} is longer than 63 characters: use a shorter stage name`);
  return name;
}

/** The run and role of one of the stage's transform jobs. */
export function parseTransformJobName(stage: string, jobName: string): { runId: string; role: EvaluationRole } | undefined {
  const match = /^(.+)-(challenger|champion-[0-9a-f]{6})$/.exec(jobName);
  const prefix = `mlp-${stage}-`;
  if (!match || !match[1]!.startsWith(prefix)) return undefined;
  return { runId: match[1]!.slice(prefix.length), role: match[2] === 'challenger' ? 'challenger' : 'champion' };
}

const classMetrics = z.object({ precision: z.number(), recall: z.number(), f1: z.number(), support: z.number().int() });

const modelEvaluation = z.object({
  trainingJob: z.string(),
  modelArtifact: z.string(),
  accuracy: z.number().min(0).max(1),
  macroF1: z.number().min(0).max(1),
  perClass: z.record(z.string(), classMetrics),
  confusion: z.array(z.array(z.number().int())),
});

/** `evaluations/<runId>/report.json` (contract). */
export const evaluationReport = z.object({
  runId: z.string(),
  testRows: z.number().int(),
  labels: z.array(z.string()),
  challenger: modelEvaluation,
  champion: modelEvaluation.nullable(),
  decision: z.object({ deploy: z.boolean(), reasons: z.array(z.string()) }),
});
export type EvaluationReport = z.infer<typeof evaluationReport>;
export type ModelEvaluation = z.infer<typeof modelEvaluation>;

/** A model's figures in `report.json` from its metrics. */
export function modelEvaluationOf(metrics: ClassificationMetrics, model: { trainingJob: string; modelArtifact: string }): ModelEvaluation {
  return { ...model, accuracy: metrics.accuracy, macroF1: metrics.macroF1, perClass: metrics.perClass, confusion: metrics.confusion };
}

/** How many classes the events list in full (the email's per-class table); the report has them all. */
export const SUMMARY_CLASS_LIMIT = 100;

const classRow = classMetrics.extend({ label: z.string() });

/** What `Model Deployed` / `Model Rejected` say of the evaluation (`evaluation` in their details). */
export const evaluationSummary = z.object({
  reportKey: z.string(),
  /** `s3://<data bucket>/<reportKey>`. */
  reportUri: z.string(),
  testRows: z.number().int(),
  challenger: z.object({ trainingJob: z.string(), accuracy: z.number(), macroF1: z.number() }),
  champion: z.object({ trainingJob: z.string(), accuracy: z.number(), macroF1: z.number() }).nullable(),
  decision: z.object({ deploy: z.boolean(), reasons: z.array(z.string()) }),
  /** The challenger's five lowest-recall classes. */
  weakestClasses: z.array(classRow),
  /** The challenger's most frequent mistakes. */
  topConfusions: z.array(z.object({ actual: z.string(), predicted: z.string(), count: z.number().int() })),
  /** The challenger's per-class figures, by label, for at most SUMMARY_CLASS_LIMIT classes (`classesOmitted` says how many more). */
  classes: z.array(classRow),
  classesOmitted: z.number().int(),
});
export type EvaluationSummary = z.infer<typeof evaluationSummary>;

export function summarizeEvaluation(report: EvaluationReport, bucket: string, reportKey: string): EvaluationSummary {
  const { challenger, champion } = report;
  const rows = report.labels.filter((label) => challenger.perClass[label] !== undefined).map((label) => ({ label, ...challenger.perClass[label]! }));
  return {
    reportKey,
    reportUri: `s3://${bucket}/${reportKey}`,
    testRows: report.testRows,
    challenger: { trainingJob: challenger.trainingJob, accuracy: challenger.accuracy, macroF1: challenger.macroF1 },
    champion: champion && { trainingJob: champion.trainingJob, accuracy: champion.accuracy, macroF1: champion.macroF1 },
    decision: report.decision,
    weakestClasses: weakestClasses(challenger.perClass, 5).map(({ label, precision, recall, f1, support }) => ({ label, precision, recall, f1, support })),
    topConfusions: topConfusions({ labels: report.labels, confusion: challenger.confusion }, 5),
    classes: rows.slice(0, SUMMARY_CLASS_LIMIT),
    classesOmitted: Math.max(0, rows.length - SUMMARY_CLASS_LIMIT),
  };
}
