import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../model/span.js';
import { MIN, noise, recorder, S, spanAt, T0, type SpanOptions } from '../../test/helpers/detect-stream.js';
import { parseDetectionConfig } from './config.js';
import { Detector } from './detector.js';
import type { Anomaly } from './types.js';

const WINDOW = 10 * S;

interface Fleet {
  readonly replicas: number;
  /** Requests per second per replica at offset t (ms from T0). */
  readonly rate: (t: number) => number;
  /** Span options of one request of replica i at offset t. */
  readonly request: (i: number, t: number, n: ReturnType<typeof noise>) => SpanOptions;
}

/** A fleet's requests in 10-second batches, ordered within each batch unless shuffled. */
function stream(fleet: Fleet, minutes: number, seed: number, epoch = T0): SpanRecord[][] {
  const n = noise(seed);
  const batches: SpanRecord[][] = [];
  for (let step = 0; step < (minutes * MIN) / WINDOW; step++) {
    const batch: SpanRecord[] = [];
    for (let i = 0; i < fleet.replicas; i++) {
      const t0 = step * WINDOW;
      const count = Math.round(fleet.rate(t0) * 10 + n.normal() * Math.sqrt(fleet.rate(t0) * 10));
      for (let k = 0; k < count; k++) {
        const t = t0 + n.uniform() * WINDOW;
        batch.push(spanAt(epoch + t, { replica: `node-${i}:8000`, model: 'llama', ...fleet.request(i, t, n) }));
      }
    }
    batch.sort((a, b) => Number(a.endTimeUnixNano - b.endTimeUnixNano));
    batches.push(batch);
  }
  return batches;
}

function replay(batches: readonly SpanRecord[][], d: Detector, endMs: number): void {
  for (const b of batches) d.onSpans(b);
  d.advanceTo(endMs);
}

const healthy = (i: number, _t: number, n: ReturnType<typeof noise>): SpanOptions => ({
  confidence: Math.min(1, Math.max(0, 0.75 + 0.12 * n.normal())),
  ttftS: 0.3 * Math.exp(0.3 * n.normal()),
  tpotS: 0.025 * Math.exp(0.1 * n.normal()) * (1 + 0.05 * i),
  error: n.uniform() < 0.01,
});

