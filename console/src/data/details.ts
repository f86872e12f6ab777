/**
 * A run's page: what the run list does not read. The manifest of its preprocessing (rows per split and
 * label, rejections by reason, the sources read), the training job with its hyperparameters, metrics,
 * status transitions and tags, the Glue run, the evaluation report and every email the run sent.
 */
import { parseManifest, type PreprocessManifest } from '../../../shared/src/manifest';
import type { EmailRecord, EvaluationReport, GlueRunRecord, PipelineConfig, Run, TrainingJobDetail } from './model';
import { describeTrainingJob, getGlueRun, getText, readEmail, readEvaluationReport, type PipelineClients } from './sources';

export interface RunDetails {
  manifest?: PreprocessManifest;
  manifestError?: string;
  /** The manifest's rejected rows by reason, most first. */
  rejections: Array<[reason: string, rows: number]>;
  glue?: GlueRunRecord;
  training?: TrainingJobDetail;
  report?: EvaluationReport;
  emails: EmailRecord[];
}

export async function loadRunDetails(clients: PipelineClients, config: PipelineConfig, run: Run): Promise<RunDetails> {
  const bucket = config.dataBucket;
  const [manifestText, glue, training, report, emails] = await Promise.all([
    run.refs.preparedPrefix ? getText(clients, bucket, `${run.refs.preparedPrefix}manifest.json`) : undefined,
    run.refs.glueJobRunId ? getGlueRun(clients, config.glueJobName, run.refs.glueJobRunId) : undefined,
    run.refs.trainingJobName ? describeTrainingJob(clients, run.refs.trainingJobName, true) : undefined,
    run.refs.reportKey ? readEvaluationReport(clients, bucket, run.runId) : undefined,
    Promise.all(run.refs.notificationKeys.map((key) => readEmail(clients, bucket, key))),
  ]);
  let manifest: PreprocessManifest | undefined;
  let manifestError: string | undefined;
  if (manifestText !== undefined) {
    try {
      manifest = parseManifest(manifestText);
    } catch (error) {
      manifestError = (error as Error).message;
    }
  }
  return {
    ...(manifest ? { manifest } : {}),
    ...(manifestError ? { manifestError } : {}),
    ...(glue ? { glue } : {}),
    ...(training ? { training } : {}),
    ...(report ? { report } : {}),
    rejections: manifest ? rejectionReasons(manifest) : [],
    emails: emails.filter((email): email is EmailRecord => email !== undefined).sort((a, b) => (a.sentAt?.getTime() ?? 0) - (b.sentAt?.getTime() ?? 0)),
  };
}

/** The manifest's rejection counts by reason (glue_scripts/preprocess.py writes `rejection_reasons`). */
export function rejectionReasons(manifest: PreprocessManifest): Array<[reason: string, rows: number]> {
  const reasons = (manifest as { rejection_reasons?: Record<string, unknown> }).rejection_reasons ?? {};
  return Object.entries(reasons)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .sort((a, b) => b[1] - a[1]);
}
