/**
 * One replica's serving engine, as vLLM's scheduler behaves seen from outside: requests wait in a FIFO
 * queue for one of its sequence slots (fewer when the KV cache is short), run (prefill, then one token
 * per step), and finish. Because every request's end is known when it is admitted, the queue is exact:
 * a request starts when enough of those ahead of it have ended. The engine answers the gauges at any
 * time (running, waiting, KV-cache usage), the busy time GPUs integrate, and keeps vLLM's counters and
 * histograms, each event counted when its time has passed (`flush`), so they only ever grow.
 */
import { mix32 } from './rng.js';
import type { ReplicaSpec } from './scenario.js';

/** One admitted request's timeline, unix ms. */
export interface EngineRun {
  readonly arrivalMs: number;
  readonly admitMs: number;
  readonly firstTokenMs: number;
  readonly endMs: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly preemptions: number;
  readonly finish: 'stop' | 'length';
  /** Gaps between output tokens, µs. */
  readonly gapsUs: readonly number[];
}

/** Cumulative-bucket histogram as Prometheus exposes it. */
export class Histogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Observes every value of `values` times `scale` (e.g. µs to s), in one pass. */
  observeAll(values: readonly number[], scale: number): void {
    const b = this.bounds;
    const last = b.length;
    let sum = 0;
    for (let k = 0; k < values.length; k++) {
      const v = values[k] * scale;
      let i = 0;
      while (i < last && v > b[i]) i++;
      this.counts[i]++;
      sum += v;
    }
    this.sum += sum;
    this.count += values.length;
  }

  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

/** vLLM's bucket boundaries (seconds, or tokens). */
export const BUCKETS = {
  ttft: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560],
  itl: [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80],
  request: [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680],
  tokens: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
} as const;

/** The counters and histograms of one engine. */
export interface EngineCounters {
  promptTokens: number;
  generationTokens: number;
  preemptions: number;
  success: { stop: number; length: number };
  readonly ttft: Histogram;
  readonly itl: Histogram;
  readonly tpot: Histogram;
  readonly e2e: Histogram;
  readonly queue: Histogram;
  readonly promptHist: Histogram;
  readonly generationHist: Histogram;
}

/** A time-ordered event queue (binary min-heap on `atMs`). */
class EventQueue {
  private readonly items: { atMs: number; run: EngineRun; end: boolean }[] = [];

  push(atMs: number, run: EngineRun, end: boolean): void {
    const a = this.items;
    a.push({ atMs, run, end });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].atMs <= a[i].atMs) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }

  /** Removes and answers the earliest event due at or before `toMs`. */
  popDue(toMs: number): { atMs: number; run: EngineRun; end: boolean } | null {
    const a = this.items;
    if (a.length === 0 || a[0].atMs > toMs) return null;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].atMs < a[m].atMs) m = l;
        if (r < a.length && a[r].atMs < a[m].atMs) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

export class ReplicaEngine {
  /** Runs not yet ended, and recently ended ones the GPUs may still integrate. */
  private live: EngineRun[] = [];
  private readonly events = new EventQueue();
  readonly counters: EngineCounters = {
    promptTokens: 0,
    generationTokens: 0,
    preemptions: 0,
    success: { stop: 0, length: 0 },
    ttft: new Histogram(BUCKETS.ttft),
    itl: new Histogram(BUCKETS.itl),
    tpot: new Histogram(BUCKETS.itl),
    e2e: new Histogram(BUCKETS.request),
    queue: new Histogram(BUCKETS.request),
    promptHist: new Histogram(BUCKETS.tokens),
    generationHist: new Histogram(BUCKETS.tokens),
  };

  /** Running sequences, averaged over the last minutes of healthy operation (what a KV fault squeezes). */
  private loadEma = 0;
  private loadAtMs = Number.NaN;

  constructor(
    readonly spec: ReplicaSpec,
    /** Typical prompt + output tokens of a request: how many fit in the KV cache. */
    private readonly typicalTokens: number,
  ) {}

  /** Feeds the running count seen at `t` into the load average (time constant 2 minutes). */
  noteLoad(t: number, running: number): void {
    const a = Number.isNaN(this.loadAtMs) ? 1 : 1 - Math.exp(-Math.max(0, t - this.loadAtMs) / 120_000);
    this.loadEma += (running - this.loadEma) * a;
    this.loadAtMs = t;
  }

  /** The recent average of running sequences (at least 1). */
  typicalLoad(): number {
    return Math.max(1, this.loadEma);
  }

