/**
 * Telemetry gaps: missing data reported as missing data, never as a fault of what it watches.
 * - A scrape target answering `up` 0 (`persistence` scrapes in a row) opens a gap on the target's
 *   entity (the replica of an engine target, the host of a DCGM or node target), starting at the first
 *   failed scrape; `up` 1, or its data arriving again, closes it.
 * - A source (the replica, else host, else GPU its canonical metric points name) whose points stop for more than
 *   `gap_intervals` of its usual spacing (and at least two windows) while other sources go on sending
 *   opens a gap starting one spacing after its last point; its next point closes it. A source silent for longer
 *   than GAP_EXPIRY_MS is considered removed: its gap closes and it is forgotten.
 * One gap per entity at a time, whichever rule saw it first.
 */
import type { Anomaly } from './types.js';
import { signalEnabled, type DetectionConfig } from './config.js';
import type { Emit } from './shift-series.js';

/** Spacings shorter than this are points of one scrape or batch, not the source's interval. */
const MIN_SPACING_MS = 500;
export const GAP_EXPIRY_MS = 30 * 60_000;
const GAP_SCORE = 10;

interface OpenGap {
  readonly id: string;
  readonly signal: 'up' | 'telemetry.gap';
  readonly startMs: number;
  lastMs: number;
  detail: string;
}

interface Source {
  lastMs: number;
  spacing: number;
  upZeroRun: number;
  upZeroStartMs: number;
  open: OpenGap | null;
}

export class GapTracker {
  private readonly sources = new Map<string, Source>();
  private readonly upEnabled: boolean;
  private readonly silenceEnabled: boolean;
  private readonly upPersistence: number;

  constructor(
    private readonly config: DetectionConfig,
    private readonly emit: Emit,
  ) {
    this.upEnabled = signalEnabled(config, 'up');
    this.silenceEnabled = signalEnabled(config, 'telemetry.gap');
    this.upPersistence = config.signals.up?.persistence ?? config.persistence;
  }

  private source(entity: string, tMs: number): Source {
    let s = this.sources.get(entity);
    if (s === undefined) this.sources.set(entity, (s = { lastMs: tMs, spacing: 0, upZeroRun: 0, upZeroStartMs: tMs, open: null }));
    return s;
  }

  /** True while a gap is open on the entity. */
  isOpen(entity: string): boolean {
    return this.sources.get(entity)?.open != null;
  }

  /** A data point from a source (not `up`, not a staleness marker). */
  data(entity: string, tMs: number): void {
    const s = this.sources.get(entity);
    if (s === undefined) {
      this.source(entity, tMs);
      return;
    }
    const dt = tMs - s.lastMs;
    if (dt >= MIN_SPACING_MS) s.spacing = s.spacing === 0 ? dt : 0.8 * s.spacing + 0.2 * Math.min(dt, 4 * s.spacing);
    if (dt > 0) s.lastMs = tMs;
    if (s.open !== null && dt > 0 && tMs > s.open.startMs) this.close(entity, s, tMs);
  }

  /** A scrape's `up` for its target's entity. */
  up(entity: string, tMs: number, up: boolean): void {
    if (!this.upEnabled) return;
    const s = this.source(entity, tMs);
    if (up) {
      s.upZeroRun = 0;
      if (s.open !== null && tMs > s.open.startMs) this.close(entity, s, tMs);
      return;
    }
    if (s.upZeroRun === 0) s.upZeroStartMs = tMs;
    s.upZeroRun++;
    if (s.open !== null) {
      s.open.lastMs = Math.max(s.open.lastMs, tMs);
      return;
    }
    if (s.upZeroRun >= this.upPersistence) this.openGap(entity, s, 'up', s.upZeroStartMs, tMs, 'scrape target down (up = 0)');
  }

  /**
   * Opens silence gaps and expires long ones. Silence is measured against the latest data any other
   * source sent (not the event-time head alone): when every source stops at once, the stream stopped,
   * not one target.
   */
  check(headMs: number): void {
    const minSilence = 2 * this.config.windowMs;
    let latest = -Infinity;
    for (const s of this.sources.values()) if (s.lastMs > latest) latest = s.lastMs;
    const now = Math.min(headMs, latest);
    for (const [entity, s] of this.sources) {
      const silent = now - s.lastMs;
      if (s.open !== null) {
        if (s.open.signal === 'telemetry.gap' && silent > GAP_EXPIRY_MS) {
          this.close(entity, s, headMs);
          this.sources.delete(entity);
        }
        continue;
      }
      if (!this.silenceEnabled || s.spacing === 0) continue;
      if (silent > Math.max(this.config.gapIntervals * s.spacing, minSilence)) {
        if (silent > GAP_EXPIRY_MS) {
          this.sources.delete(entity);
          continue;
        }
        this.openGap(entity, s, 'telemetry.gap', s.lastMs + s.spacing, now, `no data since ${new Date(s.lastMs).toISOString()} (usually every ${Math.round(s.spacing / 100) / 10} s)`);
      }
    }
  }

  private openGap(entity: string, s: Source, signal: OpenGap['signal'], startMs: number, lastMs: number, detail: string): void {
    s.open = { id: `${entity}|${signal}|${startMs}`, signal, startMs, lastMs, detail };
    this.emit(this.snapshot(entity, s.open, null), 'open');
  }

  private close(entity: string, s: Source, endMs: number): void {
    const o = s.open!;
    o.lastMs = Math.max(o.lastMs, endMs);
    s.open = null;
    s.upZeroRun = 0;
    this.emit(this.snapshot(entity, o, endMs), 'close');
  }

  private snapshot(entity: string, o: OpenGap, endMs: number | null): Anomaly {
    return {
      id: o.id,
      entity,
      signal: o.signal,
      layer: 'telemetry',
      kind: 'gap',
      direction: null,
      startMs: o.startMs,
      lastMs: o.lastMs,
      endMs,
      baseline: null,
      observed: 0,
      score: GAP_SCORE,
      detail: o.detail,
      examples: [],
    };
  }
}
