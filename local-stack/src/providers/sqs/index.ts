export { SqsProvider } from './provider';
export type { SqsServiceOptions } from './model/service';
