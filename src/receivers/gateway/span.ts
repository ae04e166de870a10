/**
 * One gateway request as a GenAI client span (OpenTelemetry GenAI conventions, see
 * docs/conventions.md for the `strata.*` attributes it adds): request parameters, response id,
 * model, finish reasons, usage, time to first chunk, inter-token gaps, logprobs, reasoning, and
 * the upstream's address as `server.address`/`server.port`, which makes it the replica entity.
 */
import { randomBytes } from 'node:crypto';
import type { Redactor } from '../../processors/redact.js';
import type { AnyValue, Attributes, OtlpSpan } from '../otlp/types.js';
import type { ResponseMeter } from './meter.js';
import type { Endpoint } from './request-plan.js';
import { packFloat32 } from '../../processors/confidence/packed.js';
import { splitThink } from '../../processors/reasoning/think.js';

/** W3C trace context of the caller, when a valid `traceparent` arrived. */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  readonly flags: number;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceparent(header: string | undefined): TraceParent | null {
  const m = header ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]) || /^0+$/.test(m[3])) return null;
  return { traceId: m[2], spanId: m[3], flags: parseInt(m[4], 16) };
}

export function newSpanId(): string {
  return randomBytes(8).toString('hex');
}

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

const OPERATIONS: Record<Endpoint, string> = { chat: 'chat', completions: 'text_completion', responses: 'chat', embeddings: 'embeddings' };

/** Everything known about one request when it ends. */
export interface GatewayExchange {
  readonly endpoint: Endpoint;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly flags: number;
  readonly startUnixNano: bigint;
  readonly endUnixNano: bigint;
  /** Monotonic clock (ns) at arrival, and at dispatch to the upstream (null if never sent). */
  readonly arrivedNs: bigint;
  readonly dispatchedNs: bigint | null;
  readonly route: string;
  readonly provider: string | null;
  readonly upstream: URL | null;
  /** The upstream's configured replica name (`strata.gateway.replica`), null when none was given. */
  readonly replica?: string | null;
  readonly request: Record<string, unknown>;
  readonly meter: ResponseMeter;
  readonly httpStatus: number | null;
  /** error.type when the request failed: an HTTP status, `timeout`, `upstream_disconnected`, ... */
  readonly errorType: string | null;
  readonly errorMessage: string;
  readonly capture: boolean;
  readonly redact: Redactor | null;
}

function setNum(attrs: Attributes, key: string, v: unknown, int = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) return;
  attrs[key] = int && Number.isInteger(v) ? { int: BigInt(v) } : v;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

type Part = Record<string, unknown>;

function contentParts(content: unknown): Part[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  const parts: Part[] = [];
  for (const p of content) {
    if (typeof p === 'string') parts.push({ type: 'text', content: p });
    else if (p && typeof p === 'object') {
      const o = p as Record<string, unknown>;
      if (typeof o.text === 'string') parts.push({ type: 'text', content: o.text });
      else if (o.image_url && typeof o.image_url === 'object') parts.push({ type: 'uri', modality: 'image', uri: text((o.image_url as Record<string, unknown>).url) });
      else parts.push({ type: text(o.type) || 'unknown' });
    }
  }
  return parts;
}

/** The request's messages as GenAI `{role, parts}` messages. */
function inputMessages(endpoint: Endpoint, req: Record<string, unknown>): unknown[] {
  if (endpoint === 'chat' && Array.isArray(req.messages)) {
    return req.messages.map((m) => {
      const msg = (m && typeof m === 'object' ? m : {}) as Record<string, unknown>;
      const role = text(msg.role) || 'user';
      const parts: Part[] = role === 'tool' ? [{ type: 'tool_call_response', id: text(msg.tool_call_id), response: msg.content ?? null }] : contentParts(msg.content);
      if (Array.isArray(msg.tool_calls))
        for (const tc of msg.tool_calls) {
          const fn = ((tc as Record<string, unknown>)?.function ?? {}) as Record<string, unknown>;
          parts.push({ type: 'tool_call', id: text((tc as Record<string, unknown>)?.id), name: text(fn.name), arguments: fn.arguments ?? null });
        }
      return { role, parts };
    });
  }
  if (endpoint === 'completions') {
    const prompts = Array.isArray(req.prompt) ? req.prompt : [req.prompt];
    return prompts.filter((p) => typeof p === 'string').map((p) => ({ role: 'user', parts: [{ type: 'text', content: p }] }));
  }
  if (endpoint === 'responses') {
    if (typeof req.input === 'string') return [{ role: 'user', parts: [{ type: 'text', content: req.input }] }];
    if (Array.isArray(req.input))
      return req.input
        .filter((m) => m && typeof m === 'object')
        .map((m) => ({ role: text((m as Record<string, unknown>).role) || 'user', parts: contentParts((m as Record<string, unknown>).content) }));
  }
  return [];
}

