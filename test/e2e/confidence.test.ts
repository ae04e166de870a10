/**
 * Confidence signals end to end: spans carrying `strata.logprobs`, a stated confidence and a named score,
 * sent as OTLP/HTTP JSON and through the gateway (to a vLLM-like replica answering in the RLCR format),
 * are stored with the confidence columns filled, returned on `/api/traces/:id` and on the trace summary,
 * and filtered by `min_confidence` / `max_confidence`.
 *
 * One in-process Strata (one chDB data directory) serves the whole file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { OpenAiReplica } from '../../src/sim/openai-replica.js';
import type { Store } from '../../src/storage/types.js';
import { Strata, type StrataPorts } from '../../src/strata.js';
import { tempDir } from '../helpers/cli.js';
import { getJson, getOk, post } from '../helpers/http.js';
import { nowNanos, randomSpanId, randomTraceId, traceRequest, type SpanSpec } from '../helpers/otlp.js';
import { pollUntil } from '../helpers/poll.js';
import { unpackFloat32 } from '../../src/processors/confidence/packed.js';

const RLCR_ANSWER = ['<answer>', 'Par', 'is', '</answer>', '<confidence>', '0', '.', '8', '</confidence>'];
const replica = new OpenAiReplica({ model: 'rlcr-7b', reasoning: ['Capital', ' of', ' France'], answer: RLCR_ANSWER });

let strata: Strata;
let ports: StrataPorts;
let api: string;
let cleanup: () => void;

beforeAll(async () => {
  const replicaPort = await replica.start();
  const tmp = tempDir('strata-e2e-confidence-');
  cleanup = tmp.cleanup;
  const file = join(tmp.dir, 'strata.yaml');
  writeFileSync(
    file,
    [
      'gateway:',
      '  routes:',
      '    - model: "rlcr-*"',
      `      upstreams: ["http://127.0.0.1:${replicaPort}/v1"]`,
      'calibration:',
      '  confidence: [verbalized, answer_prob, "score:judge.score", token_prob]',
      '  scores: [judge.score, reward]',
      '',
    ].join('\n'),
  );
  const config = loadConfig({
    file,
    env: {},
    flags: { 'data-dir': join(tmp.dir, 'data'), port: '0', 'otlp-http-port': '0', 'otlp-grpc-port': '0', 'gateway-port': '0', 'retention-days': '0' },
  });
  strata = new Strata(config, () => {});
  ports = await strata.start();
  api = `http://127.0.0.1:${ports.api}`;
}, 60_000);

afterAll(async () => {
  await strata?.stop();
  await replica.stop();
  cleanup?.();
});

function storeOf(s: Strata): Store {
  const store = s.storage;
  if (!store) throw new Error('Strata has no store (not started?)');
  return store;
}

const SERVICE = `confidence-e2e-${randomSpanId()}`;
const T0 = nowNanos() - 60_000_000_000n;
const output = (text: string): string => JSON.stringify([{ role: 'assistant', parts: [{ type: 'reasoning', content: 'hmm' }, { type: 'text', content: text }] }]);
const logprobs = (tokens: string[], lps: (number | null)[], top?: [string, number | null][][]): string => JSON.stringify({ tokens, logprobs: lps, ...(top && { top }) });

// Trace 1: an RLCR answer with logprobs and a stated confidence, next to a span without any signal.
const rlcr = { traceId: randomTraceId(), spanId: randomSpanId() };
const plainInRlcr = randomSpanId();
const RLCR_TOKENS = ['<think>', 'x', '</think>', '<answer>', 'Par', 'is', '</answer>', '<confidence>0.9', '</confidence>'];
const RLCR_LPS = [-0.5, -1, -0.5, -0.25, -0.75, -0.25, -0.5, -2, -0.25];
const RLCR_TOP: [string, number | null][][] = RLCR_LPS.map((lp, i) => [[RLCR_TOKENS[i], lp], ['alt', null]]);
// Trace 2: a token of probability 0 (null logprob), no text: token_prob 0.
const zero = { traceId: randomTraceId(), spanId: randomSpanId() };
// Trace 3: a stated confidence that cannot be read, and scores as a string and an int.
const failed = { traceId: randomTraceId(), spanId: randomSpanId() };
// Trace 4: nothing to compute from.
const none = { traceId: randomTraceId(), spanId: randomSpanId() };

function spans(): SpanSpec[] {
  const chat = (start: bigint, attributes: Record<string, unknown>) => ({ name: 'chat m', kind: 3, startNs: start, endNs: start + 1_000_000n, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', ...attributes } });
  return [
    { ...rlcr, ...chat(T0, { 'strata.logprobs': logprobs(RLCR_TOKENS, RLCR_LPS, RLCR_TOP), 'gen_ai.output.messages': output('<answer>Paris</answer><confidence>0.9</confidence>') }) },
    { traceId: rlcr.traceId, spanId: plainInRlcr, parentSpanId: rlcr.spanId, ...chat(T0 + 1_000n, {}) },
    { ...zero, ...chat(T0 + 2_000n, { 'strata.logprobs': logprobs(['', ''], [-1, null]) }) },
    { ...failed, ...chat(T0 + 3_000n, { 'gen_ai.output.messages': output('<confidence>quite sure</confidence>'), 'judge.score': '0.4', reward: 3 }) },
    { ...none, ...chat(T0 + 4_000n, { 'gen_ai.output.messages': output('Paris.') }) },
  ];
}

interface TraceSummary {
  traceId: string;
  confidence?: { spans: number; min: number; mean: number; max: number; leastConfidentSpanId: string };
}

let sent = false;
async function sendOnce(): Promise<void> {
  if (sent) return;
  sent = true;
  const res = await post(`http://127.0.0.1:${ports.otlpHttp}/v1/traces`, JSON.stringify(traceRequest(SERVICE, spans())), { headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(200);
  await strata.flushed();
}

async function spanOf(traceId: string, spanId: string): Promise<Record<string, any>> {
  const body = await getOk<{ spans: Record<string, any>[] }>(`${api}/api/traces/${traceId}`);
  const span = body.spans.find((s) => s.spanId === spanId);
  if (!span) throw new Error(`no span ${spanId}`);
  return span;
}

async function traceIds(query: string): Promise<string[]> {
  const r = await getOk<{ traces: TraceSummary[] }>(`${api}/api/traces?service=${SERVICE}&${query}`);
  return r.traces.map((t) => t.traceId);
}

describe('confidence signals, ingested over OTLP', () => {
  it('are stored in the confidence columns', async () => {
    await sendOnce();
    const rows = await storeOf(strata).query<Record<string, unknown>>(
      `SELECT span_id, confidence, confidence_source, confidence_calibrated, logprob_mean, logprob_min, perplexity, entropy_mean,
              answer_prob, least_confident_pos, verbalized_confidence, verbalized_format_ok, scores
       FROM strata.spans WHERE trace_id = {id:String}`,
      { id: rlcr.traceId },
    );
    const byId = new Map(rows.map((r) => [r.span_id, r]));
    const mean = RLCR_LPS.reduce((a, b) => a + b) / RLCR_LPS.length; // -6 / 9
    expect(byId.get(rlcr.spanId)).toEqual({
      span_id: rlcr.spanId,
      confidence: 0.9,
      confidence_source: 'verbalized',
      confidence_calibrated: null,
      logprob_mean: mean,
      logprob_min: -2,
      perplexity: Math.exp(-mean),
      entropy_mean: 0, // one finite alternative per position
      answer_prob: Math.exp(-0.75 + -0.25),
      least_confident_pos: 7,
      verbalized_confidence: 0.9,
      verbalized_format_ok: true,
      scores: {},
    });
    expect(byId.get(plainInRlcr)).toMatchObject({ confidence: null, confidence_source: '', logprob_mean: null, verbalized_format_ok: null, scores: {} });
  });

  it('are returned on each span by /api/traces/:id (absent on spans without any)', async () => {
    await sendOnce();
    const mean = RLCR_LPS.reduce((a, b) => a + b) / RLCR_LPS.length;
    expect((await spanOf(rlcr.traceId, rlcr.spanId)).confidence).toEqual({
      value: 0.9,
      source: 'verbalized',
      calibrated: null,
      logprobMean: mean,
      logprobMin: -2,
      perplexity: Math.exp(-mean),
      entropyMean: 0,
      answerProb: Math.exp(-1),
      leastConfidentPos: 7,
      verbalized: 0.9,
      verbalizedFormatOk: true,
      scores: {},
    });
    expect((await spanOf(rlcr.traceId, plainInRlcr)).confidence).toBeUndefined();
    // -Infinity survives the store, as JSON text.
    expect((await spanOf(zero.traceId, zero.spanId)).confidence).toMatchObject({
      value: 0,
      source: 'token_prob',
      logprobMean: '-Infinity',
      logprobMin: '-Infinity',
      perplexity: 'Infinity',
      leastConfidentPos: 1,
      answerProb: null,
      entropyMean: null,
    });
    expect((await spanOf(failed.traceId, failed.spanId)).confidence).toEqual({
      value: 0.4,
      source: 'score:judge.score',
      calibrated: null,
      logprobMean: null,
      logprobMin: null,
      perplexity: null,
      entropyMean: null,
      answerProb: null,
      leastConfidentPos: null,
      verbalized: 0,
      verbalizedFormatOk: false,
      scores: { 'judge.score': 0.4, reward: 3 },
    });
    expect((await spanOf(none.traceId, none.spanId)).confidence).toBeUndefined();
  });

  it('summarise per trace, and filter traces by min_confidence / max_confidence', async () => {
    await sendOnce();
    const { traces } = await getOk<{ traces: TraceSummary[] }>(`${api}/api/traces?service=${SERVICE}`);
    expect(traces.map((t) => t.traceId)).toEqual([none.traceId, failed.traceId, zero.traceId, rlcr.traceId]);
    const summary = new Map(traces.map((t) => [t.traceId, t]));
    expect(summary.get(rlcr.traceId)!.confidence).toEqual({ spans: 1, min: 0.9, mean: 0.9, max: 0.9, leastConfidentSpanId: rlcr.spanId });
    expect(summary.get(zero.traceId)!.confidence).toEqual({ spans: 1, min: 0, mean: 0, max: 0, leastConfidentSpanId: zero.spanId });
    expect('confidence' in summary.get(none.traceId)!).toBe(false);

    expect(await traceIds('min_confidence=0.5')).toEqual([rlcr.traceId]);
    expect(await traceIds('max_confidence=0.5')).toEqual([failed.traceId, zero.traceId]);
    expect(await traceIds('min_confidence=0.3&max_confidence=0.5')).toEqual([failed.traceId]);
    expect(await traceIds('min_confidence=0&max_confidence=1')).toEqual([failed.traceId, zero.traceId, rlcr.traceId]);
    expect(await traceIds('min_confidence=0.95')).toEqual([]);
    for (const bad of ['min_confidence=high', 'max_confidence=1.5', 'min_confidence=']) {
      const r = await getJson<{ error: string }>(`${api}/api/traces?${bad}`);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(new RegExp(`^${bad.split('=')[0]}: expected a number in \\[0, 1\\]`));
    }
  });
});

describe('confidence signals of a gateway span', () => {
  it('come from the logprobs the gateway collected and the text it captured', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.gateway}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'rlcr-7b', messages: [{ role: 'user', content: 'Capital of France?' }] }),
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { choices: { message: { content: string }; logprobs: unknown }[] };
    expect(answer.choices[0].message.content).toBe(RLCR_ANSWER.join(''));
    expect(answer.choices[0].logprobs).toBeNull(); // asked for by the gateway, not returned to the client

    const traces = await pollUntil(async () => {
      const r = await getOk<{ traces: TraceSummary[] }>(`${api}/api/traces?model=rlcr-7b`);
      return r.traces.length === 1 ? r.traces : null;
    }, { timeoutMs: 20_000, what: 'the gateway span' });
    const { spans: [span] } = await getOk<{ spans: Record<string, any>[] }>(`${api}/api/traces/${traces[0].traceId}`);
    const attr = JSON.parse(span.attributes['strata.logprobs']) as { tokens: string[]; logprobs_f32: string };
    expect(attr.tokens).toEqual(RLCR_ANSWER);
    const lps = [...unpackFloat32(attr.logprobs_f32)!];
    const mean = lps.reduce((a, b) => a + b) / lps.length;
    const min = Math.min(...lps);
    expect(span.confidence).toMatchObject({
      value: 0.8,
      source: 'verbalized',
      verbalized: 0.8,
      verbalizedFormatOk: true,
      answerProb: Math.exp(lps[1] + lps[2]), // 'Par' + 'is'
      leastConfidentPos: lps.indexOf(min),
      logprobMin: min,
      scores: {},
    });
    expect(span.confidence.logprobMean).toBeCloseTo(mean, 14);
    expect(span.confidence.perplexity).toBeCloseTo(Math.exp(-mean), 12);
    expect(span.confidence.entropyMean).toBeGreaterThan(0);
    expect(traces[0].confidence).toEqual({ spans: 1, min: 0.8, mean: 0.8, max: 0.8, leastConfidentSpanId: span.spanId });
  });
});
