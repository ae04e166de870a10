/**
 * The simulated fleet (`Fleet`, sim/types.ts): a scenario's hosts, GPUs and replicas stepped on the
 * scenario clock. Requests come from the workload (round-robin over each route's replicas, so load never
 * shifts because of a fault) or from `serve` (the demo, where the gateway picks the replica). Each
 * request draws from streams of its own (shape, quality, text, latency), the GPUs integrate the work of
 * their replicas second by second, the engines keep vLLM's state, and the faults act through all three.
 * Nothing reads the wall clock: the same scenario and seed give the same requests and expositions.
 */
import { mulberry32 } from '../calibration/random.js';
import { FaultSchedule, replicaEntityId } from './faults.js';
import { GpuState } from './gpu-state.js';
import { dcgmExposition, dcgmLabels } from './dcgm-exposition.js';
import { leakTokens, planRun } from './latency.js';
import { drawQuality } from './quality.js';
import { ReplicaEngine } from './replica-state.js';
import { writeResponse } from './responses.js';
import { ServedRequest } from './request.js';
import { hashSeed, hexId, mix32 } from './rng.js';
import type { ReplicaSpec, Scenario } from './scenario.js';
import type { Fleet, GroundTruth, SimFeedback, SimRequest, SimTarget } from './types.js';
import { vllmExposition } from './vllm-exposition.js';
import { ArrivalStream, drawShape } from './workload.js';

export interface FleetOptions {
  /**
   * `scenario` (default): `advance` brings the workload's requests. `external`: only `serve` brings
   * requests (strata demo, where a traffic driver sends the workload through a real gateway), and
   * `advance` just moves the clock.
   */
  readonly traffic?: 'scenario' | 'external';
}

interface ReplicaNode {
  readonly spec: ReplicaSpec;
  readonly engine: ReplicaEngine;
  readonly gpus: readonly GpuState[];
}

/** How long after its end a run is still kept for the GPUs' integration, ms. */
const KEEP_ENDED_MS = 5_000;

class SimFleet implements Fleet {
  readonly name: string;
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly scrapeIntervalMs: number;
  readonly truth: readonly GroundTruth[];
  readonly targets: readonly SimTarget[];
  readonly replicaNodes = new Map<string, ReplicaNode>();
  private readonly hostGpus = new Map<string, GpuState[]>();
  /** Each GPU's DCGM label set, by uuid. */
  private readonly gpuLabels = new Map<string, string>();
  private readonly faults: FaultSchedule;
  private readonly arrivals: ArrivalStream | null;
  private readonly routes = new Map<string, readonly string[]>();
  private readonly routeCursor = new Map<string, number>();
  private readonly taskWeights: readonly number[];
  private readonly streamBase: number;
  private clockMs: number;
  private feedback: SimFeedback[] = [];

  constructor(
    readonly scenario: Scenario,
    seed: number,
    options: FleetOptions,
  ) {
    this.name = scenario.name;
    this.seed = seed;
    this.startMs = scenario.startMs;
    this.endMs = scenario.startMs + scenario.durationMs;
    this.scrapeIntervalMs = scenario.scrapeIntervalMs;
    this.clockMs = scenario.startMs;
    this.faults = new FaultSchedule(scenario);
    this.truth = this.faults.truth();
    this.streamBase = hashSeed(seed, scenario.name);
    this.arrivals = options.traffic === 'external' ? null : new ArrivalStream(scenario, seed);
    this.taskWeights = scenario.workload.tasks.map((t) => t.weight);
    for (const r of scenario.routes) this.routes.set(r.model, r.replicas);
    const w = scenario.workload;
    const typical = w.promptTokens.mean + w.outputTokens.mean;
    const engines = new Map(scenario.replicas.map((r) => [r.id, new ReplicaEngine(r, typical)]));

    const gpuStates = new Map<string, GpuState>();
    for (const host of scenario.hosts) {
      const list: GpuState[] = [];
      for (const g of host.gpus) {
        const on = scenario.replicas.filter((r) => r.gpus.includes(g.uuid)).map((r) => engines.get(r.id)!);
        const state = new GpuState(
          { uuid: g.uuid, host: host.name, index: g.index, model: g.model, replicaCount: on.length },
          seed,
          scenario.startMs,
          (from, to) => {
            let sum = 0;
            for (const e of on) sum += e.activity(from, to);
            return sum;
          },
          (t) => this.faults.gpu(g.uuid, t),
        );
        gpuStates.set(g.uuid, state);
        this.gpuLabels.set(g.uuid, dcgmLabels(host.name, g));
        list.push(state);
      }
      this.hostGpus.set(host.name, list);
    }
    for (const r of scenario.replicas) this.replicaNodes.set(r.id, { spec: r, engine: engines.get(r.id)!, gpus: r.gpus.map((u) => gpuStates.get(u)!) });

    this.targets = [
      ...scenario.replicas.map((r): SimTarget => ({ kind: 'vllm', id: r.id, labels: { 'service.instance.id': `${r.host}:${r.port}`, 'host.name': r.host } })),
      ...scenario.hosts.map((h): SimTarget => ({ kind: 'dcgm', id: h.name, labels: { 'host.name': h.name } })),
    ];
  }

