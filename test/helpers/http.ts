/**
 * Minimal HTTP client helpers for end-to-end tests, on node:http so that requests the server
 * answers before reading the whole body (413, 415) still yield their response.
 */
import { request } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export interface PostOptions {
  readonly headers?: Record<string, string>;
  /** Send the body with chunked transfer encoding (no Content-Length). */
  readonly chunked?: boolean;
  /**
   * Send only the headers (with the body's Content-Length) and wait for an answer without sending
   * the body: for checking that a server refuses a declared size before reading anything.
   */
  readonly headersOnly?: boolean;
  readonly timeoutMs?: number;
}

/** POSTs `body` and resolves with the response, even if the server stopped reading the body early. */
export function post(url: string, body: Buffer | string, options: PostOptions = {}): Promise<RawResponse> {
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...(options.headers ?? {}) };
    if (!options.chunked) headers['Content-Length'] = data.length;
    const req = request(url, { method: 'POST', headers, agent: false, timeout: options.timeoutMs ?? 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      if (options.headersOnly) res.on('end', () => req.destroy());
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${url}: timed out`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The server may close the connection after answering a refused body; that is not a failure.
      if (answered && (err.code === 'EPIPE' || err.code === 'ECONNRESET')) return;
      reject(err);
    });
    if (options.headersOnly) {
      req.flushHeaders();
    } else if (options.chunked) {
      // Write in pieces so the body really is streamed.
      const piece = 64 * 1024;
      let off = 0;
      const writeMore = (): void => {
        while (off < data.length) {
          const ok = req.write(data.subarray(off, off + piece));
          off += piece;
          if (!ok) return void req.once('drain', writeMore);
        }
        req.end();
      };
      writeMore();
    } else {
      req.end(data);
    }
  });
}

/** GET returning status and parsed JSON body. */
export async function getJson<T = any>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body: body as T };
}

/** GET that must answer 200; returns the JSON body. */
export async function getOk<T = any>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const { status, body } = await getJson<T>(url, headers);
  if (status !== 200) throw new Error(`GET ${url}: ${status} ${JSON.stringify(body)}`);
  return body;
}