/** Reasoning and answer: separate fields first, inline `<think>` blocks otherwise. */
export function outputParts(meter: ResponseMeter): { reasoning: string; answer: string } {
  if (meter.reasoning !== '') return { reasoning: meter.reasoning, answer: meter.text };
  return splitThink(meter.text);
}

function redactDeep(v: unknown, redact: Redactor): unknown {
  if (typeof v === 'string') return redact(v);
  if (Array.isArray(v)) return v.map((x) => redactDeep(x, redact));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactDeep(x, redact)]));
  return v;
}

/**
 * The `strata.logprobs` value (docs/conventions.md), packed: `{"tokens":[…],"logprobs_f32":"…",
 * "top_k":k,"top_logprobs_f32":"…","top_tokens":[[…],…]}`, numbers as base64 float32 (ingest reads
 * them with one native decode), `top_tokens` last (ingest stops before it). Tokens are blanked when
 * content is not captured; the numbers stay.
 */
export function logprobsJson(meter: ResponseMeter, withTokens: boolean): string {
  const k = meter.logprobs.reduce((m, t) => Math.max(m, t.top.length), 0);
  const top: number[] = [];
  for (const t of meter.logprobs) for (let j = 0; j < k; j++) top.push(j < t.top.length ? t.top[j][1] : NaN);
  return JSON.stringify({
    tokens: meter.logprobs.map((t) => (withTokens ? t.token : '')),
    logprobs_f32: packFloat32(meter.logprobs.map((t) => t.logprob)),
    top_k: k,
    top_logprobs_f32: packFloat32(top),
    top_tokens: meter.logprobs.map((t) => t.top.map(([tok]) => (withTokens ? tok : ''))),
  });
}

