/** CreateTrainingJob / DescribeTrainingJob / ListTrainingJobs / StopTrainingJob. */
import { z } from 'zod';
import { describeTrainingJob, type TrainingJobRecord } from '../model/training-jobs';
import type { SageMakerOperation } from './context';
import { listByStatusInput, listResponse, type Listing } from './listing';
import { echoedMembers, parseInput, resourceName, ROLE_ARN_PATTERN, S3_URI_PATTERN, tagList } from './validation';

const channelSchema = z.looseObject({
  ChannelName: z.string().min(1).max(64).regex(/^[A-Za-z0-9.\-_]+$/),
  DataSource: z.looseObject({
    S3DataSource: z
      .looseObject({
        S3DataType: z.enum(['ManifestFile', 'S3Prefix', 'AugmentedManifestFile']),
        S3Uri: z.string().max(1024).regex(S3_URI_PATTERN),
        S3DataDistributionType: z.enum(['FullyReplicated', 'ShardedByS3Key']).optional(),
      })
      .optional(),
    FileSystemDataSource: z.unknown().optional(),
  }),
  ContentType: z.string().max(256).optional(),
  CompressionType: z.enum(['None', 'Gzip']).optional(),
  RecordWrapperType: z.enum(['None', 'RecordIO']).optional(),
  InputMode: z.enum(['Pipe', 'File', 'FastFile']).optional(),
});

const createTrainingJobInput = z.looseObject({
  TrainingJobName: resourceName,
  HyperParameters: z.record(z.string().max(256), z.string().max(2500)).optional(),
  AlgorithmSpecification: z.looseObject({
    TrainingImage: z.string().max(255).optional(),
    AlgorithmName: z.string().max(170).optional(),
    TrainingInputMode: z.enum(['Pipe', 'File', 'FastFile']),
  }),
  RoleArn: z.string().min(20).max(2048).regex(ROLE_ARN_PATTERN),
  InputDataConfig: z.array(channelSchema).min(1).max(20).optional(),
  OutputDataConfig: z.looseObject({ S3OutputPath: z.string().max(1024).regex(S3_URI_PATTERN), KmsKeyId: z.string().optional() }),
  ResourceConfig: z.looseObject({
    InstanceType: z.string().optional(),
    InstanceCount: z.number().int().min(0).optional(),
    VolumeSizeInGB: z.number().int().min(0).optional(),
  }),
  StoppingCondition: z.looseObject({
    MaxRuntimeInSeconds: z.number().int().min(1).optional(),
    MaxWaitTimeInSeconds: z.number().int().min(1).optional(),
  }),
  Tags: tagList,
});

const listTrainingJobsInput = listByStatusInput(['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped']);

const nameInput = z.looseObject({ TrainingJobName: resourceName });

/** Members of CreateTrainingJob that DescribeTrainingJob returns as given. */
const ECHOED_MEMBERS = [
  'AlgorithmSpecification',
  'RoleArn',
  'InputDataConfig',
  'OutputDataConfig',
  'ResourceConfig',
  'StoppingCondition',
  'VpcConfig',
  'EnableNetworkIsolation',
  'EnableInterContainerTrafficEncryption',
  'EnableManagedSpotTraining',
  'CheckpointConfig',
  'DebugHookConfig',
  'DebugRuleConfigurations',
  'ExperimentConfig',
  'ProfilerConfig',
  'Environment',
  'RetryStrategy',
] as const;

const TRAINING_JOB_LISTING: Listing<TrainingJobRecord> = { member: 'TrainingJobSummaries', nameField: 'TrainingJobName', statusField: 'TrainingJobStatus', summaryFields: ['TrainingJobName', 'TrainingJobArn', 'CreationTime', 'TrainingEndTime', 'LastModifiedTime', 'TrainingJobStatus', 'SecondaryStatus'] };

export const TRAINING_JOB_OPERATIONS: Record<string, SageMakerOperation> = {
  CreateTrainingJob: async ({ trainingJobs }, input, { region, accountId }) => {
    const request = parseInput(createTrainingJobInput, input);
    return { TrainingJobArn: await trainingJobs.create(request, echoedMembers(request, ECHOED_MEMBERS), region, accountId) };
  },

  DescribeTrainingJob: ({ trainingJobs }, input, { region, accountId }) =>
    describeTrainingJob(trainingJobs.records.require(parseInput(nameInput, input).TrainingJobName, region, accountId), 'seconds'),

  ListTrainingJobs: ({ trainingJobs }, input) => listResponse(trainingJobs.records.all(), parseInput(listTrainingJobsInput, input), TRAINING_JOB_LISTING),

  StopTrainingJob: async ({ trainingJobs }, input) => {
    await trainingJobs.stopTrainingJob(parseInput(nameInput, input).TrainingJobName);
    return {};
  },
};
