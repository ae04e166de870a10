/**
 * What detection reads of one span, once: its event time (end, else start), the replica and model it
 * belongs to, and its values (confidence, whether a stated confidence was missing or unreadable,
 * error status, time to first token, inter-token latency).
 *
 * Inter-token latency, in order of preference: the gateway's `strata.gateway.time_per_output_token`;
 * the mean of its `strata.gateway.inter_token_gaps_us`; vLLM's decode time over the output tokens
 * after the first.
 */
import type { SpanRecord } from '../model/span.js';
import type { AnyValue } from '../receivers/otlp/types.js';
import type { RequestValues } from './span-window.js';

const STATUS_ERROR = 2;

/** The span's event time in ms: its end, else its start (0 when it has neither). */
export function spanTimeMs(span: SpanRecord): number {
  const t = span.endTimeUnixNano > 0n ? span.endTimeUnixNano : span.startTimeUnixNano;
  return Number(t) / 1e6;
}

/** The replica and model keys of a span (null where it names none). */
export function spanEntities(span: SpanRecord): { replica: string | null; model: string | null } {
  let replica: string | null = null;
  let model: string | null = null;
  const refs = span.entities.refs;
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i];
    if (r.kind === 'replica') replica ??= r.key;
    else if (r.kind === 'model') model ??= r.key;
  }
  return { replica, model };
}

function num(v: AnyValue | undefined): number | null {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object' && 'int' in v) return Number(v.int);
  return null;
}

/** Seconds between output tokens, or null. */
export function interTokenSeconds(span: SpanRecord): number | null {
  const a = span.attributes;
  const tpot = num(a['strata.gateway.time_per_output_token']);
  if (tpot !== null && tpot > 0 && Number.isFinite(tpot)) return tpot;
  const gaps = a['strata.gateway.inter_token_gaps_us'];
  if (Array.isArray(gaps) && gaps.length > 0) {
    let sum = 0;
    let n = 0;
    for (const g of gaps) {
      const v = num(g);
      if (v !== null && v >= 0) {
        sum += v;
        n++;
      }
    }
    if (n > 0) return sum / n / 1e6;
  }
  const decode = span.genai.latencies['time_in_model_decode'];
  const out = span.genai.outputTokens;
  if (decode !== undefined && decode > 0 && out !== null && out > 1) return decode / (out - 1);
  return null;
}

export function requestValues(span: SpanRecord): RequestValues {
  const c = span.confidence;
  const value = c === null ? null : c.value;
  const ttft = span.genai.timeToFirstTokenS;
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    confidence: value !== null && Number.isFinite(value) ? value : null,
    formatFailed: c === null ? null : c.verbalizedFormatOk !== true,
    error: span.statusCode === STATUS_ERROR,
    ttft: ttft !== null && ttft >= 0 && Number.isFinite(ttft) ? ttft : null,
    itl: interTokenSeconds(span),
  };
}
