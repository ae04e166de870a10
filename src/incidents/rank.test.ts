import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../detect/types.js';
import { FAULT_TYPES, FAULTS, FLEET_ENTITY, type FaultType } from '../model/faults.js';
import { anomaly, event, fleetTopology, gap, LLAMA, QWEN, R1, R2, R3, R4 } from '../../test/helpers/incident-fleet.js';
import { CAUSAL_LINKS } from './causal-links.js';
import { rankCauses } from './rank.js';
import type { RankedCause } from './types.js';

const topology = fleetTopology();

function top(anomalies: readonly Anomaly[]): RankedCause {
  const causes = rankCauses(anomalies, topology);
  expect(causes.length).toBeGreaterThan(0);
  return causes[0];
}

function expectTop(anomalies: readonly Anomaly[], entity: string, faultType: FaultType): RankedCause {
  const t = top(anomalies);
  expect({ entity: t.entity, faultType: t.faultType }).toEqual({ entity, faultType });
  expect(t.layer).toBe(FAULTS[faultType].layer);
  return t;
}

/** One hand-built anomaly set per fault type, with the side symptoms each fault really brings. */
const SCENARIOS: Record<FaultType, { anomalies: Anomaly[]; entity: string }> = {
  gpu_thermal_slowdown: {
    entity: 'gpu:GPU-1',
    anomalies: [
      anomaly('gpu:GPU-1', 'gpu.temperature', 'infrastructure', { at: 30, score: 6, baseline: 62, observed: 88 }),
      event('gpu:GPU-1', 'gpu.throttle.reasons', 'hw_thermal_slowdown', 60),
      anomaly('gpu:GPU-1', 'gpu.clock.sm', 'infrastructure', { at: 65, direction: 'down', score: 8, baseline: 1.98e9, observed: 1.2e9 }),
      anomaly('gpu:GPU-1', 'gpu.power.draw', 'infrastructure', { at: 70, direction: 'down', score: 3 }),
      anomaly(R1, 'span.itl', 'infrastructure', { at: 80, score: 7, baseline: 0.02, observed: 0.034 }),
      anomaly(R1, 'engine.itl', 'infrastructure', { at: 90, score: 6 }),
      anomaly(R1, 'gpu.utilization', 'infrastructure', { at: 90, score: 3 }),
    ],
  },
  gpu_power_cap: {
    entity: 'gpu:GPU-3',
    anomalies: [
      anomaly('gpu:GPU-3', 'gpu.power.limit', 'infrastructure', { at: 0, direction: 'down', score: 20 }),
      event('gpu:GPU-3', 'gpu.throttle.reasons', 'sw_power_cap', 5),
      anomaly('gpu:GPU-3', 'gpu.power.draw', 'infrastructure', { at: 10, direction: 'down', score: 9 }),
      anomaly('gpu:GPU-3', 'gpu.clock.sm', 'infrastructure', { at: 10, direction: 'down', score: 7 }),
      anomaly(R3, 'span.itl', 'infrastructure', { at: 30, score: 6 }),
      anomaly(R3, 'span.duration', 'infrastructure', { at: 40, score: 4 }),
    ],
  },
  gpu_xid_79: {
    entity: 'gpu:GPU-5',
    anomalies: [
      event('gpu:GPU-5', 'gpu.xid', 'XID 79', 0),
      anomaly(R4, 'span.error_rate', 'infrastructure', { at: 5, score: 25, baseline: 0.01, observed: 1 }),
      anomaly(R4, 'engine.tokens.generation', 'infrastructure', { at: 10, direction: 'down', score: 12 }),
      gap('gpu:GPU-5', 20, 'gpu.utilization'),
    ],
  },
  gpu_ecc_uncorrectable: {
    entity: 'gpu:GPU-2',
    anomalies: [
      event('gpu:GPU-2', 'gpu.xid', 'XID 48', 0),
      event('gpu:GPU-2', 'gpu.ecc.errors.volatile', 'double_bit +2', 1),
      anomaly(R2, 'span.confidence', 'confidence', { at: 20, direction: 'down', score: 9, baseline: 0.78, observed: 0.41 }),
      anomaly(R2, 'engine.requests.corrupted', 'infrastructure', { at: 25, score: 8 }),
    ],
  },
  nvlink_errors: {
    entity: 'gpu:GPU-4',
    anomalies: [
      anomaly('gpu:GPU-4', 'gpu.nvlink.errors', 'infrastructure', { at: 0, score: 15, detail: 'crc_flit +120' }),
      anomaly(R3, 'span.itl', 'infrastructure', { at: 20, score: 7 }),
      anomaly(R3, 'engine.itl', 'infrastructure', { at: 25, score: 6 }),
    ],
  },
  kv_cache_exhaustion: {
    entity: R1,
    anomalies: [
      anomaly(R1, 'engine.kv_cache.usage', 'infrastructure', { at: 0, score: 9, baseline: 0.6, observed: 0.99 }),
      anomaly(R1, 'engine.preemptions', 'infrastructure', { at: 10, score: 12 }),
      anomaly(R1, 'engine.requests.waiting', 'infrastructure', { at: 12, score: 8 }),
      anomaly(R1, 'span.ttft', 'infrastructure', { at: 15, score: 10 }),
      anomaly(R1, 'engine.ttft', 'infrastructure', { at: 20, score: 9 }),
      anomaly('gpu:GPU-1', 'gpu.utilization', 'infrastructure', { at: 5, score: 4 }),
    ],
  },
  noisy_neighbour: {
    entity: 'gpu:GPU-5',
    anomalies: [
      anomaly('gpu:GPU-5', 'gpu.utilization', 'infrastructure', { at: 0, score: 9, baseline: 0.55, observed: 0.97 }),
      anomaly('gpu:GPU-5', 'gpu.memory.used', 'infrastructure', { at: 0, score: 6 }),
      anomaly('gpu:GPU-5', 'gpu.temperature', 'infrastructure', { at: 30, score: 4 }),
      anomaly('gpu:GPU-5', 'gpu.power.draw', 'infrastructure', { at: 20, score: 4 }),
      anomaly(R4, 'span.itl', 'infrastructure', { at: 15, score: 6 }),
      anomaly(R4, 'span.ttft', 'infrastructure', { at: 20, score: 5 }),
    ],
  },
  bad_rollout: {
    entity: R2,
    anomalies: [
      anomaly(R2, 'span.confidence', 'confidence', { at: 0, direction: 'down', score: 8, baseline: 0.8, observed: 0.55 }),
      anomaly(R2, 'calibration.ece', 'confidence', { at: 120, score: 6 }),
    ],
  },
  prompt_drift: {
    entity: FLEET_ENTITY,
    anomalies: [R1, R2, R3, R4].map((r, i) => anomaly(r, 'span.confidence', 'confidence', { at: 10 * i, direction: 'down', score: 5 + i, baseline: 0.8, observed: 0.6 })),
  },
  chat_template_misconfig: {
    entity: R4,
    anomalies: [
      anomaly(R4, 'span.format_failure_rate', 'confidence', { at: 0, score: 14, baseline: 0.01, observed: 0.7 }),
      anomaly(R4, 'span.confidence', 'confidence', { at: 5, direction: 'down', score: 9 }),
    ],
  },
  reasoning_regression: {
    entity: QWEN,
    anomalies: [
      anomaly(R3, 'monitor.flag_rate', 'behaviour', { at: 0, score: 7, baseline: 0.05, observed: 0.3 }),
      anomaly(R4, 'monitor.flag_rate', 'behaviour', { at: 40, score: 6 }),
    ],
  },
  probe_alarm: {
    entity: R1,
    anomalies: [
      anomaly(R1, 'probe.alarm_rate', 'internals', { at: 0, score: 11 }),
      anomaly(R1, 'probe.agreement', 'internals', { at: 10, direction: 'down', score: 8 }),
    ],
  },
  telemetry_outage: {
    entity: 'host:node-2',
    anomalies: [gap('host:node-2', 0), gap('gpu:GPU-3', 10, 'gpu.temperature'), gap('gpu:GPU-4', 10, 'gpu.temperature')],
  },
};

