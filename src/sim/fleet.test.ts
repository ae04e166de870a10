import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { normalizeMetrics } from '../processors/normalize-metrics.js';
import { parseExposition } from '../receivers/prometheus/parse-text.js';
import { toMetricsRequest } from '../receivers/prometheus/to-otlp.js';
import { createFleet } from './fleet.js';
import { recordRun, samplesAt, seriesOf, type RunRecord } from './recorder.js';
import { loadScenarioFile, type Scenario } from './scenario.js';
import type { SimRequest, SimTarget } from './types.js';

const SMALL = loadScenarioFile(fileURLToPath(new URL('./testdata/small-fleet.yaml', import.meta.url)));
const FIXTURES = fileURLToPath(new URL('../../test/fixtures/prometheus/', import.meta.url));

const run = recordRun(createFleet(SMALL));

/** A request's own state: its fields and its compact tokens (the token objects are a function of them). */
function stateOf(q: SimRequest): string {
  const own = Object.entries(q).filter(([k]) => k !== 'built');
  return JSON.stringify(own, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v));
}

/** A digest of everything a run produced: requests (tokens included), feedback, every exposition. */
function fingerprint(r: Pick<RunRecord, 'requests' | 'feedback' | 'scrapes'>): string {
  const h = createHash('sha256');
  for (const q of r.requests) h.update(stateOf(q));
  h.update(JSON.stringify(r.feedback));
  for (const s of r.scrapes) for (const [id, text] of s.texts) h.update(`${s.atMs} ${id} ${text ?? 'null'}`);
  return h.digest('hex');
}

