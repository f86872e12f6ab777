/**
 * A training job's log: `<stateDir>/sagemaker/logs/<job>.log`, one timestamped line per event, and
 * the same lines in CloudWatch Logs, as SageMaker writes them: group /aws/sagemaker/TrainingJobs,
 * stream `<job>/algo-1-<epoch seconds of the job's creation>`.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { LogSink } from '../../../core/types';

export const TRAINING_JOBS_LOG_GROUP = '/aws/sagemaker/TrainingJobs';
export const TRANSFORM_JOBS_LOG_GROUP = '/aws/sagemaker/TransformJobs';

export function trainingLogStream(jobName: string, creationTime: number): string {
  return `${jobName}/algo-1-${Math.floor(creationTime / 1000)}`;
}

/** SageMaker's `<job>/<instance id>-<epoch seconds>`; the local stack's one instance has a fixed id. */
export function transformLogStream(jobName: string, startTime: number): string {
  return `${jobName}/i-00000000000000001-${Math.floor(startTime / 1000)}`;
}

export class JobLog {
  private readonly stream: WriteStream;

  constructor(
    readonly path: string,
    private readonly cloudWatch?: { logs: LogSink; stream: string },
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { flags: 'a' });
  }

  write(line: string): void {
    const now = new Date();
    this.stream.write(`${now.toISOString()} ${line}\n`);
    this.cloudWatch?.logs.put(TRAINING_JOBS_LOG_GROUP, this.cloudWatch.stream, line, now.getTime());
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}
