import { describe, expect, it } from 'vitest';
import type { FeedbackRecord } from '../calibration/feedback.js';
import type { FeedbackIngest, IngestOutcome } from '../pipeline/ingest.js';
import { ApiError, type ApiRequest, type ApiResponse } from './http.js';
import { importFeedback, MAX_LISTED_ERRORS, postFeedback } from './feedback.js';

const NOW = Date.parse('2026-12-03T14:00:00Z');
const TRACE = '5b8efff798038103d269b633813fc60c';

function sink(outcome?: IngestOutcome): FeedbackIngest & { got: FeedbackRecord[][] } {
  const got: FeedbackRecord[][] = [];
  return { got, feedback: (r) => (got.push([...r]), outcome ?? { accepted: true, count: r.length }) };
}

function request(body: string, contentType = 'application/json', query = ''): ApiRequest {
  return {
    method: 'POST',
    path: '/api/feedback',
    query: new URLSearchParams(query),
    params: {},
    signal: new AbortController().signal,
    authorized: true,
    contentType,
    body: async (max) => {
      if (Buffer.byteLength(body) > max) throw new ApiError(413, 'too large');
      return Buffer.from(body);
    },
  };
}

async function call(handler: (r: ApiRequest) => Promise<ApiResponse>, req: ApiRequest): Promise<ApiResponse> {
  try {
    return await handler(req);
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, body: { error: err.message } };
    throw err;
  }
}

const deps = (ingest: FeedbackIngest) => ({ ingest, threshold: 0.5, retentionDays: 30, now: () => NOW });

describe('POST /api/feedback', () => {
  it('accepts one object or an array, and answers 202 with counts', async () => {
    const ingest = sink();
    const one = await call(postFeedback(deps(ingest)), request(JSON.stringify({ response_id: 'r1', score: 0.9 })));
    expect(one).toEqual({ status: 202, body: { accepted: 1, correct: 1, incorrect: 0, rejected: 0, errors: [] } });
    const many = await call(postFeedback(deps(ingest)), request(JSON.stringify([{ trace_id: TRACE, correct: false }, { response_id: 'r2', correct: true, source: 'labelers' }]), 'application/json'));
    expect(many.body).toEqual({ accepted: 2, correct: 1, incorrect: 1, rejected: 0, errors: [] });
    expect(ingest.got.flat().map((r) => [r.responseId || r.traceId, r.correct, r.source, r.timeUnixMs])).toEqual([
      ['r1', true, 'api', NOW],
      [TRACE, false, 'api', NOW],
      ['r2', true, 'labelers', NOW],
    ]);
  });

  it('stores nothing when an item is invalid, listing every item’s reasons; partial=true keeps the valid ones', async () => {
    const ingest = sink();
    const body = JSON.stringify([{ response_id: 'r1', correct: true }, { response_id: 'r2' }, { trace_id: 'xyz', correct: 'yes' }]);
    const refused = await call(postFeedback(deps(ingest)), request(body));
    expect(refused).toEqual({
      status: 400,
      body: {
        error: '2 of 3 feedback items are invalid; nothing was stored (partial=true keeps the valid ones)',
        errorCount: 2,
        errors: [
          { index: 1, errors: ['correct or score: one is required (correct: true/false, or score in [0, 1])'] },
          { index: 2, errors: ['trace_id: expected 32 hex characters, got "xyz"', 'correct: expected true or false, got "yes"'] },
        ],
      },
    });
    expect(ingest.got).toEqual([]);
    const partial = await call(postFeedback(deps(ingest)), request(body, 'application/json', 'partial=true'));
    expect(partial.status).toBe(202);
    expect(partial.body).toMatchObject({ accepted: 1, rejected: 2, errors: [{ index: 1 }, { index: 2 }] });
    expect(ingest.got.flat()).toHaveLength(1);
  });

  it('answers bad input with a 4xx that says what is wrong, never a crash', async () => {
    const h = postFeedback(deps(sink()));
    expect(await call(h, request('{"response_id":'))).toEqual({ status: 400, body: { error: expect.stringMatching(/^invalid JSON: /) } });
    expect(await call(h, request('[]'))).toEqual({ status: 400, body: { error: 'expected a feedback object or a non-empty array of them, got []' } });
    expect(await call(h, request('42'))).toMatchObject({ status: 400, body: { error: 'the feedback is invalid; nothing was stored (partial=true keeps the valid ones)', errors: [{ index: 0, errors: ['expected a JSON object, got 42'] }] } });
    expect(await call(h, request('null'))).toMatchObject({ status: 400, body: { errors: [{ index: 0, errors: ['expected a JSON object, got null'] }] } });
    expect(await call(h, request('{}', 'text/plain'))).toMatchObject({ status: 415, body: { error: expect.stringContaining('expected application/json, got text/plain') } });
    expect(await call(h, request('{}', 'application/json', 'partial=maybe'))).toEqual({ status: 400, body: { error: 'partial: expected true or false, got "maybe"' } });
    const tooMany = JSON.stringify(Array.from({ length: 10_001 }, () => ({})));
    expect(await call(h, request(tooMany))).toEqual({ status: 400, body: { error: 'at most 10000 feedback items per request, got 10001' } });
    const many = await call(h, request(JSON.stringify(Array.from({ length: 150 }, () => ({ response_id: 'r' })))));
    expect(many.body).toMatchObject({ errorCount: 150 });
    expect((many.body as { errors: unknown[] }).errors).toHaveLength(MAX_LISTED_ERRORS);
    expect(await call(h, request(JSON.stringify({ response_id: 'r', correct: true, time: '2020-01-01T00:00:00Z' })))).toMatchObject({
      status: 400,
      body: { errors: [{ index: 0, errors: [expect.stringContaining('older than the retention')] }] },
    });
  });

  it('answers 503 with Retry-After when the pipeline is full, 413 when it can never take it', async () => {
    const busy = await call(postFeedback(deps(sink({ accepted: false, retryAfterSeconds: 2 }))), request('{"response_id":"r","correct":true}'));
    expect(busy).toEqual({ status: 503, body: { error: 'the ingest queue is full; retry later' }, headers: { 'Retry-After': '2' } });
    const huge = await call(postFeedback(deps(sink({ accepted: false, tooLarge: 'too big' }))), request('{"response_id":"r","correct":true}'));
    expect(huge).toEqual({ status: 413, body: { error: 'too big' } });
  });
});

