/**
 * Scenario files (docs/scenarios.md): a fleet's topology, its workload, the feedback it gets and the
 * faults injected into it, read from YAML (or JSON) and validated. Every error names the field at fault
 * (`faults[2].start: expected a duration such as 5m, got "x"`) and unknown keys are refused, so a typo
 * never silently changes a benchmark.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FAULTS, FAULT_TYPES, isFaultType, type FaultType } from '../model/faults.js';
import { fmtDuration, Reader, ScenarioError, show } from './scenario-reader.js';

export { ScenarioError };

export const DEFAULT_SEED = 1;
/** A fixed epoch, so that two runs of one scenario produce the same timestamps. */
export const DEFAULT_START = '2026-01-01T00:00:00Z';
export const DEFAULT_SCRAPE_INTERVAL_MS = 10_000;
export const DEFAULT_GPU_MODEL = 'NVIDIA H100 80GB HBM3';
export const DEFAULT_CALIBRATION = 0.9;
export const DEFAULT_MAX_NUM_SEQS = 32;
/** KV-cache capacity per GPU of a replica, tokens. */
export const DEFAULT_KV_TOKENS_PER_GPU = 32_768;
export const DEFAULT_PROMPT_TOKENS = 600;
export const DEFAULT_OUTPUT_TOKENS = 250;
export const DEFAULT_TASKS: readonly TaskSpec[] = [{ name: 'general', weight: 1, difficulty: 0.3 }];
export const DEFAULT_FEEDBACK: FeedbackSpec = { fraction: 0.3, lateFraction: 0.2, delayMs: 30_000, lateDelayMs: 600_000 };
export const DEFAULT_ECC_XID = 48;

export interface GpuSpec {
  readonly uuid: string;
  readonly model: string;
  /** Position on its host: DCGM's `gpu` label, `nvidia<i>`, the PCI bus id. */
  readonly index: number;
}

export interface HostSpec {
  readonly name: string;
  readonly gpus: readonly GpuSpec[];
}

export interface ReplicaSpec {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** UUIDs of the GPUs it runs on (tensor parallel when several). */
  readonly gpus: readonly string[];
  /** The model name clients ask for (the route). */
  readonly model: string;
  /** The served model version: vLLM's `model_name`, `gen_ai.response.model`. */
  readonly version: string;
  /** 1: confidence equals the probability of being right; lower: over-confident. */
  readonly calibration: number;
  /** Answers end with `<confidence>0.83</confidence>`. */
  readonly verbalizedConfidence: boolean;
  readonly maxNumSeqs: number;
  readonly kvCacheTokens: number;
}

export interface RouteSpec {
  readonly model: string;
  readonly replicas: readonly string[];
}

export interface TaskSpec {
  readonly name: string;
  readonly weight: number;
  /** 0..1: harder tasks are answered correctly less often, with less confidence. */
  readonly difficulty: number;
}

export interface RatePoint {
  /** Offset from the scenario start, ms. */
  readonly atMs: number;
  readonly rate: number;
}

export interface WorkloadSpec {
  /** Requests per second at the start (and throughout without a schedule). */
  readonly rate: number;
  /** Later rates, linearly interpolated between points (a ramp); the last holds to the end. */
  readonly schedule: readonly RatePoint[];
  /** 0..1: how strongly the rate is modulated around its level (waves and bursts). */
  readonly burstiness: number;
  readonly promptTokens: { readonly mean: number };
  readonly outputTokens: { readonly mean: number };
  readonly tasks: readonly TaskSpec[];
  readonly reasoning: boolean;
  /** Share of traffic per route model; default: in proportion to each route's replica count. */
  readonly models: readonly { readonly model: string; readonly weight: number }[];
}

export interface FeedbackSpec {
  /** Share of answered requests that get feedback. */
  readonly fraction: number;
  /** Share of that feedback that arrives after `lateDelayMs` instead of `delayMs`. */
  readonly lateFraction: number;
  readonly delayMs: number;
  readonly lateDelayMs: number;
}

