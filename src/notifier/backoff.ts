/**
 * When to try a failed delivery again: exponential backoff with jitter, and the receiver's own
 * `Retry-After` (seconds or an HTTP date) when it sends one.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included (1 = never retry). */
  readonly attempts: number;
  /** Wait before the second attempt; doubled for each further one. */
  readonly backoffMs: number;
  /** The longest wait between two attempts. */
  readonly maxBackoffMs: number;
}

/** The longest `Retry-After` honoured; a receiver asking for more is tried again after this. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * The wait after failed attempt number `attempt` (1-based): `backoff × 2^(attempt-1)`, capped, then
 * "equal jitter" (half fixed, half random) so that receivers recovering together are not hit in step.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.min(attempt - 1, 52));
  return exp / 2 + random() * (exp / 2);
}

/**
 * A `Retry-After` header in milliseconds from `nowMs`: delay-seconds or an HTTP date; null when absent
 * or unreadable. Capped at MAX_RETRY_AFTER_MS; a date in the past is 0.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | null {
  if (header === null || header === undefined) return null;
  const v = header.trim();
  if (v === '') return null;
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    // An HTTP date names its day and month; a bare number of another shape is no date.
    const at = /[a-z]/i.test(v) ? Date.parse(v) : NaN;
    if (Number.isNaN(at)) return null;
    ms = at - nowMs;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}
