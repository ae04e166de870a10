import { describe, expect, it } from 'vitest';
import { DEFAULT_CALIBRATION_CONFIG, parseCalibrationConfig } from './config.js';

describe('parseCalibrationConfig', () => {
  it('gives defaults and reads every key', () => {
    expect(parseCalibrationConfig(undefined)).toBe(DEFAULT_CALIBRATION_CONFIG);
    const c = parseCalibrationConfig({
      confidence: ['score:judge.score', 'verbalized'],
      scores: ['reward'],
      verbalized_regex: 'conf=([0-9.]+)',
      feedback_threshold: 0.7,
      bins: 15,
      drift: { window: 100, min_labelled: 20, threshold: 0.05 },
      recalibration: { method: 'isotonic', min_labelled: 300 },
    });
    expect(c).toEqual({
      confidence: ['score:judge.score', 'verbalized'],
      scores: ['reward', 'judge.score'],
      verbalizedRegex: 'conf=([0-9.]+)',
      feedbackThreshold: 0.7,
      bins: 15,
      drift: { window: 100, minLabelled: 20, threshold: 0.05 },
      recalibration: { method: 'isotonic', minLabelled: 300 },
    });
  });

  it('names the field in errors', () => {
    expect(() => parseCalibrationConfig({ confidence: ['vibes'] })).toThrow('calibration.confidence[0]');
    expect(() => parseCalibrationConfig({ verbalized_regex: '(' })).toThrow('calibration.verbalized_regex');
    expect(() => parseCalibrationConfig({ feedback_threshold: 2 })).toThrow('calibration.feedback_threshold');
    expect(() => parseCalibrationConfig({ drift: { windw: 1 } })).toThrow('calibration.drift.windw');
    expect(() => parseCalibrationConfig({ recalibration: { method: 'magic' } })).toThrow('calibration.recalibration.method');
    expect(() => parseCalibrationConfig({ bins: 1 })).toThrow('calibration.bins');
  });
});
