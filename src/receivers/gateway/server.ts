/**
 * The OpenAI-compatible gateway: zero-code request tracing. Apps set
 * `OPENAI_BASE_URL=http://host:4100/v1` and change nothing else; each request is routed by model to
 * an upstream (vLLM, SGLang, TGI's OpenAI API, OpenAI itself), relayed unchanged, and recorded as a
 * GenAI span with latency, tokens, logprobs and reasoning.
 *
 * Routes: POST /v1/chat/completions, /v1/completions, /v1/responses, /v1/embeddings; GET /v1/models
 * (the union of every upstream's models). When ingest keys are configured, clients authenticate
 * with one (`Authorization: Bearer <key>`) and upstream keys come from each route's `api_key_env`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createKeyCheck, keyFromHeaders } from '../../auth/keys.js';
import { closeServer, listen } from '../../net.js';
import type { Ingest } from '../../pipeline/ingest.js';
import { createRedactor, type Redactor } from '../../processors/redact.js';
import type { GatewayConfig } from './config.js';
import { sendError } from './errors.js';
import { proxyInference, type ProxyContext } from './proxy.js';
import { ENDPOINT_PATHS } from './request-plan.js';
import { RouteTable, type LiveRoute } from './routes.js';
import { SpanSink } from './span-sink.js';
import { callUpstream, upstreamTarget } from './upstream.js';

export interface GatewayOptions {
  readonly host: string;
  readonly port: number;
  readonly config: GatewayConfig;
  /** Keys clients must present; empty = open (loopback only, as configuration enforces). */
  readonly keys: readonly string[];
  readonly version: string;
  readonly log?: (message: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** How long `GET /v1/models` waits for each upstream. */
export const MODELS_TIMEOUT_MS = 5000;

export class GatewayServer {
  private server: Server | null = null;
  private readonly sink: SpanSink;
  private readonly ctx: ProxyContext;
  private readonly checkKey: (key: string | undefined) => boolean;
  private readonly log: (message: string) => void;

  constructor(private readonly options: GatewayOptions, ingest: Ingest) {
    this.log = options.log ?? (() => {});
    this.sink = new SpanSink(ingest, options.version, this.log);
    this.checkKey = createKeyCheck(options.keys);
    const redactors = new Map<LiveRoute, Redactor | null>();
    const routes = new RouteTable(options.config.routes);
    for (const r of routes.routes) redactors.set(r, createRedactor(r.config.redact));
    this.ctx = {
      routes,
      sink: this.sink,
      redactorOf: (r) => redactors.get(r) ?? null,
      gatewayAuth: options.keys.length > 0,
      env: options.env ?? process.env,
    };
  }

  /** Starts listening; resolves with the bound port. */
  async start(): Promise<number> {
    const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0, noDelay: true }, (req, res) => {
      this.handle(req, res).catch((err) => {
        this.log(`gateway: unexpected error: ${(err as Error).stack ?? err}`);
        if (!res.headersSent) sendError(res, 500, 'internal gateway error', 'server_error');
        else res.destroy();
      });
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    this.server = server;
    return listen(server, this.options.port, this.options.host);
  }

  /** Stops accepting, lets requests in flight end (bounded), hands over pending spans. Idempotent. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await closeServer(server);
    this.sink.flush();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrival = { unixNano: BigInt(Date.now()) * 1_000_000n, ns: process.hrtime.bigint() };
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const endpoint = ENDPOINT_PATHS[path];
    if (!endpoint && path !== '/v1/models') {
      drain(req);
      return sendError(res, 404, `no such endpoint ${path}; the gateway serves /v1/chat/completions, /v1/completions, /v1/responses, /v1/embeddings and /v1/models`, 'not_found_error', 'unknown_url');
    }
    if (!this.checkKey(keyFromHeaders(req.headers.authorization, req.headers['x-api-key'] as string | undefined))) {
      drain(req);
      return sendError(res, 401, 'missing or unknown gateway key (Authorization: Bearer <key>)', 'authentication_error', 'invalid_api_key');
    }
    if (path === '/v1/models') {
      if (req.method !== 'GET') return sendError(res, 405, `${req.method} not allowed on /v1/models`, 'invalid_request_error', 'method_not_allowed', { allow: 'GET' });
      return this.models(req, res);
    }
    if (req.method !== 'POST') {
      drain(req);
      return sendError(res, 405, `${req.method} not allowed on ${path}; use POST`, 'invalid_request_error', 'method_not_allowed', { allow: 'POST' });
    }
    const body = await readBody(req, this.options.config.maxRequestBytes);
    if (body === null)
      return sendError(res, 413, `request body larger than ${this.options.config.maxRequestBytes} bytes`, 'invalid_request_error', 'request_too_large', { connection: 'close' });
    const subPath = url.slice('/v1'.length);
    await proxyInference(this.ctx, req, res, endpoint, subPath, body, arrival);
  }

  /** The union of every upstream's `/models` list; upstreams that fail are skipped. */
  private async models(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const seen = new Map<string, unknown>();
    let answered = 0;
    const targets = this.ctx.routes.distinctUpstreams();
    await Promise.all(
      targets.map(async ({ route, upstream }) => {
        const headers: Record<string, string> = { accept: 'application/json' };
        const keyEnv = route.config.apiKeyEnv;
        if (keyEnv && this.ctx.env[keyEnv]) headers.authorization = `Bearer ${this.ctx.env[keyEnv]}`;
        else if (!this.ctx.gatewayAuth && typeof req.headers.authorization === 'string') headers.authorization = req.headers.authorization;
        try {
          const call = callUpstream(upstreamTarget(upstream.url, '/models'), 'GET', headers, null, MODELS_TIMEOUT_MS);
          const upRes = await call.response;
          const chunks: Buffer[] = [];
          for await (const c of upRes) chunks.push(c as Buffer);
          if ((upRes.statusCode ?? 500) >= 400) return;
          const list = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: unknown };
          answered++;
          if (Array.isArray(list.data))
            for (const m of list.data) {
              const id = m && typeof m === 'object' ? (m as { id?: unknown }).id : undefined;
              if (typeof id === 'string' && !seen.has(id)) seen.set(id, m);
            }
        } catch (err) {
          this.log(`gateway: /v1/models from ${upstream.base}: ${(err as Error).message}`);
        }
      }),
    );
    if (targets.length > 0 && answered === 0) return sendError(res, 502, 'no upstream answered /v1/models', 'upstream_error', 'upstream_unreachable');
    const body = JSON.stringify({ object: 'list', data: [...seen.values()] });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}

/** Reads the whole body; null (and the rest discarded) past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size <= limit) parts.push(c);
      else {
        over = true;
        resolve(null);
      }
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(parts)));
    req.on('error', () => resolve(null));
    req.on('aborted', () => resolve(null));
  });
}

function drain(req: IncomingMessage): void {
  req.resume();
}
