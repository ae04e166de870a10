/**
 * Calibration drift, on the stream: every accepted feedback record is resolved to the span it labels
 * (a point lookup by id, never a scan), and the (confidence, correct) pair updates rolling statistics of
 * each slice the span belongs to (its model, model version, route, replica, host, GPUs and service).
 *
 * Per slice, the first `minLabelled` labelled responses form the baseline; the current window is the
 * last `window` labelled responses after it. Once the window holds at least min(window, minLabelled),
 * the slice drifts while current ECE - baseline ECE > `threshold`; entering and leaving that state emit
 * a {@link DriftSignal}. ECE uses the same equal-width bins as every calibration report (binning.ts),
 * kept as running sums so an update costs O(bins), whatever the window.
 *
 * State is in memory: a restart learns each baseline again from new feedback.
 */
import { binIndex, DEFAULT_BINS } from './binning.js';
import type { FeedbackRecord } from './feedback.js';
import type { LabelledSpan, LabelledSpanLookup, SliceKind } from './labelled.js';

export interface DriftConfig {
  /** Labelled responses per slice in the current window. */
  readonly window: number;
  /** Labelled responses that form a slice's baseline. */
  readonly minLabelled: number;
  /** ECE increase over the baseline that means drift. */
  readonly threshold: number;
  /** Equal-width ECE bins; default 10. */
  readonly bins?: number;
}

/** A slice entering (`drifting: true`) or leaving drift. Times are the feedback's event time. */
export interface DriftSignal {
  readonly slice: SliceKind;
  readonly key: string;
  /** The slice as an entity id (`replica:gpu-node-1:8000`). */
  readonly entity: string;
  readonly drifting: boolean;
  readonly baselineEce: number;
  readonly currentEce: number;
  readonly threshold: number;
  readonly baselineN: number;
  readonly currentN: number;
  readonly time: string;
}

export interface WindowStats {
  readonly n: number;
  readonly ece: number;
  readonly accuracy: number;
  readonly meanConfidence: number;
}

/** What GET /api/calibration/drift shows of one slice. */
export interface DriftSliceState {
  readonly slice: SliceKind;
  readonly key: string;
  readonly entity: string;
  /** Labelled responses seen. */
  readonly labelled: number;
  /** Null until `minLabelled` responses are in. */
  readonly baseline: WindowStats | null;
  /** Null until the baseline is complete and a response has followed it. */
  readonly current: WindowStats | null;
  readonly drifting: boolean;
  /** When the slice last started drifting (RFC 3339), while it drifts. */
  readonly since: string | null;
  readonly updated: string;
}

export interface DriftDeps {
  readonly lookup: LabelledSpanLookup;
  /** Hears every change of drift state (also kept: {@link DriftDetector.states}). */
  readonly onSignal?: (signal: DriftSignal) => void;
  /** Hears every labelled response resolved (the online recalibration counts them). */
  readonly onLabelled?: (span: LabelledSpan, correct: boolean) => void;
  readonly log?: (message: string) => void;
  /** Waits before each new look for a span not found; default {@link RETRY_DELAYS_MS}. */
  readonly retryDelaysMs?: readonly number[];
}

/** Most slices followed; feedback for spans in further slices updates only the slices already known. */
export const MAX_DRIFT_SLICES = 10_000;
/** Most feedback records waiting for their span; past it the oldest are given up (counted as unmatched). */
export const MAX_PENDING_FEEDBACK = 100_000;
/** Waits before looking again for a span not found (not yet stored, or feedback ahead of its response). */
export const RETRY_DELAYS_MS: readonly number[] = [500, 2000, 5000, 15_000, 60_000];
/** Feedback records per lookup. */
const BATCH = 500;

/** Running equal-width bin sums of a set of (confidence, correct) pairs. */
class BinnedSums {
  readonly count: Float64Array;
  readonly conf: Float64Array;
  readonly hits: Float64Array;
  n = 0;
  confTotal = 0;
  hitTotal = 0;
  constructor(readonly bins: number) {
    this.count = new Float64Array(bins);
    this.conf = new Float64Array(bins);
    this.hits = new Float64Array(bins);
  }
  add(c: number, y: number, sign: 1 | -1 = 1): void {
    const k = binIndex(c, this.bins);
    this.count[k] += sign;
    this.conf[k] += sign * c;
    this.hits[k] += sign * y;
    this.n += sign;
    this.confTotal += sign * c;
    this.hitTotal += sign * y;
  }
  clear(): void {
    this.count.fill(0);
    this.conf.fill(0);
    this.hits.fill(0);
    this.n = this.confTotal = this.hitTotal = 0;
  }
  /** Sum over non-empty bins of (n_b / N) |accuracy_b - confidence_b| = sum |hits_b - conf_b| / N. */
  stats(): WindowStats {
    let gap = 0;
    for (let k = 0; k < this.bins; k++) if (this.count[k] > 0.5) gap += Math.abs(this.hits[k] - this.conf[k]);
    return { n: this.n, ece: gap / this.n, accuracy: this.hitTotal / this.n, meanConfidence: this.confTotal / this.n };
  }
}

