export { S3Provider, type S3ProviderOptions } from './provider';
export { S3Store } from './model/store';
