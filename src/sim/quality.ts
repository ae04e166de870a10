/**
 * How good one answer is: the latent probability of being right, the confidence the model expresses,
 * and whether it is in fact right. A healthy replica's confidence is calibrated to its `calibration`
 * degree (1: confidence = probability of being right; lower: sharper and higher, i.e. over-confident);
 * harder tasks lower both. Faults change them as docs/scenarios.md says: prompt drift makes every task
 * harder, a bad rollout loses accuracy while growing more confident, uncorrectable ECC corrupts answers
 * (wrong, with low confidence), a chat-template misconfiguration garbles them. The draws are made in a
 * fixed order whatever the faults, so one request's answer differs between a faulty and a healthy run
 * only through the fault.
 */
import type { ReplicaFaults } from './faults.js';
import { clamp, gaussian, logit, sigmoid, type Random } from './rng.js';

export interface AnswerQuality {
  /** Probability the answer is right. */
  readonly p: number;
  /** The confidence the answer's tokens (and its verbalized tag) express, in (0, 1). */
  readonly confidence: number;
  /** The confidence stated in a `<confidence>` tag (two decimals). */
  readonly stated: number;
  readonly correct: boolean;
  /** The reasoning carries reward-hacking intent (reasoning_regression). */
  readonly hack: boolean;
  /** The probe's propositions disagree with the answer (probe_alarm). */
  readonly probeAlarm: boolean;
  readonly corrupted: boolean;
  readonly garbled: boolean;
  /** The probe's own score (falsehood belief), in [0, 1]. */
  readonly probeScore: number;
  /** Uniform draws the text generator uses for feedback and variety. */
  readonly feedbackDraw: number;
  readonly lateDraw: number;
}

/** Accuracy of a task of difficulty d (0..1, more under prompt drift) before per-request variation. */
export function baseAccuracy(difficulty: number): number {
  return clamp(0.95 - 0.75 * difficulty, 0.03, 0.985);
}

/** A confidence calibrated to degree κ: exact at 1, sharper and higher below. */
export function expressedConfidence(p: number, calibration: number): number {
  const k = 1 - calibration;
  return clamp(sigmoid(logit(clamp(p, 0.005, 0.995)) * (1 + 1.5 * k) + 0.9 * k), 0.01, 0.995);
}

/** Draws one answer's quality; `difficulty` is the task's, `calibration` the replica's. */
export function drawQuality(rand: Random, difficulty: number, calibration: number, f: ReplicaFaults): AnswerQuality {
  // Fixed draw order (see the module comment).
  const z = gaussian(rand);
  const uCorrect = rand();
  const uHack = rand();
  const uProbe = rand();
  const zStated = gaussian(rand);
  const uScore = rand();
  const uGarble = rand();
  const feedbackDraw = rand();
  const lateDraw = rand();

  const d = clamp(difficulty + 0.35 * f.promptDrift, 0, 1.25);
  let p = sigmoid(logit(baseAccuracy(d)) + 0.7 * z);
  let confidence = expressedConfidence(p, calibration);
  if (f.badRollout > 0) {
    // Wrong or over-quantised weights: worse answers, stated with more certainty.
    p *= 1 - 0.5 * f.badRollout;
    confidence = 1 - (1 - confidence) * (1 - 0.6 * f.badRollout);
  }
  const corrupted = f.corrupted > 0;
  if (corrupted) {
    p *= 1 - 0.9 * f.corrupted;
    confidence *= 1 - 0.75 * f.corrupted;
  }
  const garbled = f.templateMisconfig > 0 && uGarble < 0.6 + 0.4 * f.templateMisconfig;
  if (garbled) {
    p *= 0.15;
    confidence = 0.01 + 0.06 * uGarble;
  }
  confidence = clamp(confidence, 0.01, 0.995);
  const stated = Math.round(clamp(confidence + 0.03 * zStated, 0.01, 0.99) * 100) / 100;
  const probeAlarm = f.probeAlarm > 0 && uProbe < 0.5 + 0.5 * f.probeAlarm;
  return {
    p,
    confidence,
    stated,
    correct: uCorrect < p,
    hack: f.reasoningRegression > 0 && uHack < 0.35 + 0.2 * f.reasoningRegression,
    probeAlarm,
    corrupted,
    garbled,
    probeScore: probeAlarm ? 0.6 + 0.35 * uScore : 0.05 + 0.3 * uScore,
    feedbackDraw,
    lateDraw,
  };
}
