/**
 * A sample incident (a GPU's thermal slowdown raising two replicas' inter-token latency), for trying
 * a receiver configuration end to end, for documentation, and for tests.
 */
import type { Incident } from '../incidents/types.js';

export function sampleIncident(overrides: Partial<Incident> = {}): Incident {
  const startMs = Date.UTC(2026, 0, 1, 12, 0, 0);
  const gpu = 'gpu:GPU-1b2c3d4e';
  return {
    id: 'inc-0001',
    status: 'open',
    kind: 'fault',
    summary: `Thermal slowdown on ${gpu} raised inter-token latency on 2 replicas`,
    startMs,
    endMs: null,
    updatedMs: startMs + 30_000,
    openedMs: startMs + 20_000,
    localisedMs: startMs + 20_000,
    entities: [gpu, 'replica:gpu-node-1:8001', 'replica:gpu-node-1:8002'],
    affectedRequests: 37,
    causes: [
      {
        entity: gpu,
        layer: 'infrastructure',
        faultType: 'gpu_thermal_slowdown',
        score: 0.92,
        explanation: 'thermal slowdown -> SM clock -> inter-token latency',
        evidence: [
          {
            entity: gpu,
            signal: 'gpu.clock.sm',
            layer: 'infrastructure',
            kind: 'shift',
            startMs,
            detail: 'SM clock 1110 MHz vs 1980 MHz',
            anomalyId: `${gpu}|gpu.clock.sm|${startMs}`,
            examples: [],
          },
        ],
      },
      { entity: 'replica:gpu-node-1:8001', layer: 'infrastructure', faultType: 'kv_cache_exhaustion', score: 0.2, explanation: 'preemptions -> TTFT', evidence: [] },
    ],
    anomalies: [],
    mitigation: `Drain the replicas on ${gpu} and check its cooling.`,
    ...overrides,
  };
}
