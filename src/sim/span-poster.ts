/**
 * What a simulated replica exports about itself: its own `llm_request` span of each request it
 * served (vLLM's server-side span), batched and POSTed as OTLP/JSON to a Strata OTLP/HTTP endpoint.
 * When the request came with a W3C `traceparent` (the gateway's), the span joins that trace as the
 * gateway span's child, so both sides of one request meet in one trace.
 */
import type { SimRequest } from './types.js';

/** Builds the OTLP/JSON ExportTraceServiceRequest of requests (sim/otlp-spans.ts `requestsToOtlpJson`). */
export type SpansToOtlpJson = (requests: readonly SimRequest[]) => unknown;

/** The caller's trace context (from `traceparent`). */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}/;

export function parseTraceparent(header: string | string[] | undefined): TraceParent | null {
  const m = typeof header === 'string' ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (!m || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return null;
  return { traceId: m[1], spanId: m[2] };
}

/** OTLP span kind SERVER, as a number or as the enum name OTLP/JSON also allows. */
function isServerSpan(span: Record<string, unknown>): boolean {
  return span.kind === 2 || span.kind === 'SPAN_KIND_SERVER' || span.name === 'llm_request';
}

type Json = Record<string, unknown>;
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/**
 * Keeps only the server (`llm_request`) spans of an OTLP/JSON trace export, moving those of a request
 * with a known caller into the caller's trace. Resources and scopes left empty are dropped.
 */
export function serverSpansOnly(body: unknown, parents: ReadonlyMap<string, TraceParent>): Json {
  const resourceSpans: Json[] = [];
  for (const rs of list((body as Json | null)?.resourceSpans)) {
    const scopeSpans: Json[] = [];
    for (const ss of list(rs.scopeSpans)) {
      const spans = list(ss.spans)
        .filter(isServerSpan)
        .map((span) => {
          const parent = parents.get(String(span.traceId));
          return parent ? { ...span, traceId: parent.traceId, parentSpanId: parent.spanId } : span;
        });
      if (spans.length > 0) scopeSpans.push({ ...ss, spans });
    }
    if (scopeSpans.length > 0) resourceSpans.push({ ...rs, scopeSpans });
  }
  return { resourceSpans };
}

export interface SpanPosterOptions {
  /** OTLP/HTTP traces endpoint, e.g. `http://127.0.0.1:4318/v1/traces`; a function when it is known only later (null: not yet, spans are dropped). */
  readonly url: string | (() => string | null);
  readonly toOtlpJson: SpansToOtlpJson;
  /** Sent as `Authorization: Bearer` when set. */
  readonly key?: string | null;
  /** Batches leave at least this often; default 250 ms. */
  readonly flushMs?: number;
  readonly log?: (message: string) => void;
  /** Accumulates the time spent building span JSON (simulator cost). */
  readonly measure?: <T>(fn: () => T) => T;
}

export const DEFAULT_SPAN_FLUSH_MS = 250;

/** Collects served requests and posts their server spans in batches. */
export class SpanPoster {
  private batch: { request: SimRequest; parent: TraceParent | null }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> = Promise.resolve();
  private failedLogged = false;
  posted = 0;
  failed = 0;

  constructor(private readonly options: SpanPosterOptions) {}

  add(request: SimRequest, parent: TraceParent | null): void {
    this.batch.push({ request, parent });
    if (this.timer === null) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushMs ?? DEFAULT_SPAN_FLUSH_MS);
      this.timer.unref?.();
    }
  }

  /** Sends what is waiting; resolves when every batch so far has been answered. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.batch;
    this.batch = [];
    if (batch.length > 0) this.inFlight = this.inFlight.then(() => this.post(batch));
    return this.inFlight;
  }

  private async post(batch: readonly { request: SimRequest; parent: TraceParent | null }[]): Promise<void> {
    const url = typeof this.options.url === 'string' ? this.options.url : this.options.url();
    if (url === null) {
      this.failed += batch.length;
      return;
    }
    const measure = this.options.measure ?? ((fn) => fn());
    const text = measure(() => {
      const parents = new Map<string, TraceParent>();
      for (const b of batch) if (b.parent) parents.set(b.request.traceId, b.parent);
      return JSON.stringify(serverSpansOnly(this.options.toOtlpJson(batch.map((b) => b.request)), parents));
    });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.key) headers.authorization = `Bearer ${this.options.key}`;
    try {
      const res = await fetch(url, { method: 'POST', headers, body: text });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.posted += batch.length;
      this.failedLogged = false;
    } catch (err) {
      this.failed += batch.length;
      if (!this.failedLogged) this.options.log?.(`sim: posting llm_request spans to ${url} failed: ${(err as Error).message}`);
      this.failedLogged = true;
    }
  }
}
