/** A small keep-alive HTTP client over node:http (loopback benchmarks). */
import { Agent, request as httpRequest } from 'node:http';

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'fifo' });
}

export interface RequestOptions {
  readonly port: number;
  readonly host?: string;
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string | number>;
  readonly body?: Uint8Array;
  readonly agent?: Agent;
  readonly timeoutMs?: number;
}

export function request(o: RequestOptions): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...o.headers };
    if (o.body) headers['Content-Length'] = o.body.byteLength;
    const req = httpRequest(
      { host: o.host ?? '127.0.0.1', port: o.port, method: o.method ?? 'GET', path: o.path, headers, agent: o.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (o.timeoutMs) req.setTimeout(o.timeoutMs, () => req.destroy(new Error(`timeout after ${o.timeoutMs} ms: ${o.method ?? 'GET'} ${o.path}`)));
    req.end(o.body);
  });
}

/** GET returning parsed JSON; throws on a non-2xx status. */
export async function getJson<T = unknown>(port: number, path: string, agent?: Agent, timeoutMs = 120_000): Promise<T> {
  const res = await request({ port, path, agent, timeoutMs });
  if (res.status < 200 || res.status >= 300) throw new Error(`GET ${path}: HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
  return JSON.parse(res.body.toString('utf8')) as T;
}
