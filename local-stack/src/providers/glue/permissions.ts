/**
 * What each Glue operation needs in IAM (the service authorization reference, "Actions defined by
 * AWS Glue"): job operations on `arn:aws:glue:<region>:<account>:job/<name>`; GetJobs and ListJobs
 * on every job (`*`); BatchStopJobRun is glue:BatchStopJobRun on the job.
 */
import { arnOf } from '../../core/iam';
import type { OperationPermissions } from '../../core/types';
import type { GLUE_OPERATIONS } from './operations';

type GluePermissions = OperationPermissions<Record<string, unknown>>;

const onJob = (action: string): GluePermissions => (input, request) => [
  { action, resource: typeof input.JobName === 'string' && input.JobName !== '' ? arnOf('glue', `job/${input.JobName}`, request) : '*' },
];

export const GLUE_PERMISSIONS: { readonly [Name in keyof typeof GLUE_OPERATIONS]: GluePermissions } = {
  GetJob: onJob('glue:GetJob'),
  GetJobs: () => [{ action: 'glue:GetJobs', resource: '*' }],
  ListJobs: () => [{ action: 'glue:ListJobs', resource: '*' }],
  StartJobRun: onJob('glue:StartJobRun'),
  GetJobRun: onJob('glue:GetJobRun'),
  GetJobRuns: onJob('glue:GetJobRuns'),
  BatchStopJobRun: onJob('glue:BatchStopJobRun'),
};
