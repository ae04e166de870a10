/**
 * A simulated fleet on real HTTP: per host a DCGM-exporter `/metrics`, per replica a vLLM-like
 * server (its `/metrics`, and the OpenAI API answered from `fleet.serve`, streamed with the request's
 * own time to first token and inter-token gaps). A target whose exposition is null (telemetry outage,
 * a host whose GPU fell off the bus) drops the connection, so a scraper records it down.
 * Replicas may export their own `llm_request` spans (span-poster.ts). Time comes from `now()`: the wall
 * clock in `strata demo` and `strata sim`, the scenario clock in `strata bench`.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen } from '../net.js';
import { askOf, errorAnswer, streamChunks, wholeBody, type Endpoint } from './replica-response.js';
import { parseTraceparent, SpanPoster, type SpansToOtlpJson, type TraceParent } from './span-poster.js';
import type { Fleet, SimRequest, SimTarget } from './types.js';

export interface SimServersOptions {
  /** The clock, ms since the epoch. */
  readonly now: () => number;
  /** Scales the simulated delays of answers (0: answer at once); default 1 (real time). */
  readonly timeFactor?: number;
  /** Bind address; default 127.0.0.1. */
  readonly host?: string;
  /** First port to listen on, the next ones consecutively (replicas, then hosts); default 0 (free ports). */
  readonly basePort?: number;
  /**
   * Export each replica's `llm_request` spans to this OTLP/HTTP base URL (`http://127.0.0.1:4318`); a
   * function when the URL is known only once the servers run (null: not yet).
   */
  readonly otlp?: { readonly url: string | (() => string | null); readonly toOtlpJson: SpansToOtlpJson; readonly key?: string | null } | null;
  /** The model each replica serves (for `/v1/models`), by replica id. */
  readonly models?: Readonly<Record<string, string>>;
  /** Told of every request a replica takes, as it takes it, with the trace it belongs to (the caller's when it sent one). */
  readonly onServed?: (served: ReplicaCall) => void;
  readonly log?: (message: string) => void;
}

export interface ReplicaCall {
  readonly request: SimRequest;
  readonly parent: TraceParent | null;
}

/** A replica's server. */
export interface SimReplicaEndpoint {
  /** Scenario id. */
  readonly id: string;
  /** Strata entity id (`replica:gpu-node-1:8001`) and its key (`gpu-node-1:8001`), the name gateways should give it. */
  readonly entity: string;
  readonly name: string;
  readonly port: number;
  /** OpenAI base URL, `http://127.0.0.1:<port>/v1`. */
  readonly baseUrl: string;
}

/** A scrape target on its server. */
export interface SimScrapeEndpoint {
  readonly target: SimTarget;
  readonly url: string;
}

/** Time spent in the simulator's own work (fleet calls, answer and span building), ms. */
export interface WorkMeter {
  ms: number;
  measure<T>(fn: () => T): T;
}

export function createWorkMeter(): WorkMeter {
  const meter: WorkMeter = {
    ms: 0,
    measure<T>(fn: () => T): T {
      const t0 = performance.now();
      try {
        return fn();
      } finally {
        meter.ms += performance.now() - t0;
      }
    },
  };
  return meter;
}

