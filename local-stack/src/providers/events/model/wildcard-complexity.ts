/**
 * How many wildcard match states can be alive at once while one value is read, for the wildcard
 * patterns of one field (after aws/event-ruler's MachineComplexityEvaluator, which EventBridge uses to
 * refuse rules "too complex"). The patterns are read as an automaton whose state after `*` loops on
 * any character; the complexity is the largest set of states (a `*` and the state it can skip to count
 * once) that some input reaches. AWS does not publish its limit: MAX_WILDCARD_COMPLEXITY refuses
 * AWS's documented example of a rule too complex (`*:*:*:*:*:event-bus/*`, 7) and accepts the
 * wildcards of AWS's examples (a suffix `*.png`: 2; a path part, star slash lib slash star: 3).
 */
export const MAX_WILDCARD_COMPLEXITY = 6;

/** Bounds the exploration of state sets (patterns are at most 4096 characters in all). */
const MAX_STATE_SETS = 5000;

export function wildcardComplexity(patterns: string[]): number {
  const tokens = patterns.map((pattern) => wildcardTokens(pattern));
  const alphabet = [...new Set(tokens.flat().filter((token): token is string => token !== null)), '\u0000'];
  const closure = (states: Set<string>): Set<string> => {
    const result = new Set(states);
    for (const state of result) {
      const [pattern, index] = split(state);
      if (tokens[pattern]![index] === null) result.add(`${pattern}:${index + 1}`);
    }
    return result;
  };
  const size = (states: Set<string>): number =>
    [...states].filter((state) => {
      const [pattern, index] = split(state);
      return !(index > 0 && tokens[pattern]![index - 1] === null);
    }).length;

  let max = 0;
  const seen = new Set<string>();
  const queue = [closure(new Set(tokens.map((_, pattern) => `${pattern}:0`)))];
  while (queue.length > 0 && seen.size < MAX_STATE_SETS) {
    const states = queue.shift()!;
    const key = [...states].sort().join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    max = Math.max(max, size(states));
    for (const char of alphabet) {
      const next = new Set<string>();
      for (const state of states) {
        const [pattern, index] = split(state);
        const token = tokens[pattern]![index];
        if (token === null) next.add(state);
        else if (token === char) next.add(`${pattern}:${index + 1}`);
      }
      if (next.size > 0) queue.push(closure(next));
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
