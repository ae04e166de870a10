import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request as API handlers see it. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Path parameters from the route pattern (`:traceId`). */
  readonly params: Record<string, string>;
  readonly signal: AbortSignal;
  /** Whether the request carried a valid API key (always true when no keys are configured). */
  readonly authorized: boolean;
  /** The Content-Type's media type, lowercased, without parameters ('' or absent when none). */
  readonly contentType?: string;
  /**
   * The request body (POST; absent on requests built without one). Rejects with a 413 ApiError past
   * `maxBytes` (declared or received); read it at most once.
   */
  readonly body?: (maxBytes: number) => Promise<Buffer>;
}

/** A JSON answer. */
export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export type Handler = (req: ApiRequest) => Promise<ApiResponse>;

/** A client error with a message for the caller; the API answers it as `{error}` with the status. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function ok(body: unknown): ApiResponse {
  return { status: 200, body };
}

interface Route {
  readonly method: string;
  readonly parts: readonly string[];
  readonly handler: Handler;
}

/** A small router: exact segments and `:name` parameters. */
export class Router {
  private readonly routes: Route[] = [];

  get(pattern: string, handler: Handler): this {
    this.routes.push({ method: 'GET', parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  post(pattern: string, handler: Handler): this {
    this.routes.push({ method: 'POST', parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | 'method' | null {
    const segs = path.split('/').filter(Boolean);
    let methodMismatch = false;
    for (const r of this.routes) {
      if (r.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let hit = true;
      for (let i = 0; i < segs.length && hit; i++) {
        if (r.parts[i].startsWith(':')) params[r.parts[i].slice(1)] = decodePathSegment(segs[i]);
        else hit = r.parts[i] === segs[i];
      }
      if (!hit) continue;
      if (r.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { handler: r.handler, params };
    }
    return methodMismatch ? 'method' : null;
  }
}

function decodePathSegment(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw new ApiError(400, `malformed percent-encoding in the path: ${JSON.stringify(seg)}`);
  }
}

export function writeJson(res: ServerResponse, response: ApiResponse): void {
  const text = JSON.stringify(response.body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  res.writeHead(response.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...response.headers,
  });
  res.end(text);
}

export function toApiRequest(req: IncomingMessage, params: Record<string, string>, signal: AbortSignal, authorized: boolean): ApiRequest {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, params, signal, authorized, contentType, body: (maxBytes) => readBody(req, maxBytes) };
}

/** Reads a request body up to `maxBytes`; past it, a 413 (the rest is not read). */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = (): ApiError => new ApiError(413, `the body is larger than ${maxBytes} bytes; send fewer items per request`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