describe('rankCauses: each fault type ranks its own cause first', () => {
  it('covers every fault type of the vocabulary and every link of the table', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual([...FAULT_TYPES].sort());
    expect(CAUSAL_LINKS.map((l) => l.faultType).sort()).toEqual([...FAULT_TYPES].sort());
  });

  for (const ft of FAULT_TYPES) {
    it(ft, () => {
      const { anomalies, entity } = SCENARIOS[ft];
      const t = expectTop(anomalies, entity, ft);
      expect(t.evidence.length).toBeGreaterThan(0);
      expect(t.explanation.length).toBeGreaterThan(10);
      // The order in which anomalies arrive does not matter.
      expectTop([...anomalies].reverse(), entity, ft);
    });
  }
});

describe('rankCauses: telling look-alikes apart', () => {
  it('thermal vs power cap without throttle reasons: temperature or the power limit decides', () => {
    const clock = anomaly('gpu:GPU-1', 'gpu.clock.sm', 'infrastructure', { at: 0, direction: 'down', score: 8 });
    const itl = anomaly(R1, 'span.itl', 'infrastructure', { at: 20, score: 6 });
    expectTop([clock, itl, anomaly('gpu:GPU-1', 'gpu.temperature', 'infrastructure', { at: 0, score: 6 })], 'gpu:GPU-1', 'gpu_thermal_slowdown');
    expectTop([clock, itl, anomaly('gpu:GPU-1', 'gpu.power.limit', 'infrastructure', { at: 0, direction: 'down', score: 20 })], 'gpu:GPU-1', 'gpu_power_cap');
  });

  it('the throttle reason outweighs a power draw change under thermal slowdown', () => {
    expectTop(
      [
        event('gpu:GPU-1', 'gpu.throttle.reasons', 'hw_slowdown,hw_thermal', 0),
        anomaly('gpu:GPU-1', 'gpu.power.draw', 'infrastructure', { at: 0, direction: 'down', score: 9 }),
        anomaly('gpu:GPU-1', 'gpu.clock.sm', 'infrastructure', { at: 0, direction: 'down', score: 8 }),
        anomaly(R1, 'span.itl', 'infrastructure', { at: 20, score: 6 }),
      ],
      'gpu:GPU-1',
      'gpu_thermal_slowdown',
    );
  });

  it('a busy GPU with throttling is not a noisy neighbour', () => {
    const causes = rankCauses(
      [
        anomaly('gpu:GPU-5', 'gpu.utilization', 'infrastructure', { at: 0, score: 9 }),
        event('gpu:GPU-5', 'gpu.throttle.reasons', 'hw_thermal', 0),
        anomaly('gpu:GPU-5', 'gpu.clock.sm', 'infrastructure', { at: 0, direction: 'down', score: 6 }),
        anomaly(R4, 'span.itl', 'infrastructure', { at: 20, score: 6 }),
      ],
      topology,
    );
    expect(causes[0].faultType).toBe('gpu_thermal_slowdown');
    const noisy = causes.find((c) => c.faultType === 'noisy_neighbour');
    if (noisy !== undefined) expect(noisy.score).toBeLessThan(causes[0].score / 2);
  });

  it('KV exhaustion is pinned on the replica, not on its GPU', () => {
    const t = top(SCENARIOS.kv_cache_exhaustion.anomalies);
    expect(t.entity).toBe(R1);
  });

  it('NVLink errors blame the GPU with the errors, not the other GPU of the replica', () => {
    const causes = rankCauses(SCENARIOS.nvlink_errors.anomalies, topology);
    expect(causes[0].entity).toBe('gpu:GPU-4');
    expect(causes.some((c) => c.entity === 'gpu:GPU-3' && c.faultType === 'nvlink_errors')).toBe(false);
  });

  it('ECC: the confidence collapse is evidence of the GPU fault, not a rollout', () => {
    const causes = rankCauses(SCENARIOS.gpu_ecc_uncorrectable.anomalies, topology);
    const ecc = causes[0];
    expect(ecc.evidence.map((e) => e.signal)).toEqual(expect.arrayContaining(['gpu.xid', 'span.confidence']));
    const rollout = causes.find((c) => c.faultType === 'bad_rollout');
    if (rollout !== undefined) expect(rollout.score).toBeLessThan(ecc.score / 3);
  });

  it('XID 79 without the event: telemetry of the host stopping while its replica fails', () => {
    expectTop(
      [
        gap('host:node-3', 0),
        anomaly(R4, 'span.error_rate', 'infrastructure', { at: 5, score: 25 }),
      ],
      'gpu:GPU-5',
      'gpu_xid_79',
    );
  });

  it('a gap alone is a telemetry outage of its scrape target: the host of a GPU, or the replica itself', () => {
    expectTop([gap(R1, 0)], R1, 'telemetry_outage');
    expectTop([gap('replica:node-9:8000', 0)], 'replica:node-9:8000', 'telemetry_outage');
    expectTop([gap('gpu:GPU-5', 0)], 'host:node-3', 'telemetry_outage');
    expectTop([gap('gpu:GPU-9', 0)], 'gpu:GPU-9', 'telemetry_outage');
  });

  it('format failures on one replica are a template problem; without them, a rollout', () => {
    const conf = anomaly(R4, 'span.confidence', 'confidence', { at: 0, direction: 'down', score: 9 });
    expectTop([conf], R4, 'bad_rollout');
    expectTop([conf, anomaly(R4, 'span.format_failure_rate', 'confidence', { at: 0, score: 6 })], R4, 'chat_template_misconfig');
  });

  it('without a format signal, a collapse of confidence is a template problem, a rise a rollout', () => {
    expectTop([anomaly(R3, 'span.confidence', 'confidence', { direction: 'down', score: 12, baseline: 0.75, observed: 0.18 })], R3, 'chat_template_misconfig');
    expectTop([anomaly(R3, 'span.confidence', 'confidence', { direction: 'up', score: 4, baseline: 0.75, observed: 0.86 })], R3, 'bad_rollout');
    // With the GPU reporting uncorrectable errors, the collapse is the GPU's.
    expectTop([event('gpu:GPU-2', 'gpu.ecc.errors.volatile', 'uncorrectable ECC errors +1', 0), anomaly(R2, 'span.confidence', 'confidence', { at: 10, direction: 'down', score: 12, baseline: 0.75, observed: 0.2 })], 'gpu:GPU-2', 'gpu_ecc_uncorrectable');
  });

  it('a confidence drop with latency up on the same replica is not a rollout', () => {
    const causes = rankCauses(
      [anomaly(R2, 'span.confidence', 'confidence', { at: 0, direction: 'down', score: 6 }), anomaly(R2, 'span.ttft', 'infrastructure', { at: 0, score: 8 }), anomaly(R2, 'span.itl', 'infrastructure', { at: 0, score: 8 })],
      topology,
    );
    const rollout = causes.find((c) => c.faultType === 'bad_rollout')!;
    const alone = rankCauses([anomaly(R2, 'span.confidence', 'confidence', { at: 0, direction: 'down', score: 6 })], topology)[0];
    expect(rollout.score).toBeLessThan(alone.score / 2);
  });

  it('every replica of one model version dropping, the other version fine: that model version', () => {
    expectTop(
      [R1, R2].map((r, i) => anomaly(r, 'span.confidence', 'confidence', { at: i * 10, direction: 'down', score: 7 })),
      LLAMA,
      'bad_rollout',
    );
  });

  it('monitor flags on the model entity itself: that model version', () => {
    expectTop([anomaly(LLAMA, 'monitor.flag_rate', 'behaviour', { at: 0, score: 8 })], LLAMA, 'reasoning_regression');
  });
});