describe('Detector on spans', () => {
  it('opens nothing on a stable, noisy fleet, nor when its traffic ramps up fourfold and back', () => {
    for (const [seed, rate] of [
      [1, () => 2],
      [2, (t: number) => (t < 8 * MIN ? 1 : t < 14 * MIN ? 1 + (3 * (t - 8 * MIN)) / (6 * MIN) : 4)],
      [3, () => 0.4],
    ] as const) {
      const rec = recorder();
      const d = new Detector({}, rec.sink);
      replay(stream({ replicas: 3, rate, request: healthy }, 25, seed), d, T0 + 26 * MIN);
      expect(rec.log).toEqual([]);
      expect(d.stats().windowsClosed).toBeGreaterThan(140);
      expect(d.stats().late).toBe(0);
    }
  });

  it('opens one anomaly at the change when a replica\'s confidence steps down, and closes it after recovery', () => {
    const change = 10 * MIN + 4 * S;
    const recovery = 15 * MIN;
    const fleet: Fleet = {
      replicas: 3,
      rate: () => 2,
      request: (i, t, n) => ({ ...healthy(i, t, n), ...(i === 1 && t >= change && t < recovery ? { confidence: Math.max(0, 0.45 + 0.12 * n.normal()) } : {}) }),
    };
    const rec = recorder();
    const d = new Detector({}, rec.sink);
    replay(stream(fleet, 25, 4), d, T0 + 26 * MIN);
    const opened = rec.opened().filter((a) => a.entity === 'replica:node-1:8000');
    expect(opened).toHaveLength(1);
    const a = opened[0];
    expect(a).toMatchObject({ signal: 'span.confidence', layer: 'confidence', kind: 'shift', direction: 'down', id: `replica:node-1:8000|span.confidence|${a.startMs}` });
    expect(a.startMs - T0).toBeGreaterThanOrEqual(change - WINDOW);
    expect(a.startMs - T0).toBeLessThanOrEqual(change + WINDOW);
    expect(a.baseline!).toBeCloseTo(0.75, 1);
    expect(a.observed).toBeLessThan(0.55);
    expect(a.detail).toMatch(/^mean confidence 0\.\d+ vs 0\.7\d+$/);
    expect(a.examples.length).toBe(5);
    expect(a.requests).toBeGreaterThan(20);
    // No other replica moved; the model's mix (a third of its requests) may.
    expect(rec.opened().every((x) => x.entity === 'replica:node-1:8000' || x.entity === 'model:llama')).toBe(true);
    const closed = rec.closed().find((x) => x.id === a.id)!;
    expect(closed.endMs! - T0).toBeGreaterThanOrEqual(recovery - WINDOW);
    expect(closed.endMs! - T0).toBeLessThanOrEqual(recovery + WINDOW);
    expect(d.openAnomalies()).toEqual([]);
  });

  it('names the lowest-confidence requests of the anomalous windows as its examples', () => {
    const change = 10 * MIN;
    const worst = new Set<string>();
    let k = 0;
    const fleet: Fleet = {
      replicas: 2,
      rate: () => 2,
      request: (i, t, n) => {
        if (i !== 0 || t < change) return healthy(i, t, n);
        const spanId = `bad${String(k++).padStart(13, '0')}`;
        const confidence = k % 17 === 0 ? 0.01 : 0.4 + 0.05 * n.uniform();
        if (confidence === 0.01 && t < change + 20 * S) worst.add(spanId);
        return { ...healthy(i, t, n), confidence, spanId };
      },
    };
    const rec = recorder();
    replay(stream(fleet, 13, 5), new Detector({}, rec.sink), T0 + 14 * MIN);
    const a = rec.opened().find((x) => x.entity === 'replica:node-0:8000')!;
    expect(a.examples.length).toBe(5);
    const ids = a.examples.map((e) => e.spanId);
    // The five lowest of the windows that opened it are the 0.01 ones.
    expect(ids.filter((id) => worst.has(id)).length).toBe(Math.min(5, worst.size));
  });

  it('catches a slow drift no single window shows, through the CUSUM, starting near its onset', () => {
    const onset = 9 * MIN;
    // 0.08 below normal after three minutes: under 4 standard errors of a window of 20 requests.
    const fleet: Fleet = {
      replicas: 1,
      rate: () => 2,
      request: (i, t, n) => ({ confidence: 0.75 - (t < onset ? 0 : 0.08 * Math.min(1, (t - onset) / (3 * MIN))) + 0.1 * n.normal() }),
    };
    const rec = recorder();
    const windowZ: number[] = [];
    const d = new Detector({}, (a, c) => {
      rec.sink(a, c);
      if (c === 'open') windowZ.push(a.score);
    });
    replay(stream(fleet, 25, 6), d, T0 + 26 * MIN);
    const opened = rec.opened().filter((a) => a.entity === 'replica:node-0:8000');
    expect(opened).toHaveLength(1);
    expect(opened[0].direction).toBe('down');
    expect(opened[0].startMs - T0).toBeGreaterThanOrEqual(onset - WINDOW);
    expect(opened[0].startMs - T0).toBeLessThan(onset + 4 * MIN);
    // Opened on accumulated evidence: its score is below the single-window z threshold.
    expect(windowZ[0]).toBeLessThan(5);
  });

  it('blames only the replica whose TTFT leaves its peers during a fleet-wide traffic ramp', () => {
    const ramp = (t: number): number => (t < 8 * MIN ? 1 : Math.min(4, 1 + (3 * (t - 8 * MIN)) / (5 * MIN)));
    const fault = 14 * MIN;
    const fleet: Fleet = {
      replicas: 3,
      rate: ramp,
      request: (i, t, n) => {
        const base = healthy(i, t, n);
        // Load raises every replica's TTFT; the fault multiplies one replica's by 4.
        return { ...base, ttftS: base.ttftS! * ramp(t) ** 1.5 * (i === 2 && t >= fault ? 4 : 1) };
      },
    };
    const rec = recorder();
    replay(stream(fleet, 22, 7), new Detector({}, rec.sink), T0 + 23 * MIN);
    expect(rec.opened().map((a) => [a.entity, a.signal])).toEqual([['replica:node-2:8000', 'span.ttft']]);
    const a = rec.opened()[0];
    expect(a.detail).toMatch(/^median TTFT .* vs .* \(expected from peers\)$/);
    expect(a.startMs - T0).toBeGreaterThanOrEqual(fault - WINDOW);
    expect(a.startMs - T0).toBeLessThanOrEqual(fault + WINDOW);
  });

  it('gives the same anomalies, shifted, when the same data is replayed a year later with no waiting', () => {
    const change = 10 * MIN;
    const fleet: Fleet = {
      replicas: 2,
      rate: () => 3,
      request: (i, t, n) => ({ ...healthy(i, t, n), ...(i === 0 && t >= change ? { ttftS: 2 + 0.1 * n.uniform() } : {}) }),
    };
    const year = 365 * 24 * 3_600_000;
    const run = (epoch: number): Anomaly[] => {
      const rec = recorder();
      replay(stream(fleet, 14, 8, epoch), new Detector({}, rec.sink), epoch + 15 * MIN);
      return rec.log.map((r) => r.anomaly);
    };
    const now = run(T0);
    const later = run(T0 + year);
    expect(now.length).toBeGreaterThan(0);
    const shift = (a: Anomaly): Anomaly => ({
      ...a,
      id: a.id.replace(/\|(\d+)$/, (_m, t: string) => `|${Number(t) + year}`),
      startMs: a.startMs + year,
      lastMs: a.lastMs + year,
      endMs: a.endMs === null ? null : a.endMs + year,
      examples: [],
    });
    // Span ids differ between runs (a counter); everything else must match.
    expect(later.map((a) => ({ ...a, examples: [] }))).toEqual(now.map(shift));
  });

  it('tolerates out-of-order spans within the lateness and counts older ones as late', () => {
    const change = 10 * MIN;
    const fleet: Fleet = {
      replicas: 2,
      rate: () => 3,
      request: (i, t, n) => ({ ...healthy(i, t, n), ...(i === 1 && t >= change ? { confidence: 0.3 + 0.1 * n.uniform() } : {}) }),
    };
    const ordered = stream(fleet, 14, 9);
    const rec1 = recorder();
    replay(ordered, new Detector({}, rec1.sink), T0 + 15 * MIN);
    // The same batches, each reversed (spans up to 10 s out of order).
    const rec2 = recorder();
    const d2 = new Detector({}, rec2.sink);
    replay(ordered.map((b) => [...b].reverse()), d2, T0 + 15 * MIN);
    const summary = (r: ReturnType<typeof recorder>) => r.log.map((x) => [x.change, x.anomaly.entity, x.anomaly.signal, x.anomaly.startMs, x.anomaly.endMs]);
    expect(summary(rec2)).toEqual(summary(rec1));
    expect(d2.stats().late).toBe(0);
    // A span from a window closed long ago is dropped and counted.
    d2.onSpans([spanAt(T0 + 1 * MIN, { replica: 'node-0:8000', confidence: 0 })]);
    expect(d2.stats().late).toBe(1);
  });

  it('lets a per-signal override disable a signal or change what counts', () => {
    const change = 10 * MIN;
    const fleet: Fleet = {
      replicas: 2,
      rate: () => 3,
      request: (i, t, n) => ({ ...healthy(i, t, n), ...(i === 1 && t >= change ? { confidence: 0.6 + 0.1 * n.normal() } : {}) }),
    };
    const batches = stream(fleet, 14, 10);
    const run = (raw: unknown): Anomaly[] => {
      const rec = recorder();
      replay(batches, new Detector(parseDetectionConfig(raw), rec.sink), T0 + 15 * MIN);
      return rec.opened();
    };
    expect(run({}).some((a) => a.signal === 'span.confidence' && a.entity === 'replica:node-1:8000')).toBe(true);
    expect(run({ signals: { 'span.confidence': { disabled: true } } })).toEqual([]);
    // A drop of 0.15 does not count when only drops of 0.2 or more matter.
    expect(run({ signals: { 'span.confidence': { threshold: 0.2 } } })).toEqual([]);
    expect(run({ signals: { 'span.confidence': { direction: 'up' } } })).toEqual([]);
  });

  it('follows monitor flag rates per monitor and probe alarms, per replica and per model', () => {
    const change = 10 * MIN;
    const rec = recorder();
    const d = new Detector({}, rec.sink);
    const n = noise(11);
    for (let t = 0; t < 14 * MIN; t += 500) {
      for (let i = 0; i < 2; i++) {
        const span = spanAt(T0 + t + 100 * i, { replica: `node-${i}:8000`, model: i === 0 ? 'qwen@v2' : 'qwen@v1', confidence: 0.8 });
        d.onSpans([span]);
        const hacking = i === 0 && t >= change ? n.uniform() < 0.4 : n.uniform() < 0.02;
        d.onMonitorResult(span, { monitor: 'reward_hacking', flag: hacking, score: hacking ? 0.9 : 0.1, evidence: [], cost: { tokens: 0, ms: 0.1 } });
        d.onMonitorResult(span, { monitor: 'legibility', flag: false, score: 0.2, evidence: [], cost: { tokens: 0, ms: 0.1 } });
        const disagree = i === 1 && t >= change && n.uniform() < 0.7;
        d.onProbeAlarm(span, { probe: 'consistency', alarm: disagree, agreement: disagree ? 0.1 : 0.9 });
      }
    }
    d.advanceTo(T0 + 15 * MIN);
    const got = rec.opened().map((a) => `${a.entity} ${a.signal} ${a.layer}`).sort();
    expect(got).toEqual([
      'model:qwen@v1 probe.agreement internals',
      'model:qwen@v1 probe.alarm_rate internals',
      'model:qwen@v2 monitor.flag_rate.reward_hacking behaviour',
      'replica:node-0:8000 monitor.flag_rate.reward_hacking behaviour',
      'replica:node-1:8000 probe.agreement internals',
      'replica:node-1:8000 probe.alarm_rate internals',
    ]);
    const flags = rec.opened().find((a) => a.entity === 'replica:node-0:8000')!;
    expect(flags.detail).toMatch(/^flag rate \d+(\.\d+)?% vs \d+(\.\d+)?%$/);
    expect(flags.examples.length).toBe(5);
    expect(d.stats()).toMatchObject({ monitorResults: 2 * 2 * 2 * 14 * 60, probeReadings: 2 * 2 * 14 * 60 });
  });

  it('turns calibration drift signals into anomalies on the drifting slice, at the feedback\'s time', () => {
    const rec = recorder();
    const d = new Detector({}, rec.sink);
    const base = { slice: 'replica' as const, key: 'node-1:8000', entity: 'replica:node-1:8000', baselineEce: 0.04, threshold: 0.05, baselineN: 200, currentN: 100 };
    d.onCalibrationDrift({ ...base, drifting: true, currentEce: 0.16, time: new Date(T0 + 10 * MIN).toISOString() });
    d.onCalibrationDrift({ ...base, drifting: false, currentEce: 0.05, time: new Date(T0 + 20 * MIN).toISOString() });
    expect(rec.log.map((r) => [r.change, r.anomaly.entity, r.anomaly.signal, r.anomaly.layer, r.anomaly.startMs, r.anomaly.endMs])).toEqual([
      ['open', 'replica:node-1:8000', 'calibration.ece', 'confidence', T0 + 10 * MIN, null],
      ['close', 'replica:node-1:8000', 'calibration.ece', 'confidence', T0 + 10 * MIN, T0 + 20 * MIN],
    ]);
    expect(rec.log[0].anomaly).toMatchObject({ baseline: 0.04, observed: 0.16, detail: 'ECE 0.160 over the last 100 labelled vs 0.040' });
  });

  it('does nothing at all when detection is off', () => {
    const fleet: Fleet = { replicas: 2, rate: () => 3, request: (i, t, n) => ({ ...healthy(i, t, n), ...(i === 1 && t >= 10 * MIN ? { confidence: 0.1 } : {}) }) };
    const rec = recorder();
    const d = new Detector(parseDetectionConfig(false), rec.sink);
    replay(stream(fleet, 14, 12), d, T0 + 15 * MIN);
    expect(rec.log).toEqual([]);
    expect(d.stats()).toMatchObject({ spans: 0, windowsClosed: 0 });
  });
});