describe('POST /api/feedback/import', () => {
  it('imports JSON Lines and CSV by content type, or by format=', async () => {
    const ingest = sink();
    const jsonl = await call(importFeedback(deps(ingest)), request('{"response_id":"r1","correct":true}\n\n{"response_id":"r2","score":0.1}\n', 'application/x-ndjson'));
    expect(jsonl).toEqual({ status: 202, body: { lines: 2, accepted: 2, correct: 1, incorrect: 1, rejected: 0, errors: [] } });
    const csv = await call(importFeedback(deps(ingest)), request('response_id,correct\nr3,yes\n', 'text/csv', 'source=labelers'));
    expect(csv.body).toMatchObject({ lines: 1, accepted: 1 });
    const byFormat = await call(importFeedback(deps(ingest)), request('response_id,correct\nr4,no\n', 'application/octet-stream', 'format=csv'));
    expect(byFormat.status).toBe(202);
    expect(ingest.got.flat().map((r) => [r.responseId, r.correct, r.source])).toEqual([
      ['r1', true, 'import'],
      ['r2', false, 'import'],
      ['r3', true, 'labelers'],
      ['r4', false, 'import'],
    ]);
  });

  it('reports bad lines by number and stores nothing unless partial=true', async () => {
    const ingest = sink();
    const text = 'response_id,correct,score\nr1,true,\nr2,,2\nr3,,x\nr4,false,\n';
    const refused = await call(importFeedback(deps(ingest)), request(text, 'text/csv'));
    expect(refused).toEqual({
      status: 400,
      body: {
        error: '2 of 4 lines are invalid; nothing was stored (partial=true keeps the valid ones)',
        errorCount: 2,
        errors: [
          { line: 3, errors: ['score: expected a number in [0, 1], got 2'] },
          { line: 4, errors: ['score: expected a number, got "x"'] },
        ],
      },
    });
    expect(ingest.got).toEqual([]);
    const partial = await call(importFeedback(deps(ingest)), request(text, 'text/csv', 'partial=1'));
    expect(partial).toMatchObject({ status: 202, body: { lines: 4, accepted: 2, rejected: 2, errors: [{ line: 3 }, { line: 4 }] } });
    expect(ingest.got.flat().map((r) => r.responseId)).toEqual(['r1', 'r4']);
  });

  it('refuses an unknown format, an unusable header and an empty body', async () => {
    const h = importFeedback(deps(sink()));
    expect(await call(h, request('x', 'application/json'))).toEqual({ status: 415, body: { error: 'Content-Type: expected application/x-ndjson (JSON Lines) or text/csv, got application/json' } });
    expect(await call(h, request('x', 'text/csv', 'format=xml'))).toEqual({ status: 400, body: { error: 'format: expected jsonl or csv, got "xml"' } });
    expect(await call(h, request('id,ok\n1,true\n', 'text/csv'))).toMatchObject({ status: 400, body: { error: expect.stringContaining('header: unknown column "id"') } });
    expect(await call(h, request('response_id,correct\n', 'text/csv'))).toEqual({ status: 400, body: { error: 'no feedback lines in the CSV (after the header)' } });
    expect(await call(h, request('\n\n', 'application/x-ndjson'))).toEqual({ status: 400, body: { error: 'no feedback lines in the body' } });
    expect(await call(h, request('x', 'text/csv', 'source='))).toEqual({ status: 400, body: { error: 'source: expected 1 to 64 characters' } });
  });
});
