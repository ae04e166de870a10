import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFeedback } from '../pipeline/encode.js';
import { createChdbStore } from '../storage/chdb-store.js';
import { migrate } from '../storage/migrate.js';
import type { Store } from '../storage/types.js';
import type { FeedbackRecord } from './feedback.js';
import { queryLabelled, storeSpanLookup } from './labelled.js';

const DB = 'labelled_test';
const dir = mkdtempSync(join(tmpdir(), 'strata-labelled-'));
let store: Store;
const NOW_MS = Date.now();
const MIN = 60_000;

const t = (n: number) => n.toString(16).padStart(32, '0');
const s = (n: number) => n.toString(16).padStart(16, '0');

interface SpanSpec {
  trace: number;
  span: number;
  responseId?: string;
  confidence: number | null;
  calibrated?: number | null;
  model?: string;
  responseModel?: string;
  service?: string;
  route?: string;
  entities?: string[];
  /** Start, minutes before now. */
  ago?: number;
  /** Duration, ms. */
  durationMs?: number;
}

async function insertSpans(specs: SpanSpec[]): Promise<void> {
  const values = specs.map((p) => {
    const start = BigInt(NOW_MS - (p.ago ?? 10) * MIN) * 1_000_000n;
    const end = start + BigInt(p.durationMs ?? 1000) * 1_000_000n;
    const q = (v: string) => `'${v.replace(/'/g, "\\'")}'`;
    return `(${q(t(p.trace))}, ${q(s(p.span))}, fromUnixTimestamp64Nano(${start}), fromUnixTimestamp64Nano(${end}), ${q(p.responseId ?? '')}, ${
      p.confidence === null ? 'NULL' : p.confidence
    }, ${p.calibrated ?? 'NULL'}, ${q(p.model ?? 'm1')}, ${q(p.responseModel ?? p.model ?? 'm1')}, ${q(p.service ?? 'app')}, ${q(
      p.route ? JSON.stringify({ 'strata.gateway.route': p.route }) : '{}',
    )}, [${(p.entities ?? []).map(q).join(',')}])`;
  });
  await store.exec(
    `INSERT INTO ${DB}.spans (trace_id, span_id, start_time, end_time, response_id, confidence, confidence_calibrated, model, response_model, service, attributes, entities) VALUES ${values.join(', ')}`,
  );
}

function fb(over: Partial<FeedbackRecord>): FeedbackRecord {
  return { timeUnixMs: NOW_MS, traceId: '', spanId: '', responseId: '', correct: true, score: null, threshold: null, source: 'test', name: '', comment: '', ...over };
}

let token = 0;
async function insertFeedback(records: FeedbackRecord[]): Promise<void> {
  await store.insert('feedback', [encodeFeedback(records).feedback!], { format: 'JSONEachRow' }, `fb-${token++}`);
}

