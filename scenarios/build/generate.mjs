#!/usr/bin/env node
/**
 * Writes the benchmark suite (scenarios/*.yaml): every fault type of src/model/faults.ts three times, with
 * different seeds, timings and topologies, and six no-fault controls with varying load. Deterministic: it
 * draws from its own seeded generator, so running it again rewrites the same files. The YAML files are
 * what `strata bench` and src/sim/suite.test.ts read; edit this script and re-run it rather than editing
 * them by hand:
 *
 *   node scenarios/build/generate.mjs
 */
import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..');

const FAULT_TYPES = [
  'gpu_thermal_slowdown',
  'gpu_power_cap',
  'gpu_xid_79',
  'gpu_ecc_uncorrectable',
  'nvlink_errors',
  'kv_cache_exhaustion',
  'noisy_neighbour',
  'bad_rollout',
  'prompt_drift',
  'chat_template_misconfig',
  'reasoning_regression',
  'probe_alarm',
  'telemetry_outage',
];
const GPU_FAULTS = new Set(['gpu_thermal_slowdown', 'gpu_power_cap', 'gpu_xid_79', 'gpu_ecc_uncorrectable', 'nvlink_errors', 'noisy_neighbour']);
const REPLICA_FAULTS = new Set(['kv_cache_exhaustion', 'bad_rollout', 'chat_template_misconfig', 'probe_alarm']);
const RUNS = 3;
const CONTROLS = 6;

const GPU_MODELS = ['NVIDIA H100 80GB HBM3', 'NVIDIA A100-SXM4-80GB', 'NVIDIA L40S', 'NVIDIA H200'];
const MODELS = ['llama-3.1-70b-instruct', 'qwen2.5-32b-instruct', 'mistral-small-24b-instruct'];
const TASKS = [
  { name: 'lookup', difficulty: 0.15 },
  { name: 'summarise', difficulty: 0.3 },
  { name: 'reasoning', difficulty: 0.6 },
  { name: 'code', difficulty: 0.5 },
  { name: 'math', difficulty: 0.7 },
];

/** mulberry32, as src/calibration/random.ts. */
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r, lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
const pick = (r, list) => list[Math.floor(r() * list.length)];
const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A shuffled copy (Fisher-Yates). */
function shuffled(r, list) {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function hex(r, n) {
  let s = '';
  while (s.length < n) s += Math.floor(r() * 16).toString(16);
  return s;
}

function uuid(r) {
  return `GPU-${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-${pick(r, ['8', '9', 'a', 'b'])}${hex(r, 3)}-${hex(r, 12)}`;
}

/**
 * A topology of 2-4 hosts with 1-4 GPUs each and 3-6 replicas (1 or 2 GPUs each, never sharing one).
 * `needs`: `multiGpu` (a tensor-parallel replica must exist), `versions` (one model served in two versions).
 */
function topology(r, needs) {
  for (;;) {
    const hosts = [];
    const nHosts = int(r, 2, 4);
    for (let h = 0; h < nHosts; h++) {
      const model = pick(r, GPU_MODELS);
      const gpus = Array.from({ length: int(r, 1, 4) }, () => ({ uuid: uuid(r), model }));
      hosts.push({ name: `gpu-node-${h + 1}`, gpus });
    }
    const replicas = [];
    for (const host of hosts) {
      let port = 8000;
      for (let i = 0; i < host.gpus.length; ) {
        const width = i + 1 < host.gpus.length && r() < 0.35 ? 2 : 1;
        replicas.push({ host: host.name, port: port++, gpus: host.gpus.slice(i, i + width).map((g) => g.uuid) });
        i += width;
      }
    }
    if (replicas.length < 3 || replicas.length > 6) continue;
    if (needs.multiGpu && !replicas.some((x) => x.gpus.length > 1)) continue;
    const nModels = needs.versions ? pick(r, [1, 2]) : int(r, 1, 2);
    const models = shuffled(r, MODELS).slice(0, nModels);
    // Each model gets at least one replica; with two versions, the first model needs three.
    if (needs.versions && replicas.length < 3 + (nModels - 1)) continue;
    replicas.forEach((x, i) => {
      x.model = models[i < models.length ? i : Math.floor(r() * models.length)];
    });
    if (needs.versions && replicas.filter((x) => x.model === models[0]).length < 2) continue;
    replicas.forEach((x, i) => {
      x.id = `${x.model.split('-')[0]}-${i + 1}`;
      x.version = x.model;
      x.calibration = round(0.85 + r() * 0.1);
      x.verbalized = r() < 0.3;
    });
    if (needs.versions) {
      // The newest version of the first model on some (not all) of its replicas.
      const own = replicas.filter((x) => x.model === models[0]);
      const upgraded = own.slice(0, Math.max(1, Math.floor(own.length / 2)));
      for (const x of own) x.version = `${x.model}-2025-06`;
      for (const x of upgraded) x.version = `${x.model}-2025-09`;
    }
    return { hosts, replicas };
  }
}

function workload(r, control) {
  const tasks = shuffled(r, TASKS).slice(0, int(r, 2, 3));
  const rate = round(1.5 + r() * (control ? 0.8 : 1.5), 1);
  const w = {
    rate,
    burstiness: round(0.1 + r() * 0.3),
    prompt_tokens: int(r, 4, 9) * 100,
    output_tokens: int(r, 15, 35) * 10,
    reasoning: r() < 0.8,
    tasks: tasks.map((t) => ({ ...t, weight: int(r, 1, 4) })),
  };
  if (control) {
    // A traffic ramp (up, then back), or a step to a new level: load moves without any fault.
    const up = int(r, 6, 11);
    const peak = round(Math.min(3, rate * (1.3 + r() * 0.3)), 1);
    w.schedule = r() < 0.5 ? [{ at: `${up}m`, rate: peak }, { at: `${up + int(r, 4, 6)}m`, rate }] : [{ at: `${up}m`, rate: peak }];
    w.burstiness = round(0.25 + r() * 0.2);
  }
  return w;
}

function faultOf(r, type, topo, durationMin) {
  const start = int(r, 6, 14);
  const length = int(r, 4, Math.min(10, durationMin - start - 1));
  const fault = { type, start: `${start}m`, duration: `${length}m` };
  const used = topo.replicas.flatMap((x) => x.gpus);
  if (type === 'nvlink_errors') fault.target = pick(r, pick(r, topo.replicas.filter((x) => x.gpus.length > 1)).gpus);
  else if (GPU_FAULTS.has(type)) fault.target = pick(r, used);
  else if (REPLICA_FAULTS.has(type)) fault.target = pick(r, topo.replicas).id;
  else if (type === 'reasoning_regression') fault.target = topo.replicas.map((x) => x.version).find((v) => v.endsWith('-2025-09'));
  else if (type === 'telemetry_outage') fault.target = pick(r, topo.hosts).name;
  const strong = type === 'kv_cache_exhaustion' || type === 'gpu_power_cap';
  const severity = round(strong ? 0.8 + r() * 0.2 : 0.7 + r() * 0.3, 1);
  // A GPU is off the bus or not, a target answers or not: severity means nothing there.
  if (type !== 'gpu_xid_79' && type !== 'telemetry_outage') fault.severity = severity;
  if (type === 'gpu_ecc_uncorrectable') fault.xid = pick(r, [48, 94]);
  return fault;
}

// ---- YAML (hand-written: flow style for the small mappings keeps a file readable) ----

function scalar(v) {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return /^[A-Za-z0-9][A-Za-z0-9 ._:/-]*$/.test(v) && !/^(true|false|null|yes|no|on|off)$/i.test(v) && !/: /.test(v) ? v : JSON.stringify(v);
}

function flow(o) {
  return `{ ${Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.map(scalar).join(', ')}]` : scalar(v)}`)
    .join(', ')} }`;
}

