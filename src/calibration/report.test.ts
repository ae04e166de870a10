import { describe, expect, it } from 'vitest';
import { adaptiveCalibrationError, expectedCalibrationError, maximumCalibrationError, reliabilityBins } from './binning.js';
import { accuracy, aurc, auroc, brierScore } from './metrics.js';
import { mulberry32 } from './random.js';
import { calibrationReport } from './report.js';

describe('calibrationReport', () => {
  const rand = mulberry32(5);
  const c = Array.from({ length: 300 }, () => Math.round(rand() * 20) / 20);
  const y = c.map((p) => (rand() < p * 0.8 ? 1 : 0));

  it('holds every metric as the single functions compute it, with the settings', () => {
    const r = calibrationReport(c, y, { bins: 8, adaptiveBins: 5, resamples: 100, seed: 3 });
    expect(r.n).toBe(300);
    expect(r.accuracy).toBe(accuracy(y));
    expect(r.brier).toBe(brierScore(c, y));
    expect(r.ece).toBe(expectedCalibrationError(c, y, { bins: 8 }));
    expect(r.mce).toBe(maximumCalibrationError(c, y, { bins: 8 }));
    expect(r.adaptiveEce).toBe(adaptiveCalibrationError(c, y, { bins: 5 }));
    expect(r.auroc).toBe(auroc(c, y));
    expect(r.aurc).toBe(aurc(c, y));
    expect(r.bins).toEqual(reliabilityBins(c, y, { bins: 8 }));
    expect(r.settings).toEqual({ bins: 8, adaptiveBins: 5, resamples: 100, seed: 3 });
    for (const name of ['accuracy', 'brier', 'ece', 'adaptiveEce', 'mce', 'auroc', 'aurc'] as const) {
      const interval = r.intervals![name];
      expect(interval.low, name).toBeLessThanOrEqual(interval.high);
      expect(Number.isFinite(interval.low) && Number.isFinite(interval.high), name).toBe(true);
    }
    expect(r.intervals!.brier.low).toBeLessThan(r.brier);
    expect(r.intervals!.brier.high).toBeGreaterThan(r.brier);
  });

  it('defaults: 10 bins, 1000 resamples, seed 0, reproducible; resamples 0 leaves intervals out', () => {
    const a = calibrationReport(c, y);
    expect(a.settings).toEqual({ bins: 10, adaptiveBins: 10, resamples: 1000, seed: 0 });
    expect(a.bins).toHaveLength(10);
    expect(calibrationReport(c, y).intervals).toEqual(a.intervals);
    expect(calibrationReport(c, y, { resamples: 0 }).intervals).toBeNull();
  });

  it('refuses invalid input', () => {
    expect(() => calibrationReport([0.5, 2], [1, 0])).toThrow(/confidence\[1\]/);
  });
});
