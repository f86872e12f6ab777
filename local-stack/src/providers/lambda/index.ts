export { LambdaProvider } from './provider';
export type { LambdaServiceOptions } from './model/service';
