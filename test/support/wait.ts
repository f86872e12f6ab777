/**
 * The one bounded wait of the tests and benchmarks: polls a condition until it holds, and fails after a
 * deadline with a message that says what it waited for (and the probe's last error, if it threw). Never a
 * fixed sleep: the wait ends as soon as the state it waits for is there.
 */

/** What a probe returns: a value (the wait's result), or undefined/false for "not yet". */
export type Probe<T> = () => T | undefined | false | Promise<T | undefined | false>;

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined/false, and resolves with
 * it. A probe that throws is polled again (what it waits for may not exist yet); after `timeoutMs` the wait
 * fails naming `what` (a function is asked at that moment, so it can describe the state reached).
 */
export async function waitFor<T>(what: string | (() => string), probe: Probe<T>, timeoutMs: number, intervalMs = 50): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() > deadline) {
      const described = typeof what === 'function' ? what() : what;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${described}${lastError === undefined ? '' : ` (last error: ${String(lastError)})`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
