/**
 * The `calibration:` section: where a response's confidence comes from, which span attributes are
 * scores, how feedback scores become correct/incorrect, and the drift and recalibration settings.
 *
 * ```yaml
 * calibration:
 *   confidence: [verbalized, answer_prob, token_prob]  # first source a response has wins; also score:<name>
 *   scores: [judge.score, reward]                      # numeric span attributes kept as scores
 *   verbalized_regex: "confidence[:=]\\s*([0-9.]+)"    # optional, first group = the number
 *   feedback_threshold: 0.5                            # a feedback score >= this counts as correct
 *   bins: 10                                           # ECE bins (RLCR binning by default)
 *   drift: { window: 200, min_labelled: 50, threshold: 0.1 }
 *   recalibration: { method: none }                    # none | temperature | platt | isotonic | histogram
 * ```
 */

export const CONFIDENCE_SOURCES = ['verbalized', 'answer_prob', 'token_prob'] as const;
export type ConfidenceSource = (typeof CONFIDENCE_SOURCES)[number] | `score:${string}`;
export const RECALIBRATION_METHODS = ['none', 'temperature', 'platt', 'isotonic', 'histogram'] as const;
export type RecalibrationMethod = (typeof RECALIBRATION_METHODS)[number];

export interface CalibrationConfig {
  /** Sources of a response's primary confidence, in order of preference. */
  readonly confidence: readonly ConfidenceSource[];
  /** Numeric span attributes kept as named scores. */
  readonly scores: readonly string[];
  /** A regular expression whose first group is a stated confidence; null when not configured. */
  readonly verbalizedRegex: string | null;
  readonly feedbackThreshold: number;
  readonly bins: number;
  readonly drift: {
    /** Labelled responses per slice in the current window. */
    readonly window: number;
    /** Labelled responses needed before a slice has a baseline. */
    readonly minLabelled: number;
    /** ECE increase over the slice's own baseline that raises the drift signal. */
    readonly threshold: number;
  };
  readonly recalibration: { readonly method: RecalibrationMethod; readonly minLabelled: number };
}

export const DEFAULT_CALIBRATION_CONFIG: CalibrationConfig = {
  confidence: ['verbalized', 'answer_prob', 'token_prob'],
  scores: [],
  verbalizedRegex: null,
  feedbackThreshold: 0.5,
  bins: 10,
  drift: { window: 200, minLabelled: 50, threshold: 0.1 },
  recalibration: { method: 'none', minLabelled: 200 },
};

export class CalibrationConfigError extends Error {
  override readonly name = 'CalibrationConfigError';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function known(raw: Record<string, unknown>, where: string, keys: readonly string[]): void {
  for (const k of Object.keys(raw)) if (!keys.includes(k)) throw new CalibrationConfigError(`${where}.${k}: unknown setting (known: ${keys.join(', ')})`);
}

function num(v: unknown, where: string, min: number, max: number, integer = false): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new CalibrationConfigError(`${where}: expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return n;
}

/** Validates the raw `calibration:` section; undefined gives the defaults. */
export function parseCalibrationConfig(raw: unknown): CalibrationConfig {
  const d = DEFAULT_CALIBRATION_CONFIG;
  if (raw === undefined || raw === null) return d;
  if (!isRecord(raw)) throw new CalibrationConfigError(`calibration: expected a mapping, got ${JSON.stringify(raw)}`);
  known(raw, 'calibration', ['confidence', 'scores', 'verbalized_regex', 'feedback_threshold', 'bins', 'drift', 'recalibration']);
  let confidence = d.confidence;
  if (raw.confidence !== undefined) {
    if (!Array.isArray(raw.confidence) || raw.confidence.length === 0) throw new CalibrationConfigError('calibration.confidence: expected a non-empty list of sources');
    confidence = raw.confidence.map((s, i) => {
      const v = String(s);
      if ((CONFIDENCE_SOURCES as readonly string[]).includes(v) || (v.startsWith('score:') && v.length > 6)) return v as ConfidenceSource;
      throw new CalibrationConfigError(`calibration.confidence[${i}]: expected ${CONFIDENCE_SOURCES.join(', ')} or score:<attribute>, got ${JSON.stringify(s)}`);
    });
  }
  let scores = d.scores;
  if (raw.scores !== undefined) {
    if (!Array.isArray(raw.scores)) throw new CalibrationConfigError('calibration.scores: expected a list of attribute names');
    scores = raw.scores.map(String);
  }
  for (const c of confidence) if (c.startsWith('score:') && !scores.includes(c.slice(6))) scores = [...scores, c.slice(6)];
  let verbalizedRegex: string | null = null;
  if (raw.verbalized_regex !== undefined) {
    verbalizedRegex = String(raw.verbalized_regex);
    try {
      new RegExp(verbalizedRegex);
    } catch (err) {
      throw new CalibrationConfigError(`calibration.verbalized_regex: ${(err as Error).message}`);
    }
  }
  const drift = { ...d.drift };
  if (raw.drift !== undefined) {
    if (!isRecord(raw.drift)) throw new CalibrationConfigError('calibration.drift: expected a mapping');
    known(raw.drift, 'calibration.drift', ['window', 'min_labelled', 'threshold']);
    if (raw.drift.window !== undefined) drift.window = num(raw.drift.window, 'calibration.drift.window', 10, 1e6, true);
    if (raw.drift.min_labelled !== undefined) drift.minLabelled = num(raw.drift.min_labelled, 'calibration.drift.min_labelled', 1, 1e6, true);
    if (raw.drift.threshold !== undefined) drift.threshold = num(raw.drift.threshold, 'calibration.drift.threshold', 0, 1);
  }
  const recalibration = { ...d.recalibration };
  if (raw.recalibration !== undefined) {
    if (!isRecord(raw.recalibration)) throw new CalibrationConfigError('calibration.recalibration: expected a mapping');
    known(raw.recalibration, 'calibration.recalibration', ['method', 'min_labelled']);
    if (raw.recalibration.method !== undefined) {
      const m = String(raw.recalibration.method);
      if (!(RECALIBRATION_METHODS as readonly string[]).includes(m))
        throw new CalibrationConfigError(`calibration.recalibration.method: expected one of ${RECALIBRATION_METHODS.join(', ')}, got ${JSON.stringify(m)}`);
      recalibration.method = m as RecalibrationMethod;
    }
    if (raw.recalibration.min_labelled !== undefined) recalibration.minLabelled = num(raw.recalibration.min_labelled, 'calibration.recalibration.min_labelled', 10, 1e7, true);
  }
  return {
    confidence,
    scores,
    verbalizedRegex,
    feedbackThreshold: raw.feedback_threshold === undefined ? d.feedbackThreshold : num(raw.feedback_threshold, 'calibration.feedback_threshold', 0, 1),
    bins: raw.bins === undefined ? d.bins : num(raw.bins, 'calibration.bins', 2, 1000, true),
    drift,
    recalibration,
  };
}