describe('rankCauses: prompt drift is never blamed on a GPU', () => {
  it('fleet-wide drop with healthy hardware: fleet:all, input layer, and no GPU among the causes', () => {
    const causes = rankCauses(SCENARIOS.prompt_drift.anomalies, topology);
    expect(causes[0]).toMatchObject({ entity: FLEET_ENTITY, faultType: 'prompt_drift', layer: 'input' });
    expect(causes.filter((c) => c.entity.startsWith('gpu:'))).toEqual([]);
    expect(causes[0].explanation).toContain('4 of 4 replicas');
  });

  it('still fleet:all when the drift also moves GPU load and TTFT (longer prompts)', () => {
    const anomalies = [
      ...SCENARIOS.prompt_drift.anomalies,
      anomaly('gpu:GPU-5', 'gpu.utilization', 'infrastructure', { at: 5, score: 9 }),
      anomaly('gpu:GPU-1', 'gpu.utilization', 'infrastructure', { at: 5, score: 7 }),
      anomaly(R4, 'span.ttft', 'infrastructure', { at: 10, score: 6 }),
      anomaly(R1, 'span.ttft', 'infrastructure', { at: 10, score: 6 }),
    ];
    const causes = rankCauses(anomalies, topology);
    expect(causes[0]).toMatchObject({ entity: FLEET_ENTITY, faultType: 'prompt_drift' });
  });

  it('two versions dropping is drift even when not most replicas', () => {
    expectTop([R1, R4].map((r) => anomaly(r, 'span.confidence', 'confidence', { direction: 'down', score: 6 })), FLEET_ENTITY, 'prompt_drift');
  });

  it('a fleet-wide drop while one GPU really fails: the failing GPU explains its replica, drift the rest', () => {
    const causes = rankCauses([...SCENARIOS.prompt_drift.anomalies, event('gpu:GPU-2', 'gpu.xid', 'XID 48', 0)], topology);
    const types = causes.slice(0, 2).map((c) => c.faultType);
    expect(types).toEqual(expect.arrayContaining(['prompt_drift', 'gpu_ecc_uncorrectable']));
  });
});