export interface FaultSpec {
  readonly type: FaultType;
  /** Scenario id of the faulty entity (GPU uuid, replica id, model version, host name); null for prompt_drift. */
  readonly target: string | null;
  /** Offsets from the scenario start, ms. */
  readonly startMs: number;
  readonly endMs: number;
  /** 0 < severity ≤ 1. */
  readonly severity: number;
  /** gpu_ecc_uncorrectable: the XID reported (48 or 94). */
  readonly xid: number | null;
}

export interface Scenario {
  readonly name: string;
  /** Where it was read from (a path, or a label for text). */
  readonly source: string;
  readonly seed: number;
  /** Unix ms of the scenario's start. */
  readonly startMs: number;
  readonly durationMs: number;
  readonly scrapeIntervalMs: number;
  readonly hosts: readonly HostSpec[];
  readonly replicas: readonly ReplicaSpec[];
  readonly routes: readonly RouteSpec[];
  readonly workload: WorkloadSpec;
  readonly feedback: FeedbackSpec;
  readonly faults: readonly FaultSpec[];
}

/**
 * Parses and validates a scenario from YAML (JSON is YAML too). `source` names it in errors and is the
 * default `name` (its file name without extension).
 *
 * @example
 * const s = loadScenario('name: demo\nduration: 20m\ntopology: {...}', 'demo.yaml');
 */
