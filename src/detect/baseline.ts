/**
 * An adaptive, robust baseline of one series: its normal level and how much it varies, learned from
 * the first windows (median, and the median absolute deviation) and then following slow change while
 * the series is normal (an exponentially weighted update whose residual is clipped, so one odd window
 * moves it little). The caller freezes it while the series is anomalous.
 *
 * A window's expected variance has two parts: how much the level itself wanders between windows (τ²),
 * and the sampling noise of a value computed from n requests (unit variance / n). A window of five
 * requests is therefore judged with wider error bars than one of five hundred, and a traffic ramp
 * (fewer or more requests per window) does not look like a change.
 *
 * τ² is learned at warm-up from the spread of the window values (so the wander seen then counts as
 * normal), and followed afterwards from the differences between consecutive normal windows: a slow
 * drift barely changes those, so it cannot widen the scale and hide itself from the CUSUM. Half the
 * warm-up's τ² stays as a floor.
 */

/** MAD → standard deviation, for normal data. */
const MAD_SCALE = 1.4826;
/** Residuals are clipped at this many σ when the baseline follows the series. */
const HUBER_K = 2;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export class RobustBaseline {
  private warm: { x: number[]; n: number[]; s2: number[] } | null = { x: [], n: [], s2: [] };
  /** The previous normal window followed (for the differences), null after a break. */
  private prev: { x: number; sampling: number } | null = null;
  private tau2Floor = 0;
  level = 0;
  /** Variance of the level between windows, beyond sampling noise. */
  tau2 = 0;
  /** Variance of one request's value (0 for metric series: one value per window). */
  unitVar = 0;

  private firstMs: number | null = null;

  /**
   * @param warmupMs event time the warm-up spans (from the first window's start)
   * @param minWindows windows learned at least, however long that takes
   * @param alpha weight of a new normal window when following (1 / alpha windows ≈ its memory)
   */
  constructor(
    private readonly warmupMs: number,
    private readonly minWindows: number,
    private readonly alpha: number,
  ) {}

  get ready(): boolean {
    return this.warm === null;
  }

  /**
   * Adds one warm-up window (starting at startMs, ending at endMs); the baseline is fitted once the
   * windows span the warm-up and there are at least `minWindows` of them. Measured in event time, a
   * series whose windows are merged (few requests) warms up as fast as a busy one.
   */
  learn(x: number, n: number, spread2: number, startMs: number, endMs: number): void {
    const w = this.warm;
    if (w === null) return;
    this.firstMs ??= startMs;
    w.x.push(x);
    w.n.push(Math.max(1, n));
    w.s2.push(spread2);
    if (w.x.length < this.minWindows || endMs - this.firstMs < this.warmupMs) return;
    this.level = median(w.x);
    const withSpread = w.s2.filter((v, i) => w.n[i] >= 2 && v > 0);
    this.unitVar = withSpread.length === 0 ? 0 : median(withSpread);
    const mad = MAD_SCALE * median(w.x.map((v) => Math.abs(v - this.level)));
    const sampling = median(w.n.map((n) => this.unitVar / n));
    this.tau2 = Math.max(0, mad * mad - sampling);
    this.tau2Floor = this.tau2 / 2;
    this.warm = null;
  }

  /** The standard deviation expected of a window of n values with the given spread; never below `floor`. */
  sigma(n: number, spread2: number, floor: number): number {
    const unit = Math.max(this.unitVar, spread2);
    return Math.sqrt(Math.max(this.tau2, floor * floor) + unit / Math.max(1, n));
  }

  /** The standard deviation expected of a window whose sampling variance is known (rates: binomial). */
  sigmaOf(samplingVariance: number, floor: number): number {
    return Math.sqrt(Math.max(this.tau2, floor * floor) + samplingVariance);
  }

  /** Follows a normal window (robustly: its residual counts up to `clip`, by default 2σ). */
  adapt(x: number, n: number, spread2: number, sigma: number, clip: number = HUBER_K * sigma): void {
    const a = this.alpha;
    const r = x - this.level;
    const lim = Math.max(clip, HUBER_K * sigma);
    this.level += a * Math.max(-lim, Math.min(lim, r));
    const sampling = Math.max(this.unitVar, spread2) / Math.max(1, n);
    if (this.prev !== null) {
      // Var(x_t - x_{t-1}) = 2τ² + both windows' sampling variances; winsorised at 3σ.
      const d = x - this.prev.x;
      const d2 = Math.min(d * d, 18 * sigma * sigma);
      const estimate = d2 / 2 - (sampling + this.prev.sampling) / 2;
      this.tau2 = Math.max(this.tau2Floor, (1 - a) * this.tau2 + a * estimate);
    }
    this.prev = { x, sampling };
    if (n >= 2 && spread2 > 0) this.unitVar = this.unitVar === 0 ? spread2 : (1 - a) * this.unitVar + a * Math.min(spread2, 4 * this.unitVar);
  }

  /** A window that was not followed (anomalous, pending, skipped): the next difference starts afresh. */
  skip(): void {
    this.prev = null;
  }

  /** Forgets everything: the next windows are a new warm-up. */
  reset(): void {
    this.warm = { x: [], n: [], s2: [] };
    this.firstMs = null;
    this.prev = null;
    this.level = this.tau2 = this.unitVar = this.tau2Floor = 0;
  }
}