  replicaEntity(replica: string): string {
    return replicaEntityId(this.node(replica).spec);
  }

  advance(toMs: number): SimRequest[] {
    const out: SimRequest[] = [];
    if (this.arrivals !== null)
      for (const a of this.arrivals.next(toMs)) {
        const replica = this.route(a.model);
        if (replica !== null) out.push(this.handle(Math.max(a.atMs, this.startMs), replica, a.model, `arrival:${a.index}`));
      }
    this.moveTo(toMs);
    return out;
  }

  serve(replica: string, atMs: number, key: string): SimRequest {
    const node = this.node(replica);
    const at = Math.max(atMs, this.clockMs);
    const request = this.handle(at, replica, node.spec.model, `serve:${key}`);
    this.moveTo(at);
    return request;
  }

  feedbackDue(toMs: number): SimFeedback[] {
    const due: SimFeedback[] = [];
    const rest: SimFeedback[] = [];
    for (const f of this.feedback) (f.atMs <= toMs ? due : rest).push(f);
    this.feedback = rest;
    return due.sort((a, b) => a.atMs - b.atMs || (a.traceId < b.traceId ? -1 : 1));
  }

  exposition(target: SimTarget): string | null {
    const t = this.clockMs;
    if (this.faults.outage(target.id, t)) return null;
    if (target.kind === 'vllm') {
      const node = this.node(target.id);
      return vllmExposition(node.engine, t, leakTokens(node.engine, this.faults.replica(node.spec, t)));
    }
    const gpus = this.hostGpus.get(target.id);
    if (!gpus) throw new Error(`unknown host ${target.id}`);
    return dcgmExposition(gpus.map((g) => ({ labels: this.gpuLabels.get(g.id.uuid)!, reading: g.current() })));
  }

  private node(replica: string): ReplicaNode {
    const n = this.replicaNodes.get(replica);
    if (!n) throw new Error(`unknown replica ${JSON.stringify(replica)} (replicas: ${[...this.replicaNodes.keys()].join(', ')})`);
    return n;
  }

  /** Round robin over the route's replicas (a dead replica keeps its turn: its requests fail). */
  private route(model: string): string | null {
    const replicas = this.routes.get(model);
    if (!replicas || replicas.length === 0) return null;
    const i = this.routeCursor.get(model) ?? 0;
    this.routeCursor.set(model, i + 1);
    return replicas[i % replicas.length];
  }

  /** Integrates the GPUs up to `t` (the work of requests that arrived before it is known). */
  private integrate(t: number): void {
    for (const list of this.hostGpus.values()) for (const g of list) g.advance(t);
  }

  private moveTo(t: number): void {
    if (t <= this.clockMs) return;
    this.integrate(t);
    for (const n of this.replicaNodes.values()) {
      n.engine.flush(t);
      n.engine.prune(t - KEEP_ENDED_MS);
    }
    this.clockMs = t;
  }

