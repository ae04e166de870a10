/**
 * Feedback: the ground truth calibration is measured against. A feedback record says whether one
 * response was correct, identified by its trace id, span id or `gen_ai.response.id` (at least one).
 *
 * Records arrive three ways, all validated and encoded here: `POST /api/feedback` (one JSON object or
 * an array), batch import (JSONL or CSV, feedback-import.ts), and OTel `gen_ai.evaluation.result` events
 * (on a span, or as a log record) that ingest turns into feedback for the span they belong to.
 */
import type { LogRecord } from '../model/log.js';
import type { SpanRecord } from '../model/span.js';
import { asNumber, asString } from '../processors/attributes.js';
import type { Attributes } from '../receivers/otlp/types.js';
import { jstr, numberOrNull } from '../storage/rows/json.js';

/** One feedback row (table `feedback`). Absent ids are ''. */
export interface FeedbackRecord {
  /** When the judgement was made (unix milliseconds): the arrival time unless the sender gave one. */
  readonly timeUnixMs: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly responseId: string;
  readonly correct: boolean;
  /** The graded score in [0, 1] the judgement came from, when there was one. */
  readonly score: number | null;
  /** The threshold `correct = score >= threshold` used; null when `correct` was given directly. */
  readonly threshold: number | null;
  /** Who judged: `api` by default, `import`, `otel.evaluation`, or what the sender says. */
  readonly source: string;
  /** Which judgement: an evaluation or metric name (`exact_match`, `thumbs`); '' when none. */
  readonly name: string;
  readonly comment: string;
}

/** The fields a feedback object may have (JSON keys, CSV columns). */
export const FEEDBACK_FIELDS = ['trace_id', 'span_id', 'response_id', 'correct', 'score', 'threshold', 'source', 'name', 'comment', 'time'] as const;
/** camelCase spellings accepted for the ids, as the query API writes them. */
const ID_ALIASES: Readonly<Record<string, string>> = { traceId: 'trace_id', spanId: 'span_id', responseId: 'response_id' };

export const DEFAULT_FEEDBACK_SOURCE = 'api';
export const EVALUATION_SOURCE = 'otel.evaluation';
export const MAX_RESPONSE_ID_CHARS = 256;
export const MAX_SOURCE_CHARS = 64;
export const MAX_NAME_CHARS = 128;
export const MAX_COMMENT_CHARS = 4096;
/** A feedback time may be at most this far ahead of the server's clock. */
export const MAX_FUTURE_MS = 24 * 3_600_000;

export interface FeedbackDefaults {
  /** `correct = score >= threshold` when a score comes without its own threshold (calibration.feedback_threshold). */
  readonly threshold: number;
  /** Source when the sender names none. */
  readonly source?: string;
  /** The arrival time (unix ms): the record's time unless the sender gives one. */
  readonly nowMs: number;
  /** Earliest time accepted (unix ms), e.g. the retention horizon; older times are refused. */
  readonly minTimeMs?: number;
}

export type FeedbackParse = { readonly ok: true; readonly record: FeedbackRecord } | { readonly ok: false; readonly errors: readonly string[] };

const TRACE_ID = /^[0-9a-f]{32}$/i;
const SPAN_ID = /^[0-9a-f]{16}$/i;

/**
 * Validates one feedback object as a client sends it and returns the record, or every problem found,
 * each naming its field. `null` and '' count as absent.
 *
 * @example
 * parseFeedback({ response_id: 'chatcmpl-1', score: 0.8 }, { threshold: 0.5, nowMs: Date.now() });
 * // { ok: true, record: { responseId: 'chatcmpl-1', correct: true, score: 0.8, threshold: 0.5, source: 'api', … } }
 */