function yamlOf(s) {
  const lines = [`# ${s.comment}`, `# Generated by scenarios/build/generate.mjs.`, `name: ${s.name}`, `seed: ${s.seed}`, `duration: ${s.duration}`, 'scrape_interval: 10s', 'topology:', '  hosts:'];
  for (const h of s.topology.hosts) {
    lines.push(`    - name: ${h.name}`, '      gpus:');
    for (const g of h.gpus) lines.push(`        - ${flow(g)}`);
  }
  lines.push('  replicas:');
  for (const x of s.topology.replicas) {
    lines.push(`    - ${flow({ id: x.id, host: x.host, port: x.port, gpus: x.gpus, model: x.model, version: x.version === x.model ? undefined : x.version, calibration: x.calibration, verbalized_confidence: x.verbalized || undefined })}`);
  }
  const w = s.workload;
  lines.push('workload:', `  rate: ${w.rate}`);
  if (w.schedule) lines.push(`  schedule: [${w.schedule.map(flow).join(', ')}]`);
  lines.push(`  burstiness: ${w.burstiness}`, `  prompt_tokens: { mean: ${w.prompt_tokens} }`, `  output_tokens: { mean: ${w.output_tokens} }`, `  reasoning: ${w.reasoning}`, '  tasks:');
  for (const t of w.tasks) lines.push(`    - ${flow(t)}`);
  lines.push(`feedback: ${flow(s.feedback)}`);
  if (s.faults.length === 0) lines.push('faults: []');
  else {
    lines.push('faults:');
    for (const f of s.faults) lines.push(`  - ${flow(f)}`);
  }
  return `${lines.join('\n')}\n`;
}

function scenario(name, seed, type) {
  const r = generator(seed * 7919 + 17);
  const durationMin = int(r, 20, 25);
  const topo = topology(r, { multiGpu: type === 'nvlink_errors', versions: type === 'reasoning_regression' });
  const w = workload(r, type === null);
  if (type === 'reasoning_regression') w.reasoning = true;
  const feedback = { fraction: round(0.3 + r() * 0.2), late_fraction: round(0.1 + r() * 0.2), delay: `${int(r, 1, 4) * 30}s`, late_delay: `${int(r, 5, 10)}m` };
  const faults = type === null ? [] : [faultOf(r, type, topo, durationMin)];
  const comment = type === null ? 'No fault: a control (load moves, nothing breaks).' : `One ${type} fault.`;
  return { name, seed, comment, duration: `${durationMin}m`, topology: topo, workload: w, feedback, faults };
}

for (const f of readdirSync(OUT)) if (f.endsWith('.yaml')) unlinkSync(join(OUT, f));
let seed = 100;
const written = [];
for (const type of FAULT_TYPES)
  for (let n = 1; n <= RUNS; n++) {
    const s = scenario(`${type}-${n}`, ++seed, type);
    writeFileSync(join(OUT, `${s.name}.yaml`), yamlOf(s));
    written.push(s.name);
  }
for (let n = 1; n <= CONTROLS; n++) {
  const s = scenario(`control-${n}`, ++seed, null);
  writeFileSync(join(OUT, `${s.name}.yaml`), yamlOf(s));
  written.push(s.name);
}
console.log(`wrote ${written.length} scenarios to ${OUT}`);
