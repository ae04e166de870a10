/**
 * One series (an entity's signal) judged window by window against its adaptive baseline, and the
 * anomaly it opens, updates and closes.
 *
 * A window is anomalous when its robust z-score reaches z in a bad direction AND the change is large
 * enough to matter (|observed - expected| ≥ max(minAbs, minRel·|expected|); a rate's rise also needs
 * `minHits` events over the windows that open it). `persistence` anomalous windows in a row open an
 * anomaly that starts at the first of them. For signals judged on their own level (quality, behaviour, internals), a two-sided CUSUM on the same
 * residuals (less a dead zone of half the smallest change that matters) also opens one for a sustained
 * shift or a drift too small for any single window, starting where the CUSUM excursion began.
 * `recovery` normal windows in a row close it, ending at the first of them. The baseline is frozen
 * while a window is suspect, pending or open, and follows the series otherwise.
 *
 * Peer-mode series are judged on their offset from a reference (the peers' median, passed per window);
 * an entity alone in its group is judged on its absolute value instead, with a baseline of its own.
 */
import type { Anomaly, AnomalyChange } from './types.js';
import { RobustBaseline } from './baseline.js';
import type { ShiftSettings } from './config.js';
import { Cusum } from './cusum.js';
import { TopExamples, type ScoredExample } from './examples.js';
import { formatValue } from './format.js';
import type { Measurement } from './span-window.js';

export interface SeriesOptions {
  /** Event time a baseline learns over before it is used. */
  readonly warmupMs: number;
  /** Windows it learns at least. */
  readonly minWarmupWindows: number;
  /** Weight of a normal window in the baseline's update. */
  readonly alpha: number;
  readonly recovery: number;
  readonly relearnAfterMs: number;
  readonly cusumH: number;
  /** True for span-derived series: the anomaly counts the requests of its windows. */
  readonly countsRequests: boolean;
}

export type Emit = (anomaly: Anomaly, change: AnomalyChange) => void;

/** The z-score a window must stay above (in the anomaly's direction) to keep an anomaly open. */
const Z_KEEP_FACTOR = 0.4;
/** Windows of examples kept for an anomaly opened by the CUSUM (its onset may be a few windows back). */
const RECENT_WINDOWS = 12;
/** A series that skips more windows than this starts its persistence and CUSUM over. */
const MAX_SKIP_WINDOWS = 30;
const TINY = 1e-12;
/** The expected rate a rate's binomial spread is computed at is kept within these. */
const MIN_RATE = 0.02;
const MAX_RATE = 0.98;
/**
 * A load-driven signal judged without peers (an entity alone of its kind) is compared with its own
 * recent past instead: a baseline with a short memory (ALONE_MEMORY_MS) that follows a traffic ramp, no
 * CUSUM (a ramp is a sustained drift), and changes this many times larger than the floors.
 */
export const ALONE_FACTOR = 3;
const ALONE_MEMORY_MS = 90_000;

interface ModeState {
  readonly baseline: RobustBaseline;
  readonly cusum: Cusum;
}

interface Recent {
  readonly startMs: number;
  readonly examples: readonly ScoredExample[];
  readonly n: number;
  readonly hits: number;
}

interface OpenState {
  readonly id: string;
  readonly startMs: number;
  readonly direction: 'up' | 'down';
  readonly examples: TopExamples;
  requests: number;
  lastMs: number;
  baseline: number;
  observed: number;
  score: number;
  mode: 0 | 1;
}

export class ShiftSeries {
  private readonly modes: [ModeState | null, ModeState | null] = [null, null];
  private pending: { startMs: number; count: number; direction: 'up' | 'down'; examples: TopExamples; requests: number; hits: number } | null = null;
  private open: OpenState | null = null;
  private normalRun = 0;
  private normalStartMs = 0;
  private lastEndMs = -Infinity;
  private recent: Recent[] = [];

  constructor(
    readonly entity: string,
    readonly signal: string,
    private readonly settings: ShiftSettings,
    private readonly windowMs: number,
    private readonly options: SeriesOptions,
    private readonly emit: Emit,
  ) {}

  /** True when the signal is judged on a log scale. */
  get log(): boolean {
    return this.settings.spec.log;
  }

  /** True when the signal is judged against its peers. */
  get peer(): boolean {
    return this.settings.spec.mode === 'peer';
  }

  /** A value in judged units (its log for log-scale signals). */
  judged(value: number): number {
    return this.transform(value);
  }

  get isOpen(): boolean {
    return this.open !== null;
  }

  /** Event time of the latest window judged. */
  get lastWindowEndMs(): number {
    return this.lastEndMs;
  }