class SliceDrift {
  labelled = 0;
  baseline: WindowStats | null = null;
  private readonly base: BinnedSums;
  private readonly current: BinnedSums;
  private readonly ringConf: Float64Array;
  private readonly ringHit: Uint8Array;
  private head = 0;
  private evictions = 0;
  drifting = false;
  since: string | null = null;
  updated = '';

  constructor(
    readonly slice: SliceKind,
    readonly key: string,
    private readonly config: Required<DriftConfig>,
  ) {
    this.base = new BinnedSums(config.bins);
    this.current = new BinnedSums(config.bins);
    this.ringConf = new Float64Array(config.window);
    this.ringHit = new Uint8Array(config.window);
  }

  /** Adds one labelled response; returns a signal when the drift state changed. */
  observe(c: number, y: 0 | 1, time: string): DriftSignal | null {
    this.labelled++;
    this.updated = time;
    if (this.baseline === null) {
      this.base.add(c, y);
      if (this.base.n >= this.config.minLabelled) this.baseline = this.base.stats();
      return null;
    }
    const w = this.config.window;
    const at = this.head % w;
    if (this.current.n >= w) {
      this.current.add(this.ringConf[at], this.ringHit[at], -1);
      this.evictions++;
    }
    this.ringConf[at] = c;
    this.ringHit[at] = y;
    this.head++;
    this.current.add(c, y);
    // Running sums gather rounding error as values come and go; rebuild them once per window.
    if (this.evictions >= w) this.rebuild();
    if (this.current.n < Math.min(w, this.config.minLabelled)) return null;
    const cur = this.current.stats();
    const drifting = cur.ece - this.baseline.ece > this.config.threshold;
    if (drifting === this.drifting) return null;
    this.drifting = drifting;
    this.since = drifting ? time : null;
    return {
      slice: this.slice,
      key: this.key,
      entity: `${this.slice}:${this.key}`,
      drifting,
      baselineEce: this.baseline.ece,
      currentEce: cur.ece,
      threshold: this.config.threshold,
      baselineN: this.baseline.n,
      currentN: cur.n,
      time,
    };
  }

  private rebuild(): void {
    this.evictions = 0;
    this.current.clear();
    const n = Math.min(this.head, this.config.window);
    for (let i = 0; i < n; i++) this.current.add(this.ringConf[i], this.ringHit[i]);
  }

  state(): DriftSliceState {
    return {
      slice: this.slice,
      key: this.key,
      entity: `${this.slice}:${this.key}`,
      labelled: this.labelled,
      baseline: this.baseline,
      current: this.baseline !== null && this.current.n > 0 ? this.current.stats() : null,
      drifting: this.drifting,
      since: this.since,
      updated: this.updated,
    };
  }
}

interface Pending {
  readonly record: FeedbackRecord;
  attempts: number;
  dueMs: number;
}

/**
 * The stream-side drift detector. `accept` is the `IngestListeners.feedback` hook (synchronous, queues);
 * lookups and updates run in the background, one batch at a time, in arrival order.
 *
 * @example
 * const drift = new DriftDetector(config.calibration.drift, { lookup: storeSpanLookup(store, db), onSignal: (s) => log(JSON.stringify(s)) });
 * createIngest({ …, listeners: { feedback: (r) => drift.accept(r) } });
 */
export class DriftDetector {
  private readonly config: Required<DriftConfig>;
  private readonly slices = new Map<string, SliceDrift>();
  private queue: Pending[] = [];
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly abort = new AbortController();
  private counts = { accepted: 0, matched: 0, unmatched: 0, droppedSlices: 0 };

  constructor(
    config: DriftConfig,
    private readonly deps: DriftDeps,
    private readonly now: () => number = Date.now,
  ) {
    this.config = { window: config.window, minLabelled: config.minLabelled, threshold: config.threshold, bins: config.bins ?? DEFAULT_BINS };
    if (!Number.isInteger(this.config.window) || this.config.window < 1) throw new RangeError(`calibration.drift.window: expected an integer >= 1, got ${config.window}`);
    if (!Number.isInteger(this.config.minLabelled) || this.config.minLabelled < 1)
      throw new RangeError(`calibration.drift.min_labelled: expected an integer >= 1, got ${config.minLabelled}`);
  }