  private handle(atMs: number, replica: string, model: string, key: string): SimRequest {
    this.integrate(atMs);
    const node = this.node(replica);
    const spec = node.spec;
    const base = mix32(this.streamBase ^ hashSeed(key));
    const stream = (n: number) => mulberry32(mix32(base + Math.imul(n, 0x9e3779b1)));
    const ids = stream(1);
    const traceId = hexId(ids, 16);
    const spanId = hexId(ids, 8);
    const f = this.faults.replica(spec, atMs);
    const w = this.scenario.workload;
    const shape = drawShape(stream(2), w, this.taskWeights);
    const task = w.tasks[shape.task];
    if (f.engineDead) {
      // The GPU fell off the bus: the API server answers at once with an error, nothing reaches the engine.
      const ms = 3 + 9 * stream(3)();
      return new ServedRequest(
        { traceId, spanId, replica, model, modelVersion: spec.version, task: task.name, arrivalMs: atMs, inputTokens: shape.promptTokens, queueMs: 0, ttftMs: ms, e2eMs: ms, interTokenUs: [], outputTokens: 0, reasoning: '', answer: '', correct: false, probes: [], error: 'engine dead', finishReason: 'error' },
        '',
      );
    }

    const quality = drawQuality(stream(4), task.difficulty, spec.calibration, f);
    const text = writeResponse(stream(5), quality, { outputTokens: shape.outputTokens, reasoning: w.reasoning, verbalized: spec.verbalizedConfidence });
    let clock = 1;
    for (const g of node.gpus) clock = Math.min(clock, g.clockFactor());
    const run = planRun(stream(6), node.engine, { arrivalMs: atMs, promptTokens: shape.promptTokens, outputTokens: text.outputTokens, clockFactor: clock, faults: f });
    node.engine.add(run);

    const fb = this.scenario.feedback;
    if (quality.feedbackDraw < fb.fraction) {
      const late = quality.lateDraw < fb.lateFraction;
      this.feedback.push({ atMs: Math.round(run.endMs + (late ? fb.lateDelayMs : fb.delayMs)), traceId, correct: quality.correct });
    }
    // Fields written out (no spread): this runs for every request and object spread is slow here.
    return new ServedRequest(
      {
        traceId,
        spanId,
        replica,
        model,
        modelVersion: spec.version,
        task: task.name,
        arrivalMs: atMs,
        inputTokens: shape.promptTokens,
        queueMs: run.admitMs - atMs,
        ttftMs: run.firstTokenMs - atMs,
        e2eMs: run.endMs - atMs,
        interTokenUs: run.gapsUs,
        outputTokens: text.outputTokens,
        reasoning: text.reasoning,
        answer: text.answer,
        correct: quality.correct,
        probes: text.probes,
        error: null,
        finishReason: run.finish,
      },
      text.prompt,
      text.tokens,
      quality.hack && text.reasoning !== '',
    );
  }
}

/**
 * Builds the fleet of a scenario; `seed` overrides the scenario's own.
 *
 * @example
 * const fleet = createFleet(loadScenarioFile('scenarios/gpu_thermal_slowdown-1.yaml'));
 * for (let t = fleet.startMs; t <= fleet.endMs; t += fleet.scrapeIntervalMs) {
 *   const requests = fleet.advance(t);
 *   const dcgm = fleet.exposition(fleet.targets.find((x) => x.kind === 'dcgm')!);
 * }
 */
export function createFleet(scenario: Scenario, seed: number = scenario.seed, options: FleetOptions = {}): Fleet {
  return new SimFleet(scenario, seed, options);
}

/** The scenario's replica behind a fleet this module built (host, port, GPUs), or null for another Fleet. */
export function replicaSpecOf(fleet: Fleet, replica: string): ReplicaSpec | null {
  return fleet instanceof SimFleet ? (fleet.replicaNodes.get(replica)?.spec ?? null) : null;
}

/** The scenario of a fleet this module built, or null. */
export function scenarioOf(fleet: Fleet): Scenario | null {
  return fleet instanceof SimFleet ? fleet.scenario : null;
}
