import { z } from 'zod';
import { DETAIL_TYPES } from './names';

/** The EventBridge envelope around every event the pipeline receives. */
const envelope = <TType extends string, TDetail extends z.ZodType>(detailType: TType, detail: TDetail) =>
  z.object({
    version: z.string(),
    id: z.string().min(1),
    'detail-type': z.literal(detailType),
    source: z.string(),
    account: z.string(),
    // AWS's own documented samples are not consistent (some give epoch milliseconds): any time is kept as is.
    time: z.string().min(1),
    region: z.string(),
    resources: z.array(z.string()),
    detail,
  });

export const s3ObjectCreatedEvent = envelope(
  'Object Created',
  z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      etag: z.string().optional(),
      'version-id': z.string().optional(),
      sequencer: z.string().optional(),
    }),
    reason: z.string().optional(),
  }),
);
export type S3ObjectCreatedEvent = z.infer<typeof s3ObjectCreatedEvent>;

export const GLUE_TERMINAL_STATES = ['SUCCEEDED', 'FAILED', 'TIMEOUT', 'STOPPED', 'ERROR'] as const;
export const glueJobStateChangeEvent = envelope(
  'Glue Job State Change',
  z.object({
    jobName: z.string().min(1),
    jobRunId: z.string().min(1),
    state: z.string().min(1),
    severity: z.string().optional(),
    message: z.string().optional(),
  }),
);
export type GlueJobStateChangeEvent = z.infer<typeof glueJobStateChangeEvent>;

export const trainingJobStateChangeEvent = envelope(
  'SageMaker Training Job State Change',
  z.looseObject({
    TrainingJobName: z.string().min(1),
    TrainingJobArn: z.string().optional(),
    TrainingJobStatus: z.string().min(1),
    SecondaryStatus: z.string().optional(),
    FailureReason: z.string().optional(),
  }),
);
export type TrainingJobStateChangeEvent = z.infer<typeof trainingJobStateChangeEvent>;

export const endpointStateChangeEvent = envelope(
  'SageMaker Endpoint State Change',
  z.looseObject({
    EndpointName: z.string().min(1),
    EndpointArn: z.string().optional(),
    EndpointConfigName: z.string().optional(),
    EndpointStatus: z.string().min(1),
    FailureReason: z.string().optional(),
  }),
);
export type EndpointStateChangeEvent = z.infer<typeof endpointStateChangeEvent>;

// ---- The pipeline's own events (contract: source ml-pipeline.<service>, every detail has runId and stage)

const base = { runId: z.string().min(1), stage: z.string().min(1), at: z.string().datetime({ offset: true }) };

export const datasetRejectedDetail = z.object({
  ...base,
  bucket: z.string(),
  key: z.string(),
  rejectedKey: z.string(),
  reason: z.string(),
  size: z.number().int().nonnegative().optional(),
});

export const pipelineFailedDetail = z.object({
  ...base,
  failedStep: z.enum(['ingestion', 'preprocessing', 'training', 'deployment']),
  resource: z.string(),
  reason: z.string(),
  state: z.string().optional(),
});

const accuracyMetrics = z.object({ validationAccuracy: z.number().min(0).max(1) });

export const modelRejectedDetail = z.object({
  ...base,
  trainingJobName: z.string(),
  metrics: accuracyMetrics,
  gate: z.object({
    minAccuracy: z.number(),
    tolerance: z.number(),
    servingAccuracy: z.number().optional(),
    servingModel: z.string().optional(),
  }),
  reason: z.string(),
});

export const modelDeployedDetail = z.object({
  ...base,
  endpointName: z.string(),
  endpointConfigName: z.string(),
  modelName: z.string(),
  trainingJobName: z.string(),
  metrics: accuracyMetrics.extend({ previousAccuracy: z.number().optional() }),
  dataset: z
    .object({
      train: z.number().int(),
      validation: z.number().int(),
      test: z.number().int(),
      labels: z.record(z.string(), z.number().int()).optional(),
    })
    .optional(),
  durations: z.object({
    preprocessingSeconds: z.number().optional(),
    trainingSeconds: z.number().optional(),
    deploymentSeconds: z.number().optional(),
    totalSeconds: z.number().optional(),
  }),
});

export const pipelineEventDetails = {
  [DETAIL_TYPES.datasetRejected]: datasetRejectedDetail,
  [DETAIL_TYPES.pipelineFailed]: pipelineFailedDetail,
  [DETAIL_TYPES.modelRejected]: modelRejectedDetail,
  [DETAIL_TYPES.modelDeployed]: modelDeployedDetail,
} as const;

export type DatasetRejectedDetail = z.infer<typeof datasetRejectedDetail>;
export type PipelineFailedDetail = z.infer<typeof pipelineFailedDetail>;
export type ModelRejectedDetail = z.infer<typeof modelRejectedDetail>;
export type ModelDeployedDetail = z.infer<typeof modelDeployedDetail>;

export type PipelineEvent =
  | { detailType: typeof DETAIL_TYPES.datasetRejected; detail: DatasetRejectedDetail }
  | { detailType: typeof DETAIL_TYPES.pipelineFailed; detail: PipelineFailedDetail }
  | { detailType: typeof DETAIL_TYPES.modelRejected; detail: ModelRejectedDetail }
  | { detailType: typeof DETAIL_TYPES.modelDeployed; detail: ModelDeployedDetail };

/** A pipeline event as the notification queue receives it: the whole EventBridge event. */
export const pipelineEventEnvelope = z.discriminatedUnion('detail-type', [
  envelope(DETAIL_TYPES.datasetRejected, datasetRejectedDetail),
  envelope(DETAIL_TYPES.pipelineFailed, pipelineFailedDetail),
  envelope(DETAIL_TYPES.modelRejected, modelRejectedDetail),
  envelope(DETAIL_TYPES.modelDeployed, modelDeployedDetail),
]);
export type PipelineEventEnvelope = z.infer<typeof pipelineEventEnvelope>;
