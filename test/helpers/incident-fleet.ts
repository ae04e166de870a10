/**
 * A small fleet and an anomaly builder for the incident tests (src/incidents/*.test.ts):
 *
 * | host   | GPUs         | replica (model)                              |
 * |--------|--------------|----------------------------------------------|
 * | node-1 | GPU-1, GPU-2 | node-1:8001 on GPU-1, node-1:8002 on GPU-2 (llama@v1) |
 * | node-2 | GPU-3, GPU-4 | node-2:8001 on GPU-3 + GPU-4 (qwen@v2)       |
 * | node-3 | GPU-5        | node-3:8001 on GPU-5 (qwen@v2)               |
 *
 * The topology is learned the way ingest feeds it: EntityLinks as entity derivation builds them.
 */
import type { Anomaly } from '../../src/detect/types.js';
import type { EntityEdge, EntityLinks, EntityRef } from '../../src/model/entity.js';
import type { Layer } from '../../src/model/faults.js';
import { Topology } from '../../src/incidents/topology.js';

/** 2026-12-03 14:00:00 UTC. */
export const T0 = Date.UTC(2026, 11, 3, 14, 0, 0);
export const S = 1000;
export const MIN = 60_000;

export const R1 = 'replica:node-1:8001';
export const R2 = 'replica:node-1:8002';
export const R3 = 'replica:node-2:8001';
export const R4 = 'replica:node-3:8001';
export const LLAMA = 'model:llama@v1';
export const QWEN = 'model:qwen@v2';

const ref = (id: string): EntityRef => {
  const i = id.indexOf(':');
  return { kind: id.slice(0, i), key: id.slice(i + 1) };
};

/** The links a vLLM `llm_request` span of `replica` carries (resource host and GPUs, replica, model). */
export function replicaLinks(replica: string, host: string, gpus: readonly string[], model: string): EntityLinks {
  const refs = [ref(replica), ref(host), ref(model), ...gpus.map(ref)];
  const edges: EntityEdge[] = [
    { from: ref(replica), to: ref(model), relation: 'serves' },
    { from: ref(replica), to: ref(host), relation: 'runs_on' },
    ...gpus.map((g) => ({ from: ref(replica), to: ref(g), relation: 'uses' })),
  ];
  return { refs, edges };
}

/** The links of a DCGM point of `gpu` on `host`. */
export function gpuLinks(host: string, gpu: string): EntityLinks {
  return { refs: [ref(host), ref(gpu)], edges: [{ from: ref(host), to: ref(gpu), relation: 'has' }] };
}

export function fleetTopology(): Topology {
  const t = new Topology();
  for (const [h, g] of [
    ['host:node-1', 'gpu:GPU-1'],
    ['host:node-1', 'gpu:GPU-2'],
    ['host:node-2', 'gpu:GPU-3'],
    ['host:node-2', 'gpu:GPU-4'],
    ['host:node-3', 'gpu:GPU-5'],
  ])
    t.observe(gpuLinks(h, g));
  t.observe(replicaLinks(R1, 'host:node-1', ['gpu:GPU-1'], LLAMA));
  t.observe(replicaLinks(R2, 'host:node-1', ['gpu:GPU-2'], LLAMA));
  t.observe(replicaLinks(R3, 'host:node-2', ['gpu:GPU-3', 'gpu:GPU-4'], QWEN));
  t.observe(replicaLinks(R4, 'host:node-3', ['gpu:GPU-5'], QWEN));
  return t;
}

export interface AnomalySpec {
  readonly kind?: Anomaly['kind'];
  readonly direction?: Anomaly['direction'];
  /** Seconds after T0. */
  readonly at?: number;
  /** Seconds after T0 it closed (absent: open). */
  readonly end?: number;
  /** Seconds after T0 of the latest observation (default: `end`, else `at`). */
  readonly last?: number;
  readonly score?: number;
  readonly baseline?: number | null;
  readonly observed?: number;
  readonly detail?: string;
  readonly examples?: Anomaly['examples'];
}

/** An anomaly as the detector reports it. */
export function anomaly(entity: string, signal: string, layer: Layer, spec: AnomalySpec = {}): Anomaly {
  const kind = spec.kind ?? 'shift';
  const startMs = T0 + (spec.at ?? 0) * S;
  const endMs = spec.end === undefined ? null : T0 + spec.end * S;
  return {
    id: `${entity}|${signal}|${startMs}`,
    entity,
    signal,
    layer,
    kind,
    direction: spec.direction === undefined ? (kind === 'shift' ? 'up' : null) : spec.direction,
    startMs,
    lastMs: spec.last !== undefined ? T0 + spec.last * S : (endMs ?? startMs),
    endMs,
    baseline: spec.baseline === undefined ? (kind === 'shift' ? 1 : null) : spec.baseline,
    observed: spec.observed ?? (kind === 'shift' ? (spec.direction === 'down' ? 0.7 : 1.4) : 1),
    score: spec.score ?? (kind === 'event' ? 100 : 5),
    detail: spec.detail ?? '',
    examples: spec.examples ?? [],
  };
}

/** An event (bad by definition). */
export function event(entity: string, signal: string, detail: string, at = 0): Anomaly {
  return anomaly(entity, signal, 'infrastructure', { kind: 'event', detail, at });
}

/** A telemetry gap. */
export function gap(entity: string, at = 0, signal = 'up'): Anomaly {
  return anomaly(entity, signal, 'telemetry', { kind: 'gap', direction: 'down', at, baseline: 1, observed: 0, detail: 'scrape target not answering' });
}