export function loadScenario(text: string, source: string): Scenario {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ScenarioError(source, '', `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return parseScenario(doc, source);
}

/** Reads and validates a scenario file. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(path, '', `cannot read: ${(err as Error).message}`);
  }
  return loadScenario(text, path);
}

const TOP_KEYS = ['name', 'description', 'seed', 'start', 'duration', 'scrape_interval', 'topology', 'workload', 'feedback', 'faults'];

/** Validates an already-parsed document (see {@link loadScenario}). */
export function parseScenario(doc: unknown, source: string): Scenario {
  const top = Reader.of(source, doc, '', 'at the top of the scenario (name, duration, topology, workload, faults, ...)', TOP_KEYS);
  const name = top.string('name', basename(source, extname(source)) || 'scenario');
  if (top.has('description')) top.string('description');
  const seed = top.number('seed', { min: 0, max: 4294967295, integer: true, fallback: DEFAULT_SEED });
  const startMs = readStart(top);
  const durationMs = top.duration('duration');
  const scrapeIntervalMs = top.duration('scrape_interval', DEFAULT_SCRAPE_INTERVAL_MS);
  if (scrapeIntervalMs > durationMs) top.fail('scrape_interval', `longer than the scenario (${fmtDuration(durationMs)})`);

  const topo = top.child('topology', 'with hosts and replicas', ['hosts', 'replicas', 'routes']);
  const hosts = readHosts(topo);
  const replicas = readReplicas(topo, hosts);
  const routes = readRoutes(topo, replicas);
  const workload = readWorkload(top, routes, durationMs);
  const feedback = readFeedback(top);
  const faults = readFaults(top, hosts, replicas, durationMs);
  return { name, source, seed, startMs, durationMs, scrapeIntervalMs, hosts, replicas, routes, workload, feedback, faults };
}

function readStart(top: Reader): number {
  const v = top.raw.start;
  if (v === undefined || v === null) return Date.parse(DEFAULT_START);
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.getTime();
  const ms = typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)$/.test(v.trim()) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) top.fail('start', `expected an ISO 8601 time with a zone such as ${DEFAULT_START}, got ${show(v)}`);
  return ms;
}

function readHosts(topo: Reader): HostSpec[] {
  const raw = topo.list('hosts', 'hosts', true);
  if (raw.length === 0) topo.fail('hosts', 'at least one host is required');
  const names = new Set<string>();
  const uuids = new Set<string>();
  return raw.map((h, i) => {
    const r = Reader.of(topo.source, h, topo.at(`hosts[${i}]`), 'with name and gpus', ['name', 'gpus']);
    const name = r.string('name');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) r.fail('name', `expected a host name (letters, digits, '.', '_', '-'), got ${show(name)}`);
    if (names.has(name)) r.fail('name', `${name} appears twice`);
    names.add(name);
    const gpus = r.list('gpus', 'GPUs', true).map((g, j) => {
      const gr = Reader.of(topo.source, g, r.at(`gpus[${j}]`), 'with uuid and model', ['uuid', 'model']);
      const uuid = gr.string('uuid');
      if (!/^GPU-[0-9A-Za-z-]+$/.test(uuid)) gr.fail('uuid', `expected a GPU UUID such as GPU-5e3c8a41-0b9f-4c7e-9d2a-6f1e0c3b7a55, got ${show(uuid)}`);
      if (uuids.has(uuid)) gr.fail('uuid', `${uuid} appears twice`);
      uuids.add(uuid);
      return { uuid, model: gr.string('model', DEFAULT_GPU_MODEL), index: j };
    });
    if (gpus.length === 0) r.fail('gpus', 'at least one GPU is required');
    return { name, gpus };
  });
}

const REPLICA_KEYS = ['id', 'host', 'port', 'gpus', 'model', 'version', 'calibration', 'verbalized_confidence', 'max_num_seqs', 'kv_cache_tokens'];

function readReplicas(topo: Reader, hosts: readonly HostSpec[]): ReplicaSpec[] {
  const raw = topo.list('replicas', 'replicas', true);
  if (raw.length === 0) topo.fail('replicas', 'at least one replica is required');
  const ids = new Set<string>();
  const endpoints = new Set<string>();
  return raw.map((x, i) => {
    const r = Reader.of(topo.source, x, topo.at(`replicas[${i}]`), 'with id, host, port, gpus and model', REPLICA_KEYS);
    const id = r.string('id');
    if (ids.has(id)) r.fail('id', `${id} appears twice`);
    ids.add(id);
    const hostName = r.string('host');
    const host = hosts.find((h) => h.name === hostName);
    if (!host) return r.fail('host', `${hostName} is not a host of the topology (hosts: ${hosts.map((h) => h.name).join(', ')})`);
    const port = r.number('port', { min: 1, max: 65535, integer: true });
    if (endpoints.has(`${hostName}:${port}`)) r.fail('port', `${hostName}:${port} is used by another replica`);
    endpoints.add(`${hostName}:${port}`);
    const gpuList = r.list('gpus', 'GPU uuids', true);
    if (gpuList.length === 0) r.fail('gpus', 'at least one GPU is required');
    const gpus = gpuList.map((g, j) => {
      const uuid = typeof g === 'string' ? g : '';
      if (!host.gpus.some((hg) => hg.uuid === uuid))
        r.failAt(r.at(`gpus[${j}]`), `${show(g)} is not a GPU of host ${hostName} (its GPUs: ${host.gpus.map((hg) => hg.uuid).join(', ')})`);
      return uuid;
    });
    if (new Set(gpus).size !== gpus.length) r.fail('gpus', 'a GPU is listed twice');
    const model = r.string('model');
    return {
      id,
      host: hostName,
      port,
      gpus,
      model,
      version: r.string('version', model),
      calibration: r.number('calibration', { min: 0, max: 1, fallback: DEFAULT_CALIBRATION }),
      verbalizedConfidence: r.boolean('verbalized_confidence', false),
      maxNumSeqs: r.number('max_num_seqs', { min: 1, max: 4096, integer: true, fallback: DEFAULT_MAX_NUM_SEQS }),
      kvCacheTokens: r.number('kv_cache_tokens', { min: 256, integer: true, fallback: DEFAULT_KV_TOKENS_PER_GPU * gpus.length }),
    };
  });
}

function readRoutes(topo: Reader, replicas: readonly ReplicaSpec[]): RouteSpec[] {
  if (!topo.has('routes')) {
    const models = [...new Set(replicas.map((r) => r.model))];
    return models.map((model) => ({ model, replicas: replicas.filter((r) => r.model === model).map((r) => r.id) }));
  }
  const seen = new Set<string>();
  return topo.list('routes', 'routes', true).map((x, i) => {
    const r = Reader.of(topo.source, x, topo.at(`routes[${i}]`), 'with model and replicas', ['model', 'replicas']);
    const model = r.string('model');
    if (seen.has(model)) r.fail('model', `a route for ${model} appears twice`);
    seen.add(model);
    const ids = r.list('replicas', 'replica ids', true).map((id, j) => {
      const replica = replicas.find((rep) => rep.id === id);
      if (!replica) return r.failAt(r.at(`replicas[${j}]`), `${show(id)} is not a replica of the topology`);
      if (replica.model !== model) r.failAt(r.at(`replicas[${j}]`), `replica ${replica.id} serves ${replica.model}, not ${model}`);
      return replica.id;
    });
    if (ids.length === 0) r.fail('replicas', 'at least one replica is required');
    return { model, replicas: ids };
  });
}

const WORKLOAD_KEYS = ['rate', 'schedule', 'burstiness', 'prompt_tokens', 'output_tokens', 'tasks', 'reasoning', 'models'];

function tokenSpec(r: Reader, key: string, fallback: number): { mean: number } {
  if (!r.has(key)) return { mean: fallback };
  if (typeof r.raw[key] === 'number') return { mean: r.number(key, { min: 1, max: 100_000, what: 'a mean token count in [1, 100000], or {mean: N}' }) };
  const t = r.child(key, 'such as {mean: 600}', ['mean']);
  return { mean: t.number('mean', { min: 1, max: 100_000 }) };
}

function readWorkload(top: Reader, routes: readonly RouteSpec[], durationMs: number): WorkloadSpec {
  const w = top.child('workload', 'with at least rate', WORKLOAD_KEYS);
  const rate = w.number('rate', { min: 0, max: 10_000, what: 'requests per second in [0, 10000]' });
  let last = 0;
  const schedule = w.list('schedule', 'rate points {at, rate}', false).map((x, i) => {
    const p = Reader.of(top.source, x, w.at(`schedule[${i}]`), 'such as {at: 10m, rate: 3}', ['at', 'rate']);
    const atMs = p.duration('at', undefined, true);
    if (atMs <= last && i > 0) p.fail('at', `must come after the previous point (${fmtDuration(last)})`);
    if (atMs > durationMs) p.fail('at', `after the scenario's end (${fmtDuration(durationMs)})`);
    last = atMs;
    return { atMs, rate: p.number('rate', { min: 0, max: 10_000 }) };
  });
  const tasksRaw = w.list('tasks', 'tasks {name, weight, difficulty}', false);
  const names = new Set<string>();
  const tasks = tasksRaw.map((x, i) => {
    const t = Reader.of(top.source, x, w.at(`tasks[${i}]`), 'with name, weight and difficulty', ['name', 'weight', 'difficulty']);
    const name = t.string('name');
    if (names.has(name)) t.fail('name', `${name} appears twice`);
    names.add(name);
    return { name, weight: t.number('weight', { above: 0, fallback: 1 }), difficulty: t.number('difficulty', { min: 0, max: 1 }) };
  });
  const routeModels = routes.map((r) => r.model);
  const models = w.list('models', 'route models {model, weight}', false).map((x, i) => {
    const m = Reader.of(top.source, x, w.at(`models[${i}]`), 'with model and weight', ['model', 'weight']);
    const model = m.string('model');
    if (!routeModels.includes(model)) m.fail('model', `${model} is not a route model (routes: ${routeModels.join(', ')})`);
    return { model, weight: m.number('weight', { min: 0 }) };
  });
  if (models.length > 0 && models.every((m) => m.weight === 0)) w.fail('models', 'at least one weight must be above 0');
  return {
    rate,
    schedule,
    burstiness: w.number('burstiness', { min: 0, max: 1, fallback: 0.2 }),
    promptTokens: tokenSpec(w, 'prompt_tokens', DEFAULT_PROMPT_TOKENS),
    outputTokens: tokenSpec(w, 'output_tokens', DEFAULT_OUTPUT_TOKENS),
    tasks: tasks.length > 0 ? tasks : DEFAULT_TASKS,
    reasoning: w.boolean('reasoning', true),
    models: models.length > 0 ? models : routes.map((r) => ({ model: r.model, weight: r.replicas.length })),
  };
}

