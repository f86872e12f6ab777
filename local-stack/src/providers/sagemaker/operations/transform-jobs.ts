/** CreateTransformJob / DescribeTransformJob / ListTransformJobs / StopTransformJob (Batch Transform). */
import { z } from 'zod';
import { validationException } from '../errors';
import { describeTransformJob, MAX_PAYLOAD_MB, type TransformJobRecord } from '../model/transform-jobs';
import type { SageMakerOperation } from './context';
import { listByStatusInput, listResponse, type Listing } from './listing';
import { echoedMembers, parseInput, resourceName, S3_URI_PATTERN, tagList } from './validation';

/** BlazingText runs batch transform on CPU and GPU instance types; the local stack runs any. */
const INSTANCE_TYPE = z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/);

const createInput = z.looseObject({
  TransformJobName: resourceName,
  ModelName: z.string().max(63).regex(/^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/),
  MaxConcurrentTransforms: z.number().int().min(0).optional(),
  ModelClientConfig: z
    .looseObject({
      InvocationsTimeoutInSeconds: z.number().int().min(1).max(3600).optional(),
      InvocationsMaxRetries: z.number().int().min(0).max(3).optional(),
    })
    .optional(),
  MaxPayloadInMB: z.number().int().min(0).optional(),
  BatchStrategy: z.enum(['MultiRecord', 'SingleRecord']).optional(),
  Environment: z.record(z.string().max(1024), z.string().max(10240)).optional(),
  TransformInput: z.looseObject({
    DataSource: z.looseObject({
      S3DataSource: z.looseObject({
        S3DataType: z.enum(['ManifestFile', 'S3Prefix', 'AugmentedManifestFile', 'Converse']),
        S3Uri: z.string().max(1024).regex(S3_URI_PATTERN),
      }),
    }),
    ContentType: z.string().max(256).optional(),
    CompressionType: z.enum(['None', 'Gzip']).optional(),
    SplitType: z.enum(['None', 'Line', 'RecordIO', 'TFRecord']).optional(),
  }),
  TransformOutput: z.looseObject({
    S3OutputPath: z.string().max(1024).regex(S3_URI_PATTERN),
    Accept: z.string().max(256).optional(),
    AssembleWith: z.enum(['None', 'Line']).optional(),
    KmsKeyId: z.string().max(2048).optional(),
  }),
  TransformResources: z.looseObject({
    InstanceType: INSTANCE_TYPE,
    InstanceCount: z.number().int().min(1),
  }),
  DataProcessing: z
    .looseObject({ InputFilter: z.string().max(63).optional(), OutputFilter: z.string().max(63).optional(), JoinSource: z.enum(['Input', 'None']).optional() })
    .optional(),
  Tags: tagList,
});

type CreateRequest = z.output<typeof createInput>;

const listInput = listByStatusInput(['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped']);
const nameInput = z.looseObject({ TransformJobName: resourceName });

/** Members of CreateTransformJob that DescribeTransformJob returns as given. */
const ECHOED_MEMBERS = [
  'MaxConcurrentTransforms',
  'ModelClientConfig',
  'MaxPayloadInMB',
  'BatchStrategy',
  'Environment',
  'TransformInput',
  'TransformOutput',
  'DataCaptureConfig',
  'TransformResources',
  'DataProcessing',
  'ExperimentConfig',
] as const;

const TRANSFORM_JOB_LISTING: Listing<TransformJobRecord> = {
  member: 'TransformJobSummaries',
  nameField: 'TransformJobName',
  statusField: 'TransformJobStatus',
  summaryFields: ['TransformJobName', 'TransformJobArn', 'CreationTime', 'TransformEndTime', 'LastModifiedTime', 'TransformJobStatus', 'FailureReason'],
};

/** What the local stack (or BlazingText) cannot run, refused at creation rather than failed later. */
function checkSupported(request: CreateRequest): void {
  const input = request.TransformInput;
  if (input.DataSource.S3DataSource.S3DataType !== 'S3Prefix') {
    throw validationException(`S3DataType ${input.DataSource.S3DataSource.S3DataType} is not supported by the local stack: use S3Prefix`);
  }
  if (input.SplitType !== undefined && input.SplitType !== 'None' && input.SplitType !== 'Line') {
    throw validationException(`SplitType ${input.SplitType} is not supported by BlazingText: use Line (JSON Lines) or None`);
  }
  const payload = request.MaxPayloadInMB;
  if (payload !== undefined && payload > MAX_PAYLOAD_MB) {
    throw validationException(`MaxPayloadInMB must be less than or equal to ${MAX_PAYLOAD_MB}.`);
  }
  if (payload === 0 && request.BatchStrategy === 'MultiRecord') {
    throw validationException('MaxPayloadInMB 0 (unlimited) is only supported with BatchStrategy SingleRecord.');
  }
  const processing = request.DataProcessing;
  if (processing && ((processing.InputFilter ?? '$') !== '$' || (processing.OutputFilter ?? '$') !== '$' || (processing.JoinSource ?? 'None') !== 'None')) {
    throw validationException('DataProcessing (InputFilter, OutputFilter, JoinSource) is not supported by the local stack');
  }
}

export const TRANSFORM_JOB_OPERATIONS: Record<string, SageMakerOperation> = {
  CreateTransformJob: async ({ transformJobs }, input, { region, accountId }) => {
    const request = parseInput(createInput, input);
    checkSupported(request);
    return { TransformJobArn: await transformJobs.create(request, echoedMembers(request, ECHOED_MEMBERS), region, accountId) };
  },

  DescribeTransformJob: ({ transformJobs }, input, { region, accountId }) =>
    describeTransformJob(transformJobs.records.require(parseInput(nameInput, input).TransformJobName, region, accountId), 'seconds'),

  ListTransformJobs: ({ transformJobs }, input) => listResponse(transformJobs.records.all(), parseInput(listInput, input), TRANSFORM_JOB_LISTING),

  StopTransformJob: async ({ transformJobs }, input, { region, accountId }) => {
    await transformJobs.stopJob(parseInput(nameInput, input).TransformJobName, region, accountId);
    return {};
  },
};
