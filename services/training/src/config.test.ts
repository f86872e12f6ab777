import { hyperParametersFromEnv, loadConfig } from './config';
import { DEFAULT_RESOURCES } from './testing';

const ENV = {
  STAGE: 'prod',
  DATA_BUCKET: 'bucket',
  AWS_REGION: 'eu-west-1',
  TRAINING_ROLE_ARN: 'arn:aws:iam::123456789012:role/training',
  HYPERPARAMETER_MODE: 'supervised',
  HYPERPARAMETER_WORD_NGRAMS: '2',
  HYPERPARAMETER_LEARNING_RATE: '0.5',
  HYPERPARAMETER_PATIENCE: '',
};

describe('loadConfig', () => {
  it('reads the settings, with defaults for the instance and run time', () => {
    expect(loadConfig(ENV)).toEqual({
      stage: 'prod',
      dataBucket: 'bucket',
      glueJobName: 'ml-pipeline-prod-preprocess',
      trainingImage: '685385470294.dkr.ecr.eu-west-1.amazonaws.com/blazingtext:1',
      executionRoleArn: 'arn:aws:iam::123456789012:role/training',
      ...DEFAULT_RESOURCES,
      hyperParameters: { learning_rate: '0.5', mode: 'supervised', word_ngrams: '2' },
    });
  });

  it('turns managed spot training on, waiting twice the run time by default', () => {
    expect(loadConfig({ ...ENV, SPOT_TRAINING: 'true', MAX_RUNTIME_SECONDS: '600' }).spot).toEqual({ enabled: true, maxWaitSeconds: 1200 });
    expect(() => loadConfig({ ...ENV, SPOT_TRAINING: 'true', MAX_RUNTIME_SECONDS: '600', MAX_WAIT_SECONDS: '60' })).toThrow(/at least/);
  });

  it('fails clearly on a region without BlazingText, a missing setting or a bad number', () => {
    expect(() => loadConfig({ ...ENV, AWS_REGION: 'mars-east-1' })).toThrow('BlazingText is not available in region mars-east-1');
    expect(() => loadConfig({ ...ENV, TRAINING_ROLE_ARN: '' })).toThrow('environment variable TRAINING_ROLE_ARN is not set');
    expect(() => loadConfig({ ...ENV, TRAINING_VOLUME_GB: '0' })).toThrow(/TRAINING_VOLUME_GB must be a positive integer/);
    expect(() => loadConfig({ ...ENV, HYPERPARAMETER_MODE: 'batch_skipgram' })).toThrow(/supervised/);
  });
});

describe('hyperParametersFromEnv', () => {
  it('maps HYPERPARAMETER_<NAME> to BlazingText names, skipping empty values', () => {
    expect(hyperParametersFromEnv({ HYPERPARAMETER_MIN_COUNT: '1', HYPERPARAMETER_X: '', OTHER: '3' })).toEqual({ min_count: '1' });
  });
});