/** Builds the span. */
export function gatewaySpan(x: GatewayExchange): OtlpSpan {
  const req = x.request;
  const m = x.meter;
  const model = typeof req.model === 'string' ? req.model : '';
  const attrs: Attributes = {
    'gen_ai.operation.name': OPERATIONS[x.endpoint],
    'gen_ai.request.model': model,
  };
  if (x.provider) attrs['gen_ai.provider.name'] = x.provider;
  setNum(attrs, 'gen_ai.request.max_tokens', req.max_tokens ?? req.max_completion_tokens ?? req.max_output_tokens, true);
  setNum(attrs, 'gen_ai.request.temperature', req.temperature);
  setNum(attrs, 'gen_ai.request.top_p', req.top_p);
  setNum(attrs, 'gen_ai.request.top_k', req.top_k);
  setNum(attrs, 'gen_ai.request.seed', req.seed, true);
  setNum(attrs, 'gen_ai.request.frequency_penalty', req.frequency_penalty);
  setNum(attrs, 'gen_ai.request.presence_penalty', req.presence_penalty);
  setNum(attrs, 'gen_ai.request.choice.count', req.n, true);
  if (typeof req.stop === 'string') attrs['gen_ai.request.stop_sequences'] = [req.stop];
  else if (Array.isArray(req.stop)) attrs['gen_ai.request.stop_sequences'] = req.stop.filter((s) => typeof s === 'string');
  attrs['gen_ai.request.stream'] = req.stream === true;
  if (m.responseId) attrs['gen_ai.response.id'] = m.responseId;
  if (m.responseModel) attrs['gen_ai.response.model'] = m.responseModel;
  if (m.finishReasons.length) attrs['gen_ai.response.finish_reasons'] = [...m.finishReasons];
  setNum(attrs, 'gen_ai.usage.input_tokens', m.usage.inputTokens, true);
  setNum(attrs, 'gen_ai.usage.output_tokens', m.usage.outputTokens, true);
  setNum(attrs, 'gen_ai.usage.reasoning.output_tokens', m.usage.reasoningTokens, true);
  setNum(attrs, 'gen_ai.usage.cache_read.input_tokens', m.usage.cachedInputTokens, true);
  if (x.upstream) {
    attrs['server.address'] = x.upstream.hostname.replace(/^\[|\]$/g, '');
    attrs['server.port'] = { int: BigInt(x.upstream.port || (x.upstream.protocol === 'https:' ? 443 : 80)) };
    attrs['strata.gateway.upstream'] = x.upstream.href.replace(/\/$/, '');
    if (x.replica) attrs['strata.gateway.replica'] = x.replica;
  }
  attrs['strata.gateway.route'] = x.route;
  if (x.httpStatus !== null) attrs['http.response.status_code'] = { int: BigInt(x.httpStatus) };
  if (x.dispatchedNs !== null) attrs['strata.gateway.queue_time'] = Number(x.dispatchedNs - x.arrivedNs) / 1e9;
  const ttft = m.ttftNs(x.arrivedNs);
  if (ttft !== null && req.stream === true) attrs['gen_ai.response.time_to_first_chunk'] = Number(ttft) / 1e9;
  const gaps = m.gapsUs();
  if (gaps.length > 0) attrs['strata.gateway.inter_token_gaps_us'] = gaps.map((g) => ({ int: BigInt(g) }) as AnyValue);
  const outTokens = m.usage.outputTokens;
  if (ttft !== null && outTokens !== null && outTokens > 1 && req.stream === true) {
    const totalNs = Number(m.tokenTimes[m.tokenTimes.length - 1] - x.arrivedNs);
    attrs['strata.gateway.time_per_output_token'] = (totalNs - Number(ttft)) / 1e9 / (outTokens - 1);
  }
  attrs['strata.gateway.chunks'] = { int: BigInt(m.chunks) };
  const { reasoning, answer } = outputParts(m);
  if (m.usage.reasoningTokens !== null && m.usage.reasoningTokens > 0 && reasoning === '') attrs['strata.reasoning.hidden'] = true;
  // Tokens are content: kept when content is captured and redaction found nothing in the output.
  if (m.logprobs.length > 0) attrs['strata.logprobs'] = logprobsJson(m, x.capture && (x.redact === null || x.redact(answer) === answer));
  if (x.capture && x.endpoint !== 'embeddings') {
    const parts: Part[] = [];
    if (reasoning) parts.push({ type: 'reasoning', content: reasoning });
    if (answer) parts.push({ type: 'text', content: answer });
    for (const tc of m.toolCalls) parts.push({ type: 'tool_call', id: tc.id, name: tc.name, arguments: tc.arguments });
    let input: unknown = inputMessages(x.endpoint, req);
    let output: unknown = [{ role: 'assistant', parts, finish_reason: m.finishReasons[0] ?? '' }];
    if (x.redact) {
      input = redactDeep(input, x.redact);
      output = redactDeep(output, x.redact);
    }
    attrs['gen_ai.input.messages'] = JSON.stringify(input);
    if (parts.length > 0) attrs['gen_ai.output.messages'] = JSON.stringify(output);
    if (x.endpoint === 'responses' && typeof req.instructions === 'string')
      attrs['gen_ai.system_instructions'] = JSON.stringify([{ type: 'text', content: x.redact ? x.redact(req.instructions) : req.instructions }]);
  }
  const failed = x.errorType !== null || m.upstreamError !== null;
  if (x.errorType !== null) attrs['error.type'] = x.errorType;
  else if (m.upstreamError !== null) attrs['error.type'] = 'upstream_error';
  return {
    traceId: x.traceId,
    spanId: x.spanId,
    traceState: '',
    parentSpanId: x.parentSpanId,
    flags: x.flags,
    name: model ? `${OPERATIONS[x.endpoint]} ${model}` : OPERATIONS[x.endpoint],
    kind: 3,
    startTimeUnixNano: x.startUnixNano,
    endTimeUnixNano: x.endUnixNano,
    attributes: attrs,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: failed ? { code: 2, message: x.errorMessage || m.upstreamError || '' } : { code: 0, message: '' },
  };
}
