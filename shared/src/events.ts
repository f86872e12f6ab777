import { z } from 'zod';
import { evaluationSummary } from './evaluation';

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

/** AWS's `SageMaker Transform Job State Change`: the detail is DescribeTransformJob's shape (times in epoch milliseconds). */
export const transformJobStateChangeEvent = envelope(
  'SageMaker Transform Job State Change',
  z.looseObject({
    TransformJobName: z.string().min(1),
    TransformJobArn: z.string().optional(),
    TransformJobStatus: z.string().min(1),
    FailureReason: z.string().optional(),
    ModelName: z.string().optional(),
  }),
);
export type TransformJobStateChangeEvent = z.infer<typeof transformJobStateChangeEvent>;

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

/**
 * AWS's `SageMaker Model Package State Change`: the detail is DescribeModelPackage's shape. A version's creation and
 * every update of it (approval status, metadata) send one; a handler reads the version again before acting on it.
 */
export const modelPackageStateChangeEvent = envelope(
  'SageMaker Model Package State Change',
  z.looseObject({
    ModelPackageGroupName: z.string().min(1),
    ModelPackageArn: z.string().min(1),
    ModelPackageVersion: z.number().int().positive().optional(),
    ModelApprovalStatus: z.string().min(1),
    ModelPackageStatus: z.string().optional(),
  }),
);
export type ModelPackageStateChangeEvent = z.infer<typeof modelPackageStateChangeEvent>;

/** `Retrain Requested` (contract): source ml-pipeline.operator, any tool may send it (`npm run retrain`, `aws events put-events`). */
export const retrainRequestedDetail = z.object({
  stage: z.string().min(1),
  reason: z.string().max(1000).optional(),
});
export const retrainRequestedEvent = envelope('Retrain Requested', retrainRequestedDetail);
export type RetrainRequestedEvent = z.infer<typeof retrainRequestedEvent>;

/** The event an EventBridge schedule rule sends its target (source aws.events, empty detail). */
export const scheduledEvent = envelope('Scheduled Event', z.looseObject({}));
export type ScheduledEvent = z.infer<typeof scheduledEvent>;

/** An SQS batch as Lambda receives it; each body is checked on its own, so one bad message does not fail the batch. */
export const sqsBatchEvent = z.object({
  Records: z.array(z.looseObject({ messageId: z.string().min(1), body: z.string() })).min(1),
});

// ---- The pipeline's own events (contract: source ml-pipeline.<service>, every detail has runId and stage)

const base = { runId: z.string().min(1), stage: z.string().min(1), at: z.string().datetime({ offset: true }) };

/**
 * What a run made of the rows it read (from its manifest, shared/src/rows.ts): kept, dropped as duplicates,
 * rejected by reason with the first few lines of each, and where the full list of rejected rows is.
 */
export const rowsSummary = z.object({
  read: z.number().int().nonnegative(),
  kept: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  rejections: z.array(
    z.object({
      reason: z.string(),
      count: z.number().int().nonnegative(),
      lines: z.array(z.object({ source: z.string(), line: z.number().int() })),
    }),
  ),
  /** `s3://<bucket>/prepared/<runId>/rejected.jsonl` */
  rejectedList: z.string().optional(),
});
export type RowsSummary = z.infer<typeof rowsSummary>;

const datasetRejectedDetail = z.object({
  ...base,
  bucket: z.string(),
  key: z.string(),
  rejectedKey: z.string(),
  reason: z.string(),
  size: z.number().int().nonnegative().optional(),
});

const datasetUnchangedDetail = z.object({
  ...base,
  bucket: z.string(),
  key: z.string(),
  /** The labeled/ copy of the drop that brought the same content first. */
  duplicateOf: z.string(),
  size: z.number().int().nonnegative().optional(),
});

/** What started the run when it was not a drop: `Retrain Requested: <reason>` or `schedule <rule name>`. */
const runTrigger = z.string().optional();

const pipelineFailedDetail = z.object({
  ...base,
  trigger: runTrigger,
  failedStep: z.enum(['ingestion', 'preprocessing', 'training', 'evaluation', 'deployment']),
  resource: z.string(),
  reason: z.string(),
  state: z.string().optional(),
  rows: rowsSummary.optional(),
});

const accuracyMetrics = z.object({ validationAccuracy: z.number().min(0).max(1) });

/** The registry version of a run's model (its model package, services/deployment/README.md "Model registry"). */
export const modelPackageRef = z.object({
  arn: z.string(),
  group: z.string(),
  version: z.number().int().positive(),
  approvalStatus: z.enum(['Approved', 'PendingManualApproval', 'Rejected']),
});
export type ModelPackageRef = z.infer<typeof modelPackageRef>;

/** How a deployed version came to be approved: who or what approved it, and whether that overrode the gate. */
const approvalSummary = z.object({
  /** The version's last approval, as SageMaker records it (LastModifiedTime). */
  approvedAt: z.string(),
  /** `gate`: the evaluation approved it (modelApproval auto); `manual`: anyone else (CLI, console, Studio, rollback). */
  by: z.enum(['gate', 'manual']),
  description: z.string().optional(),
  /** The approver's identity, when SageMaker names one. */
  approver: z.string().optional(),
  /** The gate had refused it; `gateReasons` says why. */
  overrodeGate: z.boolean(),
  gateReasons: z.array(z.string()).optional(),
});

const modelRejectedDetail = z.object({
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
  rows: rowsSummary.optional(),
  /** The test split's evaluation the gate decided on (evaluations/<runId>/report.json). */
  evaluation: evaluationSummary.optional(),
  /** The version registered for the record (Rejected). */
  modelPackage: modelPackageRef.optional(),
  trigger: runTrigger,
});