export function parseFeedback(input: unknown, defaults: FeedbackDefaults): FeedbackParse {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { ok: false, errors: [`expected a JSON object, got ${describe(input)}`] };
  const errors: string[] = [];
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    const field = ID_ALIASES[key] ?? key;
    if (!(FEEDBACK_FIELDS as readonly string[]).includes(field)) {
      errors.push(`${key}: unknown field (known: ${FEEDBACK_FIELDS.join(', ')})`);
      continue;
    }
    if (value === null || value === '') continue;
    if (field in raw) {
      errors.push(`${field}: given twice (as ${field} and as ${key})`);
      continue;
    }
    raw[field] = value;
  }

  const traceId = id(raw.trace_id, 'trace_id', TRACE_ID, '32 hex characters', errors);
  const spanId = id(raw.span_id, 'span_id', SPAN_ID, '16 hex characters', errors);
  let responseId = '';
  if (raw.response_id !== undefined) {
    if (typeof raw.response_id !== 'string') errors.push(`response_id: expected a string, got ${describe(raw.response_id)}`);
    else if (raw.response_id.length > MAX_RESPONSE_ID_CHARS) errors.push(`response_id: longer than ${MAX_RESPONSE_ID_CHARS} characters`);
    else responseId = raw.response_id;
  }
  if (raw.trace_id === undefined && raw.span_id === undefined && raw.response_id === undefined)
    errors.push('trace_id, span_id or response_id: at least one is required to say which response the feedback is about');

  let correct: boolean | null = null;
  if (raw.correct !== undefined) {
    if (typeof raw.correct === 'boolean') correct = raw.correct;
    else errors.push(`correct: expected true or false, got ${describe(raw.correct)}`);
  }
  const score = unit(raw.score, 'score', errors);
  let threshold = unit(raw.threshold, 'threshold', errors);
  if (raw.threshold !== undefined && raw.score === undefined) errors.push('threshold: only meaningful with a score');
  if (raw.correct === undefined && raw.score === undefined) errors.push('correct or score: one is required (correct: true/false, or score in [0, 1])');
  if (correct === null && score !== null) {
    threshold ??= defaults.threshold;
    correct = score >= threshold;
  }

  const source = text(raw.source, 'source', MAX_SOURCE_CHARS, errors) ?? defaults.source ?? DEFAULT_FEEDBACK_SOURCE;
  const name = text(raw.name, 'name', MAX_NAME_CHARS, errors) ?? '';
  const comment = text(raw.comment, 'comment', MAX_COMMENT_CHARS, errors) ?? '';
  const timeUnixMs = raw.time === undefined ? defaults.nowMs : time(raw.time, defaults, errors);

  if (errors.length > 0 || correct === null || timeUnixMs === null) return { ok: false, errors };
  return { ok: true, record: { timeUnixMs, traceId, spanId, responseId, correct, score, threshold, source, name, comment } };
}

function id(v: unknown, field: string, pattern: RegExp, what: string, errors: string[]): string {
  if (v === undefined) return '';
  if (typeof v !== 'string' || !pattern.test(v)) {
    errors.push(`${field}: expected ${what}, got ${describe(v)}`);
    return '';
  }
  if (/^0+$/.test(v)) {
    errors.push(`${field}: all zeros is not a valid id`);
    return '';
  }
  return v.toLowerCase();
}

function unit(v: unknown, field: string, errors: string[]): number | null {
  if (v === undefined) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    errors.push(`${field}: expected a number in [0, 1], got ${describe(v)}`);
    return null;
  }
  return v;
}

function text(v: unknown, field: string, max: number, errors: string[]): string | null {
  if (v === undefined) return null;
  if (typeof v !== 'string') {
    errors.push(`${field}: expected a string, got ${describe(v)}`);
    return null;
  }
  if (v.length > max) {
    errors.push(`${field}: longer than ${max} characters`);
    return null;
  }
  return v;
}

/** RFC 3339, or a unix time in seconds (below 1e11) or milliseconds. */
function time(v: unknown, defaults: FeedbackDefaults, errors: string[]): number | null {
  let ms: number;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) ms = Math.round(v < 1e11 ? v * 1000 : v);
  else if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) && !Number.isNaN(Date.parse(v))) ms = Date.parse(v);
  else {
    errors.push(`time: expected RFC 3339 or a unix time in seconds or milliseconds, got ${describe(v)}`);
    return null;
  }
  if (ms > defaults.nowMs + MAX_FUTURE_MS) {
    errors.push(`time: ${new Date(ms).toISOString()} is in the future`);
    return null;
  }
  if (defaults.minTimeMs !== undefined && ms < defaults.minTimeMs) {
    errors.push(`time: ${new Date(ms).toISOString()} is older than the retention (storage.retention_days) and would be dropped at once`);
    return null;
  }
  return ms;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** One JSONEachRow line (without the newline) for the `feedback` table. */
export function feedbackRow(r: FeedbackRecord): string {
  return (
    `{"time":${Math.round(r.timeUnixMs)},"trace_id":"${r.traceId}","span_id":"${r.spanId}","response_id":${jstr(r.responseId)}` +
    `,"correct":${r.correct},"score":${numberOrNull(r.score)},"threshold":${numberOrNull(r.threshold)}` +
    `,"source":${jstr(r.source)},"name":${jstr(r.name)},"comment":${jstr(r.comment)}}`
  );
}

// ------------------------------------------------------------------ OTel evaluation events

