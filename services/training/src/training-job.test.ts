import type { PreprocessManifest } from '@pipeline/shared';
import type { TrainingConfig } from './config';
import { trainingConfig } from './testing';
import { datasetProblem, effectiveHyperParameters, trainingJobRequest, type PreparedRun } from './training-job';

const CONFIG = trainingConfig('prod', {
  dataBucket: 'data',
  trainingImage: '811284229777.dkr.ecr.us-east-1.amazonaws.com/blazingtext:1',
  hyperParameters: { mode: 'supervised', epochs: '10', early_stopping: 'True', patience: '4', min_epochs: '5' },
});

const manifest = (rows: PreprocessManifest['rows'], labels: PreprocessManifest['labels']): PreprocessManifest => ({
  run_id: '20261125-110409-abcdef',
  rows,
  labels,
  sources: [],
});
const TWO_LABELS = { a: { train: 5, validation: 1, test: 1 }, b: { train: 3, validation: 0, test: 0 } };

const run = (m: PreprocessManifest): PreparedRun => ({
  runId: '20261125-110409-abcdef',
  glueJobRunId: 'jr_1',
  bucket: 'data',
  preparedPrefix: 'prepared/20261125-110409-abcdef/',
  manifest: m,
  preprocessingSeconds: 42,
});

describe('datasetProblem', () => {
  it('needs training rows and two labels that have some', () => {
    expect(datasetProblem(manifest({ train: 8, validation: 1, test: 1 }, TWO_LABELS))).toBeUndefined();
    expect(datasetProblem(manifest({ train: 0, validation: 0, test: 0 }, {}))).toMatch(/no training rows/);
    expect(datasetProblem(manifest({ train: 5, validation: 1, test: 1 }, { a: TWO_LABELS.a, b: { train: 0, validation: 1, test: 0 } }))).toBe(
      'A classifier needs at least 2 labels in the training split; it has 1.',
    );
  });
});

describe('effectiveHyperParameters', () => {
  it('turns early stopping off without a validation channel', () => {
    expect(effectiveHyperParameters(CONFIG.hyperParameters, true)).toEqual(CONFIG.hyperParameters);
    expect(effectiveHyperParameters(CONFIG.hyperParameters, false)).toEqual({ mode: 'supervised', epochs: '10', early_stopping: 'False' });
  });
});

describe('trainingJobRequest', () => {
  it('trains BlazingText on the train and validation channels of the run, into models/', () => {
    expect(trainingJobRequest(CONFIG, run(manifest({ train: 8, validation: 1, test: 1 }, TWO_LABELS)))).toEqual({
      TrainingJobName: 'mlp-prod-20261125-110409-abcdef',
      AlgorithmSpecification: { TrainingImage: CONFIG.trainingImage, TrainingInputMode: 'File' },
      RoleArn: CONFIG.executionRoleArn,
      HyperParameters: CONFIG.hyperParameters,
      InputDataConfig: [
        {
          ChannelName: 'train',
          ContentType: 'text/plain',
          DataSource: {
            S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/prepared/20261125-110409-abcdef/train/', S3DataDistributionType: 'FullyReplicated' },
          },
        },
        {
          ChannelName: 'validation',
          ContentType: 'text/plain',
          DataSource: {
            S3DataSource: {
              S3DataType: 'S3Prefix',
              S3Uri: 's3://data/prepared/20261125-110409-abcdef/validation/',
              S3DataDistributionType: 'FullyReplicated',
            },
          },
        },
      ],
      OutputDataConfig: { S3OutputPath: 's3://data/models/' },
      ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      Tags: [
        { Key: 'runId', Value: '20261125-110409-abcdef' },
        { Key: 'glueJobRunId', Value: 'jr_1' },
        { Key: 'preprocessingSeconds', Value: '42' },
        { Key: 'droppedAt', Value: '2026-11-25T11:04:09.000Z' },
      ],
    });
  });

  it('tags the job with what started its run when it was not a drop, in the characters tags allow', () => {
    const request = trainingJobRequest(CONFIG, { ...run(manifest({ train: 8, validation: 1, test: 1 }, TWO_LABELS)), trigger: 'Retrain Requested: epochs 10 -> 20 (try)' });
    expect(request.Tags).toContainEqual({ Key: 'ml-pipeline:trigger', Value: 'Retrain Requested: epochs 10 -_ 20 _try_' });
    expect(trainingJobRequest(CONFIG, run(manifest({ train: 8, validation: 1, test: 1 }, TWO_LABELS))).Tags?.map((tag) => tag.Key)).not.toContain('ml-pipeline:trigger');
  });

  it('omits the validation channel when the run has no validation rows', () => {
    const request = trainingJobRequest(CONFIG, run(manifest({ train: 8, validation: 0, test: 0 }, TWO_LABELS)));
    expect(request.InputDataConfig?.map((channel) => channel.ChannelName)).toEqual(['train']);
    expect(request.HyperParameters?.early_stopping).toBe('False');
  });

  it('uses managed spot training with checkpoints when configured', () => {
    const spot: TrainingConfig = { ...CONFIG, spot: { enabled: true, maxWaitSeconds: 7200 } };
    const request = trainingJobRequest(spot, run(manifest({ train: 8, validation: 1, test: 1 }, TWO_LABELS)));
    expect(request).toMatchObject({
      EnableManagedSpotTraining: true,
      StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 },
      CheckpointConfig: { S3Uri: 's3://data/checkpoints/mlp-prod-20261125-110409-abcdef/' },
    });
  });
});
