/**
 * Each GPU fault's signature appears in the right telemetry of the right entity and nowhere else: a run
 * with the fault is compared with the same scenario and seed without it.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FaultType } from '../model/faults.js';
import { createFleet } from './fleet.js';
import { differences, meanIn, recordRun, seriesOf, type RunRecord } from './recorder.js';
import { ServedRequest } from './request.js';
import { loadScenarioFile, type Scenario } from './scenario.js';
import type { SimRequest } from './types.js';

const BASE = loadScenarioFile(fileURLToPath(new URL('./testdata/small-fleet.yaml', import.meta.url)));
const A1 = 'GPU-aaaaaaaa-0000-4000-8000-000000000001'; // replica a
const A2 = 'GPU-aaaaaaaa-0000-4000-8000-000000000002'; // replica b
const B1 = 'GPU-bbbbbbbb-0000-4000-8000-000000000001'; // replica c (with B2)
const B2 = 'GPU-bbbbbbbb-0000-4000-8000-000000000002';
const GPUS: Record<string, string> = { [A1]: 'node-a', [A2]: 'node-a', [B1]: 'node-b', [B2]: 'node-b' };
const FROM = BASE.startMs + 180_000;
const TO = BASE.startMs + 420_000;

const control = recordRun(createFleet(BASE));

function withFault(type: FaultType, target: string, severity = 1): RunRecord {
  const s: Scenario = { ...BASE, faults: [{ type, target, startMs: 180_000, endMs: 420_000, severity, xid: type === 'gpu_ecc_uncorrectable' ? 94 : null }] };
  return recordRun(createFleet(s));
}

function gpu(run: RunRecord, uuid: string, field: string) {
  return seriesOf(run, GPUS[uuid], `DCGM_FI_DEV_${field}`, { UUID: uuid });
}

function requestsOf(run: RunRecord, replica: string, inWindow?: boolean): SimRequest[] {
  return run.requests.filter((r) => r.replica === replica && (inWindow === undefined || (r.arrivalMs >= FROM && r.arrivalMs < TO) === inWindow));
}

function state(r: SimRequest): string {
  return JSON.stringify(Object.entries(r).filter(([k]) => k !== 'built'), (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v));
}

/** Mean inter-token latency (ms) of the replica's requests in the fault window. */
function itlIn(run: RunRecord, replica: string): number {
  const rs = requestsOf(run, replica, true).filter((r) => r.interTokenUs.length > 0);
  return rs.reduce((s, r) => s + (r.e2eMs - r.ttftMs) / r.interTokenUs.length, 0) / rs.length;
}

