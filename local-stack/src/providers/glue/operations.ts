/** Glue's operations (AWSGlue JSON 1.1), as far as the pipeline uses them: jobs, runs, stopping runs. */
import { AwsError } from '../../core/types';
import { GLUE_LOG_GROUP, type GlueService } from './model/service';
import type { GlueJobRun } from './model/state';

type Input = Record<string, unknown>;

export type GlueOperation = (glue: GlueService, input: Input) => unknown;

export const GLUE_OPERATIONS: Record<string, GlueOperation> = {
  GetJob: (glue, input) => ({ Job: glue.requireJob(stringField(input, 'JobName')) }),
  GetJobs: (glue) => ({ Jobs: glue.jobs() }),
  ListJobs: (glue) => ({ JobNames: glue.jobs().map((job) => job.Name) }),
  StartJobRun: (glue, input) => ({
    JobRunId: glue.startJobRun({
      jobName: stringField(input, 'JobName'),
      arguments: input.Arguments as Record<string, string> | undefined,
      timeout: typeof input.Timeout === 'number' ? input.Timeout : undefined,
    }),
  }),
  GetJobRun: (glue, input) => {
    const run = glue.run(stringField(input, 'RunId'));
    if (!run || run.JobName !== stringField(input, 'JobName')) {
      throw new AwsError('EntityNotFoundException', `Job run ${String(input.RunId)} not found`);
    }
    return { JobRun: publicRun(run) };
  },
  GetJobRuns: (glue, input) => {
    const runs = glue.jobRuns(stringField(input, 'JobName'));
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const size = typeof input.MaxResults === 'number' ? input.MaxResults : 100;
    const page = runs.slice(start, start + size);
    return { JobRuns: page.map(publicRun), NextToken: start + size < runs.length ? String(start + size) : undefined };
  },
  BatchStopJobRun: (glue, input) => glue.batchStop(stringField(input, 'JobName'), (input.JobRunIds as string[] | undefined) ?? []),
};
function stringField(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw new AwsError('InvalidInputException', `${name} is required`);
  }
  return value;
}

function publicRun(run: GlueJobRun): Omit<GlueJobRun, 'LogFile'> & { LogGroupName: string } {
  const { LogFile: _logFile, ...rest } = run;
  return { ...rest, LogGroupName: GLUE_LOG_GROUP };
}