describe('createFleet: the fleet of a scenario', () => {
  it('names its targets, labels and replica entities as Strata derives them', () => {
    const fleet = createFleet(SMALL);
    expect(fleet.targets).toEqual<SimTarget[]>([
      { kind: 'vllm', id: 'a', labels: { 'service.instance.id': 'node-a:8000', 'host.name': 'node-a' } },
      { kind: 'vllm', id: 'b', labels: { 'service.instance.id': 'node-a:8001', 'host.name': 'node-a' } },
      { kind: 'vllm', id: 'c', labels: { 'service.instance.id': 'node-b:8000', 'host.name': 'node-b' } },
      { kind: 'dcgm', id: 'node-a', labels: { 'host.name': 'node-a' } },
      { kind: 'dcgm', id: 'node-b', labels: { 'host.name': 'node-b' } },
    ]);
    expect(fleet.replicaEntity('c')).toBe('replica:node-b:8000');
    expect(() => fleet.replicaEntity('zz')).toThrow(/unknown replica "zz"/);
    expect([fleet.name, fleet.seed, fleet.startMs, fleet.endMs, fleet.scrapeIntervalMs]).toEqual(['small-fleet', 11, SMALL.startMs, SMALL.startMs + 480_000, 10_000]);
  });

  it('generates the workload at its rate, round-robin over the route, on the scenario clock', () => {
    const n = run.requests.length;
    // 1.5 req/s for 8 minutes (720 on average), modulated by bursts and waves.
    expect(n).toBeGreaterThan(550);
    expect(n).toBeLessThan(950);
    const per = ['a', 'b', 'c'].map((id) => run.requests.filter((r) => r.replica === id).length);
    expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1);
    // Checked in plain code, reported once (thousands of expect calls are slow).
    const problems: string[] = [];
    let last = -Infinity;
    for (const r of run.requests) {
      const gaps = r.interTokenUs.reduce((a, b) => a + b, 0) / 1000;
      const bad = [
        r.arrivalMs < Math.max(last, SMALL.startMs) || r.arrivalMs > SMALL.startMs + SMALL.durationMs ? 'arrival' : '',
        /^[0-9a-f]{32}$/.test(r.traceId) && /^[0-9a-f]{16}$/.test(r.spanId) ? '' : 'ids',
        r.modelVersion === (r.replica === 'c' ? 'chat-v2' : 'chat-v1') ? '' : 'version',
        r.ttftMs >= r.queueMs && r.e2eMs > r.ttftMs ? '' : 'latency order',
        r.interTokenUs.length === r.outputTokens - 1 ? '' : 'gap count',
        Math.abs(r.e2eMs - r.ttftMs - gaps) < 1e-3 ? '' : 'gap sum',
        r.error === null ? '' : 'error',
      ].filter((x) => x !== '');
      if (bad.length > 0) problems.push(`${r.traceId}: ${bad.join(', ')}`);
      last = r.arrivalMs;
    }
    expect(problems).toEqual([]);
    const sample = run.requests[17];
    expect(sample.tokens.map((t) => t.token).join('')).toBe(sample.answer);
    expect(sample.tokens.length).toBeLessThanOrEqual(sample.outputTokens);
    expect(new Set(run.requests.map((r) => r.traceId)).size).toBe(n);
  });

  it('is deterministic per seed: two runs give the same requests, feedback and expositions; another seed does not', () => {
    const short: Scenario = { ...SMALL, durationMs: 240_000 };
    const once = recordRun(createFleet(short));
    expect(fingerprint(recordRun(createFleet(short)))).toBe(fingerprint(once));
    const other = recordRun(createFleet(short, 12));
    expect(other.requests.length).not.toBe(0);
    expect(other.requests[0].traceId).not.toBe(once.requests[0].traceId);
    expect(fingerprint(other)).not.toBe(fingerprint(once));
    // Stepping the clock differently changes nothing that was generated.
    const fleet = createFleet(short);
    const requests = [];
    for (let t = fleet.startMs; t <= fleet.endMs; t += 7_000) requests.push(...fleet.advance(t));
    requests.push(...fleet.advance(fleet.endMs));
    expect(fingerprint({ requests, feedback: [], scrapes: [] })).toBe(fingerprint({ requests: once.requests, feedback: [], scrapes: [] }));
    expect(stateOf(once.requests[0])).toMatch(/"answerTokens",\{"pieces":\["<answer>"/);
  });

  it('does not answer requests from a moved-back clock twice', () => {
    const fleet = createFleet(SMALL);
    const first = fleet.advance(SMALL.startMs + 60_000);
    expect(first.length).toBeGreaterThan(50);
    expect(fleet.advance(SMALL.startMs + 30_000)).toEqual([]);
    expect(fleet.advance(SMALL.startMs + 60_000)).toEqual([]);
  });

  it('gives feedback for a share of the requests after the delay, some late, each once', () => {
    const fb = run.feedback;
    const answered = run.requests.filter((r) => r.error === null);
    expect(fb.length / answered.length).toBeGreaterThan(0.35);
    expect(fb.length / answered.length).toBeLessThan(0.65);
    const byTrace = new Map(answered.map((r) => [r.traceId, r]));
    let late = 0;
    for (const f of fb) {
      const r = byTrace.get(f.traceId)!;
      expect(f.correct).toBe(r.correct);
      const delay = f.atMs - (r.arrivalMs + r.e2eMs);
      expect([30_000, 180_000]).toContain(Math.round(delay / 1000) * 1000);
      if (delay > 100_000) late++;
    }
    expect(late / fb.length).toBeGreaterThan(0.1);
    expect(late / fb.length).toBeLessThan(0.3);
    expect(new Set(fb.map((f) => f.traceId)).size).toBe(fb.length);
    // Due in order of time.
    for (let i = 1; i < fb.length; i++) expect(fb[i].atMs).toBeGreaterThanOrEqual(fb[i - 1].atMs - 10_000);
  });

  it('serves one request on a chosen replica, deterministic from its key (the demo)', () => {
    const one = createFleet(SMALL, undefined, { traffic: 'external' });
    const two = createFleet(SMALL, undefined, { traffic: 'external' });
    const at = SMALL.startMs + 5_000;
    const r1 = one.serve('b', at, 'arrival-7');
    expect(JSON.stringify(two.serve('b', at, 'arrival-7'))).toBe(JSON.stringify(r1));
    expect(r1.replica).toBe('b');
    expect(r1.model).toBe('chat');
    expect(r1.answer).toMatch(/<confidence>0\.\d\d<\/confidence>$/);
    const r2 = one.serve('b', at, 'arrival-8');
    expect(r2.traceId).not.toBe(r1.traceId);
    expect(() => one.serve('nope', at, 'k')).toThrow(/unknown replica/);
    // External traffic: advancing the clock brings no requests of its own, but the served one is counted.
    expect(one.advance(at + 60_000)).toEqual([]);
    const vllm = parseExposition(one.exposition(one.targets[1])!, { openMetrics: false, scrapeTimeMs: at });
    const gen = vllm.families.find((f) => f.name === 'vllm:generation_tokens_total')!;
    expect(gen.samples[0].value).toBe(r1.outputTokens + r2.outputTokens);
    expect(one.feedbackDue(at + 3_600_000).length).toBeLessThanOrEqual(2);
  });
});

describe('expositions', () => {
  it('DCGM: every GPU of the host, labelled exactly as dcgm-exporter labels them', () => {
    const fixture = parseExposition(readFileSync(`${FIXTURES}dcgm_metrics.txt`, 'utf8'), { openMetrics: false, scrapeTimeMs: 0 });
    const fixtureLabels = new Set(Object.keys(fixture.families[0].samples[0].labels));
    const text = run.scrapes[20].texts.get('node-b')!;
    const parsed = parseExposition(text, { openMetrics: false, scrapeTimeMs: 0 });
    expect(parsed.errors).toEqual([]);
    const names = parsed.families.map((f) => f.name);
    for (const n of ['DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_SM_CLOCK', 'DCGM_FI_DEV_MEM_CLOCK', 'DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_MEMORY_TEMP', 'DCGM_FI_DEV_POWER_USAGE', 'DCGM_FI_DEV_POWER_MGMT_LIMIT', 'DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_FB_FREE', 'DCGM_FI_DEV_CLOCK_THROTTLE_REASONS', 'DCGM_FI_DEV_XID_ERRORS', 'DCGM_FI_DEV_ECC_DBE_VOL_TOTAL', 'DCGM_FI_DEV_ECC_SBE_VOL_TOTAL', 'DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL'])
      expect(names).toContain(n);
    const util = parsed.families.find((f) => f.name === 'DCGM_FI_DEV_GPU_UTIL')!;
    expect(util.samples.map((s) => s.labels)).toEqual([
      { gpu: '0', UUID: 'GPU-bbbbbbbb-0000-4000-8000-000000000001', pci_bus_id: '00000000:18:00.0', device: 'nvidia0', modelName: 'NVIDIA A100-SXM4-80GB', Hostname: 'node-b', DCGM_FI_DRIVER_VERSION: '550.90.07' },
      { gpu: '1', UUID: 'GPU-bbbbbbbb-0000-4000-8000-000000000002', pci_bus_id: '00000000:2A:00.0', device: 'nvidia1', modelName: 'NVIDIA A100-SXM4-80GB', Hostname: 'node-b', DCGM_FI_DRIVER_VERSION: '550.90.07' },
    ]);
    // The fixture's label names, plus pci_bus_id (newer exporters), minus the process name.
    for (const l of fixtureLabels) if (l !== 'DCGM_FI_PROCESS_NAME') expect(Object.keys(util.samples[0].labels)).toContain(l);
    expect(parsed.families.find((f) => f.name === 'DCGM_FI_DEV_ECC_DBE_VOL_TOTAL')!.type).toBe('counter');
  });

  it('vLLM: the fixture format, model_name = the served version, cumulative histograms', () => {
    const fixture = parseExposition(readFileSync(`${FIXTURES}vllm_metrics.txt`, 'utf8'), { openMetrics: false, scrapeTimeMs: 0 });
    const types = new Map(fixture.families.map((f) => [f.name, f.type]));
    const text = run.scrapes[30].texts.get('c')!;
    const parsed = parseExposition(text, { openMetrics: false, scrapeTimeMs: 0 });
    expect(parsed.errors).toEqual([]);
    for (const f of parsed.families) {
      if (types.has(f.name)) expect(f.type).toBe(types.get(f.name));
      if (f.name !== 'vllm:cache_config_info') for (const s of f.samples) expect(s.labels.model_name).toBe('chat-v2');
    }
    for (const n of ['vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc', 'vllm:num_preemptions_total', 'vllm:prompt_tokens_total', 'vllm:generation_tokens_total', 'vllm:request_success_total', 'vllm:time_to_first_token_seconds', 'vllm:inter_token_latency_seconds', 'vllm:e2e_request_latency_seconds'])
      expect(parsed.families.map((f) => f.name)).toContain(n);
    expect(text).toMatch(/^vllm:num_requests_running\{model_name="chat-v2"\} \d+\.0$/m);
    const ttft = parsed.families.find((f) => f.name === 'vllm:time_to_first_token_seconds')!;
    const buckets = ttft.samples.filter((s) => s.name.endsWith('_bucket'));
    for (let i = 1; i < buckets.length; i++) expect(buckets[i].value).toBeGreaterThanOrEqual(buckets[i - 1].value);
    expect(buckets.at(-1)!.labels.le).toBe('+Inf');
    expect(buckets.at(-1)!.value).toBe(ttft.samples.find((s) => s.name.endsWith('_count'))!.value);
  });

  it('counters only grow, gauges move with the load, healthy values have small noise', () => {
    for (const id of ['a', 'b', 'c'])
      for (const name of ['vllm:prompt_tokens_total', 'vllm:generation_tokens_total', 'vllm:num_preemptions_total', 'vllm:e2e_request_latency_seconds_count']) {
        const values = seriesOf(run, id, name).map((p) => p.value!);
        for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
      }
    const gen = seriesOf(run, 'a', 'vllm:generation_tokens_total').map((p) => p.value!);
    expect(gen.at(-1)).toBeGreaterThan(10_000);
    const running = seriesOf(run, 'a', 'vllm:num_requests_running').map((p) => p.value!);
    expect(Math.max(...running)).toBeGreaterThan(Math.min(...running));
    const clock = seriesOf(run, 'node-a', 'DCGM_FI_DEV_SM_CLOCK', { UUID: 'GPU-aaaaaaaa-0000-4000-8000-000000000001' }).slice(6).map((p) => p.value!);
    expect(Math.min(...clock)).toBeGreaterThan(1900);
    expect(Math.max(...clock)).toBeLessThanOrEqual(1980);
    const temp = seriesOf(run, 'node-a', 'DCGM_FI_DEV_GPU_TEMP', { UUID: 'GPU-aaaaaaaa-0000-4000-8000-000000000001' }).slice(6).map((p) => p.value!);
    expect(new Set(temp).size).toBeGreaterThan(2);
    expect(Math.max(...temp) - Math.min(...temp)).toBeLessThan(12);
    const throttle = seriesOf(run, 'node-a', 'DCGM_FI_DEV_CLOCK_THROTTLE_REASONS').slice(6).map((p) => p.value!);
    expect(throttle.every((v) => v === 0)).toBe(true);
  });

  it('reads as Strata reads it: canonical signals and the right entities', () => {
    const scrape = run.scrapes[25];
    const dcgm = normalizeMetrics(toMetricsRequest(parseExposition(scrape.texts.get('node-a')!, { openMetrics: false, scrapeTimeMs: scrape.atMs }), { 'service.name': 'dcgm', 'host.name': 'node-a' }, scrape.atMs));
    const sm = dcgm.find((p) => p.name === 'DCGM_FI_DEV_SM_CLOCK')!;
    expect(sm.signal?.name).toBe('gpu.clock.sm');
    expect(sm.signal?.value).toBe(sm.value! * 1e6);
    expect(sm.entities.refs.map((e) => `${e.kind}:${e.key}`)).toContain('gpu:GPU-aaaaaaaa-0000-4000-8000-000000000001');
    const vllm = normalizeMetrics(toMetricsRequest(parseExposition(scrape.texts.get('b')!, { openMetrics: false, scrapeTimeMs: scrape.atMs }), { 'service.instance.id': 'node-a:8001', 'host.name': 'node-a' }, scrape.atMs));
    const kv = vllm.find((p) => p.name === 'vllm:kv_cache_usage_perc')!;
    expect(kv.signal?.name).toBe('engine.kv_cache.usage');
    const ids = kv.entities.refs.map((e) => `${e.kind}:${e.key}`);
    expect(ids).toContain('replica:node-a:8001');
    expect(ids).toContain('model:chat-v1');
    expect(samplesAt(scrape, 'missing')).toBeNull();
  });
});

describe('scenario shape', () => {
  it('follows a rate schedule (a ramp) and stops at the end', () => {
    const ramp: Scenario = { ...SMALL, workload: { ...SMALL.workload, rate: 1, burstiness: 0, schedule: [{ atMs: 240_000, rate: 4 }] } };
    const requests = recordRun(createFleet(ramp)).requests;
    const first = requests.filter((r) => r.arrivalMs < SMALL.startMs + 120_000).length;
    const last = requests.filter((r) => r.arrivalMs >= SMALL.startMs + 360_000).length;
    // The rate climbs linearly from 1 to 4 over the first 4 minutes: 1.75/s on average over the first two.
    expect(first).toBeGreaterThan(150);
    expect(first).toBeLessThan(270);
    expect(last).toBeGreaterThan(380);
    expect(last).toBeLessThan(580);
  });
});
