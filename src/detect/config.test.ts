import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_CONFIG, eventSettings, parseDetectionConfig, shiftSettings } from './config.js';

describe('parseDetectionConfig', () => {
  it('gives the defaults for an absent section, and turns detection off with false', () => {
    expect(parseDetectionConfig(undefined)).toBe(DEFAULT_DETECTION_CONFIG);
    expect(parseDetectionConfig(true)).toBe(DEFAULT_DETECTION_CONFIG);
    expect(parseDetectionConfig(false)).toEqual({ ...DEFAULT_DETECTION_CONFIG, enabled: false });
    expect(DEFAULT_DETECTION_CONFIG).toMatchObject({ windowMs: 10_000, warmupMs: 300_000, latenessMs: 2_000, sensitivity: 1, z: 5, persistence: 2, recovery: 3 });
  });

  it('reads durations, numbers, sensitivity words and per-signal overrides', () => {
    const c = parseDetectionConfig({
      window: '30s',
      warmup: '10m',
      lateness: '5s',
      sensitivity: 'high',
      persistence: 3,
      min_requests: 10,
      gap_intervals: 4,
      relearn_after: '1h',
      signals: { 'gpu.temperature': { z: 6, threshold: 10 }, 'span.ttft': { disabled: true }, 'monitor.flag_rate': { relative: 0.5 }, 'monitor.flag_rate.reward_hacking': { direction: 'both' }, up: false },
    });
    expect(c).toMatchObject({ windowMs: 30_000, warmupMs: 600_000, latenessMs: 5_000, sensitivity: 1.5, persistence: 3, minRequests: 10, gapIntervals: 4, relearnAfterMs: 3_600_000 });
    expect(c.signals).toEqual({
      'gpu.temperature': { z: 6, threshold: 10 },
      'span.ttft': { disabled: true },
      'monitor.flag_rate': { relative: 0.5 },
      'monitor.flag_rate.reward_hacking': { direction: 'both' },
      up: { disabled: true },
    });
    // z over sensitivity; the override's floor; disabled is null.
    expect(shiftSettings(c, 'gpu.temperature')).toMatchObject({ z: 4, persistence: 3, spec: { minAbs: 10, direction: 'up', mode: 'peer' } });
    expect(shiftSettings(c, 'span.ttft')).toBeNull();
    // A monitor's series takes the shared monitor settings, then its own.
    expect(shiftSettings(c, 'monitor.flag_rate.reward_hacking')).toMatchObject({ spec: { minRel: 0.5, direction: 'both', layer: 'behaviour' } });
    expect(shiftSettings(c, 'monitor.flag_rate.legibility')).toMatchObject({ spec: { minRel: 0.5, direction: 'up' } });
    // Bursty gauges keep their own persistence unless overridden.
    expect(shiftSettings(DEFAULT_DETECTION_CONFIG, 'engine.requests.waiting')!.persistence).toBe(3);
    expect(eventSettings(parseDetectionConfig({ signals: { 'gpu.nvlink.errors': { threshold: 50 } } }), 'gpu.nvlink.errors')).toMatchObject({ threshold: 50, kind: 'event' });
  });

  it('names the field in every error', () => {
    const bad: [unknown, string][] = [
      ['yes', 'detection: expected false or a mapping'],
      [{ windows: '10s' }, 'detection.windows: unknown setting'],
      [{ window: 'soon' }, 'detection.window: expected a duration such as 500ms, 30s or 2m, got "soon"'],
      [{ window: '1m', warmup: '30s' }, 'detection.warmup: must be at least one window'],
      [{ sensitivity: 'extreme' }, 'detection.sensitivity: expected a positive number or low, medium, high'],
      [{ z: 0 }, 'detection.z: expected a positive number, got 0'],
      [{ persistence: 1.5 }, 'detection.persistence: expected a whole number ≥ 1, got 1.5'],
      [{ signals: [] }, 'detection.signals: expected a mapping of signal name to settings'],
      [{ signals: { 'gpu.temprature': { z: 6 } } }, 'detection.signals.gpu.temprature: unknown signal'],
      [{ signals: { 'span.ttft': { zz: 6 } } }, 'detection.signals.span.ttft.zz: unknown setting'],
      [{ signals: { 'span.ttft': { direction: 'sideways' } } }, 'detection.signals.span.ttft.direction: expected up, down or both, got "sideways"'],
      [{ signals: { 'span.ttft': { mode: 'fleet' } } }, 'detection.signals.span.ttft.mode: expected absolute or peer'],
      [{ signals: { 'gpu.xid': { z: 3 } } }, 'detection.signals.gpu.xid.z: only applies to signals judged against a baseline; gpu.xid is an event rule'],
      [{ signals: { 'span.ttft': { threshold: -1 } } }, 'detection.signals.span.ttft.threshold: expected a number ≥ 0, got -1'],
      [{ signals: { 'span.ttft': 3 } }, 'detection.signals.span.ttft: expected a mapping'],
    ];
    for (const [raw, message] of bad) expect(() => parseDetectionConfig(raw), JSON.stringify(raw)).toThrow(message);
  });
});
