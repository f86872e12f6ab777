export { SesProvider, type SesProviderOptions } from './provider';
