/**
 * A training job's log (what CloudWatch Logs would hold under /aws/sagemaker/TrainingJobs):
 * `<stateDir>/sagemaker/logs/<job>.log`, one timestamped line per event.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export class JobLog {
  private readonly stream: WriteStream;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { flags: 'a' });
  }

  write(line: string): void {
    this.stream.write(`${new Date().toISOString()} ${line}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}
