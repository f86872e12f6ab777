/**
 * The chaos switch, `LOCAL_STACK_CHAOS`: a comma-separated list of
 *   `duplicate`  every EventBridge event is delivered to every target twice;
 *   `fail:P`     a share P (0..1) of Lambda invocations fail before the handler runs;
 *   `seed:N`     seeds the random source, so a run is reproducible.
 * The stack's main parses it once and hands the parts to the providers that act on them.
 */
import { seededRandom } from '../../../shared/src/random';

export interface ChaosConfig {
  duplicateEvents: boolean;
  /** Probability that a Lambda invocation fails before its handler runs. */
  invocationFailureRate: number;
  seed?: number;
}

export const NO_CHAOS: ChaosConfig = Object.freeze({ duplicateEvents: false, invocationFailureRate: 0 });

export function parseChaosConfig(spec: string | undefined): ChaosConfig {
  const config: ChaosConfig = { duplicateEvents: false, invocationFailureRate: 0 };
  if (!spec?.trim()) return config;
  for (const rawToken of spec.split(',')) {
    const token = rawToken.trim();
    if (!token) continue;
    const [name, argument] = token.split(':', 2).map((part) => part.trim());
    if (name === 'duplicate' && argument === undefined) {
      config.duplicateEvents = true;
    } else if (name === 'fail') {
      const rate = Number(argument);
      if (argument === undefined || argument === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
        throw new Error(`LOCAL_STACK_CHAOS: "fail" needs a probability between 0 and 1, as in fail:0.2 (got "${token}")`);
      }
      config.invocationFailureRate = rate;
    } else if (name === 'seed') {
      const seed = Number(argument);
      if (argument === undefined || !Number.isInteger(seed)) throw new Error(`LOCAL_STACK_CHAOS: "seed" needs an integer, as in seed:42 (got "${token}")`);
      config.seed = seed;
    } else {
      throw new Error(`LOCAL_STACK_CHAOS: unknown setting "${token}" (known: duplicate, fail:P, seed:N)`);
    }
  }
  return config;
}

/** A random source in [0, 1): seeded (mulberry32) when a seed is given, Math.random otherwise. */
export function createRandom(seed?: number): () => number {
  return seed === undefined ? Math.random : seededRandom(seed);
}
