import { describe, expect, it } from 'vitest';
import { expectedCalibrationError } from './binning.js';
import { DriftDetector, type DriftSignal } from './drift.js';
import type { FeedbackRecord } from './feedback.js';
import type { LabelledSpan } from './labelled.js';
import { mulberry32 } from './random.js';

const T0 = Date.parse('2026-12-03T00:00:00Z');
const span = (confidence: number, replica = 'r1'): LabelledSpan => ({
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  confidence,
  slices: [
    { slice: 'model', key: 'm' },
    { slice: 'replica', key: replica },
  ],
});

/** Confidence 0.8, correct with probability `accuracy` (seeded). */
function stream(n: number, accuracy: number, seed: number): { c: number; y: boolean }[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => ({ c: 0.5 + rand() * 0.45, y: false })).map((x) => ({ ...x, y: rand() < (accuracy < 0 ? x.c : accuracy) }));
}

describe('DriftDetector.observe', () => {
  it('keeps a baseline, a rolling window, and signals entering and leaving drift', () => {
    const signals: DriftSignal[] = [];
    const d = new DriftDetector({ window: 40, minLabelled: 30, threshold: 0.15 }, { lookup: async () => [], onSignal: (s) => signals.push(s) });
    let t = T0;
    // Calibrated: correct as often as stated.
    const calibrated = stream(100, -1, 1);
    for (const x of calibrated) d.observe(span(x.c), x.y, (t += 1000));
    expect(signals).toEqual([]);
    const [model] = d.states().filter((s) => s.slice === 'model');
    expect(model.labelled).toBe(100);
    const base = calibrated.slice(0, 30);
    expect(model.baseline!.n).toBe(30);
    expect(model.baseline!.ece).toBeCloseTo(expectedCalibrationError(base.map((x) => x.c), base.map((x) => (x.y ? 1 : 0))), 12);
    const last = calibrated.slice(-40);
    expect(model.current!.n).toBe(40);
    expect(model.current!.ece).toBeCloseTo(expectedCalibrationError(last.map((x) => x.c), last.map((x) => (x.y ? 1 : 0))), 12);
    expect(model.drifting).toBe(false);

    // Overconfident: stated ~0.7, right a fifth of the time.
    for (const x of stream(40, 0.2, 2)) d.observe(span(x.c), x.y, (t += 1000));
    expect(signals.map((s) => [s.entity, s.drifting])).toEqual([
      ['model:m', true],
      ['replica:r1', true],
    ]);
    const entered = signals[0];
    expect(entered.currentEce - entered.baselineEce).toBeGreaterThan(0.15);
    expect(entered.baselineN).toBe(30);
    expect(d.states()[0]).toMatchObject({ drifting: true, since: entered.time });

    // Back to calibrated: once the bad responses leave the window, the drift ends.
    for (const x of stream(80, -1, 3)) d.observe(span(x.c), x.y, (t += 1000));
    expect(signals.slice(2).map((s) => [s.entity, s.drifting])).toEqual([
      ['model:m', false],
      ['replica:r1', false],
    ]);
    expect(d.states().every((s) => !s.drifting && s.since === null)).toBe(true);
  });

  it('follows each slice on its own', () => {
    const d = new DriftDetector({ window: 10, minLabelled: 5, threshold: 0.1 }, { lookup: async () => [] });
    for (let i = 0; i < 5; i++) d.observe(span(0.9, 'r1'), true, T0);
    d.observe(span(0.9, 'r2'), true, T0);
    const byEntity = new Map(d.states().map((s) => [s.entity, s]));
    expect(byEntity.get('model:m')!.labelled).toBe(6);
    expect(byEntity.get('replica:r1')!.baseline).toEqual({ n: 5, ece: expect.closeTo(0.1, 12), accuracy: 1, meanConfidence: 0.9 });
    expect(byEntity.get('replica:r2')!.baseline).toBeNull();
    expect(byEntity.get('model:m')!.current).toEqual({ n: 1, ece: expect.closeTo(0.1, 12), accuracy: 1, meanConfidence: 0.9 });
  });
});

describe('DriftDetector.accept', () => {
  const fb = (responseId: string, correct = true): FeedbackRecord => ({
    timeUnixMs: T0,
    traceId: '',
    spanId: '',
    responseId,
    correct,
    score: null,
    threshold: null,
    source: 'api',
    name: '',
    comment: '',
  });

  it('looks up each record, retries the ones not found yet, and gives up in the end', async () => {
    const known = new Map<string, LabelledSpan>([['r-1', span(0.7)]]);
    const asked: string[][] = [];
    const labelled: [number, boolean][] = [];
    const d = new DriftDetector(
      { window: 10, minLabelled: 5, threshold: 0.1 },
      {
        lookup: async (records) => {
          asked.push(records.map((r) => r.responseId));
          return records.map((r) => known.get(r.responseId) ?? null);
        },
        onLabelled: (s, correct) => labelled.push([s.confidence, correct]),
        retryDelaysMs: [20, 20],
      },
    );
    d.accept([fb('r-1'), fb('r-2', false), fb('r-3')]);
    await d.idle();
    expect(asked).toEqual([['r-1', 'r-2', 'r-3']]);
    expect(labelled).toEqual([[0.7, true]]);
    // r-2's span is stored meanwhile; r-3's never is.
    known.set('r-2', span(0.4));
    await new Promise((r) => setTimeout(r, 60));
    await d.idle();
    expect(labelled).toEqual([
      [0.7, true],
      [0.4, false],
    ]);
    await new Promise((r) => setTimeout(r, 60));
    await d.idle();
    expect(asked.flat().filter((x) => x === 'r-3')).toHaveLength(3);
    expect(d.stats()).toMatchObject({ accepted: 3, matched: 2, unmatched: 1, pending: 0 });
    await d.stop();
    await d.stop();
    d.accept([fb('r-1')]);
    expect(d.stats().pending).toBe(0);
  });

  it('survives a failing lookup and a failing listener', async () => {
    const logs: string[] = [];
    let calls = 0;
    const d = new DriftDetector(
      { window: 10, minLabelled: 1, threshold: 0 },
      {
        lookup: async (records) => {
          if (calls++ === 0) throw new Error('store down');
          return records.map(() => span(0.9));
        },
        onSignal: () => {
          throw new Error('listener bug');
        },
        retryDelaysMs: [10],
        log: (m) => logs.push(m),
      },
    );
    d.accept([fb('a', true), fb('b', false)]);
    await d.idle();
    await new Promise((r) => setTimeout(r, 40));
    await d.idle();
    expect(d.stats()).toMatchObject({ matched: 2, unmatched: 0 });
    expect(logs[0]).toMatch(/span lookup failed \(store down\)/);
    expect(logs.some((l) => /signal listener failed: listener bug/.test(l))).toBe(true);
    await d.stop();
  });

  it('refuses a window or baseline size that is not a positive integer', () => {
    expect(() => new DriftDetector({ window: 0, minLabelled: 5, threshold: 0.1 }, { lookup: async () => [] })).toThrow('calibration.drift.window');
    expect(() => new DriftDetector({ window: 5, minLabelled: 1.5, threshold: 0.1 }, { lookup: async () => [] })).toThrow('calibration.drift.min_labelled');
  });
});
