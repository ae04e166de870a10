/**
 * Simulated requests as the telemetry a real deployment sends Strata, on the scenario clock:
 * - `requestsToOtlpJson`: an OTLP/JSON ExportTraceServiceRequest (POST /v1/traces, application/json)
 *   with, per request, the gateway's CLIENT span as receivers/gateway/span.ts writes it (usage, time to
 *   first chunk, inter-token gaps, `strata.logprobs` in its packed form, reasoning and answer as output
 *   messages; status ERROR on failures) and the replica's own SERVER `llm_request` span, vLLM style
 *   (`gen_ai.latency.*`, resource `service.instance.id` = `<host>:<port>`, `gpu.uuids`), child of the
 *   client span, carrying the probe reading as a `strata.probe.reading` event;
 * - `feedbackToJson`: the body of POST /api/feedback for due feedback.
 * Ids are hex, times strings of unix nanoseconds, 64-bit integers strings (the OTLP/JSON mapping).
 */
import { replicaSpecOf } from './fleet.js';
import { ServedRequest } from './request.js';
import { mix32 } from './rng.js';
import { answerWithoutConfidence } from './responses.js';
import { TOP_K, topRow, type AnswerTokens } from './tokens.js';
import type { Fleet, SimFeedback, SimRequest } from './types.js';

type JsonValue = { stringValue: string } | { intValue: string | number } | { doubleValue: number } | { boolValue: boolean } | { arrayValue: { values: JsonValue[] } };
type JsonAttribute = { key: string; value: JsonValue };

const str = (key: string, v: string): JsonAttribute => ({ key, value: { stringValue: v } });
const int = (key: string, v: number): JsonAttribute => ({ key, value: { intValue: String(Math.round(v)) } });
const dbl = (key: string, v: number): JsonAttribute => ({ key, value: { doubleValue: v } });

/** Unix ms (fractional) as a string of unix nanoseconds. */
function nanos(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

/** Little-endian float32 values, base64 (the packed numbers of `strata.logprobs`). */
function packed(values: ArrayLike<number>): string {
  const buf = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i], i * 4);
  return buf.toString('base64');
}

/** The compact tokens of a request (this module's requests carry them; others are read from `tokens`). */
function answerTokensOf(r: SimRequest): AnswerTokens {
  if (r instanceof ServedRequest) return r.answerTokens;
  return { pieces: r.tokens.map((t) => t.token), logprobs: Float64Array.from(r.tokens, (t) => t.logprob) };
}

/**
 * `strata.logprobs` in the gateway's packed form. The alternatives' text (`top_tokens`, display only, and
 * the bulk of the attribute) is left out unless asked for; their numbers are always there.
 */
export function packedLogprobs(t: AnswerTokens, topTokens = false): string {
  const n = t.pieces.length;
  const top = new Float64Array(n * TOP_K);
  const texts: string[] | undefined = topTokens ? new Array(n * TOP_K) : undefined;
  for (let i = 0; i < n; i++) topRow(t, i, top, i * TOP_K, texts);
  let out = `{"tokens":${JSON.stringify(t.pieces)},"logprobs_f32":"${packed(t.logprobs)}","top_k":${TOP_K},"top_logprobs_f32":"${packed(top)}"`;
  if (texts) {
    const rows: string[] = new Array(n);
    for (let i = 0; i < n; i++) rows[i] = JSON.stringify(texts.slice(i * TOP_K, i * TOP_K + TOP_K));
    out += `,"top_tokens":[${rows.join(',')}]`;
  }
  return `${out}}`;
}

/** A 16-hex span id derived from another (the replica's span under the gateway's). */
function childSpanId(spanId: string): string {
  const a = mix32(parseInt(spanId.slice(0, 8), 16) ^ 0x5bd1e995);
  const b = mix32(parseInt(spanId.slice(8, 16), 16) ^ a);
  const id = a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  return id === '0000000000000000' ? '0000000000000001' : id;
}

export interface OtlpOptions {
  /** Include the alternatives' text (`top_tokens`) in `strata.logprobs`, as the gateway does; default false (numbers only). */
  readonly topTokens?: boolean;
  /**
   * Include `strata.gateway.inter_token_gaps_us` (one integer per output token: about a third of the
   * payload); default true. Without it the gateway span still has `strata.gateway.time_per_output_token`.
   */
  readonly gaps?: boolean;
}

interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly gpus: readonly string[];
}

