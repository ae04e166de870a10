import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../detect/types.js';
import type { Incident, RankedCause } from '../incidents/types.js';
import type { GroundTruth } from '../sim/types.js';
import { byFaultType, candidatesFor, median, scoreFault, scoreScenario, summarise } from './score.js';

const T0 = Date.UTC(2025, 0, 1);
const MIN = 60_000;

const thermal: GroundTruth = { type: 'gpu_thermal_slowdown', layer: 'infrastructure', entity: 'gpu:GPU-a', startMs: T0 + 10 * MIN, endMs: T0 + 20 * MIN };
const outage: GroundTruth = { type: 'telemetry_outage', layer: 'telemetry', entity: 'host:gpu-node-2', startMs: T0 + 5 * MIN, endMs: T0 + 8 * MIN };

function cause(entity: string, faultType: RankedCause['faultType'], layer: RankedCause['layer'], score = 1): RankedCause {
  return { entity, faultType, layer, score, explanation: '', evidence: [] };
}

function anomaly(entity: string, startMs: number): Anomaly {
  return { id: `${entity}|sig|${startMs}`, entity, signal: 'gpu.clock.sm', layer: 'infrastructure', kind: 'shift', direction: 'down', startMs, lastMs: startMs, endMs: null, baseline: 1, observed: 0.5, score: 5, detail: '', examples: [] };
}

function incident(id: string, over: Partial<Incident>): Incident {
  return {
    id,
    status: 'open',
    kind: 'fault',
    summary: id,
    startMs: T0,
    endMs: null,
    updatedMs: T0,
    openedMs: T0,
    localisedMs: null,
    entities: [],
    affectedRequests: 0,
    causes: [],
    anomalies: [],
    mitigation: '',
    ...over,
  };
}

describe('scoreFault', () => {
  it('scores a right answer: detected, top-1, root cause, TTD from the first anomaly after the fault, TTL', () => {
    const inc = incident('i1', {
      startMs: thermal.startMs + 20_000,
      localisedMs: thermal.startMs + 40_000,
      entities: ['gpu:GPU-a', 'replica:gpu-node-1:8001'],
      causes: [cause('gpu:GPU-a', 'gpu_thermal_slowdown', 'infrastructure'), cause('replica:gpu-node-1:8001', 'kv_cache_exhaustion', 'infrastructure')],
      anomalies: [anomaly('gpu:GPU-a', thermal.startMs + 20_000), anomaly('replica:gpu-node-1:8001', thermal.startMs + 30_000)],
    });
    expect(scoreFault(thermal, [inc])).toMatchObject({ detected: true, incidentId: 'i1', rank: 1, top1: true, top3: true, rootCause: true, ttdS: 20, ttlS: 40, ttdListedS: null });
    // Listed by the API after the step at 30 s: the answer was readable then.
    expect(scoreFault(thermal, [inc], { i1: thermal.startMs + 30_000, other: thermal.startMs }).ttdListedS).toBe(30);
  });

  it('counts the truth entity in second place as top-3 only, and a wrong fault type as a wrong root cause', () => {
    const inc = incident('i1', {
      startMs: thermal.startMs + 10_000,
      localisedMs: thermal.startMs + 10_000,
      causes: [cause('replica:gpu-node-1:8001', 'kv_cache_exhaustion', 'infrastructure'), cause('gpu:GPU-a', 'gpu_thermal_slowdown', 'infrastructure')],
    });
    expect(scoreFault(thermal, [inc])).toMatchObject({ detected: true, rank: 2, top1: false, top3: true, rootCause: false, ttdS: 10, ttlS: null });
    const sameEntityOtherType = incident('i2', { startMs: thermal.startMs, causes: [cause('gpu:GPU-a', 'gpu_power_cap', 'infrastructure')] });
    expect(scoreFault(thermal, [sameEntityOtherType])).toMatchObject({ top1: true, rootCause: false });
  });

  it('accepts incidents up to two minutes after the fault ends, not later, and none that ended before it', () => {
    const late = incident('late', { startMs: thermal.endMs + 2 * MIN - 1, causes: [cause('gpu:GPU-a', 'gpu_thermal_slowdown', 'infrastructure')] });
    const tooLate = incident('tooLate', { startMs: thermal.endMs + 2 * MIN + 1 });
    const before = incident('before', { startMs: thermal.startMs - 5 * MIN, endMs: thermal.startMs - MIN, status: 'resolved' });
    expect(scoreFault(thermal, [late]).detected).toBe(true);
    expect(scoreFault(thermal, [tooLate, before])).toMatchObject({ detected: false, incidentId: null, ttdS: null });
  });

  it('an incident opened before the fault and still open detects it when the fault’s own anomaly appears', () => {
    const inc = incident('old', { startMs: thermal.startMs - 3 * MIN, anomalies: [anomaly('x', thermal.startMs - 3 * MIN), anomaly('gpu:GPU-a', thermal.startMs + 50_000)], causes: [cause('gpu:GPU-a', 'gpu_thermal_slowdown', 'infrastructure')] });
    expect(scoreFault(thermal, [inc]).ttdS).toBe(50);
    const noNewAnomaly = incident('old2', { startMs: thermal.startMs - 3 * MIN });
    expect(scoreFault(thermal, [noNewAnomaly]).ttdS).toBe(0);
  });

  it('a telemetry outage is only answered by a gap incident', () => {
    const asFault = incident('f', { kind: 'fault', startMs: outage.startMs + 10_000, causes: [cause('host:gpu-node-2', 'telemetry_outage', 'telemetry')] });
    const asGap = incident('g', { kind: 'gap', startMs: outage.startMs + 20_000, causes: [cause('host:gpu-node-2', 'telemetry_outage', 'telemetry')] });
    expect(scoreFault(outage, [asFault]).detected).toBe(false);
    expect(scoreFault(outage, [asFault, asGap])).toMatchObject({ detected: true, incidentId: 'g', top1: true, rootCause: true, ttdS: 20 });
  });

  it('picks the best matching incident: truth entity ranked highest, then the right root cause, then the earliest', () => {
    const a = incident('a', { startMs: thermal.startMs, causes: [cause('gpu:GPU-b', 'gpu_thermal_slowdown', 'infrastructure')] });
    const b = incident('b', { startMs: thermal.startMs + MIN, causes: [cause('gpu:GPU-a', 'gpu_power_cap', 'infrastructure')] });
    const c = incident('c', { startMs: thermal.startMs + 2 * MIN, causes: [cause('gpu:GPU-a', 'gpu_thermal_slowdown', 'infrastructure')] });
    expect(candidatesFor(thermal, [a, b, c]).map((i) => i.id)).toEqual(['c', 'b', 'a']);
    expect(scoreFault(thermal, [a, b, c]).incidentId).toBe('c');
  });
});

