/**
 * The fault schedule of a scenario: which faults are active at a time, what each one does to a GPU or a
 * replica (the effects table in docs/scenarios.md), and the ground truth `strata bench` scores against.
 * Effects are pure functions of (scenario, time): the simulator's models (gpu-state.ts, replica-state.ts,
 * quality.ts, responses.ts) ask here and apply them.
 */
import { FAULTS, FLEET_ENTITY, type FaultType } from '../model/faults.js';
import type { FaultSpec, ReplicaSpec, Scenario } from './scenario.js';
import type { GroundTruth } from './types.js';

/** What the active faults do to one GPU (severities in 0..1, 0 when not active). */
export interface GpuFaults {
  readonly thermal: number;
  readonly powerCap: number;
  /** XID 79: off the bus. */
  readonly offBus: boolean;
  readonly ecc: number;
  /** XID of the active ECC fault (48 or 94), 0 when none. */
  readonly eccXid: number;
  readonly nvlink: number;
  readonly noisyNeighbour: number;
}

/** What the active faults do to one replica (directly, or through its GPUs or model version). */
export interface ReplicaFaults {
  /** A GPU of the replica fell off the bus: the engine is dead, requests fail. */
  readonly engineDead: boolean;
  /** Uncorrectable ECC on a GPU of the replica: corrupted outputs. */
  readonly corrupted: number;
  /** Slowest-GPU thermal and power-cap severities (latency goes through the GPU clocks instead). */
  readonly nvlink: number;
  readonly noisyNeighbour: number;
  readonly kvExhaustion: number;
  /** ms since the KV-cache fault started (its leak builds up), 0 when none. */
  readonly kvSinceMs: number;
  readonly badRollout: number;
  readonly templateMisconfig: number;
  readonly reasoningRegression: number;
  readonly probeAlarm: number;
  readonly promptDrift: number;
}

export const NO_REPLICA_FAULTS: ReplicaFaults = {
  engineDead: false,
  corrupted: 0,
  nvlink: 0,
  noisyNeighbour: 0,
  kvExhaustion: 0,
  kvSinceMs: 0,
  badRollout: 0,
  templateMisconfig: 0,
  reasoningRegression: 0,
  probeAlarm: 0,
  promptDrift: 0,
};

interface Window {
  readonly spec: FaultSpec;
  readonly fromMs: number;
  readonly toMs: number;
}

export class FaultSchedule {
  private readonly windows: readonly Window[];
  private readonly scenario: Scenario;

  constructor(scenario: Scenario) {
    this.scenario = scenario;
    this.windows = scenario.faults.map((spec) => ({ spec, fromMs: scenario.startMs + spec.startMs, toMs: scenario.startMs + spec.endMs }));
  }

  /** True when no fault is scheduled at all (a control scenario). */
  get empty(): boolean {
    return this.windows.length === 0;
  }

  /** The strongest active fault of `type` on `target` (null matches the fleet-wide ones) at unix ms `t`. */
  private active(type: FaultType, target: string | null, t: number): Window | null {
    let best: Window | null = null;
    for (const w of this.windows)
      if (w.spec.type === type && w.spec.target === target && t >= w.fromMs && t < w.toMs && (best === null || w.spec.severity > best.spec.severity)) best = w;
    return best;
  }

  severity(type: FaultType, target: string | null, t: number): number {
    return this.active(type, target, t)?.spec.severity ?? 0;
  }

  gpu(uuid: string, t: number): GpuFaults {
    const ecc = this.active('gpu_ecc_uncorrectable', uuid, t);
    return {
      thermal: this.severity('gpu_thermal_slowdown', uuid, t),
      powerCap: this.severity('gpu_power_cap', uuid, t),
      offBus: this.active('gpu_xid_79', uuid, t) !== null,
      ecc: ecc?.spec.severity ?? 0,
      eccXid: ecc?.spec.xid ?? 0,
      nvlink: this.severity('nvlink_errors', uuid, t),
      noisyNeighbour: this.severity('noisy_neighbour', uuid, t),
    };
  }

  replica(r: ReplicaSpec, t: number): ReplicaFaults {
    if (this.windows.length === 0) return NO_REPLICA_FAULTS;
    let engineDead = false;
    let corrupted = 0;
    let nvlink = 0;
    let noisy = 0;
    for (const g of r.gpus) {
      if (this.active('gpu_xid_79', g, t)) engineDead = true;
      corrupted = Math.max(corrupted, this.severity('gpu_ecc_uncorrectable', g, t));
      // NVLink carries tensor-parallel traffic: a single-GPU replica does not use it.
      if (r.gpus.length > 1) nvlink = Math.max(nvlink, this.severity('nvlink_errors', g, t));
      noisy = Math.max(noisy, this.severity('noisy_neighbour', g, t));
    }
    const kv = this.active('kv_cache_exhaustion', r.id, t);
    return {
      engineDead,
      corrupted,
      nvlink,
      noisyNeighbour: noisy,
      kvExhaustion: kv?.spec.severity ?? 0,
      kvSinceMs: kv ? t - kv.fromMs : 0,
      badRollout: this.severity('bad_rollout', r.id, t),
      templateMisconfig: this.severity('chat_template_misconfig', r.id, t),
      reasoningRegression: this.severity('reasoning_regression', r.version, t),
      probeAlarm: this.severity('probe_alarm', r.id, t),
      promptDrift: this.severity('prompt_drift', null, t),
    };
  }

  /** Fleet-wide prompt drift severity at `t`. */
  drift(t: number): number {
    return this.severity('prompt_drift', null, t);
  }

  /** True while a telemetry outage silences the scrape target of a host (DCGM) or a replica (vLLM). */
  outage(id: string, t: number): boolean {
    return this.active('telemetry_outage', id, t) !== null;
  }

  /** The injected faults as `strata bench` scores them. */
  truth(): GroundTruth[] {
    return this.windows.map((w) => ({
      type: w.spec.type,
      layer: FAULTS[w.spec.type].layer,
      entity: truthEntity(this.scenario, w.spec),
      startMs: w.fromMs,
      endMs: w.toMs,
    }));
  }
}

/** The Strata entity id of a replica: its endpoint, as the gateway's spans and vLLM's instance id name it. */
export function replicaEntityId(r: ReplicaSpec): string {
  return `replica:${r.host}:${r.port}`;
}

/** The entity a fault is pinned on (a telemetry outage of a replica's target is pinned on that replica). */
export function truthEntity(scenario: Scenario, f: FaultSpec): string {
  const kind = FAULTS[f.type].entityKind;
  if (kind === 'gpu') return `gpu:${f.target}`;
  if (kind === 'model') return `model:${f.target}`;
  if (kind === 'fleet') return FLEET_ENTITY;
  if (kind === 'host' && scenario.hosts.some((h) => h.name === f.target)) return `host:${f.target}`;
  const replica = scenario.replicas.find((r) => r.id === f.target);
  return replica ? replicaEntityId(replica) : `replica:${f.target}`;
}