beforeAll(async () => {
  store = createChdbStore(dir, DB);
  await migrate(store, DB);
  await insertSpans([
    // A and E: one response (R1) seen by the application and by the gateway.
    { trace: 1, span: 1, responseId: 'R1', confidence: 0.9, calibrated: 0.8, entities: ['replica:r1', 'gpu:g1', 'gpu:g2', 'model:m1'], route: 'm*' },
    { trace: 4, span: 5, responseId: 'R1', confidence: 0.9, entities: ['replica:gw'] },
    // B: the last answer of trace 1, labelled by trace id alone.
    { trace: 1, span: 2, confidence: 0.6, durationMs: 5000, entities: ['replica:r1'] },
    // C, stored twice (a client retry).
    { trace: 2, span: 3, responseId: 'R3', confidence: 0.3, model: 'm2', entities: ['replica:r2'] },
    { trace: 2, span: 3, responseId: 'R3', confidence: 0.3, model: 'm2', entities: ['replica:r2'] },
    // F: no feedback; G: feedback but no confidence; H: days old, labelled late.
    { trace: 5, span: 6, responseId: 'R6', confidence: 0.5 },
    { trace: 6, span: 7, responseId: 'R7', confidence: null },
    { trace: 7, span: 8, responseId: 'R8', confidence: 0.2, ago: 3 * 24 * 60, service: 'batch' },
    // Trace 8: an m1 step, then the final m2 answer; feedback by trace id labels the final answer only.
    { trace: 8, span: 9, confidence: 0.55, model: 'm1', durationMs: 100 },
    { trace: 8, span: 10, confidence: 0.45, model: 'm2', durationMs: 9000 },
  ]);
  await insertFeedback([
    fb({ responseId: 'R1', correct: false, timeUnixMs: NOW_MS - 2 * MIN }),
    fb({ responseId: 'R1', correct: true, timeUnixMs: NOW_MS - MIN }),
    fb({ traceId: t(1), correct: false }),
    fb({ traceId: t(2), spanId: s(3), correct: true, timeUnixMs: NOW_MS - MIN }),
    fb({ responseId: 'R7', correct: true }),
    fb({ responseId: 'nope', correct: true }),
    fb({ spanId: s(8), correct: false }),
    fb({ traceId: t(8), correct: true }),
  ]);
  // Older by its own time, though it arrives later: the earlier verdict stays.
  await insertFeedback([fb({ responseId: 'R3', correct: false, timeUnixMs: NOW_MS - 5 * MIN })]);
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('queryLabelled', () => {
  it('joins each response with its latest feedback, by span id, response id or trace id', async () => {
    const { rows, truncated } = await queryLabelled(store, DB, {});
    expect(truncated).toBe(false);
    expect(sorted(rows.map((r) => [r.confidence, r.correct]))).toEqual(sorted([[0.9, 1], [0.6, 0], [0.3, 1], [0.2, 0], [0.45, 1]]));
  });

  it('filters by model and time, and returns slice keys (one per GPU)', async () => {
    const fromNs = BigInt(NOW_MS - 60 * MIN) * 1_000_000n;
    const m1 = await queryLabelled(store, DB, { model: 'm1', fromNs, slice: 'gpu' });
    const byConf = new Map(m1.rows.map((r) => [r.confidence, r]));
    expect(m1.rows).toHaveLength(2);
    expect(byConf.get(0.6)!.keys).toEqual(['']);
    // R1 counts once, through one of its two spans.
    expect([['g1', 'g2'], ['']]).toContainEqual([...byConf.get(0.9)!.keys].sort());
    const old = await queryLabelled(store, DB, { toNs: fromNs, slice: 'service' });
    expect(old.rows).toEqual([{ confidence: 0.2, calibrated: null, correct: 0, keys: ['batch'] }]);
    const m2 = await queryLabelled(store, DB, { model: 'm2', slice: 'replica' });
    expect(sorted(m2.rows)).toEqual(sorted([{ confidence: 0.3, calibrated: null, correct: 1, keys: ['r2'] }, { confidence: 0.45, calibrated: null, correct: 1, keys: [''] }]));
  });

  it('reports truncation past the limit', async () => {
    const { rows, truncated } = await queryLabelled(store, DB, { limit: 2 });
    expect(rows).toHaveLength(2);
    expect(truncated).toBe(true);
  });

  it('slices by time window', async () => {
    const { rows } = await queryLabelled(store, DB, { slice: 'window', windowSeconds: 86_400 });
    for (const r of rows) expect(r.keys[0]).toMatch(/^\d{4}-\d\d-\d\dT00:00:00Z$/);
  });
});

describe('storeSpanLookup', () => {
  it('finds the labelled span by trace and span id, response id, or trace id alone', async () => {
    const lookup = storeSpanLookup(store, DB);
    const found = await lookup([
      fb({ traceId: t(2), spanId: s(3) }),
      fb({ responseId: 'R3' }),
      fb({ traceId: t(1) }),
      fb({ spanId: s(8) }),
      fb({ responseId: 'nope' }),
      fb({ responseId: 'R7' }),
      fb({ traceId: t(9), spanId: s(3) }),
    ]);
    expect(found.map((f) => f && [f.traceId, f.spanId, f.confidence])).toEqual([
      [t(2), s(3), 0.3],
      [t(2), s(3), 0.3],
      [t(1), s(2), 0.6],
      [t(7), s(8), 0.2],
      null,
      null,
      null,
    ]);
    const [a] = await lookup([fb({ traceId: t(1), spanId: s(1) })]);
    expect(a!.slices).toEqual([
      { slice: 'model', key: 'm1' },
      { slice: 'model_version', key: 'm1' },
      { slice: 'route', key: 'm*' },
      { slice: 'service', key: 'app' },
      { slice: 'replica', key: 'r1' },
      { slice: 'gpu', key: 'g1' },
      { slice: 'gpu', key: 'g2' },
    ]);
  });
});
