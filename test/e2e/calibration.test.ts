/**
 * Ground truth end to end: chat completions go through the gateway to two vLLM-like replicas that
 * return token logprobs, so each stored span carries a confidence; feedback arrives later over
 * `POST /api/feedback` (by response id and by trace id, one verdict revised), and
 * `GET /api/calibration?model=…&slice=replica` answers exactly the ECE computed here, independently,
 * from the stored confidences and the labels. Then a recalibration map is fitted, new responses carry
 * a calibrated confidence, and the API reports both. Bad feedback and bad import lines get 400s that
 * say why; an OTel evaluation event becomes feedback on its own.
 *
 * One in-process Strata (one chDB data directory) serves the whole file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { OpenAiReplica } from '../../src/sim/openai-replica.js';
import { Strata, type StrataPorts } from '../../src/strata.js';
import { tempDir } from '../helpers/cli.js';
import { getJson, getOk, post } from '../helpers/http.js';
import { keyValues, nowNanos, randomSpanId, randomTraceId } from '../helpers/otlp.js';
import { pollUntil } from '../helpers/poll.js';

const MODEL = 'sim-7b';
const replicas = [new OpenAiReplica({ model: MODEL }), new OpenAiReplica({ model: MODEL })];
/** Answers of different tokens: the replica's logprobs depend on the token, so confidences differ. */
const ANSWERS = [['Yes', '.'], ['The', ' answer', ' is', ' 42', '.'], ['No'], ['Paris', ',', ' France'], ['4'], ['It', ' depends']];

let strata: Strata;
let ports: StrataPorts;
let api: string;
let gateway: string;
let replicaIds: string[];
let cleanup: () => void;
const serverLog: string[] = [];

beforeAll(async () => {
  const replicaPorts = await Promise.all(replicas.map((r) => r.start()));
  replicaIds = replicaPorts.map((p) => `127.0.0.1:${p}`);
  const tmp = tempDir('strata-e2e-calibration-');
  cleanup = tmp.cleanup;
  const file = join(tmp.dir, 'strata.yaml');
  writeFileSync(
    file,
    [
      'gateway:',
      '  routes:',
      '    - model: "sim-*"',
      `      upstreams: [${replicaPorts.map((p) => `"http://127.0.0.1:${p}/v1"`).join(', ')}]`,
      'calibration:',
      '  drift: { window: 10, min_labelled: 5, threshold: 0.1 }',
      '  recalibration: { method: none, min_labelled: 10 }',
      '',
    ].join('\n'),
  );
  const config = loadConfig({
    file,
    env: {},
    flags: { 'data-dir': join(tmp.dir, 'data'), port: '0', 'otlp-http-port': '0', 'otlp-grpc-port': '0', 'gateway-port': '0', 'retention-days': '0' },
  });
  strata = new Strata(config, (m) => serverLog.push(m));
  ports = await strata.start();
  api = `http://127.0.0.1:${ports.api}`;
  gateway = `http://127.0.0.1:${ports.gateway}/v1`;
}, 60_000);

afterAll(async () => {
  await strata?.stop();
  for (const r of replicas) await r.stop();
  cleanup?.();
});

// ------------------------------------------------------------------ helpers

interface StoredSpan {
  trace_id: string;
  span_id: string;
  response_id: string;
  confidence: number | null;
  confidence_calibrated: number | null;
  entities: string[];
}

