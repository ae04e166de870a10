/**
 * Polling and small async utilities for end-to-end tests.
 */

export interface PollOptions {
  /** Give up after this long (ms). */
  readonly timeoutMs?: number;
  /** Wait between attempts (ms). */
  readonly intervalMs?: number;
  /** Said in the error when the time runs out. */
  readonly what?: string;
}

/**
 * Calls `fn` until it returns something other than `undefined`, `null` or `false`, and returns that.
 * Errors thrown by `fn` count as "not yet" (the last one is reported on timeout).
 */
export async function pollUntil<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, options: PollOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 100, what = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  let lastValue: unknown = undefined;
  for (;;) {
    try {
      const v = await fn();
      lastValue = v;
      if (v !== undefined && v !== null && v !== false) return v as T;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError ? `; last error: ${(lastError as Error).message ?? lastError}` : `; last value: ${JSON.stringify(lastValue)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
