/**
 * Two-sided CUSUM on a series' standardised residuals: each side sums how far the residuals exceed an
 * allowance k, never going below zero, and alarms when the sum reaches h. A sustained shift of a few σ,
 * or a slow drift that no single window shows, accumulates until it crosses h. Each side remembers
 * where its current excursion began (the change point reported as the anomaly's start) and the mean
 * raw residual since then (to check the change is large enough to matter).
 */

export const CUSUM_K = 1;
export const CUSUM_H = 10;
/** Standardised residuals are clipped to this before summing, so one outlier cannot alarm alone. */
const Z_CLIP = 6;

class Side {
  sum = 0;
  onsetMs = 0;
  private rSum = 0;
  private rCount = 0;

  push(z: number, r: number, startMs: number, k: number): void {
    const next = this.sum + z - k;
    if (next <= 0) {
      this.sum = 0;
      this.rSum = this.rCount = 0;
      return;
    }
    if (this.sum === 0) {
      this.onsetMs = startMs;
      this.rSum = this.rCount = 0;
    }
    this.sum = next;
    this.rSum += r;
    this.rCount++;
  }

  /** Mean raw residual since the onset. */
  meanResidual(): number {
    return this.rCount === 0 ? 0 : this.rSum / this.rCount;
  }

  reset(): void {
    this.sum = this.rSum = this.rCount = 0;
  }
}

export class Cusum {
  readonly up = new Side();
  readonly down = new Side();

  constructor(
    readonly h: number = CUSUM_H,
    readonly k: number = CUSUM_K,
  ) {}

  /** Adds one window: its standardised residual z, raw residual r and start time. */
  push(z: number, r: number, startMs: number): void {
    const zc = Math.max(-Z_CLIP, Math.min(Z_CLIP, z));
    this.up.push(zc, r, startMs, this.k);
    this.down.push(-zc, -r, startMs, this.k);
  }

  /** True while neither side is past half its threshold (the baseline may follow the series). */
  quiet(): boolean {
    return this.up.sum < this.h / 2 && this.down.sum < this.h / 2;
  }

  reset(): void {
    this.up.reset();
    this.down.reset();
  }
}