/** Chat completions through the gateway, each with its own prompt and answer. */
async function ask(prompts: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, prompt] of prompts.entries()) {
    for (const r of replicas) r.behaviour = { ...r.behaviour, answer: ANSWERS[i % ANSWERS.length] };
    const res = await fetch(`${gateway}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: prompt }] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; choices: { logprobs?: unknown }[] };
    expect(body.choices[0].logprobs ?? null).toBeNull(); // asked upstream on the client's behalf, taken back out
    ids.push(body.id);
  }
  return ids;
}

/** The stored spans of these responses, once all are queryable. */
async function stored(responseIds: readonly string[]): Promise<StoredSpan[]> {
  return pollUntil(
    async () => {
      await strata.flushed();
      const rows = await strata.storage!.query<StoredSpan>(
        'SELECT trace_id, span_id, response_id, confidence, confidence_calibrated, entities FROM strata.spans WHERE response_id IN {ids:Array(String)} ORDER BY response_id',
        { ids: [...responseIds] },
      );
      return rows.length === responseIds.length ? rows : null;
    },
    { timeoutMs: 20_000, what: 'the gateway spans' },
  );
}

/** Equal-width ECE written out here, apart from src/calibration: bin k holds k/B <= c < (k+1)/B (the last also 1). */
function binOf(c: number, bins = 10): number {
  let k = 0;
  for (let i = 1; i < bins; i++) if (c >= i * (1 / bins)) k = i;
  return k;
}

function ece(pairs: readonly (readonly [number, 0 | 1])[], bins = 10): number {
  const n = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const hit = new Array<number>(bins).fill(0);
  for (const [c, y] of pairs) {
    const k = binOf(c, bins);
    n[k]++;
    conf[k] += c;
    hit[k] += y;
  }
  let sum = 0;
  for (let k = 0; k < bins; k++) if (n[k] > 0) sum += (n[k] / pairs.length) * Math.abs(hit[k] / n[k] - conf[k] / n[k]);
  return sum;
}

const postJson = (path: string, body: unknown, query = '') =>
  post(`${api}${path}${query}`, JSON.stringify(body), { headers: { 'content-type': 'application/json' } }).then((r) => ({ status: r.status, body: JSON.parse(r.body.toString()) }));

/** The label of the i-th response (by response id). */
const label = (i: number): 0 | 1 => ((i * 7) % 3 === 0 ? 0 : 1);

// ------------------------------------------------------------------ tests

describe('feedback and calibration through the gateway', () => {
  let spans: StoredSpan[];

  it('stores a confidence with every gateway span', async () => {
    const ids = await ask(Array.from({ length: 24 }, (_, i) => `question ${i}`));
    expect(new Set(ids).size).toBe(24);
    spans = await stored(ids);
    for (const s of spans) {
      expect(s.confidence).toEqual(expect.any(Number));
      expect(s.confidence! > 0 && s.confidence! <= 1).toBe(true);
      expect(s.confidence_calibrated).toBeNull();
    }
    expect(new Set(spans.map((s) => s.confidence)).size).toBeGreaterThan(3);
    expect(new Set(spans.flatMap((s) => s.entities.filter((e) => e.startsWith('replica:'))))).toEqual(new Set(replicaIds.map((r) => `replica:${r}`)));
  }, 60_000);

  it('takes feedback later, by response id and by trace id, and answers the ECE computed from the stored data', async () => {
    // One verdict is revised: the earlier one (by its time) loses.
    const first = spans[0];
    const revised = await postJson('/api/feedback', { response_id: first.response_id, correct: label(0) === 0, time: new Date(Date.now() - 60_000).toISOString() });
    expect(revised).toEqual({ status: 202, body: { accepted: 1, correct: label(0) === 0 ? 1 : 0, incorrect: label(0) === 0 ? 0 : 1, rejected: 0, errors: [] } });
    const items = spans.map((s, i) =>
      i % 2 === 0 ? { response_id: s.response_id, correct: label(i) === 1, source: 'e2e' } : { trace_id: s.trace_id, score: label(i) === 1 ? 0.9 : 0.1, comment: `by trace ${i}` },
    );
    const accepted = await postJson('/api/feedback', items);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ accepted: 24, rejected: 0 });
    await strata.flushed();

    const report = await getOk(`${api}/api/calibration?model=${MODEL}&slice=replica&resamples=0`);
    const pairs = spans.map((s, i) => [s.confidence!, label(i)] as const);
    expect(report.n).toBe(24);
    expect(report.truncated).toBe(false);
    expect(report.slice).toBe('replica');
    expect(report.overall.n).toBe(24);
    expect(report.overall.accuracy).toBeCloseTo(pairs.filter(([, y]) => y === 1).length / 24, 12);
    expect(report.overall.ece).toBeCloseTo(ece(pairs), 12);
    expect(report.overall.brier).toBeCloseTo(pairs.reduce((a, [c, y]) => a + (c - y) ** 2, 0) / 24, 12);
    expect(report.overall.recalibrated).toBeNull();
    expect(report.overall.intervals).toBeNull();
    expect(report.overall.bins).toHaveLength(10);
    expect(report.slices.map((s: { key: string }) => s.key)).toEqual([...replicaIds].sort());
    for (const slice of report.slices) {
      const mine = spans.map((s, i) => [s, pairs[i]] as const).filter(([s]) => s.entities.includes(`replica:${slice.key}`));
      expect(slice.n).toBe(mine.length);
      expect(slice.ece).toBeCloseTo(ece(mine.map(([, p]) => p)), 12);
      expect(slice.bins.reduce((a: number, b: { count: number }) => a + b.count, 0)).toBe(mine.length);
    }
    // Bootstrap intervals by default; another bin count on request.
    const withIntervals = await getOk(`${api}/api/calibration?model=${MODEL}&bins=5`);
    expect(withIntervals.overall.ece).toBeCloseTo(ece(pairs, 5), 12);
    expect(withIntervals.overall.intervals.ece.low).toBeLessThanOrEqual(withIntervals.overall.intervals.ece.high);
    expect(withIntervals.slices).toEqual([]);
  }, 60_000);

  it('follows each slice on the stream: the drift detector has seen every label', async () => {
    const drift = await pollUntil(
      async () => {
        const d = await getOk(`${api}/api/calibration/drift?slice=replica`);
        return d.stats.matched >= 25 ? d : null;
      },
      { timeoutMs: 20_000, what: 'the drift detector' },
    );
    expect(drift.settings).toEqual({ window: 10, minLabelled: 5, threshold: 0.1, bins: 10 });
    expect(drift.slices.map((s: { entity: string }) => s.entity).sort()).toEqual(replicaIds.map((r) => `replica:${r}`).sort());
    expect(drift.slices.reduce((a: number, s: { labelled: number }) => a + s.labelled, 0)).toBe(25);
    for (const s of drift.slices) expect(s.baseline.n).toBe(5);
  }, 30_000);

  it('fits a recalibration map; new responses carry raw and calibrated confidence, and both are reported', async () => {
    const fit = await post(`${api}/api/calibration/fit?model=${MODEL}&method=histogram`, '');
    expect(fit.status).toBe(200);
    const map = JSON.parse(fit.body.toString());
    expect(map).toMatchObject({ slice: `model:${MODEL}`, method: 'histogram', n: 24, nHeldOut: 7, nFit: 17 });
    expect(typeof map.eceBefore).toBe('number');
    expect((await getOk(`${api}/api/calibration/maps`)).maps).toEqual([expect.objectContaining({ slice: `model:${MODEL}`, method: 'histogram' })]);

    const ids = await ask(['later 0', 'later 1', 'later 2', 'later 3']);
    const fresh = await stored(ids);
    const values = (map.map.params as { values: number[] }).values;
    for (const s of fresh) expect(s.confidence_calibrated).toBeCloseTo(values[binOf(s.confidence!)], 12);
    const labels: (0 | 1)[] = [1, 0, 1, 1];
    expect((await postJson('/api/feedback', fresh.map((s, i) => ({ response_id: s.response_id, correct: labels[i] === 1 })))).status).toBe(202);
    await strata.flushed();
    const report = await getOk(`${api}/api/calibration?model=${MODEL}&resamples=0`);
    expect(report.overall.n).toBe(28);
    expect(report.overall.recalibrated.n).toBe(4);
    expect(report.overall.recalibrated.ece).toBeCloseTo(ece(fresh.map((s, i) => [s.confidence_calibrated!, labels[i]] as const)), 12);
    expect(report.overall.recalibrated.rawEce).toBeCloseTo(ece(fresh.map((s, i) => [s.confidence!, labels[i]] as const)), 12);
  }, 60_000);
});

describe('feedback: bad input is answered, never a crash', () => {
  it('refuses bad feedback with reasons', async () => {
    const bad = await postJson('/api/feedback', [{ response_id: 'x', correct: true }, { trace_id: 'not-hex', score: 2 }, { comment: 'no id' }]);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('2 of 3 feedback items are invalid; nothing was stored (partial=true keeps the valid ones)');
    expect(bad.body.errors).toEqual([
      { index: 1, errors: ['trace_id: expected 32 hex characters, got "not-hex"', 'score: expected a number in [0, 1], got 2'] },
      {
        index: 2,
        errors: ['trace_id, span_id or response_id: at least one is required to say which response the feedback is about', 'correct or score: one is required (correct: true/false, or score in [0, 1])'],
      },
    ]);
    const notJson = await post(`${api}/api/feedback`, '{"response_id": "x", correct: true}', { headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body.toString()).error).toMatch(/^invalid JSON: /);
    const wrongType = await post(`${api}/api/feedback`, 'response_id=x', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(wrongType.status).toBe(415);
    const tooBig = await post(`${api}/api/feedback`, Buffer.alloc(5 * 1024 * 1024, 32), { headers: { 'content-type': 'application/json' } });
    expect(tooBig.status).toBe(413);
    expect((await getJson(`${api}/api/feedback`)).status).toBe(405);
    expect((await getJson(`${api}/api/calibration?slice=colour`)).body).toEqual({ error: 'slice: expected one of model, model_version, route, replica, host, gpu, service, window, got "colour"' });
    expect((await getJson(`${api}/api/calibration?bins=0`)).status).toBe(400);
    expect((await getJson(`${api}/api/calibration?window=soon`)).body.error).toMatch(/^window: expected a duration/);
    expect((await post(`${api}/api/calibration/fit?method=platt`, '')).status).toBe(400);
    const few = await post(`${api}/api/calibration/fit?model=nobody&method=platt`, '');
    expect(few.status).toBe(400);
    expect(JSON.parse(few.body.toString()).error).toMatch(/^model:nobody has 0 labelled response\(s\)/);
    // Still serving.
    expect((await getJson(`${api}/api/health`)).status).toBe(200);
  });

  it('imports CSV, reporting bad lines by number', async () => {
    const csv = ['response_id,correct,score,comment', 'a-1,true,,"fine, really"', 'a-2,perhaps,,', 'a-3,,1.5,', ',,,', 'a-5,0,,'].join('\n');
    const refused = await post(`${api}/api/feedback/import`, csv, { headers: { 'content-type': 'text/csv' } });
    expect(refused.status).toBe(400);
    const body = JSON.parse(refused.body.toString());
    expect(body.error).toBe('3 of 5 lines are invalid; nothing was stored (partial=true keeps the valid ones)');
    expect(body.errors.map((e: { line: number }) => e.line)).toEqual([3, 4, 5]);
    expect(body.errors[0].errors).toEqual(['correct: expected true/false, 1/0 or yes/no, got "perhaps"']);
    const partial = await post(`${api}/api/feedback/import?partial=true&source=labelers`, csv, { headers: { 'content-type': 'text/csv' } });
    expect(partial.status).toBe(202);
    expect(JSON.parse(partial.body.toString())).toMatchObject({ lines: 5, accepted: 2, rejected: 3 });
    const jsonl = await post(`${api}/api/feedback/import`, '{"response_id":"b-1","correct":true}\n{"response_id":"b-2",\n', { headers: { 'content-type': 'application/x-ndjson' } });
    expect(jsonl.status).toBe(400);
    expect(JSON.parse(jsonl.body.toString()).errors).toEqual([{ line: 2, errors: [expect.stringMatching(/^invalid JSON/)] }]);
    const header = await post(`${api}/api/feedback/import`, 'id,ok\n1,1\n', { headers: { 'content-type': 'text/csv' } });
    expect(header.status).toBe(400);
    expect(JSON.parse(header.body.toString()).error).toMatch(/^header: unknown column "id"/);
    await strata.flushed();
    const rows = await strata.storage!.query<{ response_id: string; source: string; comment: string }>(
      "SELECT response_id, source, comment FROM strata.feedback WHERE response_id LIKE 'a-%' ORDER BY response_id",
    );
    expect(rows).toEqual([
      { response_id: 'a-1', source: 'labelers', comment: 'fine, really' },
      { response_id: 'a-5', source: 'labelers', comment: '' },
    ]);
  });
});

describe('OTel evaluation events', () => {
  it('become feedback for the span that carries them', async () => {
    const traceId = randomTraceId();
    const start = nowNanos();
    const logprobs = JSON.stringify({ tokens: ['Yes'], logprobs: [-0.2], top: [[['Yes', -0.2]]] });
    const span = {
      traceId,
      spanId: randomSpanId(),
      name: 'chat eval-model',
      kind: 3,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + 1_000_000n).toString(),
      attributes: keyValues({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'eval-model', 'strata.logprobs': logprobs }),
      events: [
        {
          timeUnixNano: (start + 2_000_000n).toString(),
          name: 'gen_ai.evaluation.result',
          attributes: keyValues({ 'gen_ai.evaluation.name': 'exact_match', 'gen_ai.evaluation.score.label': 'fail' }),
        },
      ],
      status: {},
    };
    const req = { resourceSpans: [{ resource: { attributes: keyValues({ 'service.name': 'evals' }) }, scopeSpans: [{ scope: { name: 'e2e' }, spans: [span] }] }] };
    const res = await post(`http://127.0.0.1:${ports.otlpHttp}/v1/traces`, JSON.stringify(req), { headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    const report = await pollUntil(
      async () => {
        await strata.flushed();
        const r = await getOk(`${api}/api/calibration?model=eval-model&resamples=0`);
        return r.n === 1 ? r : null;
      },
      { what: 'the evaluation feedback' },
    );
    expect(report.overall).toMatchObject({ n: 1, accuracy: 0 });
    expect(report.overall.meanConfidence).toBeCloseTo(Math.exp(-0.2), 12);
    const [row] = await strata.storage!.query<{ source: string; name: string; correct: boolean }>(
      'SELECT source, name, correct FROM strata.feedback WHERE trace_id = {t:String}',
      { t: traceId },
    );
    expect(row).toEqual({ source: 'otel.evaluation', name: 'exact_match', correct: false });
  });
});
