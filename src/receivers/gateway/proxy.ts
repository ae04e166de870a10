/**
 * One inference request through the gateway: route by model, plan what to ask the upstream, send
 * it (trying the next upstream when one refuses the connection), relay the answer chunk by chunk
 * while measuring it, then hand the finished span to the sink.
 *
 * Faults: no upstream reachable -> 502; no answer in time -> 504 (OpenAI-style error bodies);
 * an upstream that dies mid-stream -> the client's stream ends with an error event; a client that
 * disconnects -> the upstream request is aborted. Every outcome is recorded on the span.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Redactor } from '../../processors/redact.js';
import { sendError, streamErrorEvent } from './errors.js';
import { ResponseMeter } from './meter.js';
import { needsEdit, planRequest, stripAdded, type Endpoint, type RequestPlan } from './request-plan.js';
import type { LiveRoute, RouteTable, Upstream } from './routes.js';
import { gatewaySpan, newSpanId, newTraceId, parseTraceparent } from './span.js';
import type { SpanSink } from './span-sink.js';
import { replaceData, SseSplitter } from './sse.js';
import { callUpstream, forwardableHeaders, relayHeaders, UpstreamError, upstreamTarget } from './upstream.js';

/** Largest non-streamed response body the gateway parses to measure (larger ones pass unmeasured). */
export const MAX_METERED_BODY_BYTES = 16 * 1024 * 1024;

export interface ProxyContext {
  readonly routes: RouteTable;
  readonly sink: SpanSink;
  /** The route's redactor for captured content (null: none), by route. */
  readonly redactorOf: (route: LiveRoute) => Redactor | null;
  /** True when clients authenticate to the gateway itself: their key is then never forwarded. */
  readonly gatewayAuth: boolean;
  readonly env: NodeJS.ProcessEnv;
}

/** Arrival times of a request: wall clock for the span, monotonic for durations. */
export interface Arrival {
  readonly unixNano: bigint;
  readonly ns: bigint;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Serves one POST to an inference endpoint whose body has been read. */
export async function proxyInference(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: Endpoint,
  subPath: string,
  raw: Buffer,
  arrival: Arrival,
): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return sendError(res, 400, `request body is not valid JSON: ${(err as Error).message}`, 'invalid_request_error', 'invalid_json');
  }
  if (!isRecord(body)) return sendError(res, 400, 'request body must be a JSON object', 'invalid_request_error', 'invalid_json');
  if (typeof body.model !== 'string' || body.model === '')
    return sendError(res, 400, 'you must provide a model parameter', 'invalid_request_error', 'missing_model');
  const route = ctx.routes.pick(body.model);
  if (!route)
    return sendError(res, 404, `no gateway route matches model ${JSON.stringify(body.model)}; add one under gateway.routes`, 'not_found_error', 'model_not_found');
  const plan = planRequest(endpoint, body, raw, route.config.topLogprobs);
  const parent = parseTraceparent(req.headers.traceparent as string | undefined);
  const traceId = parent?.traceId ?? newTraceId();
  const spanId = newSpanId();
  const flags = parent?.flags ?? 1;
  const headers = upstreamHeaders(ctx, req, route, `00-${traceId}-${spanId}-${flags.toString(16).padStart(2, '0')}`);
  const exchange = new Exchange(ctx, route, plan, body, arrival, traceId, spanId, parent?.spanId ?? '', flags);
  res.once('close', () => {
    if (!res.writableFinished) exchange.clientGone();
  });
  if (headers === null) {
    exchange.finish(null, 'config', `environment variable ${route.config.apiKeyEnv} (gateway api_key_env) is not set`);
    return sendError(res, 500, `the gateway's upstream key (${route.config.apiKeyEnv}) is not set`, 'server_error', 'upstream_key_missing');
  }
  let lastError: UpstreamError | null = null;
  for (const upstream of route.pool.order()) {
    if (exchange.ended) return;
    exchange.dispatch(upstream);
    const call = callUpstream(upstreamTarget(upstream.url, subPath), 'POST', headers, plan.upstreamBody, route.config.timeoutMs);
    exchange.abortUpstream = () => call.request.destroy();
    try {
      const upRes = await call.response;
      return relay(exchange, res, upRes, route.config.idleTimeoutMs);
    } catch (err) {
      lastError = err instanceof UpstreamError ? err : new UpstreamError('failed', String(err));
      exchange.release();
      if (lastError.failure !== 'refused') break;
    }
  }
  if (exchange.ended) return;
  const timeout = lastError?.failure === 'timeout';
  const status = timeout ? 504 : 502;
  exchange.finish(status, timeout ? 'timeout' : 'upstream_unreachable', lastError?.message ?? 'no upstream');
  sendError(res, status, lastError?.message ?? 'no upstream answered', timeout ? 'timeout_error' : 'upstream_error', timeout ? 'upstream_timeout' : 'upstream_unreachable');
}

