/**
 * The workload: when requests arrive and what they ask. Arrivals are a Poisson process whose rate
 * follows the scenario's level (a constant or a piecewise-linear schedule, e.g. a ramp), modulated by
 * `burstiness` (two slow waves and occasional bursts, fixed per seed); they are drawn by thinning from
 * one seeded stream, so the arrivals do not depend on how the clock is stepped. Each request's task and
 * token counts come from its own stream ({@link drawShape}).
 */
import type { Scenario, WorkloadSpec } from './scenario.js';
import { clamp, exponential, lognormal, streamOf, weightedIndex, type Random } from './rng.js';

/** One request arriving at the gateway. */
export interface Arrival {
  /** Order of arrival, from 0: names the request's own random stream. */
  readonly index: number;
  /** Unix ms. */
  readonly atMs: number;
  /** The route model the client asks for. */
  readonly model: string;
}

/** What a request asks, drawn before any fault can change anything. */
export interface RequestShape {
  readonly task: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

interface Burst {
  readonly fromMs: number;
  readonly toMs: number;
  readonly gain: number;
}

/** The traffic level (before modulation) at an offset from the start: the schedule interpolated linearly. */
export function levelAt(w: WorkloadSpec, offsetMs: number): number {
  let prevAt = 0;
  let prevRate = w.rate;
  for (const p of w.schedule) {
    if (offsetMs < p.atMs) {
      const span = p.atMs - prevAt;
      return span <= 0 ? p.rate : prevRate + ((p.rate - prevRate) * (offsetMs - prevAt)) / span;
    }
    prevAt = p.atMs;
    prevRate = p.rate;
  }
  return prevRate;
}

/** The arrival process of one scenario. */
export class ArrivalStream {
  private readonly rand: Random;
  private readonly w: WorkloadSpec;
  private readonly startMs: number;
  private readonly endMs: number;
  private readonly maxRate: number;
  private readonly phases: readonly [number, number, number, number];
  private readonly bursts: readonly Burst[];
  private readonly modelWeights: readonly number[];
  private cursorMs: number;
  private pending: Arrival | null = null;
  private count = 0;

  constructor(scenario: Scenario, seed: number) {
    this.w = scenario.workload;
    this.startMs = scenario.startMs;
    this.endMs = scenario.startMs + scenario.durationMs;
    this.rand = streamOf(seed, scenario.name, 'arrivals');
    const b = this.w.burstiness;
    const peak = Math.max(this.w.rate, ...this.w.schedule.map((p) => p.rate));
    this.maxRate = peak * (1 + 2 * b);
    // Wave periods (4-7 min and 40-90 s) and phases, then bursts about every 3 minutes.
    const r = this.rand;
    this.phases = [240_000 + r() * 180_000, r() * 2 * Math.PI, 40_000 + r() * 50_000, r() * 2 * Math.PI];
    const bursts: Burst[] = [];
    for (let t = exponential(r, 180_000); t < scenario.durationMs; t += exponential(r, 180_000)) {
      const len = 10_000 + r() * 25_000;
      bursts.push({ fromMs: t, toMs: t + len, gain: b * (0.5 + r() * 0.5) });
      t += len;
    }
    this.bursts = bursts;
    this.modelWeights = this.w.models.map((m) => m.weight);
    this.cursorMs = this.startMs;
  }

  /** The instantaneous rate (requests/s) at unix ms `t`. */
  rateAt(t: number): number {
    const off = t - this.startMs;
    const b = this.w.burstiness;
    const [p1, f1, p2, f2] = this.phases;
    let m = b * (0.6 * Math.sin((2 * Math.PI * off) / p1 + f1) + 0.4 * Math.sin((2 * Math.PI * off) / p2 + f2));
    for (const burst of this.bursts) if (off >= burst.fromMs && off < burst.toMs) m += burst.gain;
    return levelAt(this.w, off) * Math.max(0, 1 + m);
  }

  /** Arrivals in (previous call's bound, toMs], in order; nothing after the scenario's end. */
  next(toMs: number): Arrival[] {
    const out: Arrival[] = [];
    if (this.maxRate <= 0) return out;
    const bound = Math.min(toMs, this.endMs);
    for (;;) {
      if (this.pending === null) this.pending = this.candidate();
      if (this.pending === null || this.pending.atMs > bound) break;
      out.push(this.pending);
      this.pending = null;
    }
    return out;
  }

  /** The next accepted arrival (thinning: candidates at the peak rate, kept with probability rate/peak). */
  private candidate(): Arrival | null {
    const meanGapMs = 1000 / this.maxRate;
    for (;;) {
      this.cursorMs += exponential(this.rand, meanGapMs);
      if (this.cursorMs > this.endMs) return null;
      const keep = this.rand() * this.maxRate < this.rateAt(this.cursorMs);
      const which = weightedIndex(this.rand, this.modelWeights);
      if (keep) return { index: this.count++, atMs: Math.ceil(this.cursorMs), model: this.w.models[which].model };
    }
  }
}

/** Task and token counts of one request, from its own stream. */
export function drawShape(rand: Random, w: WorkloadSpec, taskWeights: readonly number[]): RequestShape {
  const task = weightedIndex(rand, taskWeights);
  const promptTokens = Math.round(clamp(lognormal(rand, w.promptTokens.mean, 0.45), 8, w.promptTokens.mean * 8));
  const outputTokens = Math.round(clamp(lognormal(rand, w.outputTokens.mean, 0.5), 16, w.outputTokens.mean * 6));
  return { task, promptTokens, outputTokens };
}