describe('rankCauses: ordering and evidence', () => {
  it('evidence carries the anomalies with their examples, causes first', () => {
    const examples = Array.from({ length: 8 }, (_, i) => ({ traceId: `${i}`.padStart(32, '0'), spanId: `${i}`.padStart(16, '0') }));
    const anomalies = [
      anomaly(R4, 'span.itl', 'infrastructure', { at: 20, score: 6, examples }),
      anomaly('gpu:GPU-5', 'gpu.nvlink.errors', 'infrastructure', { at: 0, score: 15 }),
    ];
    const [c] = rankCauses(anomalies, topology, { maxExamples: 3 });
    expect(c.evidence.map((e) => [e.entity, e.signal])).toEqual([
      ['gpu:GPU-5', 'gpu.nvlink.errors'],
      [R4, 'span.itl'],
    ]);
    expect(c.evidence[1]).toMatchObject({ layer: 'infrastructure', kind: 'shift', anomalyId: anomalies[0].id, startMs: anomalies[0].startMs });
    expect(c.evidence[1].examples).toEqual(examples.slice(0, 3));
    expect(c.explanation).toMatch(/^NVLink errors -> .*; then inter-token latency on replica node-3:8001 rose 40% at 14:00:20$/);
  });

  it('a cause starting long after the symptoms it would explain loses to one that precedes them', () => {
    const itl = anomaly(R1, 'span.itl', 'infrastructure', { at: 0, score: 6 });
    const early = rankCauses([itl, anomaly('gpu:GPU-1', 'gpu.clock.sm', 'infrastructure', { at: 0, direction: 'down', score: 7 })], topology)[0];
    const late = rankCauses([itl, anomaly('gpu:GPU-1', 'gpu.clock.sm', 'infrastructure', { at: 600, direction: 'down', score: 7 })], topology)[0];
    expect(late.score).toBeLessThan(early.score);
  });

  it('no candidate for anomalies no link explains', () => {
    expect(rankCauses([anomaly(R1, 'span.output_tokens', 'infrastructure', { score: 5 })], topology)).toEqual([]);
    expect(rankCauses([], topology)).toEqual([]);
  });

  it('keeps at most maxCauses, scores descending', () => {
    const causes = rankCauses(SCENARIOS.gpu_thermal_slowdown.anomalies, topology, { maxCauses: 2 });
    expect(causes.length).toBeLessThanOrEqual(2);
    for (let i = 1; i < causes.length; i++) expect(causes[i].score).toBeLessThanOrEqual(causes[i - 1].score);
  });
});
