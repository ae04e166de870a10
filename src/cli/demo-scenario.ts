/**
 * The built-in scenario of `strata demo`: two hosts with two GPUs each, three replicas of one
 * reasoning model (one of them tensor-parallel over two GPUs), steady traffic, and faults on a cycle
 * starting about a minute in: a GPU thermal slowdown, a bad rollout, KV-cache exhaustion and an
 * uncorrectable ECC error, each for three minutes, a new one every four, on changing targets.
 */
import { parseScenario, type Scenario } from '../sim/scenario.js';

export const DEMO_MODEL = 'qwen3-8b';
export const DEMO_FIRST_FAULT_MS = 60_000;
export const DEMO_FAULT_MS = 180_000;
export const DEMO_FAULT_EVERY_MS = 240_000;
/** Long enough for any demo session; the fault cycle runs to its end. */
export const DEMO_DURATION_MS = 12 * 3_600_000;

const GPUS = {
  a: 'GPU-6b1c2f0e-3d4a-4b5c-8d6e-7f8091a2b3c4',
  b: 'GPU-9e8d7c6b-5a49-4382-9170-f6e5d4c3b2a1',
  c: 'GPU-1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  d: 'GPU-d4c3b2a1-f0e9-4d8c-b7a6-958473625140',
} as const;

/** The fault cycle: type and the targets it moves through. */
const CYCLE: readonly { readonly type: string; readonly targets: readonly string[] }[] = [
  { type: 'gpu_thermal_slowdown', targets: [GPUS.a, GPUS.c, GPUS.b] },
  { type: 'bad_rollout', targets: ['r2', 'r1', 'r3'] },
  { type: 'kv_cache_exhaustion', targets: ['r1', 'r3', 'r2'] },
  { type: 'gpu_ecc_uncorrectable', targets: [GPUS.b, GPUS.a, GPUS.d] },
];

const ms = (n: number): string => `${Math.round(n / 1000)}s`;

/** The faults of the cycle from the first at {@link DEMO_FIRST_FAULT_MS} to the scenario's end. */
export function demoFaults(durationMs = DEMO_DURATION_MS): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let k = 0; ; k++) {
    const start = DEMO_FIRST_FAULT_MS + k * DEMO_FAULT_EVERY_MS;
    if (start + DEMO_FAULT_MS > durationMs) return out;
    const c = CYCLE[k % CYCLE.length];
    const round = Math.floor(k / CYCLE.length);
    out.push({ type: c.type, target: c.targets[round % c.targets.length], start: ms(start), duration: ms(DEMO_FAULT_MS), severity: 0.9 });
  }
}

/** The demo scenario as a scenario document (docs/scenarios.md), starting at `startMs`. */
export function demoScenarioDocument(startMs: number, seed = 1): Record<string, unknown> {
  return {
    name: 'demo',
    description: 'strata demo: a small fleet with faults on a cycle',
    seed,
    start: new Date(startMs).toISOString(),
    duration: ms(DEMO_DURATION_MS),
    scrape_interval: '10s',
    topology: {
      hosts: [
        { name: 'gpu-node-1', gpus: [{ uuid: GPUS.a }, { uuid: GPUS.b }] },
        { name: 'gpu-node-2', gpus: [{ uuid: GPUS.c }, { uuid: GPUS.d }] },
      ],
      replicas: [
        { id: 'r1', host: 'gpu-node-1', port: 8001, gpus: [GPUS.a], model: DEMO_MODEL, version: `${DEMO_MODEL}-2025-04` },
        { id: 'r2', host: 'gpu-node-1', port: 8002, gpus: [GPUS.b], model: DEMO_MODEL, version: `${DEMO_MODEL}-2025-04` },
        { id: 'r3', host: 'gpu-node-2', port: 8001, gpus: [GPUS.c, GPUS.d], model: DEMO_MODEL, version: `${DEMO_MODEL}-2025-04` },
      ],
    },
    workload: { rate: 2, burstiness: 0.2, prompt_tokens: 400, output_tokens: 120, reasoning: true },
    faults: demoFaults(),
  };
}

/** The demo scenario, starting at `startMs` (the wall clock when the demo starts). */
export function demoScenario(startMs: number, seed = 1): Scenario {
  return parseScenario(demoScenarioDocument(startMs, seed), 'built-in demo scenario');
}
