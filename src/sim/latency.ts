/**
 * The timeline of one request on a replica: queueing (from the engine's FIFO and its slots), time to
 * first token (scheduling, prefill, recomputation after preemptions), and every inter-token gap.
 * - prefill and decode speed scale with the SM clock (inter-token latency ∝ 1 / clock), so thermal
 *   slowdown and power capping reach latency through the GPU's clock (gpu-state.ts);
 * - running sequences slow each decode step a little (batching);
 * - KV pressure above 90 % brings preemptions, each one recomputing the prefill;
 * - NVLink errors slow tensor-parallel replicas (and stall some steps); a noisy neighbour slows both
 *   phases without touching the clock.
 */
import type { ReplicaFaults } from './faults.js';
import type { EngineRun, ReplicaEngine } from './replica-state.js';
import { gaussian, poisson, type Random } from './rng.js';

/** Inter-token latency of one decode step on one GPU at boost clock, alone, ms. */
export const BASE_ITL_MS = 22;
/** Prefill speed on one GPU at boost clock, tokens/s. */
export const PREFILL_TOKENS_PER_S = 9000;
/** A KV-cache fault leaves room for this share of the replica's usual running sequences at full severity (130 % at none): the queue grows. */
const KV_ROOM_AT_FULL = 0.95;
/** The lost KV cache builds up over this long. */
const KV_LEAK_RAMP_MS = 45_000;

/**
 * Step-to-step jitter of decode time: a log-normal factor (σ ≈ 0.1) by table lookup, since a request
 * draws hundreds of them (the logistic quantile stands in for the normal one).
 */
const JITTER_STEPS = 1024;
const JITTER = Float64Array.from({ length: JITTER_STEPS }, (_, i) => {
  const u = (i + 0.5) / JITTER_STEPS;
  return Math.exp(0.1 * 0.5513 * Math.log(u / (1 - u)));
});

export interface PlanInput {
  readonly arrivalMs: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** SM clock under load relative to boost (the slowest of the replica's GPUs). */
  readonly clockFactor: number;
  readonly faults: ReplicaFaults;
}

/**
 * KV-cache tokens lost to a KV-cache exhaustion fault (leaked or fragmented blocks) at its current age: all
 * but room for fewer sequences than the replica usually runs, so requests queue, the cache sits full and
 * the scheduler preempts.
 */
export function leakTokens(engine: ReplicaEngine, f: ReplicaFaults): number {
  if (f.kvExhaustion <= 0) return 0;
  const room = (Math.max(1, Math.round(engine.typicalLoad() * (1.3 - (1.3 - KV_ROOM_AT_FULL) * f.kvExhaustion))) * engine.tokensPerRequest()) / 0.95;
  const full = Math.max(0, engine.spec.kvCacheTokens - room);
  return full * Math.min(1, f.kvSinceMs / KV_LEAK_RAMP_MS);
}

/** Plans the request on the engine (the caller adds the run to it). Draws from `rand` in a fixed order. */
export function planRun(rand: Random, engine: ReplicaEngine, input: PlanInput): EngineRun {
  const uSched = rand();
  const uFinish = rand();
  const zPrefill = gaussian(rand);
  const f = input.faults;
  const gpus = engine.spec.gpus.length;
  const leak = leakTokens(engine, f);
  const admitMs = engine.admissionTime(input.arrivalMs, engine.slots(leak));
  const queueMs = admitMs - input.arrivalMs;
  const running = engine.running(admitMs);
  if (f.kvExhaustion <= 0) engine.noteLoad(input.arrivalMs, engine.running(input.arrivalMs) + 1);

  let usage = Math.min(1, (leak + engine.kvTokens(admitMs) + input.promptTokens) / engine.spec.kvCacheTokens);
  if (queueMs > 0 && engine.kvLimited(leak)) usage = Math.max(usage, 0.97);
  const preemptions = usage > 0.9 ? poisson(rand, (usage - 0.9) * 30) : 0;

  const clock = Math.max(0.2, input.clockFactor);
  const prefillMs = ((input.promptTokens / (PREFILL_TOKENS_PER_S * gpus ** 0.8 * clock)) * 1000 * (1 + 0.4 * f.noisyNeighbour)) * Math.exp(0.1 * zPrefill);
  const schedMs = 2 + 8 * uSched;
  const ttftMs = queueMs + schedMs + prefillMs + preemptions * (prefillMs + 25);

  const itlMs = ((BASE_ITL_MS / gpus ** 0.6) * (1 + 0.035 * running) * (1 + 0.5 * f.nvlink) * (1 + 0.45 * f.noisyNeighbour)) / clock;
  const spikeChance = 0.008 + 0.05 * f.nvlink;
  const gaps = new Array<number>(Math.max(0, input.outputTokens - 1));
  let decodeUs = 0;
  const itlUs = itlMs * 1000;
  for (let i = 0; i < gaps.length; i++) {
    // One draw: its high bits pick the jitter, its low bits decide a stall (a step 2-5x longer).
    const x = rand() * JITTER_STEPS;
    const step = x | 0;
    const low = x - step;
    let g = itlUs * JITTER[step];
    if (low < spikeChance) g *= 2 + 3 * (low / spikeChance);
    g = Math.round(g);
    gaps[i] = g;
    decodeUs += g;
  }
  const firstTokenMs = input.arrivalMs + ttftMs;
  return {
    arrivalMs: input.arrivalMs,
    admitMs,
    firstTokenMs,
    endMs: firstTokenMs + decodeUs / 1000,
    promptTokens: input.promptTokens,
    outputTokens: input.outputTokens,
    preemptions,
    finish: uFinish < 0.06 ? 'length' : 'stop',
    gapsUs: gaps,
  };
}
