/**
 * The confidence signals of a span, computed once on the ingest stream (docs/confidence.md): token
 * signals from `strata.logprobs`, the answer's probability, the stated (verbalized) confidence, named
 * scores, and the primary confidence chosen from them by `calibration.confidence`.
 *
 * Hot-path shape: a span pays one attribute lookup, one loop over the configured score names (usually
 * none) and, only when it has output messages, a substring search of its output text. Everything else
 * runs only on spans that carry logprobs, a stated confidence or a score.
 */
import type { ConfidenceSignals, ConfidenceSourceName } from '../../model/confidence.js';
import type { SpanRecord } from '../../model/span.js';
import type { AnyValue, Attributes } from '../../receivers/otlp/types.js';
import { asNumber } from '../attributes.js';
import { answerProbability, locateAnswer } from './answer.js';
import { DEFAULT_CALIBRATION_CONFIG, type CalibrationConfig } from './config.js';
import { LOGPROBS_ATTRIBUTE, parseLogprobs, tokenSignals, type TokenSignals } from './logprobs.js';
import { createStatedConfidenceReader, outputText, type StatedConfidence } from './stated.js';
import type { CalibrationMapLookup, ConfidenceExtractor } from './types.js';

/** What {@link createConfidenceExtractor} needs of the configuration. */
export type ConfidenceConfig = Pick<CalibrationConfig, 'confidence' | 'scores' | 'verbalizedRegex'>;

export interface ConfidenceOptions {
  /** Sources, scores and the verbalized regex; default {@link DEFAULT_CALIBRATION_CONFIG}. */
  readonly calibration?: ConfidenceConfig;
  /** Where calibrated confidences come from; default none (`calibrated` stays null). */
  readonly calibrationMap?: CalibrationMapLookup;
}

type Source =
  | { readonly kind: 'verbalized' | 'answer_prob' | 'token_prob'; readonly name: ConfidenceSourceName }
  | { readonly kind: 'score'; readonly name: ConfidenceSourceName; readonly score: string };

const NO_SCORES: Readonly<Record<string, number>> = Object.freeze({});

/**
 * Builds the per-span computation for one configuration (regex compiled, sources resolved once).
 * Throws when `verbalizedRegex` has no capture group (the message names the setting).
 *
 * @example
 * const confidenceOf = createConfidenceExtractor({ calibration: { confidence: ['token_prob'], scores: [], verbalizedRegex: null } });
 * confidenceOf(span)?.value; // exp(mean token logprob) when the span has `strata.logprobs`
 */
export function createConfidenceExtractor(options: ConfidenceOptions = {}): ConfidenceExtractor {
  const config = options.calibration ?? DEFAULT_CALIBRATION_CONFIG;
  const lookup = options.calibrationMap ?? null;
  const stated = createStatedConfidenceReader(config.verbalizedRegex);
  const scoreNames = [...config.scores];
  const sources: Source[] = config.confidence.map((s) =>
    s.startsWith('score:') ? { kind: 'score', name: s, score: s.slice(6) } : { kind: s as 'verbalized' | 'answer_prob' | 'token_prob', name: s },
  );

  return (span) => {
    const attrs = span.attributes;
    const raw = attrs[LOGPROBS_ATTRIBUTE];
    const messages = span.genai.outputMessages;
    const text = messages.length > 0 ? outputText(messages) : '';
    const verbalized = stated.read(text);
    const scores = scoreNames.length > 0 ? readScores(attrs, scoreNames) : null;
    if (typeof raw !== 'string' && verbalized === null && scores === null) return null;
    try {
      return signals(span, raw, verbalized, scores);
    } catch {
      return null; // a signal never fails the span (the readers below do not throw; this is the backstop)
    }
  };

  function signals(span: SpanRecord, raw: AnyValue | undefined, verbalized: StatedConfidence | null, scores: Record<string, number> | null): ConfidenceSignals | null {
    let tokens: TokenSignals | null = null;
    let answerProb: number | null = null;
    const parsed = typeof raw === 'string' ? parseLogprobs(raw) : null;
    if (parsed !== null) {
      tokens = tokenSignals(parsed);
      if (parsed.tokens !== null) {
        const answerText = parsed.tokens.join('');
        const answer = locateAnswer(answerText);
        if (answer !== null) answerProb = answerProbability(parsed.tokens, parsed.logprobs, answer.start, answer.end);
      }
    }
    if (tokens === null && verbalized === null && scores === null) return null;

    const primary = choose(sources, verbalized, answerProb, tokens, scores);
    return {
      value: primary?.value ?? null,
      source: primary?.source ?? null,
      calibrated: primary === null || lookup === null ? null : calibrate(lookup, span, primary.value),
      logprobMean: tokens?.logprobMean ?? null,
      logprobMin: tokens?.logprobMin ?? null,
      perplexity: tokens?.perplexity ?? null,
      entropyMean: tokens?.entropyMean ?? null,
      answerProb,
      leastConfidentPos: tokens?.leastConfidentPos ?? null,
      verbalized: verbalized?.value ?? null,
      verbalizedFormatOk: verbalized?.formatOk ?? null,
      scores: scores ?? NO_SCORES,
    };
  }
}

/** The named attributes that hold a number (a double, an int, or a string that parses as one). */
function readScores(attrs: Attributes, names: readonly string[]): Record<string, number> | null {
  let out: Record<string, number> | null = null;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const v = attrs[name];
    if (v === undefined || name === '__proto__') continue;
    const n = asNumber(v);
    if (n !== null) (out ??= {})[name] = n;
  }
  return out;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** The first configured source the response has, clamped to [0, 1]. */
function choose(
  sources: readonly Source[],
  verbalized: StatedConfidence | null,
  answerProb: number | null,
  tokens: TokenSignals | null,
  scores: Readonly<Record<string, number>> | null,
): { value: number; source: ConfidenceSourceName } | null {
  for (const s of sources) {
    let v: number | undefined;
    switch (s.kind) {
      case 'verbalized':
        if (verbalized !== null && verbalized.formatOk) v = verbalized.value;
        break;
      case 'answer_prob':
        if (answerProb !== null) v = answerProb;
        break;
      case 'token_prob':
        if (tokens !== null) v = Math.exp(tokens.logprobMean);
        break;
      case 'score':
        if (scores !== null && Object.hasOwn(scores, s.score)) v = scores[s.score];
        break;
    }
    if (v !== undefined && v === v) return { value: clamp01(v), source: s.name };
  }
  return null;
}

function calibrate(lookup: CalibrationMapLookup, span: SpanRecord, value: number): number | null {
  try {
    const map = lookup(span);
    if (map === null) return null;
    const c = map(value);
    return Number.isFinite(c) ? c : null;
  } catch {
    return null;
  }
}
