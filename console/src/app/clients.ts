/**
 * The page's AWS SDK clients: every call goes to the page's own origin (the local stack, or `npm run
 * console`'s signing proxy in front of AWS), signed (SigV4) with the credentials config.json names.
 */
import type { PageConfig } from '../data/model';
import { createPipelineClients } from '../data/clients';
import type { PipelineClients } from '../data/sources';

export interface CountedClients extends PipelineClients {
  /** API requests made so far (each attempt counts). */
  counter: { count: number };
}

export function createClients(config: PageConfig, origin: string): CountedClients {
  const counter = { count: 0 };
  return { ...createPipelineClients({ region: config.region, endpoint: origin, credentials: config.credentials, maxAttempts: 2 }, counter), counter };
}
