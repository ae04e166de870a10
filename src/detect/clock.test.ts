import { describe, expect, it } from 'vitest';
import { EventClock, RESYNC_BATCHES } from './clock.js';

const W = 10_000;
const T = Date.UTC(2026, 0, 1);

function batch(c: EventClock, times: readonly number[]): boolean[] {
  c.begin();
  const out = times.map((t) => c.admit(t));
  c.end();
  return out;
}

describe('EventClock', () => {
  it('closes a window once the head passes its end by the lateness, and counts older data as late', () => {
    const c = new EventClock(W, 2_000);
    batch(c, [T + 1_000, T + 9_000]);
    expect(c.closableBefore()).toBe(Math.floor((T + 7_000) / W));
    batch(c, [T + 12_500]);
    const limit = c.closableBefore();
    expect(limit).toBe(T / W + 1);
    c.closedBefore(limit);
    // Within the open window: fine, even out of order. Before it: late.
    expect(batch(c, [T + 11_000, T + 9_999])).toEqual([true, false]);
    expect(c.late).toBe(1);
  });

  it('waits longer when records keep arriving out of order, and comes back down when they stop', () => {
    const c = new EventClock(W, 2_000);
    let t = T;
    for (let w = 0; w < 20; w++) {
      // Each batch reaches 15 s ahead, then fills in behind it.
      batch(c, [t + 15_000, t + 1_000, t + 5_000, t + 9_000]);
      c.closedBefore(c.closableBefore());
      t += W;
    }
    expect(c.latenessMs).toBeGreaterThanOrEqual(15_000);
    expect(c.latenessMs).toBeLessThanOrEqual(17_000);
    expect(c.late).toBeLessThan(8);
    for (let w = 0; w < 60; w++) {
      batch(c, [t + 15_000]);
      c.closedBefore(c.closableBefore());
      t += W;
    }
    expect(c.latenessMs).toBe(2_000);
  });

  it('holds back a wrong clock far ahead, and follows the stream when it really moved on', () => {
    const jumps: string[] = [];
    const c = new EventClock(W, 2_000, 600_000, (j) => jumps.push(j));
    batch(c, [T]);
    const year = 365 * 86_400_000;
    // One sender a year ahead, among good batches: dropped, the head stays.
    expect(batch(c, [T + year, T + 1_000])).toEqual([false, true]);
    expect(c.head).toBe(T + 1_000);
    expect(c.ahead).toBe(1);
    // The whole stream a year on (a replay started later): after RESYNC_BATCHES batches, the head follows.
    for (let i = 0; i < RESYNC_BATCHES; i++) expect(batch(c, [T + year + i * W])).toEqual([false]);
    expect(batch(c, [T + year + RESYNC_BATCHES * W])).toEqual([true]);
    expect(c.head).toBe(T + year + RESYNC_BATCHES * W);
    expect(jumps).toEqual(['forward']);
  });

  it('moves back when a bad first timestamp put the head far ahead', () => {
    const jumps: string[] = [];
    const c = new EventClock(W, 2_000, 600_000, (j) => jumps.push(j));
    batch(c, [T + 86_400_000]);
    c.closedBefore(c.closableBefore());
    for (let i = 0; i < RESYNC_BATCHES; i++) expect(batch(c, [T + i * W])).toEqual([false]);
    expect(batch(c, [T + RESYNC_BATCHES * W])).toEqual([true]);
    expect(c.head).toBe(T + RESYNC_BATCHES * W);
    expect(jumps).toEqual(['back']);
    expect(batch(c, [T + RESYNC_BATCHES * W + 1_000])).toEqual([true]);
  });

  it('never reads the wall clock: advance moves the head only forward', () => {
    const c = new EventClock(W, 2_000);
    c.advance(T + 50_000);
    c.advance(T);
    expect(c.head).toBe(T + 50_000);
    expect(c.closableBefore()).toBe(Math.floor((T + 48_000) / W));
  });
});