/** Headers for the upstream; null when the route's key variable is missing. */
function upstreamHeaders(ctx: ProxyContext, req: IncomingMessage, route: LiveRoute, traceparent: string): OutgoingHttpHeaders | null {
  const drop = ['traceparent', 'tracestate'];
  if (ctx.gatewayAuth || route.config.apiKeyEnv) drop.push('authorization', 'x-api-key');
  const headers = forwardableHeaders(req.headers, drop);
  headers['content-type'] = 'application/json';
  headers.traceparent = traceparent;
  if (typeof req.headers.tracestate === 'string') headers.tracestate = req.headers.tracestate;
  if (route.config.apiKeyEnv) {
    const key = ctx.env[route.config.apiKeyEnv];
    if (!key) return null;
    headers.authorization = `Bearer ${key}`;
  }
  return headers;
}

/** The state of one request from arrival to span. */
class Exchange {
  readonly meter: ResponseMeter;
  ended = false;
  abortUpstream: () => void = () => {};
  private upstream: Upstream | null = null;
  private inFlight: Upstream | null = null;
  private dispatchedNs: bigint | null = null;
  private httpStatus: number | null = null;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly route: LiveRoute,
    readonly plan: RequestPlan,
    private readonly request: Record<string, unknown>,
    private readonly arrival: Arrival,
    private readonly traceId: string,
    private readonly spanId: string,
    private readonly parentSpanId: string,
    private readonly flags: number,
  ) {
    this.meter = new ResponseMeter(plan.endpoint);
  }

  dispatch(upstream: Upstream): void {
    this.upstream = upstream;
    this.inFlight = upstream;
    upstream.outstanding++;
    this.dispatchedNs ??= process.hrtime.bigint();
  }

  /** The upstream no longer has this request in flight. Idempotent. */
  release(): void {
    if (this.inFlight) this.inFlight.outstanding--;
    this.inFlight = null;
  }

  status(code: number): void {
    this.httpStatus = code;
  }

  clientGone(): void {
    if (this.ended) return;
    this.abortUpstream();
    this.finish(this.httpStatus, 'client_disconnected', 'the client disconnected before the response ended');
  }

  /** Ends the exchange once: releases the upstream and emits the span. */
  finish(status: number | null, errorType: string | null, message = ''): void {
    if (this.ended) return;
    const upstream = this.upstream;
    this.release();
    this.ended = true;
    const now = process.hrtime.bigint();
    this.ctx.sink.add(
      gatewaySpan({
        endpoint: this.plan.endpoint,
        traceId: this.traceId,
        spanId: this.spanId,
        parentSpanId: this.parentSpanId,
        flags: this.flags,
        startUnixNano: this.arrival.unixNano,
        endUnixNano: this.arrival.unixNano + (now - this.arrival.ns),
        arrivedNs: this.arrival.ns,
        dispatchedNs: this.dispatchedNs,
        route: this.route.config.model,
        provider: this.route.config.provider,
        upstream: upstream?.url ?? null,
        replica: upstream?.replica ?? null,
        request: this.request,
        meter: this.meter,
        httpStatus: status ?? this.httpStatus,
        errorType,
        errorMessage: message,
        capture: this.route.config.capture,
        redact: this.ctx.redactorOf(this.route),
      }),
    );
  }
}

