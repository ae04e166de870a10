/**
 * Delivering one message: POST attempts until one succeeds, retrying network errors, timeouts, 5xx,
 * 408 and 429 with exponential backoff and jitter (or after the receiver's Retry-After), never
 * retrying another 4xx, and giving up after the policy's attempts or when `signal` aborts.
 */
import { backoffDelay, parseRetryAfter, type RetryPolicy } from './backoff.js';
import { sleep, type Clock } from './clock.js';
import { postJson } from './http-post.js';

export interface DeliveryRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly random?: () => number;
  /** Told of each failed attempt that will be followed by another, with the wait before it. */
  readonly onRetry?: (error: string, waitMs: number) => void;
}

export type DeliveryResult =
  | { readonly ok: true; readonly attempts: number; readonly status: number }
  | { readonly ok: false; readonly attempts: number; readonly status: number | null; readonly error: string };

export const STOPPED_ERROR = 'the notifier stopped before the message was delivered';

export async function deliver(req: DeliveryRequest): Promise<DeliveryResult> {
  let attempts = 0;
  let status: number | null = null;
  let error = STOPPED_ERROR;
  while (attempts < req.retry.attempts) {
    if (req.signal.aborted) return { ok: false, attempts, status, error: attempts === 0 ? STOPPED_ERROR : `${error}; then ${STOPPED_ERROR}` };
    attempts++;
    const r = await postJson({ url: req.url, body: req.body, headers: req.headers, timeoutMs: req.timeoutMs, signal: req.signal });
    if (r.kind === 'delivered') return { ok: true, attempts, status: r.status };
    status = r.status;
    error = r.error;
    if (r.kind === 'permanent') return { ok: false, attempts, status, error };
    if (attempts >= req.retry.attempts || req.signal.aborted) break;
    const wait = parseRetryAfter(r.retryAfter, req.clock.now()) ?? backoffDelay(req.retry, attempts, req.random);
    req.onRetry?.(error, wait);
    await sleep(req.clock, wait, req.signal);
  }
  return { ok: false, attempts, status, error };
}