function readFeedback(top: Reader): FeedbackSpec {
  if (!top.has('feedback')) return DEFAULT_FEEDBACK;
  const f = top.child('feedback', 'with fraction, late_fraction, delay, late_delay', ['fraction', 'late_fraction', 'delay', 'late_delay']);
  const delayMs = f.duration('delay', DEFAULT_FEEDBACK.delayMs);
  const lateDelayMs = f.duration('late_delay', Math.max(DEFAULT_FEEDBACK.lateDelayMs, delayMs));
  if (lateDelayMs < delayMs) f.fail('late_delay', `shorter than delay (${fmtDuration(delayMs)})`);
  return {
    fraction: f.number('fraction', { min: 0, max: 1, fallback: DEFAULT_FEEDBACK.fraction }),
    lateFraction: f.number('late_fraction', { min: 0, max: 1, fallback: DEFAULT_FEEDBACK.lateFraction }),
    delayMs,
    lateDelayMs,
  };
}

function readFaults(top: Reader, hosts: readonly HostSpec[], replicas: readonly ReplicaSpec[], durationMs: number): FaultSpec[] {
  return top.list('faults', 'faults', false).map((x, i) => {
    const f = Reader.of(top.source, x, `faults[${i}]`, 'with type, target, start and end or duration', ['type', 'target', 'start', 'end', 'duration', 'severity', 'xid']);
    const typeName = f.string('type');
    if (!isFaultType(typeName)) return f.fail('type', `unknown fault type ${show(typeName)} (known: ${FAULT_TYPES.join(', ')})`);
    const type: FaultType = typeName;
    const target = readTarget(f, type, hosts, replicas);
    const startMs = f.duration('start', undefined, true);
    if (startMs >= durationMs) f.fail('start', `at or after the scenario's end (${fmtDuration(durationMs)})`);
    if (f.has('end') === f.has('duration')) f.fail(f.has('end') ? 'duration' : 'end', 'give exactly one of end and duration');
    const endMs = f.has('end') ? f.duration('end') : startMs + f.duration('duration');
    const endKey = f.has('end') ? 'end' : 'duration';
    if (endMs <= startMs) f.fail(endKey, `the fault must end after its start (${fmtDuration(startMs)})`);
    if (endMs > durationMs) f.fail(endKey, `the fault ends at ${fmtDuration(endMs)}, after the scenario's end (${fmtDuration(durationMs)})`);
    let xid: number | null = null;
    if (f.has('xid')) {
      if (type !== 'gpu_ecc_uncorrectable') f.fail('xid', 'only gpu_ecc_uncorrectable takes an xid');
      xid = f.number('xid', { integer: true, what: '48 or 94' });
      if (xid !== 48 && xid !== 94) f.fail('xid', `expected 48 or 94, got ${xid}`);
    } else if (type === 'gpu_ecc_uncorrectable') xid = DEFAULT_ECC_XID;
    return { type, target, startMs, endMs, severity: f.number('severity', { above: 0, max: 1, fallback: 1 }), xid };
  });
}