/** The OTel GenAI event that carries an evaluator's verdict on one response. */
export const EVALUATION_EVENT = 'gen_ai.evaluation.result';
export const EVALUATION_NAME = 'gen_ai.evaluation.name';
export const EVALUATION_SCORE_VALUE = 'gen_ai.evaluation.score.value';
export const EVALUATION_SCORE_LABEL = 'gen_ai.evaluation.score.label';
export const EVALUATION_EXPLANATION = 'gen_ai.evaluation.explanation';
const RESPONSE_ID = 'gen_ai.response.id';

/** `gen_ai.evaluation.score.label` values (lowercased, trimmed) read as correct. */
export const PASSING_LABELS: ReadonlySet<string> = new Set(['pass', 'passed', 'correct', 'true', 'yes', 'relevant', 'good', 'accept', 'accepted', 'right', 'success', 'ok']);
/** `gen_ai.evaluation.score.label` values read as incorrect. */
export const FAILING_LABELS: ReadonlySet<string> = new Set(['fail', 'failed', 'incorrect', 'false', 'no', 'not_relevant', 'irrelevant', 'bad', 'reject', 'rejected', 'wrong', 'failure']);

/**
 * The verdict of one evaluation event's attributes: a known label decides (it is the evaluator's own
 * reading of its score); otherwise a score in [0, 1] against `threshold`; otherwise none (a score on
 * another scale with an unknown label says nothing Strata can read as correct or not).
 */
export function evaluationVerdict(attrs: Attributes, threshold: number): { correct: boolean; score: number | null; threshold: number | null } | null {
  const rawScore = asNumber(attrs[EVALUATION_SCORE_VALUE]);
  const score = rawScore !== null && rawScore >= 0 && rawScore <= 1 ? rawScore : null;
  const label = asString(attrs[EVALUATION_SCORE_LABEL])?.trim().toLowerCase();
  if (label !== undefined && PASSING_LABELS.has(label)) return { correct: true, score, threshold: null };
  if (label !== undefined && FAILING_LABELS.has(label)) return { correct: false, score, threshold: null };
  if (score !== null) return { correct: score >= threshold, score, threshold };
  return null;
}

function evaluationRecord(
  attrs: Attributes,
  timeUnixNano: bigint,
  ids: { traceId: string; spanId: string; responseId: string },
  threshold: number,
): FeedbackRecord | null {
  const verdict = evaluationVerdict(attrs, threshold);
  if (verdict === null) return null;
  return {
    timeUnixMs: Number(timeUnixNano / 1_000_000n),
    ...ids,
    ...verdict,
    source: EVALUATION_SOURCE,
    name: (asString(attrs[EVALUATION_NAME]) ?? '').slice(0, MAX_NAME_CHARS),
    comment: (asString(attrs[EVALUATION_EXPLANATION]) ?? '').slice(0, MAX_COMMENT_CHARS),
  };
}

/**
 * Feedback from `gen_ai.evaluation.result` span events. An event labels the span it is on; when it
 * names a different `gen_ai.response.id` than that span (an evaluator's own span reporting on another
 * response), it labels that response instead, within the same trace. Events without a readable verdict
 * are not feedback (they stay stored as span events).
 */
export function evaluationFeedbackFromSpans(spans: readonly SpanRecord[], threshold: number): FeedbackRecord[] {
  const out: FeedbackRecord[] = [];
  for (const span of spans) {
    for (const event of span.events) {
      if (event.name !== EVALUATION_EVENT) continue;
      const named = asString(event.attributes[RESPONSE_ID]);
      const own = span.genai.responseId ?? '';
      const ids = named !== null && named !== own ? { traceId: span.traceId, spanId: '', responseId: named } : { traceId: span.traceId, spanId: span.spanId, responseId: own };
      const r = evaluationRecord(event.attributes, event.timeUnixNano > 0n ? event.timeUnixNano : span.endTimeUnixNano, ids, threshold);
      if (r !== null && (r.spanId !== '' || r.responseId !== '')) out.push(r);
    }
  }
  return out;
}

/**
 * Feedback from `gen_ai.evaluation.result` events sent as log records (the OTel event API): the record's
 * trace and span ids say which span was evaluated, or its `gen_ai.response.id` attribute which response.
 */
export function evaluationFeedbackFromLogs(records: readonly LogRecord[], threshold: number): FeedbackRecord[] {
  const out: FeedbackRecord[] = [];
  for (const r of records) {
    if (r.eventName !== EVALUATION_EVENT) continue;
    const responseId = asString(r.attributes[RESPONSE_ID]) ?? '';
    if (r.spanId === '' && responseId === '') continue;
    const f = evaluationRecord(r.attributes, r.timeUnixNano > 0n ? r.timeUnixNano : r.observedTimeUnixNano, { traceId: r.traceId, spanId: r.spanId, responseId }, threshold);
    if (f !== null) out.push(f);
  }
  return out;
}
