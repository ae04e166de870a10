/**
 * One delivery attempt: POST a JSON body and sort the answer into delivered, worth retrying (network
 * error, timeout, 5xx, 408, 429, with the receiver's Retry-After) or permanent (any other 4xx).
 */

export type AttemptResult =
  | { readonly kind: 'delivered'; readonly status: number }
  | { readonly kind: 'retryable'; readonly status: number | null; readonly error: string; readonly retryAfter: string | null }
  | { readonly kind: 'permanent'; readonly status: number; readonly error: string };

export interface PostRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Aborts the attempt (the notifier stopping). */
  readonly signal: AbortSignal;
}

/** How much of an error answer's body is kept for the dead letter. */
const ERROR_BODY_MAX = 500;

function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

async function bodyExcerpt(res: Response): Promise<string> {
  try {
    const text = (await res.text()).trim();
    return text.length > ERROR_BODY_MAX ? `${text.slice(0, ERROR_BODY_MAX)}…` : text;
  } catch {
    return '';
  }
}

export async function postJson(req: PostRequest): Promise<AttemptResult> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'strata-notifier', ...req.headers },
      body: req.body,
      signal: AbortSignal.any([req.signal, timeout]),
      redirect: 'follow',
    });
  } catch (err) {
    if (req.signal.aborted) return { kind: 'retryable', status: null, error: 'stopped before the receiver answered', retryAfter: null };
    if (timeout.aborted) return { kind: 'retryable', status: null, error: `no answer within ${req.timeoutMs} ms`, retryAfter: null };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'retryable', status: null, error: cause?.code ?? cause?.message ?? (err as Error).message, retryAfter: null };
  }
  if (res.status >= 200 && res.status < 300) {
    await res.body?.cancel().catch(() => {});
    return { kind: 'delivered', status: res.status };
  }
  const excerpt = await bodyExcerpt(res);
  const error = `HTTP ${res.status}${excerpt ? `: ${excerpt}` : ''}`;
  if (retryableStatus(res.status)) return { kind: 'retryable', status: res.status, error, retryAfter: res.headers.get('retry-after') };
  return { kind: 'permanent', status: res.status, error };
}