function readTarget(f: Reader, type: FaultType, hosts: readonly HostSpec[], replicas: readonly ReplicaSpec[]): string | null {
  const kind = FAULTS[type].entityKind;
  if (kind === 'fleet') {
    if (f.has('target')) f.fail('target', `${type} affects the whole fleet and takes no target`);
    return null;
  }
  const target = f.string('target');
  const gpus = hosts.flatMap((h) => h.gpus.map((g) => g.uuid));
  const replicaIds = replicas.map((r) => r.id);
  const versions = [...new Set(replicas.map((r) => r.version))];
  const ok =
    kind === 'gpu'
      ? gpus.includes(target)
      : kind === 'replica'
        ? replicaIds.includes(target)
        : kind === 'model'
          ? versions.includes(target)
          : hosts.some((h) => h.name === target) || replicaIds.includes(target);
  if (!ok) {
    const what =
      kind === 'gpu'
        ? `a GPU uuid (${gpus.join(', ')})`
        : kind === 'replica'
          ? `a replica id (${replicaIds.join(', ')})`
          : kind === 'model'
            ? `a served model version (${versions.join(', ')})`
            : `a host name (${hosts.map((h) => h.name).join(', ')}) or a replica id (${replicaIds.join(', ')})`;
    f.fail('target', `${type} needs ${what}, got ${show(target)}`);
  }
  return target;
}
