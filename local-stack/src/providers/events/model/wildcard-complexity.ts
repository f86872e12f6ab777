/**
 * How many wildcard match states can be alive at once while one value is read, for the wildcard
 * patterns of one field (after aws/event-ruler's MachineComplexityEvaluator, which EventBridge uses to
 * refuse rules "too complex"). The patterns are read as an automaton whose state after `*` loops on
 * any character; the complexity is the largest set of states some input reaches, where a `*` and the
 * state it can skip to count once, and the states before any wildcard count once together (an
 * approximation: it is at most one below event-ruler's counts in event-ruler's own tests, and never
 * above them). AWS does not publish its limit: MAX_WILDCARD_COMPLEXITY refuses
 * AWS's documented example of a rule too complex (`*:*:*:*:*:event-bus/*`, 7) and accepts the
 * wildcards of AWS's examples (a suffix `*.png`: 2; a path part, star slash lib slash star: 3).
 */
export const MAX_WILDCARD_COMPLEXITY = 6;

/** Bounds the exploration of state sets (patterns are at most 4096 characters in all). */
const MAX_STATE_SETS = 2000;
/** A character no pattern names: what keeps every wildcard looping. */
const OTHER = '\u0000';

/** The complexity, or the first value found above `cap` (the exploration stops there). */
export function wildcardComplexity(patterns: string[], cap = MAX_WILDCARD_COMPLEXITY): number {
  const tokens = patterns.map((pattern) => wildcardTokens(pattern));
  const closure = (states: Set<string>): Set<string> => {
    const result = new Set(states);
    for (const state of result) {
      const [pattern, index] = split(state);
      if (tokens[pattern]![index] === null) result.add(`${pattern}:${index + 1}`);
    }
    return result;
  };
  // States before any wildcard are deterministic (a machine shares them as one); after a wildcard each counts.
  const size = (states: Set<string>): number => {
    let afterWildcard = 0;
    let beforeWildcard = 0;
    for (const state of states) {
      const [pattern, index] = split(state);
      const patternTokens = tokens[pattern]!;
      if (index > 0 && patternTokens[index - 1] === null) continue;
      if (patternTokens.slice(0, index).includes(null)) afterWildcard++;
      else beforeWildcard = 1;
    }
    return afterWildcard + beforeWildcard;
  };

  let max = 0;
  const seen = new Set<string>();
  const queue = [closure(new Set(tokens.map((_, pattern) => `${pattern}:0`)))];
  while (queue.length > 0 && seen.size < MAX_STATE_SETS) {
    const states = queue.shift()!;
    const key = [...states].sort().join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    max = Math.max(max, size(states));
    if (max > cap) return max;
    // Only the characters some state can take next lead anywhere new; any other keeps the wildcards.
    const next = new Set<string>([OTHER]);
    for (const state of states) {
      const [pattern, index] = split(state);
      const token = tokens[pattern]![index];
      if (token !== null && token !== undefined) next.add(token);
    }
    for (const char of next) {
      const reached = new Set<string>();
      for (const state of states) {
        const [pattern, index] = split(state);
        const token = tokens[pattern]![index];
        if (token === null) reached.add(state);
        else if (token === char) reached.add(`${pattern}:${index + 1}`);
      }
      if (reached.size > 0) queue.push(closure(reached));
    }
  }
  return max;
}

/** Characters, with `null` for a wildcard (escaped `\*` and `\\` are characters). */
function wildcardTokens(pattern: string): Array<string | null> {
  const tokens: Array<string | null> = [];
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '\\' && index + 1 < pattern.length) tokens.push(pattern[++index]!);
    else tokens.push(char === '*' ? null : char);
  }
  return tokens;
}

function split(state: string): [number, number] {
  const colon = state.indexOf(':');
  return [Number(state.slice(0, colon)), Number(state.slice(colon + 1))];
}