const modelAwaitingApprovalDetail = z.object({
  ...base,
  trainingJobName: z.string(),
  modelPackage: modelPackageRef,
  /** The AWS CLI command that approves the version (and so deploys it). */
  approveCommand: z.string(),
  rejectCommand: z.string(),
  evaluation: evaluationSummary,
  rows: rowsSummary.optional(),
  trigger: runTrigger,
});

const modelRolledBackDetail = z.object({
  ...base,
  endpointName: z.string(),
  endpointConfigName: z.string(),
  modelName: z.string(),
  modelPackage: modelPackageRef,
  /** The version that served before the rollback, when known. */
  fromVersion: z.number().int().positive().optional(),
  reason: z.string(),
  approval: approvalSummary,
  evaluation: evaluationSummary.optional(),
});

const modelDeployedDetail = z.object({
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
  rows: rowsSummary.optional(),
  evaluation: evaluationSummary.optional(),
  modelPackage: modelPackageRef.optional(),
  approval: approvalSummary.optional(),
  trigger: runTrigger,
});

/**
 * THE list of pipeline events: detail type -> its detail schema and how its email's subject starts
 * (`[<stage>] <emailSubject>: ...`, docs/contracts.md, Emails). The union types, the envelope schema the
 * notification queue parses, publishing, the email templates and the tests all derive from this map.
 *
 * Adding an event is one entry here plus its email template: the compiler then points at the template
 * table (services/notification/src/render.ts, a `Record` over the detail types), and the tests at the
 * notification rule's detail-type list (services/notification/serverless.yml) and at the sample event
 * the email tests render (test/fixtures/aws-events/pipeline-<slug>.json). See shared/README.md.
 */
export const PIPELINE_EVENTS = {
  'Dataset Rejected': { detail: datasetRejectedDetail, emailSubject: 'Data rejected' },
  'Dataset Unchanged': { detail: datasetUnchangedDetail, emailSubject: 'Nothing new' },
  'Pipeline Failed': { detail: pipelineFailedDetail, emailSubject: 'Pipeline failed' },
  'Model Rejected': { detail: modelRejectedDetail, emailSubject: 'Model rejected' },
  'Model Deployed': { detail: modelDeployedDetail, emailSubject: 'Model deployed' },
  'Model Awaiting Approval': { detail: modelAwaitingApprovalDetail, emailSubject: 'Model awaiting approval' },
  'Model Rolled Back': { detail: modelRolledBackDetail, emailSubject: 'Model rolled back' },
} as const satisfies Record<string, { detail: z.ZodType<{ runId: string; stage: string; at: string }>; emailSubject: string }>;

export type PipelineDetailType = keyof typeof PIPELINE_EVENTS;
/** Every detail type, in the map's order. */
export const PIPELINE_DETAIL_TYPES = Object.keys(PIPELINE_EVENTS) as PipelineDetailType[];

/** The detail of each pipeline event, by detail type. */
export type PipelineEventDetails = { [T in PipelineDetailType]: z.infer<(typeof PIPELINE_EVENTS)[T]['detail']> };
export type PipelineEventDetail<T extends PipelineDetailType> = PipelineEventDetails[T];

export type DatasetRejectedDetail = PipelineEventDetail<'Dataset Rejected'>;
export type DatasetUnchangedDetail = PipelineEventDetail<'Dataset Unchanged'>;
export type PipelineFailedDetail = PipelineEventDetail<'Pipeline Failed'>;
export type ModelRejectedDetail = PipelineEventDetail<'Model Rejected'>;
export type ModelDeployedDetail = PipelineEventDetail<'Model Deployed'>;
export type ModelAwaitingApprovalDetail = PipelineEventDetail<'Model Awaiting Approval'>;
export type ModelRolledBackDetail = PipelineEventDetail<'Model Rolled Back'>;

/** A pipeline event to publish: its detail type and detail. */
export type PipelineEvent = { [T in PipelineDetailType]: { detailType: T; detail: PipelineEventDetails[T] } }[PipelineDetailType];

/** The pipeline event an email announces, from its subject (`[<stage>] <emailSubject>: ...`), or undefined. */
export function detailTypeOfSubject(subject: string): PipelineDetailType | undefined {
  const start = /^\[[^\]]*\] ([^:]+): /.exec(subject)?.[1];
  return PIPELINE_DETAIL_TYPES.find((detailType) => PIPELINE_EVENTS[detailType].emailSubject === start);
}

// In names.ts (no zod there: the console's page reads it too); re-exported here beside the detail types.
export { detailTypeSlug } from './names';

type Envelope = z.infer<ReturnType<typeof envelope<string, z.ZodType>>>;
/** A pipeline event as the notification queue receives it: the whole EventBridge event. */
export type PipelineEventEnvelope = {
  [T in PipelineDetailType]: Omit<Envelope, 'detail-type' | 'detail'> & { 'detail-type': T; detail: PipelineEventDetails[T] };
}[PipelineDetailType];

const envelopes = PIPELINE_DETAIL_TYPES.map((detailType) => envelope(detailType, PIPELINE_EVENTS[detailType].detail));
export const pipelineEventEnvelope: z.ZodType<PipelineEventEnvelope> = z.discriminatedUnion(
  'detail-type',
  envelopes as unknown as [(typeof envelopes)[number], ...(typeof envelopes)[number][]],
) as unknown as z.ZodType<PipelineEventEnvelope>;