  /** Typical prompt + output tokens of one request. */
  tokensPerRequest(): number {
    return this.typicalTokens;
  }

  /** Sequence slots the scheduler can fill when `leakTokens` of the KV cache are lost. */
  slots(leakTokens: number): number {
    const free = Math.max(0, this.spec.kvCacheTokens - leakTokens) * 0.95;
    return Math.max(1, Math.min(this.spec.maxNumSeqs, Math.floor(free / this.typicalTokens)));
  }

  /** True when the KV cache, not `max_num_seqs`, limits the slots. */
  kvLimited(leakTokens: number): boolean {
    return this.slots(leakTokens) < this.spec.maxNumSeqs;
  }

  /** When a request arriving at `t` starts, FIFO behind those already queued or running, with `slots` slots. */
  admissionTime(t: number, slots: number): number {
    const ends: number[] = [];
    for (const r of this.live) if (r.endMs > t) ends.push(r.endMs);
    if (ends.length < slots) return t;
    ends.sort((a, b) => a - b);
    return Math.max(t, ends[ends.length - slots]);
  }

  /** Running sequences at `t`. */
  running(t: number): number {
    let n = 0;
    for (const r of this.live) if (r.admitMs <= t && t < r.endMs) n++;
    return n;
  }

  /** Requests waiting for a slot at `t`. */
  waiting(t: number): number {
    let n = 0;
    for (const r of this.live) if (r.arrivalMs <= t && t < r.admitMs) n++;
    return n;
  }

  /** KV-cache tokens held at `t` by running requests (their prompt and the tokens generated so far). */
  kvTokens(t: number): number {
    let sum = 0;
    for (const r of this.live) {
      if (r.admitMs > t || t >= r.endMs) continue;
      const decoded = r.endMs > r.firstTokenMs ? Math.min(1, Math.max(0, (t - r.firstTokenMs) / (r.endMs - r.firstTokenMs))) : 1;
      sum += r.promptTokens + r.outputTokens * decoded;
    }
    return sum;
  }

  /** Fraction of the KV cache in use at `t` (a full cache when requests queue for lack of it). */
  kvUsage(t: number, leakTokens: number): number {
    const used = Math.min(1, (leakTokens + this.kvTokens(t)) / this.spec.kvCacheTokens);
    if (this.kvLimited(leakTokens) && this.waiting(t) > 0) return Math.max(used, 0.96 + 0.035 * (mix32(Math.floor(t / 1000)) / 4294967296));
    return used;
  }

  /** Average running sequences over [fromMs, toMs): what the GPUs under it integrate. */
  activity(fromMs: number, toMs: number): number {
    let busy = 0;
    for (const r of this.live) {
      const a = Math.max(fromMs, r.admitMs);
      const b = Math.min(toMs, r.endMs);
      if (b > a) busy += b - a;
    }
    return busy / (toMs - fromMs);
  }

  /** Adds an admitted request; its counters change when `flush` passes its first token and its end. */
  add(run: EngineRun): void {
    this.live.push(run);
    this.events.push(run.firstTokenMs, run, false);
    this.events.push(run.endMs, run, true);
  }

  /** Counts every event at or before `toMs`. */
  flush(toMs: number): void {
    const c = this.counters;
    for (let e = this.events.popDue(toMs); e !== null; e = this.events.popDue(toMs)) {
      const r = e.run;
      if (!e.end) {
        c.promptTokens += r.promptTokens;
        c.preemptions += r.preemptions;
        c.ttft.observe((r.firstTokenMs - r.arrivalMs) / 1000);
        c.queue.observe((r.admitMs - r.arrivalMs) / 1000);
        c.promptHist.observe(r.promptTokens);
        continue;
      }
      c.generationTokens += r.outputTokens;
      c.success[r.finish]++;
      c.e2e.observe((r.endMs - r.arrivalMs) / 1000);
      c.itl.observeAll(r.gapsUs, 1e-6);
      if (r.outputTokens > 1) c.tpot.observe((r.endMs - r.firstTokenMs) / 1000 / (r.outputTokens - 1));
      c.generationHist.observe(r.outputTokens);
    }
  }

  /** Forgets runs that ended before `beforeMs` (nothing reads that far back any more). */
  prune(beforeMs: number): void {
    if (this.live.length > 0 && this.live.some((r) => r.endMs < beforeMs)) this.live = this.live.filter((r) => r.endMs >= beforeMs);
  }
}
