export { GlueProvider, type GlueProviderOptions } from './provider';
