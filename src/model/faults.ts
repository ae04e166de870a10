/**
 * The fault vocabulary shared by the simulator's ground truth (sim/), the root-cause ranking
 * (incidents/) and the benchmark's scoring (bench/): what can go wrong, in which layer it lives,
 * and which kind of entity it is pinned on. docs/scenarios.md documents the same table.
 */

/** Where a root cause lives: the survey's layers, plus the input distribution and telemetry itself. */
export type Layer = 'internals' | 'confidence' | 'behaviour' | 'infrastructure' | 'input' | 'telemetry';

export interface FaultDefinition {
  readonly layer: Layer;
  /** The entity kind the fault is pinned on (`fleet` for fleet-wide input drift: entity id `fleet:all`). */
  readonly entityKind: 'gpu' | 'replica' | 'model' | 'host' | 'fleet';
  readonly description: string;
}

export const FAULTS = {
  gpu_thermal_slowdown: { layer: 'infrastructure', entityKind: 'gpu', description: 'hardware thermal slowdown: SM clock down, inter-token latency up' },
  gpu_power_cap: { layer: 'infrastructure', entityKind: 'gpu', description: 'power capping: power at the limit, clocks down, latency up' },
  gpu_xid_79: { layer: 'infrastructure', entityKind: 'gpu', description: 'XID 79, GPU fallen off the bus: its replicas fail or stall' },
  gpu_ecc_uncorrectable: { layer: 'infrastructure', entityKind: 'gpu', description: 'XID 48/94, uncorrectable ECC: corrupted outputs, confidence collapse' },
  nvlink_errors: { layer: 'infrastructure', entityKind: 'gpu', description: 'NVLink errors on a GPU of a multi-GPU replica: inter-token latency up' },
  kv_cache_exhaustion: { layer: 'infrastructure', entityKind: 'replica', description: 'KV cache full: preemptions, queueing, TTFT up' },
  noisy_neighbour: { layer: 'infrastructure', entityKind: 'gpu', description: "another tenant's load on the same GPU: utilisation up, latency up" },
  bad_rollout: { layer: 'confidence', entityKind: 'replica', description: 'wrong or over-quantised weights on one replica: confidence and accuracy shift, calibration breaks, latency unchanged' },
  prompt_drift: { layer: 'input', entityKind: 'fleet', description: 'the prompt distribution shifts across the fleet: confidence drops everywhere, hardware healthy' },
  chat_template_misconfig: { layer: 'confidence', entityKind: 'replica', description: 'chat-template misconfiguration: garbled output, confidence and format collapse' },
  reasoning_regression: { layer: 'behaviour', entityKind: 'model', description: 'a model version reasons badly: more reward-hacking reasoning flagged by the monitors' },
  probe_alarm: { layer: 'internals', entityKind: 'replica', description: "probe propositions disagree with outputs on one replica (as under a backdoor trigger)" },
  telemetry_outage: { layer: 'telemetry', entityKind: 'host', description: 'a scrape target stops answering: a gap in the data, not a fault of what it watches' },
} as const satisfies Record<string, FaultDefinition>;

export type FaultType = keyof typeof FAULTS;

export const FAULT_TYPES = Object.keys(FAULTS) as FaultType[];

export function isFaultType(s: string): s is FaultType {
  return Object.hasOwn(FAULTS, s);
}

/** The pseudo-entity a fleet-wide cause is pinned on. */
export const FLEET_ENTITY = 'fleet:all';