export interface SimServers {
  readonly replicas: readonly SimReplicaEndpoint[];
  readonly scrapes: readonly SimScrapeEndpoint[];
  readonly work: WorkMeter;
  /** Requests answered and in flight (for status lines and tests). */
  readonly stats: { served: number; inFlight: number };
  /** The span exporter, null without `otlp`. */
  readonly spans: SpanPoster | null;
  /** Stops every server, ending answers in flight, then sends the spans still waiting. Idempotent. */
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function notFound(res: ServerResponse, path: string): void {
  sendJson(res, 404, { object: 'error', message: `Not Found: ${path}`, type: 'NotFoundError', param: null, code: 404 });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Serves `/metrics` from the fleet; a target that does not answer drops the connection. */
function serveExposition(fleet: Fleet, target: SimTarget, work: WorkMeter, res: ServerResponse): void {
  const text = work.measure(() => fleet.exposition(target));
  if (text === null) {
    res.socket?.destroy();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The request key the fleet derives the request from: the caller's own, else its trace, else the body. */
function requestKey(req: IncomingMessage, raw: Buffer, parent: TraceParent | null): string {
  const own = req.headers['x-strata-sim-key'];
  if (typeof own === 'string' && own !== '') return own;
  if (parent) return parent.traceId;
  return createHash('sha1').update(raw).digest('hex');
}

class ReplicaHandler {
  constructor(
    private readonly fleet: Fleet,
    private readonly id: string,
    private readonly target: SimTarget | null,
    private readonly options: SimServersOptions,
    private readonly work: WorkMeter,
    private readonly stats: { served: number; inFlight: number },
    private readonly spans: SpanPoster | null,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      if (!this.target) return notFound(res, path);
      return serveExposition(this.fleet, this.target, this.work, res);
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const model = this.options.models?.[this.id];
      return sendJson(res, 200, { object: 'list', data: model ? [{ id: model, object: 'model', created: 1_700_000_000, owned_by: 'vllm', root: model, parent: null }] : [] });
    }
    const endpoint: Endpoint | null = path === '/v1/chat/completions' ? 'chat' : path === '/v1/completions' ? 'completions' : null;
    if (req.method !== 'POST' || endpoint === null) return notFound(res, path);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
    } catch {
      return sendJson(res, 400, { object: 'error', message: 'invalid JSON body', type: 'BadRequestError', param: null, code: 400 });
    }
    const parent = parseTraceparent(req.headers.traceparent);
    const served = this.work.measure(() => this.fleet.serve(this.id, this.options.now(), requestKey(req, raw, parent)));
    this.options.onServed?.({ request: served, parent });
    this.stats.inFlight++;
    try {
      await this.answer(served, askOf(endpoint, body), res);
    } finally {
      this.stats.inFlight--;
      this.stats.served++;
      // As vLLM, the span is exported once the request has finished.
      this.spans?.add(served, parent);
    }
  }

  private async answer(served: SimRequest, ask: ReturnType<typeof askOf>, res: ServerResponse): Promise<void> {
    const factor = this.options.timeFactor ?? 1;
    if (served.error !== null) {
      const { status, body } = errorAnswer(served);
      await this.wait(served.ttftMs * factor, res);
      if (!res.destroyed) sendJson(res, status, body);
      return;
    }
    if (!ask.stream) {
      const body = this.work.measure(() => wholeBody(served, ask));
      await this.wait(served.e2eMs * factor, res);
      if (!res.destroyed) sendJson(res, 200, body);
      return;
    }
    const chunks = this.work.measure(() => streamChunks(served, ask));
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    // Delays below a millisecond are carried over rather than slept one by one.
    let owed = 0;
    for (const c of chunks) {
      owed += c.delayMs * factor;
      if (owed >= 1) {
        await this.wait(owed, res);
        owed = 0;
      }
      if (res.destroyed) return;
      res.write(c.data);
    }
    res.end();
  }

  private async wait(ms: number, res: ServerResponse): Promise<void> {
    if (ms >= 1 && !res.destroyed) await sleep(ms);
  }
}

function tracesUrl(base: string | (() => string | null)): string | (() => string | null) {
  const of = (b: string): string => `${b.replace(/\/+$/, '')}/v1/traces`;
  if (typeof base === 'string') return of(base);
  return () => {
    const b = base();
    return b === null ? null : of(b);
  };
}

/** Starts the fleet's servers: replicas first, then hosts' exporters. */
export async function startSimServers(fleet: Fleet, options: SimServersOptions): Promise<SimServers> {
  const host = options.host ?? '127.0.0.1';
  const work = createWorkMeter();
  const stats = { served: 0, inFlight: 0 };
  const spans = options.otlp
    ? new SpanPoster({ url: tracesUrl(options.otlp.url), toOtlpJson: options.otlp.toOtlpJson, key: options.otlp.key, log: options.log, measure: work.measure })
    : null;
  const servers: Server[] = [];
  let nextPort = options.basePort ?? 0;
  const start = async (handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void): Promise<number> => {
    const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (req, res) => {
      Promise.resolve(handler(req, res)).catch((err: Error) => {
        options.log?.(`sim: ${req.method} ${req.url}: ${err.message}`);
        if (!res.headersSent) sendJson(res, 500, { object: 'error', message: err.message, type: 'InternalServerError', param: null, code: 500 });
        else res.destroy();
      });
    });
    servers.push(server);
    const port = await listen(server, nextPort, host);
    if (nextPort !== 0) nextPort++;
    return port;
  };

  const replicas: SimReplicaEndpoint[] = [];
  const scrapes: SimScrapeEndpoint[] = [];
  try {
    for (const target of fleet.targets.filter((t) => t.kind === 'vllm')) {
      const handler = new ReplicaHandler(fleet, target.id, target, options, work, stats, spans);
      const port = await start((req, res) => handler.handle(req, res));
      const entity = fleet.replicaEntity(target.id);
      replicas.push({ id: target.id, entity, name: entity.replace(/^replica:/, ''), port, baseUrl: `http://${host}:${port}/v1` });
      scrapes.push({ target, url: `http://${host}:${port}/metrics` });
    }
    for (const target of fleet.targets.filter((t) => t.kind === 'dcgm')) {
      const port = await start(async (req, res) => {
        await readBody(req);
        const path = (req.url ?? '').split('?')[0];
        if (req.method === 'GET' && path === '/metrics') return serveExposition(fleet, target, work, res);
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
      });
      scrapes.push({ target, url: `http://${host}:${port}/metrics` });
    }
  } catch (err) {
    await Promise.all(servers.map((s) => closeServer(s, 0)));
    throw err;
  }

  let stopping: Promise<void> | null = null;
  return {
    replicas,
    scrapes,
    work,
    stats,
    spans,
    stop() {
      stopping ??= (async () => {
        await Promise.all(servers.map((s) => closeServer(s, 200)));
        await spans?.flush();
      })();
      return stopping;
    },
  };
}
