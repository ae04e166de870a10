import { afterEach, describe, expect, it, vi } from 'vitest';
import { Allocation, createAllocation } from './allocator.js';
import { parseBudgetConfig } from './config.js';
import type { Selected } from './sampler.js';

const MIN = 60_000;
const budget = parseBudgetConfig({ judge: { calls_per_minute: 2 }, floor: 0.01 })!;

afterEach(() => {
  vi.useRealTimers();
});

describe('Allocation', () => {
  it('has a pool only for what is budgeted', () => {
    expect(createAllocation(null)).toBeNull();
    const a = new Allocation(budget, { idleFlushMs: null });
    expect(a.budgeted('judge')).toBe(true);
    expect(a.pool('probes', () => {})).toBeNull();
    expect(a.pool('judge', () => {})).not.toBeNull();
  });

  it('releases a window when event time passes its end, whether or not the later span is offered', () => {
    const released: Selected<string>[][] = [];
    const pool = new Allocation(budget, { idleFlushMs: null }).pool<string>('judge', (s) => released.push([...s]))!;
    for (let i = 0; i < 5; i++) pool.offer({ item: `a${i}`, risk: i === 3 ? 1 : 0.1, cost: { calls: 1 }, timeMs: i * 1000 });
    pool.observe(30_000);
    expect(released).toEqual([]);
    pool.observe(MIN);
    expect(released).toHaveLength(1);
    expect(released[0].length).toBeLessThanOrEqual(2);
    expect(released[0].every((s) => s.inclusionProbability > 0 && s.inclusionProbability <= 1)).toBe(true);
    pool.stop();
    expect(released).toHaveLength(1);
  });

  it('closes the open window when the stream has been quiet for a window of wall time, and at stop', () => {
    vi.useFakeTimers();
    const released: string[][] = [];
    const allocation = new Allocation(budget);
    const pool = allocation.pool<string>('judge', (s) => released.push(s.map((x) => x.item)))!;
    pool.offer({ item: 'x', risk: 0.5, cost: { calls: 1 }, timeMs: 5 * MIN });
    vi.advanceTimersByTime(MIN / 2);
    // Still traffic: the timer re-arms instead of closing.
    pool.offer({ item: 'y', risk: 0.5, cost: { calls: 1 }, timeMs: 5 * MIN + 1 });
    vi.advanceTimersByTime(MIN / 2 + 1);
    expect(released).toEqual([]);
    vi.advanceTimersByTime(MIN);
    expect(released).toEqual([['x', 'y']]);
    pool.offer({ item: 'z', risk: 0.5, cost: { calls: 1 }, timeMs: 5 * MIN + 2 });
    pool.stop();
    expect(released).toEqual([['x', 'y'], ['z']]);
  });

  it('closes a window that stays open for three windows of wall time although traffic goes on (a span stamped far ahead)', () => {
    vi.useFakeTimers();
    const released: string[][] = [];
    const pool = new Allocation(budget).pool<string>('judge', (s) => released.push(s.map((x) => x.item)))!;
    pool.offer({ item: 'future', risk: 0.5, cost: { calls: 1 }, timeMs: 1000 * MIN });
    // A request every 20 s of wall time, stamped correctly: the stream is never quiet for a window.
    let i = 0;
    for (; released.length === 0 && i < 30; i++) {
      vi.advanceTimersByTime(MIN / 3);
      pool.offer({ item: `now-${i}`, risk: 0, cost: { calls: 1 }, timeMs: 5 * MIN + i });
    }
    // Released after three windows of wall time, not when the stream ends.
    expect(i).toBe(9);
    expect(released[0]).toContain('future');
    pool.stop();
  });
});
