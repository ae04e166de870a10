/**
 * One stream's event time ("lane"): its clock (clock.ts), the windows still open, and the series judged
 * from them. Requests and metric points each have one, so neither stream's lateness holds the other back.
 */
import type { EventClock } from './clock.js';
import type { ShiftSeries } from './shift-series.js';
import type { WindowAcc } from './span-window.js';

/** A series of a lane: its judge (null when its signal is disabled), and a window merged into the next. */
export interface Entry {
  readonly series: ShiftSeries | null;
  carry: WindowAcc | null;
  carryStartMs: number;
  /** gpu.power.draw: judged over the power limit. */
  ratio: boolean;
}

/** One stream's event clock, its open windows and its series. */
export class Lane<B extends { readonly idx: number; readonly startMs: number }> {
  readonly buckets = new Map<number, B>();
  private last: B | null = null;
  readonly entries = new Map<string, Entry>();

  constructor(
    readonly clock: EventClock,
    private readonly make: (idx: number, startMs: number) => B,
  ) {}

  bucket(tMs: number): B {
    const w = this.clock.windowMs;
    const b = this.last;
    if (b !== null && tMs >= b.startMs && tMs < b.startMs + w) return b;
    const idx = this.clock.windowOf(tMs);
    let found = this.buckets.get(idx);
    if (found === undefined) this.buckets.set(idx, (found = this.make(idx, idx * w)));
    this.last = found;
    return found;
  }

  /** The open windows the head has passed, oldest first (removed from the lane). */
  takeClosable(): B[] {
    const limit = this.clock.closableBefore();
    if (!(limit > this.clock.firstOpen)) return [];
    const ready = [...this.buckets.keys()].filter((i) => i < limit).sort((a, b) => a - b);
    const out = ready.map((i) => this.buckets.get(i)!);
    for (const i of ready) this.buckets.delete(i);
    if (this.last !== null && this.last.idx < limit) this.last = null;
    this.clock.closedBefore(limit);
    return out;
  }

  /** Drops windows past a head that jumped back. */
  dropAfter(idx: number): void {
    for (const k of [...this.buckets.keys()]) if (k > idx) this.buckets.delete(k);
    this.last = null;
  }
}

