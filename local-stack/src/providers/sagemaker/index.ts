export { SageMakerProvider, type SageMakerProviderOptions } from './provider';
export { FastTextModel, type Prediction } from './model/fasttext/model';
export { ENDPOINT_STATE_CHANGE, TRAINING_JOB_STATE_CHANGE, TRANSFORM_JOB_STATE_CHANGE, SAGEMAKER_SOURCE } from './model/events';