function isEventStream(upRes: IncomingMessage): boolean {
  return String(upRes.headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream');
}

function relay(x: Exchange, res: ServerResponse, upRes: IncomingMessage, idleTimeoutMs: number): void {
  const status = upRes.statusCode ?? 502;
  x.status(status);
  upRes.setTimeout(idleTimeoutMs, () => upRes.destroy(new UpstreamError('timeout', `upstream sent nothing for ${idleTimeoutMs} ms`)));
  let failure: Error | null = null;
  upRes.on('error', (err) => (failure = err));
  if (res.destroyed) {
    upRes.destroy();
    return;
  }
  if (isEventStream(upRes) && status < 400) relayStream(x, res, upRes, () => failure);
  else relayWhole(x, res, upRes, status, () => failure);
}

/** Server-sent events: each upstream chunk goes on at once; measured (and edited if needed) per event. */
function relayStream(x: Exchange, res: ServerResponse, upRes: IncomingMessage, failure: () => Error | null): void {
  res.writeHead(upRes.statusCode ?? 200, relayHeaders(upRes.headers, false));
  res.flushHeaders();
  const edit = needsEdit(x.plan);
  const sse = new SseSplitter();
  upRes.on('data', (chunk: Buffer) => {
    const at = process.hrtime.bigint();
    // The client's bytes go out first; measuring them comes after.
    if (!edit && !res.write(chunk)) upRes.pause();
    const events = sse.push(chunk);
    if (edit) {
      let out = '';
      for (const ev of events) {
        const data = ev.data;
        if (data === null || data === '[DONE]' || data === '') out += ev.raw;
        else {
          const kept = stripAdded(x.plan, data);
          if (kept !== null) out += replaceData(ev, kept);
        }
      }
      if (out !== '' && !res.write(out)) upRes.pause();
    }
    for (const ev of events) {
      const data = ev.data;
      if (data === null || data === '[DONE]' || data === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        continue;
      }
      x.meter.onChunk(parsed, ev.event, at);
    }
  });
  res.on('drain', () => upRes.resume());
  upRes.once('close', () => {
    if (x.ended) return;
    if (upRes.complete) {
      const rest = sse.end();
      if (edit && rest !== '') res.write(rest);
      res.end();
      x.finish(null, x.meter.upstreamError !== null ? 'upstream_error' : null, x.meter.upstreamError ?? '');
      return;
    }
    const err = failure();
    const timeout = err instanceof UpstreamError && err.failure === 'timeout';
    const message = timeout ? err.message : `upstream connection lost mid-stream${err ? `: ${err.message}` : ''}`;
    res.end(streamErrorEvent(message, timeout ? 'upstream_timeout' : 'upstream_disconnected'));
    x.finish(null, timeout ? 'timeout' : 'upstream_disconnected', message);
  });
}

/** A whole response: relayed as it arrives unless logprobs must come out; measured when JSON. */
function relayWhole(x: Exchange, res: ServerResponse, upRes: IncomingMessage, status: number, failure: () => Error | null): void {
  const edit = status < 400 && x.plan.stripLogprobs;
  if (!edit) {
    res.writeHead(status, relayHeaders(upRes.headers, true));
  }
  const parts: Buffer[] = [];
  let size = 0;
  upRes.on('data', (chunk: Buffer) => {
    if (edit || size <= MAX_METERED_BODY_BYTES) parts.push(chunk);
    size += chunk.length;
    if (!edit && !res.write(chunk)) upRes.pause();
  });
  res.on('drain', () => upRes.resume());
  upRes.once('close', () => {
    if (x.ended) return;
    if (!upRes.complete) {
      const err = failure();
      const message = `upstream connection lost before the response ended${err ? `: ${err.message}` : ''}`;
      if (!res.headersSent) sendError(res, 502, message, 'upstream_error', 'upstream_disconnected');
      else res.destroy();
      x.finish(502, 'upstream_disconnected', message);
      return;
    }
    const text = size <= MAX_METERED_BODY_BYTES ? Buffer.concat(parts).toString('utf8') : null;
    let parsed: unknown;
    if (text !== null && String(upRes.headers['content-type'] ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (status < 400) x.meter.onResponse(parsed, process.hrtime.bigint());
    if (edit) {
      const out = text === null ? Buffer.concat(parts) : Buffer.from(stripAdded(x.plan, text) ?? text);
      const headers = relayHeaders(upRes.headers, false);
      headers['content-length'] = out.length;
      res.writeHead(status, headers);
      res.end(out);
    } else res.end();
    if (status >= 400) {
      const e = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : null;
      x.finish(status, String(status), e && typeof e.message === 'string' ? e.message : `upstream answered ${status}`);
    } else x.finish(status, null);
  });
}
