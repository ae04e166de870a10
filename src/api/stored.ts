import type { AnyValue, Attributes, SpanEvent } from '../receivers/otlp/types.js';

/**
 * Stored JSON (see storage/rows/json.ts) back into the decoded OTLP shapes, so that read-time
 * derivations (the `{role, parts}` messages) run the same code as ingest. JSON cannot tell an int
 * from a double or bytes from a string: integers come back as ints, base64 stays a string.
 */
export function jsonToAnyValue(v: unknown): AnyValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isInteger(v) ? { int: BigInt(v) } : v;
  }
  if (Array.isArray(v)) return v.map(jsonToAnyValue);
  return { kvlist: jsonToAttributes(v) };
}

export function jsonToAttributes(v: unknown): Attributes {
  const out: Attributes = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) out[k] = jsonToAnyValue(x);
  return out;
}

interface StoredEvent {
  timeUnixNano?: string;
  name?: string;
  attributes?: unknown;
  droppedAttributesCount?: number;
}

export function jsonToEvents(v: unknown): SpanEvent[] {
  if (!Array.isArray(v)) return [];
  return (v as StoredEvent[]).map((e) => ({
    timeUnixNano: /^\d+$/.test(e.timeUnixNano ?? '') ? BigInt(e.timeUnixNano!) : 0n,
    name: e.name ?? '',
    attributes: jsonToAttributes(e.attributes),
    droppedAttributesCount: e.droppedAttributesCount ?? 0,
  }));
}

/** A stored Float64 back to JSON: numbers as they are; ClickHouse's quoted `inf`/`-inf`/`nan` as "Infinity", "-Infinity", "NaN". */
function storedFloat(v: unknown): number | string | null {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return null;
  const s = v.toLowerCase().replace(/^\+/, '');
  if (s === 'inf' || s === 'infinity') return 'Infinity';
  if (s === '-inf' || s === '-infinity') return '-Infinity';
  if (s === 'nan' || s === '-nan') return 'NaN';
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? n : null;
}

/** The confidence signals of a span as the API returns them (docs/api.md; model/confidence.ts defines each). */
export interface StoredConfidence {
  readonly value: number | null;
  readonly source: string | null;
  readonly calibrated: number | null;
  /** -Infinity (as the string "-Infinity") when a token had probability 0. */
  readonly logprobMean: number | string | null;
  readonly logprobMin: number | string | null;
  readonly perplexity: number | string | null;
  readonly entropyMean: number | null;
  readonly answerProb: number | null;
  readonly leastConfidentPos: number | null;
  readonly verbalized: number | null;
  readonly verbalizedFormatOk: boolean | null;
  readonly scores: Readonly<Record<string, number>>;
}

const asNumberOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/**
 * The `spans` confidence columns (confidence … scores) of a stored row back to {@link StoredConfidence};
 * undefined for a span that had no confidence signal at all (ingest stores every column empty then:
 * a span with signals has token log probabilities, a stated confidence or a score).
 */
export function storedConfidence(row: Record<string, unknown>): StoredConfidence | undefined {
  const scores = row.scores !== null && typeof row.scores === 'object' ? (row.scores as Record<string, number>) : {};
  const logprobMean = storedFloat(row.logprob_mean);
  const formatOk = typeof row.verbalized_format_ok === 'boolean' ? row.verbalized_format_ok : null;
  if (logprobMean === null && formatOk === null && Object.keys(scores).length === 0) return undefined;
  return {
    value: asNumberOrNull(row.confidence),
    source: typeof row.confidence_source === 'string' && row.confidence_source !== '' ? row.confidence_source : null,
    calibrated: asNumberOrNull(row.confidence_calibrated),
    logprobMean,
    logprobMin: storedFloat(row.logprob_min),
    perplexity: storedFloat(row.perplexity),
    entropyMean: asNumberOrNull(row.entropy_mean),
    answerProb: asNumberOrNull(row.answer_prob),
    leastConfidentPos: asNumberOrNull(row.least_confident_pos),
    verbalized: asNumberOrNull(row.verbalized_confidence),
    verbalizedFormatOk: formatOk,
    scores,
  };
}
