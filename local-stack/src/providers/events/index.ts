export { EventsProvider, type EventsProviderOptions } from './provider';
