/**
 * The runs the fault-signature tests compare: the small fleet healthy, and with one fault in a fixed
 * window, plus what both test files read of them (requests, state, spans as Strata ingests them).
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { FaultType } from '../../src/model/faults.js';
import type { SpanRecord } from '../../src/model/span.js';
import { normalizeTraces } from '../../src/processors/normalize-traces.js';
import { decodeTraceJson } from '../../src/receivers/otlp/decode-json.js';
import { createFleet } from '../../src/sim/fleet.js';
import { requestsToOtlpJson } from '../../src/sim/otlp-spans.js';
import { differences, recordRun, type RunRecord } from '../../src/sim/recorder.js';
import { loadScenarioFile, type Scenario } from '../../src/sim/scenario.js';
import type { SimRequest } from '../../src/sim/types.js';

export const BASE = loadScenarioFile(fileURLToPath(new URL('../../src/sim/testdata/small-fleet.yaml', import.meta.url)));
export const FROM = BASE.startMs + 180_000;
export const TO = BASE.startMs + 420_000;
export const TARGETS = ['a', 'b', 'c', 'node-a', 'node-b'];

export const control = recordRun(createFleet(BASE));

export function withFault(type: FaultType, target: string | null, severity = 1): RunRecord {
  const s: Scenario = { ...BASE, faults: [{ type, target, startMs: 180_000, endMs: 420_000, severity, xid: null }] };
  return recordRun(createFleet(s));
}

export function inWindow(r: SimRequest): boolean {
  return r.arrivalMs >= FROM && r.arrivalMs < TO;
}

export function requestsOf(run: RunRecord, replica: string, inside?: boolean): SimRequest[] {
  return run.requests.filter((r) => r.replica === replica && (inside === undefined || inWindow(r) === inside));
}

export function state(r: SimRequest): string {
  return JSON.stringify(Object.entries(r).filter(([k]) => k !== 'built'), (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v));
}

export const spanCache = new WeakMap<RunRecord, { client: Map<string, SpanRecord>; server: Map<string, SpanRecord> }>();

/** The run's spans as Strata ingests them (fault window only): the gateway's (kind CLIENT) and the replica's, by trace. */
export function spansOf(run: RunRecord): { client: Map<string, SpanRecord>; server: Map<string, SpanRecord> } {
  const cached = spanCache.get(run);
  if (cached) return cached;
  const spans = normalizeTraces(decodeTraceJson(JSON.stringify(requestsToOtlpJson(run.fleet, run.requests.filter(inWindow)))));
  const client = new Map<string, SpanRecord>();
  const server = new Map<string, SpanRecord>();
  for (const s of spans) (s.kind === 3 ? client : server).set(s.traceId, s);
  spanCache.set(run, { client, server });
  return { client, server };
}

/** All telemetry identical to the healthy run (no infrastructure signature). */
export function expectTelemetryUntouched(run: RunRecord, except: readonly string[] = []): void {
  for (const t of TARGETS) if (!except.includes(t)) expect(differences(run, control, t), t).toEqual([]);
}

export function expectRequestsUntouched(run: RunRecord, replicas: readonly string[]): void {
  for (const id of replicas) expect(requestsOf(run, id).map(state), id).toEqual(requestsOf(control, id).map(state));
}
