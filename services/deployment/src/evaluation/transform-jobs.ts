/** The run's Batch Transform jobs: started idempotently under deterministic names, and read back. */
import {
  CreateTransformJobCommand,
  DescribeTransformJobCommand,
  type DescribeTransformJobCommandOutput,
  type SageMakerClient,
  type TransformInstanceType,
} from '@aws-sdk/client-sagemaker';
import { evaluationInputKey, evaluationOutputPrefix, isSageMakerAlreadyExisting, isSageMakerMissing } from '@pipeline/shared';

export type TransformJobDescription = DescribeTransformJobCommandOutput;

export interface EvaluationJob {
  jobName: string;
  modelName: string;
  bucket: string;
  runId: string;
  instanceType: string;
  tags?: Record<string, string>;
}

/**
 * Starts a transform job over the run's batch input with BlazingText's batch settings (JSON Lines split
 * by line, mini-batches of up to 6 MB, one `{"label", "prob"}` line per record). A job of that name
 * existing already (a duplicate event) is the same job: nothing is started twice.
 */
export async function startTransformJob(sagemaker: SageMakerClient, job: EvaluationJob): Promise<'started' | 'exists'> {
  try {
    await sagemaker.send(
      new CreateTransformJobCommand({
        TransformJobName: job.jobName,
        ModelName: job.modelName,
        BatchStrategy: 'MultiRecord',
        MaxPayloadInMB: 6,
        TransformInput: {
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${job.bucket}/${evaluationInputKey(job.runId)}` } },
          ContentType: 'application/jsonlines',
          SplitType: 'Line',
        },
        TransformOutput: { S3OutputPath: `s3://${job.bucket}/${evaluationOutputPrefix(job.runId, job.jobName)}`, Accept: 'application/jsonlines', AssembleWith: 'Line' },
        TransformResources: { InstanceType: job.instanceType as TransformInstanceType, InstanceCount: 1 },
        ...(job.tags ? { Tags: Object.entries(job.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
      }),
    );
    return 'started';
  } catch (error) {
    if (isSageMakerAlreadyExisting(error)) return 'exists';
    throw error;
  }
}

/** The job, or undefined when there is none of that name. */
export async function findTransformJob(sagemaker: SageMakerClient, jobName: string): Promise<TransformJobDescription | undefined> {
  try {
    return await sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: jobName }));
  } catch (error) {
    if (isSageMakerMissing(error)) return undefined;
    throw error;
  }
}

export const TRANSFORM_ENDED = new Set(['Completed', 'Failed', 'Stopped']);