  /** Queues accepted feedback for lookup. Never throws, never blocks ingest. */
  accept(records: readonly FeedbackRecord[]): void {
    if (this.stopped) return;
    const due = this.now();
    for (const record of records) this.queue.push({ record, attempts: 0, dueMs: due });
    this.counts.accepted += records.length;
    if (this.queue.length > MAX_PENDING_FEEDBACK) {
      const over = this.queue.length - MAX_PENDING_FEEDBACK;
      this.queue.splice(0, over);
      this.counts.unmatched += over;
    }
    // The new records are due now: start at once, without scanning the queue for the next due time.
    if (!this.running) this.startDrain();
  }

  /** Adds one labelled response to its slices (the detector's core; `accept` ends here). */
  observe(span: LabelledSpan, correct: boolean, timeUnixMs: number): DriftSignal[] {
    const signals: DriftSignal[] = [];
    const time = new Date(timeUnixMs).toISOString();
    for (const { slice, key } of span.slices) {
      const id = `${slice}:${key}`;
      let state = this.slices.get(id);
      if (state === undefined) {
        if (this.slices.size >= MAX_DRIFT_SLICES) {
          this.counts.droppedSlices++;
          continue;
        }
        state = new SliceDrift(slice, key, this.config);
        this.slices.set(id, state);
      }
      const signal = state.observe(span.confidence, correct ? 1 : 0, time);
      if (signal !== null) signals.push(signal);
    }
    for (const s of signals) this.emit(s);
    return signals;
  }

  /** The latest state of every slice followed, drifting slices first. */
  states(): DriftSliceState[] {
    return [...this.slices.values()].map((s) => s.state()).sort((a, b) => Number(b.drifting) - Number(a.drifting) || a.entity.localeCompare(b.entity));
  }

  /** Feedback seen, resolved to a span, given up on, and waiting. */
  stats(): { accepted: number; matched: number; unmatched: number; pending: number; slices: number; droppedSlices: number } {
    return { ...this.counts, pending: this.queue.length, slices: this.slices.size };
  }

  get settings(): Required<DriftConfig> {
    return this.config;
  }

  /** Resolves when every queued record due now has been looked up once (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops lookups; queued feedback is dropped (it is stored; only the in-memory statistics miss it). Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.running?.catch(() => undefined);
    this.queue = [];
  }

  private emit(signal: DriftSignal): void {
    try {
      this.deps.onSignal?.(signal);
    } catch (err) {
      this.deps.log?.(`calibration drift: a signal listener failed: ${(err as Error).message}`);
    }
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    const now = this.now();
    const dueAt = this.queue.reduce((m, p) => Math.min(m, p.dueMs), Infinity);
    if (dueAt === Infinity) return;
    if (dueAt > now) {
      if (this.timer === null)
        this.timer = setTimeout(() => {
          this.timer = null;
          this.kick();
        }, dueAt - now).unref();
      return;
    }
    this.startDrain();
  }

  private startDrain(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.drain().finally(() => {
      this.running = null;
      this.kick();
    });
  }

  /** Looks up every due record, in arrival order, a batch at a time. */
  private async drain(): Promise<void> {
    const retryDelays = this.deps.retryDelaysMs ?? RETRY_DELAYS_MS;
    for (;;) {
      if (this.stopped) return;
      const now = this.now();
      const due: Pending[] = [];
      const later: Pending[] = [];
      for (const p of this.queue) (p.dueMs <= now && due.length < BATCH ? due : later).push(p);
      if (due.length === 0) return;
      this.queue = later;
      let found: (LabelledSpan | null)[];
      try {
        found = await this.deps.lookup(
          due.map((p) => p.record),
          this.abort.signal,
        );
      } catch (err) {
        if (this.stopped) return;
        this.deps.log?.(`calibration drift: span lookup failed (${(err as Error).message}); retrying`);
        found = due.map(() => null);
      }
      const retry: Pending[] = [];
      due.forEach((p, i) => {
        const span = found[i];
        if (span !== null && span !== undefined) {
          this.counts.matched++;
          this.observe(span, p.record.correct, p.record.timeUnixMs);
          try {
            this.deps.onLabelled?.(span, p.record.correct);
          } catch (err) {
            this.deps.log?.(`calibration drift: a labelled listener failed: ${(err as Error).message}`);
          }
        } else if (p.attempts < retryDelays.length) {
          p.dueMs = this.now() + retryDelays[p.attempts++];
          retry.push(p);
        } else {
          this.counts.unmatched++;
        }
      });
      this.queue.push(...retry);
    }
  }
}
