/**
 * Event time for detection: the latest timestamp the data carried (the head) moves windows forward;
 * the wall clock is never read. A window [i·W, (i+1)·W) closes once the head passes its end by the
 * lateness; data older than the last closed window is late, counted and dropped.
 *
 * The lateness adapts: every record's lag behind the head goes into a histogram (1 s buckets, decayed
 * at each window close), and the lateness is its 99th percentile plus a second, never below the
 * configured lateness nor above `maxLatenessMs`. A stream whose records arrive in order keeps the
 * configured lateness; one that arrives shuffled by tens of seconds (spans posted before they end, as a
 * replay may do) waits that much longer rather than dropping most of its data.
 *
 * One sender with a wrong clock must not close every window ahead of time: a timestamp more than
 * `maxAheadMs` past the head is counted as "ahead" and dropped, unless the stream as a whole has moved
 * (RESYNC_BATCHES batches in a row held only such data, spanning at least a window of their own time,
 * as when data resumes after a long pause or a replay starts later): then the head jumps to it.
 * Likewise a run of batches that are all far behind the head (the head was set by a bad first
 * timestamp) moves it back, and the caller drops what it held past the new head.
 */

export const DEFAULT_MAX_AHEAD_MS = 10 * 60_000;
/** Consecutive batches of only far-off data that move the head to them. */
export const RESYNC_BATCHES = 3;
export const DEFAULT_MAX_LATENESS_MS = 120_000;
/** Weight the lag histogram keeps at each window close. */
const LAG_DECAY = 0.8;
const LAG_QUANTILE = 0.99;

export type Jump = 'forward' | 'back';

export class EventClock {
  /** The latest event time admitted, ms; null before any data. */
  head: number | null = null;
  /** Index of the first window still open: data before `firstOpen · W` is late. */
  firstOpen = -Infinity;
  late = 0;
  ahead = 0;
  private admitted = 0;
  private off = { ahead: 0, behind: 0 };
  private streak = { kind: null as 'ahead' | 'behind' | null, batches: 0, lo: Infinity, hi: -Infinity };
  private batch = { lo: Infinity, hi: -Infinity };

  /** The lateness in force (adapted, see the module comment). */
  latenessMs: number;
  private readonly lags: Float64Array;

  constructor(
    readonly windowMs: number,
    readonly minLatenessMs: number,
    readonly maxAheadMs: number = DEFAULT_MAX_AHEAD_MS,
    /** Told when the head jumps (after the jump). */
    private readonly onJump: (jump: Jump, headMs: number) => void = () => {},
    readonly maxLatenessMs: number = Math.max(DEFAULT_MAX_LATENESS_MS, minLatenessMs),
  ) {
    this.latenessMs = minLatenessMs;
    this.lags = new Float64Array(Math.ceil(this.maxLatenessMs / 1000) + 1);
  }

  windowOf(tMs: number): number {
    return Math.floor(tMs / this.windowMs);
  }

  /** Starts a batch of records (one listener call). */
  begin(): void {
    this.admitted = 0;
    this.off.ahead = this.off.behind = 0;
    this.batch.lo = Infinity;
    this.batch.hi = -Infinity;
  }

  /** True when a record at tMs may be aggregated. */
  admit(tMs: number): boolean {
    if (!(tMs > 0) || !Number.isFinite(tMs)) {
      this.late++;
      return false;
    }
    const head = this.head;
    if (head === null) {
      this.head = tMs;
      this.noteLag(0);
      this.admitted++;
      return true;
    }
    if (tMs > head + this.maxAheadMs) {
      if (this.streak.kind === 'ahead' && this.streak.batches >= RESYNC_BATCHES && this.streakSpan(tMs) >= this.windowMs) {
        this.jump('forward', tMs);
        this.admitted++;
        return true;
      }
      this.ahead++;
      this.off.ahead++;
      this.note(tMs);
      return false;
    }
    if (tMs < this.firstOpen * this.windowMs) {
      this.late++;
      this.noteLag(head - tMs);
      if (tMs < head - this.maxAheadMs) {
        this.off.behind++;
        this.note(tMs);
        if (this.streak.kind === 'behind' && this.streak.batches >= RESYNC_BATCHES && this.streakSpan(tMs) >= this.windowMs) {
          this.late--;
          this.jump('back', tMs);
          this.admitted++;
          return true;
        }
      }
      return false;
    }
    if (tMs > head) this.head = tMs;
    this.noteLag(tMs > head ? 0 : head - tMs);
    this.admitted++;
    return true;
  }

  private noteLag(lagMs: number): void {
    const i = Math.min(this.lags.length - 1, Math.floor(lagMs / 1000));
    this.lags[i]++;
  }

  private note(tMs: number): void {
    if (tMs < this.batch.lo) this.batch.lo = tMs;
    if (tMs > this.batch.hi) this.batch.hi = tMs;
  }

  private streakSpan(tMs: number): number {
    return Math.max(this.streak.hi, tMs) - Math.min(this.streak.lo, tMs);
  }

  /** Ends a batch: a batch of only far-off data extends the streak that may move the head. */
  end(): void {
    const kind = this.admitted > 0 ? null : this.off.ahead > 0 ? 'ahead' : this.off.behind > 0 ? 'behind' : undefined;
    if (kind === undefined) return;
    if (kind === null || kind !== this.streak.kind) {
      this.streak = { kind, batches: 0, lo: Infinity, hi: -Infinity };
      if (kind === null) return;
    }
    this.streak.batches++;
    this.streak.lo = Math.min(this.streak.lo, this.batch.lo);
    this.streak.hi = Math.max(this.streak.hi, this.batch.hi);
  }

  private jump(jump: Jump, tMs: number): void {
    this.head = tMs;
    this.streak = { kind: null, batches: 0, lo: Infinity, hi: -Infinity };
    if (jump === 'back') this.firstOpen = this.windowOf(tMs);
    this.onJump(jump, tMs);
  }

  /** Moves the head to tMs if later (the caller's own event-time clock: no guard). */
  advance(tMs: number): void {
    if (!Number.isFinite(tMs)) return;
    if (this.head === null || tMs > this.head) this.head = tMs;
  }

  /** Windows with an index below this may close now. */
  closableBefore(): number {
    if (this.head === null) return -Infinity;
    return Math.floor((this.head - this.latenessMs) / this.windowMs);
  }

  /** Marks windows below `idx` closed, and adapts the lateness to the lags seen. */
  closedBefore(idx: number): void {
    if (idx > this.firstOpen) this.firstOpen = idx;
    const lags = this.lags;
    let total = 0;
    for (let i = 0; i < lags.length; i++) total += lags[i];
    if (total < 1) return;
    let below = 0;
    let q = lags.length - 1;
    for (let i = 0; i < lags.length; i++) {
      below += lags[i];
      if (below >= LAG_QUANTILE * total) {
        q = i;
        break;
      }
    }
    // Bucket i holds lags in [i, i + 1) s: wait to its top, plus a second.
    this.latenessMs = Math.min(this.maxLatenessMs, Math.max(this.minLatenessMs, (q + 2) * 1000));
    for (let i = 0; i < lags.length; i++) lags[i] *= LAG_DECAY;
  }
}
