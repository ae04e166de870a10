/**
 * Engine, model, input and telemetry faults: each one's signature in the right place and nowhere else,
 * read where possible by Strata's own processors (confidence signals, behavioural monitors, probe
 * consistency) from the OTLP the simulator sends.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FaultType } from '../model/faults.js';
import type { SpanRecord } from '../model/span.js';
import { normalizeTraces } from '../processors/normalize-traces.js';
import { decodeTraceJson } from '../receivers/otlp/decode-json.js';
import { createFleet } from './fleet.js';
import { requestsToOtlpJson } from './otlp-spans.js';
import { differences, meanIn, recordRun, seriesOf, type RunRecord } from './recorder.js';
import { loadScenarioFile, type Scenario } from './scenario.js';
import type { SimRequest } from './types.js';

const BASE = loadScenarioFile(fileURLToPath(new URL('./testdata/small-fleet.yaml', import.meta.url)));
const FROM = BASE.startMs + 180_000;
const TO = BASE.startMs + 420_000;
const TARGETS = ['a', 'b', 'c', 'node-a', 'node-b'];

const control = recordRun(createFleet(BASE));

function withFault(type: FaultType, target: string | null, severity = 1): RunRecord {
  const s: Scenario = { ...BASE, faults: [{ type, target, startMs: 180_000, endMs: 420_000, severity, xid: null }] };
  return recordRun(createFleet(s));
}

function inWindow(r: SimRequest): boolean {
  return r.arrivalMs >= FROM && r.arrivalMs < TO;
}

function requestsOf(run: RunRecord, replica: string, inside?: boolean): SimRequest[] {
  return run.requests.filter((r) => r.replica === replica && (inside === undefined || inWindow(r) === inside));
}

function state(r: SimRequest): string {
  return JSON.stringify(Object.entries(r).filter(([k]) => k !== 'built'), (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v));
}

const spanCache = new WeakMap<RunRecord, { client: Map<string, SpanRecord>; server: Map<string, SpanRecord> }>();

/** The run's spans as Strata ingests them (fault window only): the gateway's (kind CLIENT) and the replica's, by trace. */
function spansOf(run: RunRecord): { client: Map<string, SpanRecord>; server: Map<string, SpanRecord> } {
  const cached = spanCache.get(run);
  if (cached) return cached;
  const spans = normalizeTraces(decodeTraceJson(JSON.stringify(requestsToOtlpJson(run.fleet, run.requests.filter(inWindow)))));
  const client = new Map<string, SpanRecord>();
  const server = new Map<string, SpanRecord>();
  for (const s of spans) (s.kind === 3 ? client : server).set(s.traceId, s);
  spanCache.set(run, { client, server });
  return { client, server };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Strata's primary confidence of each request's gateway span. */
function confidences(run: RunRecord, requests: readonly SimRequest[]): number[] {
  const { client } = spansOf(run);
  return requests.map((r) => client.get(r.traceId)!.confidence!.value!);
}

function accuracy(rs: readonly SimRequest[]): number {
  return rs.filter((r) => r.correct).length / rs.length;
}

/** All telemetry identical to the healthy run (no infrastructure signature). */
function expectTelemetryUntouched(run: RunRecord, except: readonly string[] = []): void {
  for (const t of TARGETS) if (!except.includes(t)) expect(differences(run, control, t), t).toEqual([]);
}

function expectRequestsUntouched(run: RunRecord, replicas: readonly string[]): void {
  for (const id of replicas) expect(requestsOf(run, id).map(state), id).toEqual(requestsOf(control, id).map(state));
}

describe('engine, rollout, input and template fault signatures', () => {
  it('KV-cache exhaustion: KV near 100 %, preemptions climb, requests wait, TTFT rises on that replica', () => {
    const run = withFault('kv_cache_exhaustion', 'a');
    expect(meanIn(seriesOf(run, 'a', 'vllm:kv_cache_usage_perc'), FROM + 60_000, TO)).toBeGreaterThan(0.9);
    expect(meanIn(seriesOf(control, 'a', 'vllm:kv_cache_usage_perc'), FROM + 60_000, TO)).toBeLessThan(0.4);
    const preempt = seriesOf(run, 'a', 'vllm:num_preemptions_total');
    const at = (t: number) => preempt.find((p) => p.atMs >= t)!.value!;
    expect(at(TO) - at(FROM)).toBeGreaterThan(20);
    expect(seriesOf(control, 'a', 'vllm:num_preemptions_total').at(-1)!.value).toBe(0);
    expect(Math.max(...seriesOf(run, 'a', 'vllm:num_requests_waiting').map((p) => p.value!))).toBeGreaterThan(3);
    const ttft = mean(requestsOf(run, 'a', true).map((r) => r.ttftMs));
    expect(ttft / mean(requestsOf(control, 'a', true).map((r) => r.ttftMs))).toBeGreaterThan(5);
    // The answers themselves are those of the healthy run; the other replicas and GPUs see nothing.
    expect(requestsOf(run, 'a').map((r) => r.answer)).toEqual(requestsOf(control, 'a').map((r) => r.answer));
    expect(differences(run, control, 'node-a', 'GPU-aaaaaaaa-0000-4000-8000-000000000002')).toEqual([]);
    expectTelemetryUntouched(run, ['a', 'node-a']);
    expectRequestsUntouched(run, ['b', 'c']);
  });

  it('bad rollout: accuracy down, confidence up (calibration breaks) on that replica, latency unchanged', () => {
    const run = withFault('bad_rollout', 'b');
    const inside = requestsOf(run, 'b', true);
    const healthy = requestsOf(control, 'b', true);
    expect(accuracy(healthy) - accuracy(inside)).toBeGreaterThan(0.2);
    const conf = mean(confidences(run, inside));
    expect(conf - mean(confidences(control, healthy))).toBeGreaterThan(0.05);
    // Over-confident: confidence well above accuracy.
    expect(conf - accuracy(inside)).toBeGreaterThan(0.3);
    expect(inside.map((r) => r.e2eMs)).toEqual(healthy.map((r) => r.e2eMs));
    expectTelemetryUntouched(run);
    expectRequestsUntouched(run, ['a', 'c']);
  });

  it('prompt drift: confidence and accuracy drop on every replica, with the hardware and engines untouched', () => {
    const run = withFault('prompt_drift', null);
    for (const id of ['a', 'b', 'c']) {
      const inside = requestsOf(run, id, true);
      const healthy = requestsOf(control, id, true);
      expect(mean(confidences(control, healthy)) - mean(confidences(run, inside)), id).toBeGreaterThan(0.12);
      expect(accuracy(healthy) - accuracy(inside), id).toBeGreaterThan(0.05);
      expect(inside.map((r) => r.e2eMs)).toEqual(healthy.map((r) => r.e2eMs));
      expect(requestsOf(run, id, false).map(state)).toEqual(requestsOf(control, id, false).map(state));
    }
    expectTelemetryUntouched(run);
  });

  it('chat-template misconfiguration: garbled answers, no answer or confidence tag, very low log probabilities', () => {
    const run = withFault('chat_template_misconfig', 'b');
    const inside = requestsOf(run, 'b', true);
    const { client } = spansOf(run);
    const garbled = inside.filter((r) => !r.answer.includes('<answer>'));
    expect(garbled.length / inside.length).toBeGreaterThan(0.8);
    expect(garbled.every((r) => /<\|im_start\|>|<\|im_end\|>/.test(r.answer) && r.reasoning === '')).toBe(true);
    for (const r of garbled) {
      const c = client.get(r.traceId)!.confidence!;
      expect(c.verbalized === null || c.verbalizedFormatOk === false).toBe(true);
      expect(c.answerProb).toBeNull();
      expect(c.logprobMean!).toBeLessThan(Math.log(0.1));
    }
    expect(accuracy(inside)).toBeLessThan(0.3);
    expect(inside.map((r) => r.outputTokens)).toEqual(requestsOf(control, 'b', true).map((r) => r.outputTokens));
    expectTelemetryUntouched(run);
    expectRequestsUntouched(run, ['a', 'c']);
  });

});