  private mode(i: 0 | 1, alone: boolean): ModeState {
    const alpha = alone ? Math.min(0.5, this.windowMs / ALONE_MEMORY_MS) : this.options.alpha;
    return (this.modes[i] ??= { baseline: new RobustBaseline(this.options.warmupMs, this.options.minWarmupWindows, alpha), cusum: new Cusum(this.options.cusumH) });
  }

  private transform(v: number): number {
    return this.settings.spec.log ? Math.log(Math.max(v, TINY)) : v;
  }

  private untransform(x: number): number {
    return this.settings.spec.log ? Math.exp(x) : x;
  }

  /** The smallest change that matters around `expected`, in judged (transformed) units. */
  private meaningful(expected: number, factor: number): number {
    const { minAbs, minRel, log } = this.settings.spec;
    const a = Math.abs(expected);
    const mf = log ? Math.log1p(factor * Math.max(minRel, minAbs / Math.max(a, TINY))) : factor * Math.max(minAbs, minRel * a);
    return mf > 0 ? mf : 1e-9;
  }

  private allowed(direction: 'up' | 'down'): boolean {
    const d = this.settings.spec.direction;
    return d === 'both' || d === direction;
  }

  /**
   * Judges one window's measurement.
   * @param ref the peers' reference in judged units (ln for log signals), or null to judge the absolute value
   * @param refSpread2 the peers' own variance around the reference now (added to the window's)
   */
  evaluate(m: Measurement, startMs: number, endMs: number, ref: number | null, refSpread2 = 0): void {
    const modeIndex: 0 | 1 = ref === null ? 0 : 1;
    const alone = ref === null && this.peer;
    const mode = this.mode(modeIndex, alone);
    const x = this.transform(m.value) - (ref ?? 0);
    const skipped = startMs - this.lastEndMs > MAX_SKIP_WINDOWS * this.windowMs || startMs < this.lastEndMs - this.windowMs;
    if (skipped) {
      this.pending = null;
      mode.cusum.reset();
      mode.baseline.skip();
      this.recent = [];
    }
    this.lastEndMs = endMs;
    const b = mode.baseline;
    if (!b.ready) {
      if (this.open === null) b.learn(x, m.n, m.spread2, startMs, endMs);
      return;
    }
    const expectedT = b.level + (ref ?? 0);
    const expected = this.untransform(expectedT);
    const mf = this.meaningful(expected, alone ? ALONE_FACTOR : 1);
    // A rate's sampling variance is binomial around the rate expected (what a normal window would show).
    const rate = m.hits !== undefined;
    const p0 = Math.min(MAX_RATE, Math.max(MIN_RATE, expected));
    const spread2 = rate ? p0 * (1 - p0) : m.spread2;
    const sigma = Math.sqrt((rate ? b.sigmaOf(p0 * (1 - p0) / Math.max(1, m.n), 0.1 * mf) : b.sigma(m.n, spread2, 0.1 * mf)) ** 2 + refSpread2);
    const r = x - b.level;
    const z = r / sigma;
    const direction = r >= 0 ? 'up' : 'down';
    // A rate's rise needs events in this window; enough of them (minHits) over the windows that open it.
    const someHits = direction === 'down' || m.hits === undefined || m.hits > 0;
    const anomalous = this.allowed(direction) && someHits && Math.abs(r) >= mf && Math.abs(z) >= this.settings.z;

    if (this.open !== null) {
      b.skip();
      this.whileOpen(m, startMs, endMs, r, z, mf, expected, modeIndex);
      return;
    }
    // The CUSUM is for slow drifts of a series' own level; load-driven peer signals change in steps and
    // are noisy with load, so they open on the z-test alone.
    const drifts = !this.peer;
    const dead = Math.max(0, Math.abs(r) - 0.5 * mf);
    if (drifts) mode.cusum.push((Math.sign(r) * dead) / sigma, r, startMs);
    this.recent.push({ startMs, examples: m.examples, n: m.n, hits: m.hits ?? 0 });
    if (this.recent.length > RECENT_WINDOWS) this.recent.shift();

    if (anomalous) {
      b.skip();
      if (this.pending === null || this.pending.direction !== direction) {
        this.pending = { startMs, count: 0, direction, examples: new TopExamples(), requests: 0, hits: 0 };
      }
      const p = this.pending;
      p.count++;
      p.examples.merge(m.examples);
      p.requests += m.n;
      p.hits += m.hits ?? 0;
      if (p.count >= this.settings.persistence && (!rate || direction === 'down' || p.hits >= this.settings.spec.minHits)) {
        this.openAnomaly(p.startMs, direction, p.examples, p.requests, endMs, expected, m.value, Math.abs(z), modeIndex);
      }
      return;
    }
    this.pending = null;
    const side = drifts ? this.cusumAlarm(mode.cusum, mf, r, someHits) : null;
    if (side !== null) {
      const s = side === 'up' ? mode.cusum.up : mode.cusum.down;
      const examples = new TopExamples();
      let requests = 0;
      let hits = 0;
      for (const w of this.recent) {
        if (w.startMs < s.onsetMs) continue;
        examples.merge(w.examples);
        requests += w.n;
        hits += w.hits;
      }
      if (!rate || side === 'down' || hits >= this.settings.spec.minHits) {
        this.openAnomaly(s.onsetMs, side, examples, requests, endMs, expected, m.value, s.meanResidual() / sigma, modeIndex);
        return;
      }
    }
    // Alone, the baseline follows any change too small to matter (a ramp): it is the recent past.
    if (alone) b.adapt(x, m.n, spread2, sigma, mf);
    else if (!drifts || mode.cusum.quiet()) b.adapt(x, m.n, spread2, sigma);
    else b.skip();
  }

