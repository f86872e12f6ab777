export { LogsProvider, type LogsProviderOptions } from './provider';
export { LogsService, DEFAULT_LOG_LIMITS, type LogLimits } from './model/service';
