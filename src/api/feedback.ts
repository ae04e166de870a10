/**
 * POST /api/feedback and POST /api/feedback/import: ground truth in, through the durable pipeline
 * (the WAL, then the store) like every other observation. Validation is feedback.ts's; a request with
 * an invalid item stores nothing and answers 400 with every item's reasons, unless `partial=true` asks
 * to keep the valid ones.
 */
import { parseFeedback, type FeedbackDefaults, type FeedbackRecord } from '../calibration/feedback.js';
import { importCsv, importJsonl, ImportFormatError, type ImportResult } from '../calibration/feedback-import.js';
import type { FeedbackIngest } from '../pipeline/ingest.js';
import { ApiError, type ApiRequest, type ApiResponse, type Handler } from './http.js';

export interface FeedbackApiDeps {
  readonly ingest: FeedbackIngest;
  /** calibration.feedback_threshold: `correct = score >= threshold` when an item names no threshold. */
  readonly threshold: number;
  /** storage.retention_days (0: forever): feedback dated before the horizon would expire at once. */
  readonly retentionDays: number;
  readonly now?: () => number;
}

/** Largest body of POST /api/feedback. */
export const MAX_FEEDBACK_BODY_BYTES = 4 * 1024 * 1024;
/** Largest body of POST /api/feedback/import. */
export const MAX_IMPORT_BODY_BYTES = 64 * 1024 * 1024;
/** Most items in one POST /api/feedback array. */
export const MAX_FEEDBACK_ITEMS = 10_000;
/** Most per-item errors listed in one answer; `errorCount` gives the total. */
export const MAX_LISTED_ERRORS = 100;

const JSONL_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines']);
const CSV_TYPES = new Set(['text/csv', 'application/csv']);

/** POST /api/feedback: one feedback object or an array of them (application/json). */
export function postFeedback(deps: FeedbackApiDeps): Handler {
  return async (req) => {
    const type = req.contentType ?? '';
    if (type !== '' && type !== 'application/json') throw new ApiError(415, `Content-Type: expected application/json, got ${type} (for JSON Lines or CSV, use /api/feedback/import)`);
    const partial = flag(req, 'partial');
    const text = (await readRequestBody(req, MAX_FEEDBACK_BODY_BYTES)).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new ApiError(400, `invalid JSON: ${(err as Error).message}`);
    }
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0) throw new ApiError(400, 'expected a feedback object or a non-empty array of them, got []');
    if (items.length > MAX_FEEDBACK_ITEMS) throw new ApiError(400, `at most ${MAX_FEEDBACK_ITEMS} feedback items per request, got ${items.length}`);
    const defaults = defaultsOf(deps);
    const records: FeedbackRecord[] = [];
    const errors: { index: number; errors: readonly string[] }[] = [];
    items.forEach((item, index) => {
      const r = parseFeedback(item, defaults);
      if (r.ok) records.push(r.record);
      else errors.push({ index, errors: r.errors });
    });
    if (errors.length > 0 && !partial) {
      const what = Array.isArray(body) ? `${errors.length} of ${items.length} feedback items are invalid` : 'the feedback is invalid';
      return refused(`${what}; nothing was stored (partial=true keeps the valid ones)`, errors);
    }
    return store(deps, records, { rejected: errors.length, errors });
  };
}

/**
 * POST /api/feedback/import: JSON Lines (application/x-ndjson) or CSV with a header row (text/csv),
 * or `format=jsonl|csv`; `source=` names the source of lines that give none (default `import`).
 */
export function importFeedback(deps: FeedbackApiDeps): Handler {
  return async (req) => {
    const type = req.contentType ?? '';
    const format = req.query.get('format') ?? (JSONL_TYPES.has(type) ? 'jsonl' : CSV_TYPES.has(type) ? 'csv' : null);
    if (format !== 'jsonl' && format !== 'csv')
      throw new ApiError(
        req.query.has('format') ? 400 : 415,
        req.query.has('format')
          ? `format: expected jsonl or csv, got ${JSON.stringify(format)}`
          : `Content-Type: expected application/x-ndjson (JSON Lines) or text/csv, got ${type || 'none'}`,
      );
    const source = req.query.get('source');
    if (source !== null && (source === '' || source.length > 64)) throw new ApiError(400, 'source: expected 1 to 64 characters');
    const partial = flag(req, 'partial');
    const text = (await readRequestBody(req, MAX_IMPORT_BODY_BYTES)).toString('utf8');
    const defaults = { ...defaultsOf(deps), source: source ?? undefined };
    let result: ImportResult;
    try {
      result = format === 'csv' ? importCsv(text, defaults) : importJsonl(text, defaults);
    } catch (err) {
      if (err instanceof ImportFormatError) throw new ApiError(400, err.message);
      throw err;
    }
    if (result.lines === 0) throw new ApiError(400, `no feedback lines in the ${format === 'csv' ? 'CSV (after the header)' : 'body'}`);
    if (result.errors.length > 0 && !partial)
      return refused(`${result.errors.length} of ${result.lines} lines are invalid; nothing was stored (partial=true keeps the valid ones)`, result.errors);
    return store(deps, result.records, { lines: result.lines, rejected: result.errors.length, errors: result.errors });
  };
}

function readRequestBody(req: ApiRequest, maxBytes: number): Promise<Buffer> {
  if (req.body === undefined) throw new ApiError(400, 'the request has no body');
  return req.body(maxBytes);
}

function defaultsOf(deps: FeedbackApiDeps): FeedbackDefaults {
  const nowMs = (deps.now ?? Date.now)();
  return { threshold: deps.threshold, nowMs, minTimeMs: deps.retentionDays > 0 ? nowMs - deps.retentionDays * 86_400_000 : undefined };
}

function flag(req: ApiRequest, name: string): boolean {
  const v = req.query.get(name);
  if (v === null || v === 'false' || v === '0') return false;
  if (v === '' || v === 'true' || v === '1') return true;
  throw new ApiError(400, `${name}: expected true or false, got ${JSON.stringify(v)}`);
}

function refused(error: string, errors: readonly unknown[]): ApiResponse {
  return { status: 400, body: { error, errorCount: errors.length, errors: errors.slice(0, MAX_LISTED_ERRORS) } };
}

/** Hands the records to the pipeline and answers as OTLP receivers do: 202 when in the WAL, else retry or refuse. */
function store(deps: FeedbackApiDeps, records: readonly FeedbackRecord[], extra: { lines?: number; rejected: number; errors: readonly unknown[] }): ApiResponse {
  const outcome = deps.ingest.feedback(records);
  if (!outcome.accepted) {
    if ('tooLarge' in outcome) throw new ApiError(413, outcome.tooLarge);
    return { status: 503, body: { error: 'the ingest queue is full; retry later' }, headers: { 'Retry-After': String(outcome.retryAfterSeconds) } };
  }
  let correct = 0;
  for (const r of records) if (r.correct) correct++;
  return {
    status: 202,
    body: {
      ...(extra.lines !== undefined ? { lines: extra.lines } : {}),
      accepted: records.length,
      correct,
      incorrect: records.length - correct,
      rejected: extra.rejected,
      errors: extra.errors.slice(0, MAX_LISTED_ERRORS),
    },
  };
}
