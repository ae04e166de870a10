import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Why an upstream call failed before it answered: decides 502 (refused/failed) or 504 (timeout). */
export type UpstreamFailure = 'refused' | 'timeout' | 'failed';

export class UpstreamError extends Error {
  constructor(readonly failure: UpstreamFailure, message: string) {
    super(message);
  }
}

/** Keep-alive connection pools shared by every upstream call. */
export const upstreamAgents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' }),
};

/** Hop-by-hop headers, never forwarded (RFC 9110 §7.6.1), plus those the gateway sets itself. */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length', 'accept-encoding', 'proxy-authorization']);

/** The client's headers worth passing on, minus hop-by-hop ones and `drop`. */
export function forwardableHeaders(headers: IncomingHttpHeaders, drop: readonly string[] = []): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !NOT_FORWARDED.has(k) && !drop.includes(k)) out[k] = v;
  return out;
}

/** Response headers to relay to the client; `content-length` only when the body is relayed as is. */
export function relayHeaders(headers: IncomingHttpHeaders, keepLength: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || NOT_FORWARDED.has(k) || (k === 'content-length' && !keepLength)) continue;
    out[k] = v;
  }
  if (keepLength && headers['content-length'] !== undefined) out['content-length'] = headers['content-length'];
  return out;
}

/** Joins an upstream base (`http://h:8000/v1`) and the API path below `/v1` (`/chat/completions?x=1`). */
export function upstreamTarget(base: URL, subPath: string): URL {
  return new URL(base.href.replace(/\/$/, '') + subPath);
}

export interface UpstreamCall {
  readonly request: ClientRequest;
  /** Resolves with the response once its headers arrive; rejects with UpstreamError. */
  readonly response: Promise<IncomingMessage>;
}

/** Sends one request upstream; `timeoutMs` bounds the wait for the response headers. */
export function callUpstream(target: URL, method: string, headers: OutgoingHttpHeaders, body: Buffer | null, timeoutMs: number): UpstreamCall {
  const https = target.protocol === 'https:';
  const request = (https ? httpsRequest : httpRequest)(target, {
    method,
    headers: body ? { ...headers, 'content-length': body.length } : headers,
    agent: https ? upstreamAgents.https : upstreamAgents.http,
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    const timer = setTimeout(() => request.destroy(new UpstreamError('timeout', `upstream ${target.host} did not answer within ${timeoutMs} ms`)), timeoutMs);
    request.once('response', (res) => {
      clearTimeout(timer);
      resolve(res);
    });
    request.once('error', (err) => {
      clearTimeout(timer);
      if (err instanceof UpstreamError) reject(err);
      else {
        const code = (err as NodeJS.ErrnoException).code;
        const refused = code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
        reject(new UpstreamError(refused ? 'refused' : 'failed', `upstream ${target.host}: ${err.message}`));
      }
    });
  });
  request.end(body ?? undefined);
  return { request, response };
}