function endpointOf(fleet: Fleet, replica: string): Endpoint {
  const spec = replicaSpecOf(fleet, replica);
  if (spec) return spec;
  const key = fleet.replicaEntity(replica).replace(/^replica:/, '');
  const colon = key.lastIndexOf(':');
  return { host: key.slice(0, colon), port: Number(key.slice(colon + 1)), gpus: [] };
}

/** Gateway overhead before dispatch and after the last chunk, ms (small and deterministic per request). */
function gatewayOverheadMs(spanId: string): { queue: number; relay: number } {
  const h = mix32(parseInt(spanId.slice(0, 8), 16));
  return { queue: 0.3 + (h % 1200) / 1000, relay: 0.2 + ((h >>> 12) % 500) / 1000 };
}

function reasoningTokensOf(r: SimRequest, answerTokens: number): number {
  return r.reasoning === '' ? 0 : Math.max(0, r.outputTokens - answerTokens);
}

function clientSpan(r: SimRequest, ep: Endpoint, options: OtlpOptions): object {
  const gw = gatewayOverheadMs(r.spanId);
  const failed = r.error !== null;
  const attributes: JsonAttribute[] = [
    str('gen_ai.operation.name', 'chat'),
    str('gen_ai.request.model', r.model),
    { key: 'gen_ai.request.stream', value: { boolValue: true } },
    str('server.address', ep.host),
    int('server.port', ep.port),
    str('strata.gateway.upstream', `http://${ep.host}:${ep.port}/v1`),
    str('strata.gateway.route', r.model),
    dbl('strata.gateway.queue_time', gw.queue / 1000),
  ];
  const prompt = r instanceof ServedRequest ? r.prompt : '';
  if (prompt !== '') attributes.push(str('gen_ai.input.messages', JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: prompt }] }])));
  if (failed) {
    attributes.push(int('http.response.status_code', 500), str('error.type', '500'));
  } else {
    const tokens = answerTokensOf(r);
    const reasoningTokens = reasoningTokensOf(r, tokens.pieces.length);
    attributes.push(
      int('http.response.status_code', 200),
      str('gen_ai.response.id', `chatcmpl-${r.spanId}`),
      str('gen_ai.response.model', r.modelVersion),
      { key: 'gen_ai.response.finish_reasons', value: { arrayValue: { values: [{ stringValue: r.finishReason }] } } },
      int('gen_ai.usage.input_tokens', r.inputTokens),
      int('gen_ai.usage.output_tokens', r.outputTokens),
      dbl('gen_ai.response.time_to_first_chunk', (gw.queue + r.ttftMs) / 1000),
      int('strata.gateway.chunks', r.outputTokens + 2),
    );
    if (reasoningTokens > 0) attributes.push(int('gen_ai.usage.reasoning.output_tokens', reasoningTokens));
    if (r.interTokenUs.length > 0 && options.gaps !== false) {
      // Small integers may be JSON numbers in OTLP/JSON: shorter than the decimal strings 64-bit values need.
      attributes.push({ key: 'strata.gateway.inter_token_gaps_us', value: { arrayValue: { values: r.interTokenUs.map((g) => ({ intValue: g })) } } });
    }
    if (r.interTokenUs.length > 0) attributes.push(dbl('strata.gateway.time_per_output_token', (r.e2eMs - r.ttftMs) / 1000 / r.interTokenUs.length));
    if (tokens.pieces.length > 0) attributes.push(str('strata.logprobs', packedLogprobs(tokens, options.topTokens ?? false)));
    const parts: object[] = [];
    if (r.reasoning !== '') parts.push({ type: 'reasoning', content: r.reasoning });
    if (r.answer !== '') parts.push({ type: 'text', content: r.answer });
    if (parts.length > 0) attributes.push(str('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts, finish_reason: r.finishReason }])));
  }
  return {
    traceId: r.traceId,
    spanId: r.spanId,
    name: `chat ${r.model}`,
    kind: 3,
    startTimeUnixNano: nanos(r.arrivalMs),
    endTimeUnixNano: nanos(r.arrivalMs + gw.queue + r.e2eMs + gw.relay),
    attributes,
    status: failed ? { code: 2, message: r.error } : { code: 0 },
  };
}

function serverSpan(r: SimRequest): object {
  const gw = gatewayOverheadMs(r.spanId);
  const start = r.arrivalMs + gw.queue;
  const s = (ms: number): number => Math.round(ms * 1000) / 1e6;
  const attributes: JsonAttribute[] = [
    str('gen_ai.request.id', `cmpl-${r.spanId}`),
    str('gen_ai.response.model', r.modelVersion),
    int('gen_ai.usage.prompt_tokens', r.inputTokens),
    int('gen_ai.usage.completion_tokens', r.outputTokens),
    dbl('gen_ai.latency.time_in_queue', s(r.queueMs)),
    dbl('gen_ai.latency.time_to_first_token', s(r.ttftMs)),
    dbl('gen_ai.latency.e2e', s(r.e2eMs)),
    dbl('gen_ai.latency.time_in_model_prefill', s(r.ttftMs - r.queueMs)),
    dbl('gen_ai.latency.time_in_model_decode', s(r.e2eMs - r.ttftMs)),
    dbl('gen_ai.latency.time_in_model_inference', s(r.e2eMs - r.queueMs)),
  ];
  // The replica states its answer (without the verbalized confidence the gateway's span already carries),
  // so that the probe's propositions have something to agree with.
  const answer = answerWithoutConfidence(r.answer);
  if (answer !== '') attributes.push(str('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: answer }], finish_reason: r.finishReason }])));
  const end = start + r.e2eMs;
  const events = r.probes.map((p) => {
    const attrs: JsonAttribute[] = [str('strata.probe.name', p.name), int('strata.probe.layer', p.layer), dbl('strata.probe.score', p.score), dbl('strata.probe.threshold', p.threshold)];
    if (p.propositions) attrs.push(str('strata.probe.propositions', JSON.stringify(p.propositions)));
    return { timeUnixNano: nanos(start + r.ttftMs), name: 'strata.probe.reading', attributes: attrs };
  });
  return {
    traceId: r.traceId,
    spanId: childSpanId(r.spanId),
    parentSpanId: r.spanId,
    name: 'llm_request',
    kind: 2,
    startTimeUnixNano: nanos(start),
    endTimeUnixNano: nanos(end),
    attributes,
    events,
    status: { code: 0 },
  };
}

/**
 * The requests' spans as one OTLP/JSON ExportTraceServiceRequest: a resource for the gateway, one per
 * replica that served something (failed requests have only the gateway's span: the engine was dead).
 *
 * @example await fetch(`${otlp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(requestsToOtlpJson(fleet, fleet.advance(t))) });
 */
export function requestsToOtlpJson(fleet: Fleet, requests: readonly SimRequest[], options: OtlpOptions = {}): object {
  const gateway: object[] = [];
  const byReplica = new Map<string, object[]>();
  const endpoints = new Map<string, Endpoint>();
  for (const r of requests) {
    let ep = endpoints.get(r.replica);
    if (!ep) endpoints.set(r.replica, (ep = endpointOf(fleet, r.replica)));
    gateway.push(clientSpan(r, ep, options));
    if (r.error !== null) continue;
    let list = byReplica.get(r.replica);
    if (!list) byReplica.set(r.replica, (list = []));
    list.push(serverSpan(r));
  }
  const resourceSpans: object[] = [];
  if (gateway.length > 0)
    resourceSpans.push({ resource: { attributes: [str('service.name', 'strata-gateway')] }, scopeSpans: [{ scope: { name: 'strata.gateway' }, spans: gateway }] });
  for (const [replica, spans] of byReplica) {
    const ep = endpoints.get(replica)!;
    const resource: JsonAttribute[] = [str('service.name', 'vllm'), str('service.instance.id', `${ep.host}:${ep.port}`), str('host.name', ep.host)];
    if (ep.gpus.length > 0) resource.push({ key: 'gpu.uuids', value: { arrayValue: { values: ep.gpus.map((g) => ({ stringValue: g })) } } });
    resourceSpans.push({ resource: { attributes: resource }, scopeSpans: [{ scope: { name: 'vllm' }, spans }] });
  }
  return { resourceSpans };
}

/** The body of POST /api/feedback for the items: one object per item, dated on the scenario clock. */
export function feedbackToJson(items: readonly SimFeedback[]): object[] {
  return items.map((f) => ({ trace_id: f.traceId, correct: f.correct, time: new Date(f.atMs).toISOString(), source: 'strata-sim', name: 'exact_match' }));
}

/** True when the request's reasoning carries injected reward-hacking intent (for the monitors' confusion matrix). */
export function badReasoning(_fleet: Fleet, request: SimRequest): boolean {
  return request instanceof ServedRequest && request.badReasoning;
}
