import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../calibration/random.js';
import { BudgetedSampler, type Selected, type WindowResult } from './sampler.js';

const MIN = 60_000;

function run<T>(s: BudgetedSampler<T>, offers: { item: T; risk: number; tokens?: number; timeMs: number }[]): WindowResult<T>[] {
  const out: WindowResult<T>[] = [];
  for (const o of offers) out.push(...s.offer({ item: o.item, risk: o.risk, cost: { calls: 1, tokens: o.tokens ?? 0 }, timeMs: o.timeMs }));
  out.push(...s.flush());
  return out;
}

describe('BudgetedSampler', () => {
  it('respects the budget of every event-time window, spends it when traffic exceeds it, and takes everything when it does not', () => {
    const rand = mulberry32(7);
    const offers: { item: number; risk: number; tokens: number; timeMs: number }[] = [];
    // Minute 0: 50 requests; minute 1: 500 (a burst); minute 2: 5. Times are event times, spread in each minute.
    const perMinute = [50, 500, 5];
    let id = 0;
    perMinute.forEach((n, m) => {
      for (let i = 0; i < n; i++) offers.push({ item: id++, risk: rand(), tokens: 100 + Math.floor(rand() * 900), timeMs: m * MIN + Math.floor((i * MIN) / n) });
    });
    const s = new BudgetedSampler<number>({ perMinute: { calls: 20, tokens: 12_000 }, windowMs: MIN, floor: 0.005, seed: 3 });
    const windows = run(s, offers);
    expect(windows.map((w) => [w.startMs, w.offered])).toEqual([[0, 50], [MIN, 500], [2 * MIN, 5]]);
    for (const w of windows) {
      const calls = w.selected.length;
      const tokens = w.selected.reduce((a, x) => a + (x.cost.tokens ?? 0), 0);
      expect(calls).toBeLessThanOrEqual(20);
      expect(tokens).toBeLessThanOrEqual(12_000);
      expect(w.spent).toMatchObject({ calls, tokens });
      // Every request taken belongs to the window by its event time.
      for (const x of w.selected) expect(x.timeMs >= w.startMs && x.timeMs < w.endMs).toBe(true);
    }
    // The burst used the budget up to the first request that no longer fitted.
    const burst = windows[1];
    const tokens = burst.selected.reduce((a, x) => a + (x.cost.tokens ?? 0), 0);
    expect(burst.selected.length === 20 || tokens > 12_000 - 1000).toBe(true);
    expect(burst.threshold).toBeGreaterThan(0);
    // A quiet minute fits entirely: everything is taken, with probability 1.
    expect(windows[2].selected.map((x) => x.inclusionProbability)).toEqual([1, 1, 1, 1, 1]);
    expect(windows[2].threshold).toBe(0);
  });

  it('spends the budget on the riskiest requests: inclusion probability grows with risk, and the floor bounds it below', () => {
    const s = new BudgetedSampler<number>({ perMinute: { calls: 10 }, windowMs: MIN, floor: 0.005, seed: 11 });
    const offers = Array.from({ length: 400 }, (_, i) => ({ item: i, risk: i % 40 === 7 ? 0.9 : 0.05, timeMs: i * 100 }));
    const [w] = run(s, offers);
    expect(w.selected.length).toBeLessThanOrEqual(10);
    for (const x of w.selected) expect(x.inclusionProbability).toBeGreaterThanOrEqual(x.floor);
    const risky = w.selected.filter((x) => x.item % 40 === 7);
    const calm = w.selected.filter((x) => x.item % 40 !== 7);
    // Ten risky requests (risk 0.9) among 390 calm ones (0.05): most of the budget goes to them, and each
    // had a far higher chance than a calm one, which is near the floor.
    expect(risky.length).toBeGreaterThanOrEqual(5);
    expect(risky.length).toBeGreaterThan(calm.length);
    for (const x of risky) expect(x.inclusionProbability).toBeGreaterThan(0.5);
    for (const x of calm) expect(x.inclusionProbability).toBeLessThan(0.05);
  });

  it('keeps the configured floor while the traffic allows it, and lowers it (above 0) when the floor alone would eat the budget', () => {
    const offers = (n: number, minute: number) => Array.from({ length: n }, (_, i) => ({ item: i, risk: 0, timeMs: minute * MIN + i }));
    // 40 requests a minute against 10 calls: a floor of 0.05 costs 2 calls, within a quarter of the budget.
    const quiet = new BudgetedSampler<number>({ perMinute: { calls: 10 }, windowMs: MIN, floor: 0.05, seed: 4 });
    for (const w of run(quiet, offers(40, 0))) for (const x of w.selected) expect(x.floor).toBe(0.05);
    // 4,000 requests a minute: the floor would take 200 calls; it is lowered to a quarter of 10 over the traffic.
    const busy = new BudgetedSampler<number>({ perMinute: { calls: 10 }, windowMs: MIN, floor: 0.05, seed: 4 });
    const windows = run(busy, [...offers(4000, 0), ...offers(4000, 1)]);
    for (const w of windows) {
      expect(w.selected.length).toBeLessThanOrEqual(10);
      expect(w.selected.filter((x) => !x.byFloor).length).toBeGreaterThan(0);
    }
    const second = windows[1].selected;
    for (const x of second) {
      expect(x.floor).toBeCloseTo((0.25 * 10) / 4000, 12);
      expect(x.inclusionProbability).toBeGreaterThanOrEqual(x.floor);
    }
    // The first minute had no previous traffic to size the floor by: past 50 requests (a quarter of 10 calls
    // at 0.05) its floor falls with the square of the excess.
    const first = windows[0].selected.filter((x) => x.byFloor);
    for (const x of first) expect(x.floor).toBeCloseTo(0.05 * Math.min(1, (50 / (x.item + 1)) ** 2), 12);
  });

  it('records exact inclusion probabilities: for every request, the mean of taken/π over many seeds is 1', () => {
    const rand = mulberry32(5);
    const population = Array.from({ length: 240 }, (_, i) => ({ item: i, risk: rand() ** 3, tokens: 50 + Math.floor(rand() * 400), timeMs: Math.floor(i / 120) * MIN + (i % 120) * 400 }));
    const ratio = new Float64Array(population.length);
    const reps = 1500;
    for (let seed = 1; seed <= reps; seed++) {
      const s = new BudgetedSampler<number>({ perMinute: { calls: 12, tokens: 3000 }, windowMs: MIN, floor: 0.03, seed });
      for (const w of run(s, population)) for (const x of w.selected) ratio[x.item] += 1 / x.inclusionProbability;
    }
    // By risk tercile: the mean of I/π over requests and seeds is 1 within sampling error.
    const order = population.map((p) => p.item).sort((a, b) => population[a].risk - population[b].risk);
    for (let t = 0; t < 3; t++) {
      const group = order.slice(t * 80, (t + 1) * 80);
      const mean = group.reduce((a, i) => a + ratio[i] / reps, 0) / group.length;
      expect(Math.abs(mean - 1)).toBeLessThan(0.06);
    }
  });

  it('takes a request too large for a whole window only by the floor, with π = floor', () => {
    const s = new BudgetedSampler<string>({ perMinute: { tokens: 1000 }, windowMs: MIN, floor: 0.5, floorShare: 1, seed: 2 });
    const taken: Selected<string>[] = [];
    for (let i = 0; i < 40; i++) for (const w of s.offer({ item: `big-${i}`, risk: 1, cost: { tokens: 5000 }, timeMs: i * MIN })) taken.push(...w.selected);
    for (const w of s.flush()) taken.push(...w.selected);
    expect(taken.length).toBeGreaterThan(2);
    expect(taken.length).toBeLessThan(20);
    // The floor is sized by the traffic (one request of 5,000 tokens a minute against 1,000): 1,000 / 5,000.
    for (const x of taken) expect(x).toMatchObject({ byFloor: true, floor: 0.2, inclusionProbability: 0.2 });
  });

  it('counts a request whose time falls in a closed window in the open one, and charges overspend reported later to the next windows', () => {
    const s = new BudgetedSampler<number>({ perMinute: { calls: 3, tokens: 300 }, windowMs: MIN, floor: 0.001, seed: 1 });
    for (let i = 0; i < 3; i++) s.offer({ item: i, risk: 0.5, cost: { calls: 1, tokens: 100 }, timeMs: 1000 + i });
    const [first] = s.offer({ item: 3, risk: 0.5, cost: { calls: 1, tokens: 100 }, timeMs: MIN + 5 });
    expect(first.selected.map((x) => x.item).sort()).toEqual([0, 1, 2]);
    // A late request (time in the closed first minute) joins the second window.
    expect(s.offer({ item: 4, risk: 0.5, cost: { calls: 1, tokens: 100 }, timeMs: 2000 })).toEqual([]);
    const [second] = s.flush();
    expect(second.startMs).toBe(MIN);
    expect(second.selected.map((x) => x.item).sort()).toEqual([3, 4]);
    // The first window's three calls really cost 200 tokens each: 300 over the estimate, a debt of one window.
    for (let i = 0; i < 3; i++) s.settle('tokens', 100, 200);
    expect(s.stats().debt.tokens).toBe(300);
    for (let i = 0; i < 3; i++) s.offer({ item: 10 + i, risk: 1, cost: { calls: 1, tokens: 100 }, timeMs: 5 * MIN + i });
    const [paid] = s.flush();
    expect(paid.spent.tokens).toBe(300);
    expect(paid.selected.every((x) => x.byFloor)).toBe(true);
    expect(s.stats().debt.tokens).toBe(0);
  });

  it('recovers from a window opened far in the future by a bad clock once that window closes', () => {
    const s = new BudgetedSampler<string>({ perMinute: { calls: 5 }, windowMs: MIN, floor: 0.01, seed: 1 });
    s.offer({ item: 'now', risk: 0.5, cost: { calls: 1 }, timeMs: 10 * MIN });
    const [w1] = s.offer({ item: 'future', risk: 0.5, cost: { calls: 1 }, timeMs: 10_000 * MIN });
    expect(w1.startMs).toBe(10 * MIN);
    // While the future window is open, later spans count in it; once it closes they get their own windows again.
    expect(s.offer({ item: 'late', risk: 0.5, cost: { calls: 1 }, timeMs: 10 * MIN + 1000 })).toEqual([]);
    const [w2] = s.flush();
    expect([w2.startMs, w2.selected.map((x) => x.item).sort()]).toEqual([10_000 * MIN, ['future', 'late']]);
    s.offer({ item: 'next', risk: 0.5, cost: { calls: 1 }, timeMs: 11 * MIN });
    const [w3] = s.flush();
    expect(w3.startMs).toBe(11 * MIN);
  });

  it('is deterministic: the same offers and seed give the same choice', () => {
    const offers = Array.from({ length: 300 }, (_, i) => ({ item: i, risk: (i * 37) % 100 / 100, timeMs: i * 500 }));
    const pick = (seed: number) => run(new BudgetedSampler<number>({ perMinute: { calls: 5 }, windowMs: 30_000, floor: 0.02, seed }), offers).flatMap((w) => w.selected.map((x) => [x.item, x.inclusionProbability]));
    expect(pick(9)).toEqual(pick(9));
    expect(pick(9)).not.toEqual(pick(10));
  });

  it('refuses a floor or floor share outside (0, 1]', () => {
    expect(() => new BudgetedSampler({ perMinute: { calls: 1 }, windowMs: MIN, floor: 0, seed: 1 })).toThrow(/floor/);
    expect(() => new BudgetedSampler({ perMinute: { calls: 1 }, windowMs: MIN, floor: 0.1, floorShare: 2, seed: 1 })).toThrow(/floorShare/);
  });
});