  /** The side whose CUSUM crossed its threshold with a change that matters, still visible in this window. */
  private cusumAlarm(c: Cusum, mf: number, r: number, someHits: boolean): 'up' | 'down' | null {
    if (!someHits) return null;
    if (this.allowed('up') && c.up.sum >= c.h && c.up.meanResidual() >= mf && r >= 0.5 * mf) return 'up';
    if (this.allowed('down') && c.down.sum >= c.h && c.down.meanResidual() >= mf && -r >= 0.5 * mf) return 'down';
    return null;
  }

  private whileOpen(m: Measurement, startMs: number, endMs: number, r: number, z: number, mf: number, expected: number, modeIndex: 0 | 1): void {
    const o = this.open!;
    const sameSide = o.direction === 'up' ? r > 0 : r < 0;
    const still = sameSide && Math.abs(r) >= 0.5 * mf && Math.abs(z) >= Z_KEEP_FACTOR * this.settings.z;
    if (still) {
      this.normalRun = 0;
      o.lastMs = endMs;
      o.observed = m.value;
      o.baseline = expected;
      o.score = Math.abs(z);
      o.mode = modeIndex;
      o.examples.merge(m.examples);
      o.requests += m.n;
      if (endMs - o.startMs > this.options.relearnAfterMs) {
        // Open this long: the new level is the normal now.
        this.closeAnomaly(endMs);
        this.modes[modeIndex]!.baseline.reset();
        return;
      }
      this.emit(this.snapshot(null), 'update');
      return;
    }
    if (this.normalRun === 0) this.normalStartMs = startMs;
    this.normalRun++;
    if (this.normalRun >= this.options.recovery) this.closeAnomaly(this.normalStartMs);
  }

  private openAnomaly(startMs: number, direction: 'up' | 'down', examples: TopExamples, requests: number, endMs: number, expected: number, observed: number, score: number, modeIndex: 0 | 1): void {
    this.pending = null;
    this.normalRun = 0;
    this.open = {
      id: `${this.entity}|${this.signal}|${startMs}`,
      startMs,
      direction,
      examples,
      requests,
      lastMs: endMs,
      baseline: expected,
      observed,
      score: Math.abs(score),
      mode: modeIndex,
    };
    this.emit(this.snapshot(null), 'open');
  }

  private closeAnomaly(endMs: number): void {
    const snap = this.snapshot(Math.max(endMs, this.open!.startMs));
    this.open = null;
    this.pending = null;
    this.normalRun = 0;
    this.recent = [];
    for (const m of this.modes) m?.cusum.reset();
    this.emit(snap, 'close');
  }

  /** Closes an open anomaly whose series stopped reporting (its end: the last window seen). */
  closeIfSilent(headMs: number, silentMs: number): void {
    if (this.open !== null && headMs - this.lastEndMs > silentMs) this.closeAnomaly(this.open.lastMs);
  }

  /** The open anomaly as it stands, or null. */
  current(): Anomaly | null {
    return this.open === null ? null : this.snapshot(null);
  }

  private snapshot(endMs: number | null): Anomaly {
    const o = this.open!;
    const { spec } = this.settings;
    const peers = o.mode === 1 ? ' (expected from peers)' : '';
    const anomaly: Anomaly = {
      id: o.id,
      entity: this.entity,
      signal: this.signal,
      layer: spec.layer,
      kind: 'shift',
      direction: o.direction,
      startMs: o.startMs,
      lastMs: o.lastMs,
      endMs,
      baseline: o.baseline,
      observed: o.observed,
      score: o.score,
      detail: `${spec.label} ${formatValue(o.observed, spec.unit)} vs ${formatValue(o.baseline, spec.unit)}${peers}`,
      examples: o.examples.requests(),
    };
    return this.options.countsRequests ? { ...anomaly, requests: o.requests } : anomaly;
  }
}