/** exp(mean token logprob) averaged over requests: the token-probability confidence. */
function confidenceOf(rs: readonly SimRequest[]): number {
  const values = rs.filter((r) => r instanceof ServedRequest && r.answerTokens.pieces.length > 0).map((r) => {
    const lp = (r as ServedRequest).answerTokens.logprobs;
    return Math.exp(lp.reduce((a, b) => a + b, 0) / lp.length);
  });
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function accuracyOf(rs: readonly SimRequest[]): number {
  return rs.filter((r) => r.correct).length / rs.length;
}

/** Nothing but the listed GPUs and replicas differs from the healthy run. */
function expectUntouchedExcept(run: RunRecord, gpus: readonly string[], replicas: readonly string[]): void {
  for (const uuid of [A1, A2, B1, B2]) if (!gpus.includes(uuid)) expect(differences(run, control, GPUS[uuid], uuid), uuid).toEqual([]);
  for (const id of ['a', 'b', 'c'])
    if (!replicas.includes(id)) {
      expect(differences(run, control, id), `vLLM ${id}`).toEqual([]);
      expect(requestsOf(run, id).map(state), `requests of ${id}`).toEqual(requestsOf(control, id).map(state));
    }
}

/** The answers (content, correctness, confidence) of a replica are those of the healthy run. */
function expectSameAnswers(run: RunRecord, replica: string): void {
  const strip = (r: SimRequest) => [r.traceId, r.answer, r.reasoning, r.correct, r.probes];
  expect(requestsOf(run, replica).map(strip)).toEqual(requestsOf(control, replica).map(strip));
}

describe('GPU fault signatures', () => {
  it('thermal slowdown: that GPU hotter, hardware thermal bit set, SM clock down 30-50 %, its replica slower; nothing else', () => {
    const run = withFault('gpu_thermal_slowdown', A1);
    const throttle = gpu(run, A1, 'CLOCK_THROTTLE_REASONS');
    for (const p of throttle) {
      const inside = p.atMs >= FROM + 1000 && p.atMs < TO;
      if (inside) expect(p.value! & 0x40, `hw thermal at ${p.atMs}`).toBe(0x40);
      else if (p.atMs < FROM || p.atMs > TO + 1000) expect(p.value! & 0x48).toBe(0);
    }
    const clock = meanIn(gpu(run, A1, 'SM_CLOCK'), FROM + 10_000, TO);
    const healthy = meanIn(gpu(control, A1, 'SM_CLOCK'), FROM + 10_000, TO);
    expect(clock / healthy).toBeGreaterThan(0.5);
    expect(clock / healthy).toBeLessThan(0.7);
    const temp = meanIn(gpu(run, A1, 'GPU_TEMP'), TO - 90_000, TO) - meanIn(gpu(control, A1, 'GPU_TEMP'), TO - 90_000, TO);
    expect(temp).toBeGreaterThan(12);
    expect(temp).toBeLessThan(24);
    expect(itlIn(run, 'a') / itlIn(control, 'a')).toBeGreaterThan(1.4);
    expectSameAnswers(run, 'a');
    expectUntouchedExcept(run, [A1], ['a']);
  });

  it('power cap: power at a lower limit, software power-cap bit, clocks down less than thermal slowdown', () => {
    const run = withFault('gpu_power_cap', A1);
    const limit = gpu(run, A1, 'POWER_MGMT_LIMIT');
    expect(meanIn(limit, FROM + 1000, TO)).toBe(350);
    expect(meanIn(limit, BASE.startMs, FROM)).toBe(700);
    expect(meanIn(gpu(run, A1, 'POWER_USAGE'), FROM + 10_000, TO)).toBeLessThanOrEqual(350);
    const bits = gpu(run, A1, 'CLOCK_THROTTLE_REASONS').filter((p) => p.atMs > FROM && p.atMs < TO);
    expect(bits.filter((p) => (p.value! & 0x4) !== 0).length / bits.length).toBeGreaterThan(0.8);
    expect(bits.every((p) => (p.value! & 0x48) === 0)).toBe(true);
    const ratio = meanIn(gpu(run, A1, 'SM_CLOCK'), FROM + 10_000, TO) / meanIn(gpu(control, A1, 'SM_CLOCK'), FROM + 10_000, TO);
    expect(ratio).toBeGreaterThan(0.7);
    expect(ratio).toBeLessThan(0.95);
    const itl = itlIn(run, 'a') / itlIn(control, 'a');
    expect(itl).toBeGreaterThan(1.05);
    expect(itl).toBeLessThan(1.4);
    expectSameAnswers(run, 'a');
    expectUntouchedExcept(run, [A1], ['a']);
  });

  it('XID 79: the XID field reads 79, the GPU\'s other fields drop out, its replica fails every request', () => {
    const run = withFault('gpu_xid_79', A1);
    const xid = gpu(run, A1, 'XID_ERRORS');
    const clock = gpu(run, A1, 'SM_CLOCK');
    for (let i = 0; i < xid.length; i++) {
      const inside = xid[i].atMs >= FROM && xid[i].atMs < TO;
      expect(xid[i].value).toBe(inside ? 79 : 0);
      if (inside) expect(clock[i].value).toBeNull();
      else expect(clock[i].value).not.toBeNull();
    }
    const inside = requestsOf(run, 'a', true);
    expect(inside.length).toBeGreaterThan(50);
    expect(inside.every((r) => r.error === 'engine dead' && r.finishReason === 'error' && r.outputTokens === 0 && r.e2eMs < 20)).toBe(true);
    expect(requestsOf(run, 'a', false).every((r) => r.error === null)).toBe(true);
    // The engine runs nothing while its GPU is gone; its scrape target still answers.
    expect(meanIn(seriesOf(run, 'a', 'vllm:num_requests_running'), FROM + 60_000, TO)).toBe(0);
    expect(run.feedback.some((f) => inside.some((r) => r.traceId === f.traceId))).toBe(false);
    expectUntouchedExcept(run, [A1], ['a']);
  });

  it('uncorrectable ECC: XID 94 and double-bit errors on the GPU, corrupted answers (wrong, low confidence), latency unchanged', () => {
    const run = withFault('gpu_ecc_uncorrectable', A2);
    const xid = gpu(run, A2, 'XID_ERRORS');
    for (const p of xid) expect(p.value).toBe(p.atMs >= FROM && p.atMs < TO ? 94 : 0);
    const dbe = gpu(run, A2, 'ECC_DBE_VOL_TOTAL');
    expect(dbe.filter((p) => p.atMs < FROM).every((p) => p.value === 0)).toBe(true);
    expect(dbe.at(-1)!.value).toBeGreaterThanOrEqual(1);
    const inside = requestsOf(run, 'b', true);
    expect(accuracyOf(inside)).toBeLessThan(0.25);
    expect(accuracyOf(requestsOf(control, 'b', true))).toBeGreaterThan(0.55);
    expect(confidenceOf(inside)).toBeLessThan(0.4);
    expect(confidenceOf(requestsOf(control, 'b', true))).toBeGreaterThan(0.6);
    // The engine's timing is that of the healthy run: same vLLM exposition, same latencies.
    expect(differences(run, control, 'b')).toEqual([]);
    expect(inside.map((r) => r.e2eMs)).toEqual(requestsOf(control, 'b', true).map((r) => r.e2eMs));
    // Clocks, temperatures and power of the GPU are untouched: only the XID and ECC fields change.
    for (const field of ['SM_CLOCK', 'GPU_TEMP', 'POWER_USAGE', 'GPU_UTIL']) expect(gpu(run, A2, field)).toEqual(gpu(control, A2, field));
    expectUntouchedExcept(run, [A2], ['b']);
  });

  it('NVLink errors: the CRC counter climbs and inter-token latency rises on the multi-GPU replica only', () => {
    const run = withFault('nvlink_errors', B1);
    const crc = gpu(run, B1, 'NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL');
    expect(crc.filter((p) => p.atMs < FROM).every((p) => p.value === 0)).toBe(true);
    expect(crc.find((p) => p.atMs >= TO)!.value).toBeGreaterThan(1000);
    expect(gpu(run, B2, 'NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL').every((p) => p.value === 0)).toBe(true);
    expect(itlIn(run, 'c') / itlIn(control, 'c')).toBeGreaterThan(1.3);
    expect(gpu(run, B1, 'CLOCK_THROTTLE_REASONS').map((p) => p.value! & ~0x1)).toEqual(gpu(run, B1, 'CLOCK_THROTTLE_REASONS').map(() => 0));
    expectSameAnswers(run, 'c');
    // c's second GPU works longer (same requests, slower), so it may differ; the other host does not.
    expectUntouchedExcept(run, [B1, B2], ['c']);

    // On a GPU whose replica is single-GPU, NVLink carries no inference traffic: errors, but no slowdown.
    const single = withFault('nvlink_errors', A1);
    expect(gpu(single, A1, 'NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL').at(-1)!.value).toBeGreaterThan(1000);
    expect(requestsOf(single, 'a').map(state)).toEqual(requestsOf(control, 'a').map(state));
    expect(differences(single, control, 'a')).toEqual([]);
  });

  it('noisy neighbour: utilisation and latency up on that GPU, no throttle reason, clocks unchanged', () => {
    const run = withFault('noisy_neighbour', A2);
    const util = meanIn(gpu(run, A2, 'GPU_UTIL'), FROM + 20_000, TO) - meanIn(gpu(control, A2, 'GPU_UTIL'), FROM + 20_000, TO);
    expect(util).toBeGreaterThan(5);
    expect(gpu(run, A2, 'CLOCK_THROTTLE_REASONS').filter((p) => p.atMs > FROM && p.atMs < TO).every((p) => p.value === 0)).toBe(true);
    expect(Math.abs(meanIn(gpu(run, A2, 'SM_CLOCK'), FROM, TO) - meanIn(gpu(control, A2, 'SM_CLOCK'), FROM, TO))).toBeLessThan(15);
    expect(meanIn(gpu(run, A2, 'FB_USED'), FROM + 1000, TO)).toBeGreaterThan(meanIn(gpu(control, A2, 'FB_USED'), FROM + 1000, TO) + 3000);
    expect(itlIn(run, 'b') / itlIn(control, 'b')).toBeGreaterThan(1.3);
    expectSameAnswers(run, 'b');
    expectUntouchedExcept(run, [A2], ['b']);
  });
});
