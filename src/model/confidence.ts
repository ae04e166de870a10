/**
 * Layer 2: how sure a response was, computed once at ingest from what the span carries (token
 * logprobs, the text the model wrote, named score attributes). docs/confidence.md defines every field.
 */

/** Where a response's primary confidence came from: the sources of `calibration.confidence`. */
export type ConfidenceSourceName = 'verbalized' | 'answer_prob' | 'token_prob' | `score:${string}`;

/**
 * The confidence signals of one response. A field is null when the span does not carry what it is
 * computed from (no `strata.logprobs`, no answer found, no stated confidence, ...).
 */
export interface ConfidenceSignals {
  /** The primary confidence in [0, 1]: the first source of `calibration.confidence` the response has. */
  readonly value: number | null;
  /** The source `value` came from; null when no configured source is present. */
  readonly source: ConfidenceSourceName | null;
  /** `value` through the slice's fitted calibration map; null without a map. */
  readonly calibrated: number | null;
  /** Mean of the output tokens' log probabilities (natural log; -Infinity when a token had probability 0). */
  readonly logprobMean: number | null;
  /** Smallest output token log probability. */
  readonly logprobMin: number | null;
  /** exp(-logprobMean). */
  readonly perplexity: number | null;
  /** Mean over positions with alternatives of the entropy (nats) of the renormalised top-k distribution. */
  readonly entropyMean: number | null;
  /** exp(sum of the logprobs of the tokens that overlap the located answer). */
  readonly answerProb: number | null;
  /** 0-based index of the output token with the smallest log probability (the first such token). */
  readonly leastConfidentPos: number | null;
  /** The confidence the model stated, in [0, 1]; 0 on a format failure. */
  readonly verbalized: number | null;
  /** False when a stated confidence was attempted but could not be read (RLCR format failure). */
  readonly verbalizedFormatOk: boolean | null;
  /** Numeric span attributes named in `calibration.scores`, by attribute name. */
  readonly scores: Readonly<Record<string, number>>;
}