describe('scoreScenario', () => {
  it('a control is right only without any incident, a gap included', () => {
    expect(scoreScenario([], [])).toMatchObject({ control: true, detectionCorrect: true, falseAlarms: [] });
    const gap = incident('g', { kind: 'gap' });
    expect(scoreScenario([], [gap])).toMatchObject({ control: true, detectionCorrect: false, falseAlarms: ['g'], incidents: 1 });
  });

  it('counts incidents before the fault and about unrelated entities as false alarms', () => {
    const early = incident('early', { startMs: T0, endMs: T0 + MIN, status: 'resolved', entities: ['gpu:GPU-a'] });
    const right = incident('right', { startMs: thermal.startMs + 10_000, entities: ['gpu:GPU-a'], causes: [cause('gpu:GPU-a', 'gpu_thermal_slowdown', 'infrastructure')] });
    const echo = incident('echo', { startMs: thermal.startMs + 30_000, entities: ['replica:gpu-node-1:8001', 'gpu:GPU-a'] });
    const unrelated = incident('unrelated', { startMs: thermal.startMs + 20_000, entities: ['gpu:GPU-z'], causes: [cause('gpu:GPU-z', 'noisy_neighbour', 'infrastructure')] });
    const s = scoreScenario([thermal], [early, right, echo, unrelated]);
    expect(s.detectionCorrect).toBe(true);
    expect(s.faults[0].incidentId).toBe('right');
    expect([...s.falseAlarms].sort()).toEqual(['early', 'unrelated']);
  });

  it('a scenario with two faults is answered right only when both are detected', () => {
    const one = incident('one', { startMs: thermal.startMs, causes: [cause('gpu:GPU-a', 'gpu_thermal_slowdown', 'infrastructure')] });
    expect(scoreScenario([thermal, outage], [one]).detectionCorrect).toBe(false);
    const gap = incident('gap', { kind: 'gap', startMs: outage.startMs, endMs: outage.endMs, status: 'resolved', causes: [cause('host:gpu-node-2', 'telemetry_outage', 'telemetry')] });
    expect(scoreScenario([thermal, outage], [one, gap]).detectionCorrect).toBe(true);
  });
});

describe('summaries', () => {
  it('computes the AIOpsLab-style summary and the per-fault-type breakdown', () => {
    const right = incident('r', { startMs: thermal.startMs + 30_000, localisedMs: thermal.startMs + 60_000, causes: [cause('gpu:GPU-a', 'gpu_thermal_slowdown', 'infrastructure')] });
    const wrongPlace = incident('w', { startMs: thermal.startMs + 50_000, causes: [cause('gpu:GPU-b', 'gpu_thermal_slowdown', 'infrastructure'), cause('gpu:GPU-a', 'gpu_thermal_slowdown', 'infrastructure')] });
    const scores = [
      scoreScenario([thermal], [right]),
      scoreScenario([thermal], [wrongPlace]),
      scoreScenario([outage], []),
      scoreScenario([], []),
      scoreScenario([], [incident('fp', {})]),
    ];
    const s = summarise(scores);
    expect(s).toEqual({
      scenarios: 5,
      controls: 2,
      faults: 3,
      detection_accuracy: 3 / 5,
      false_positive_rate: 1 / 2,
      localization_top1: 1 / 3,
      localization_top3: 2 / 3,
      // Root cause is layer and fault type only (as AIOpsLab's system level and fault type): the wrongly
      // placed thermal slowdown still names the right kind of fault.
      rca_accuracy: 2 / 3,
      ttd_median_s: 40,
      ttl_median_s: 60,
      ttd_listed_median_s: null,
      false_alarms: 1,
    });
    const by = byFaultType(scores);
    expect(Object.keys(by)).toEqual(['gpu_thermal_slowdown', 'telemetry_outage', 'none']);
    expect(by.gpu_thermal_slowdown).toMatchObject({ n: 2, detected: 1, localization_top1: 0.5, localization_top3: 1, rca_accuracy: 1, ttd_median_s: 40 });
    expect(by.telemetry_outage).toMatchObject({ n: 1, detected: 0, ttd_median_s: null });
    expect(by.none).toMatchObject({ n: 2, detected: 0.5 });
  });

  it('median of odd and even counts, null for none', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});
