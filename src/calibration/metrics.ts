/**
 * Unbinned scores of stated confidence against 0/1 correctness: accuracy, Brier score, AUROC and the area
 * under the risk–coverage curve. All take parallel arrays `confidence` (each in [0, 1]) and `correct`
 * (each 0 or 1); {@link checkScored} validates them. The binned metrics are in binning.ts.
 */

/**
 * Throws a RangeError naming the first offending index unless both arrays have the same, non-zero length,
 * every confidence is a finite number in [0, 1] and every `correct` is 0 or 1.
 */
export function checkScored(confidence: readonly number[], correct: readonly number[]): void {
  if (confidence.length !== correct.length) {
    throw new RangeError(`confidence and correct differ in length (${confidence.length} vs ${correct.length})`);
  }
  if (confidence.length === 0) throw new RangeError('confidence: at least one example is needed');
  for (let i = 0; i < confidence.length; i++) {
    const c = confidence[i];
    if (typeof c !== 'number' || !(c >= 0 && c <= 1)) throw new RangeError(`confidence[${i}]: expected a number in [0, 1], got ${c}`);
    if (correct[i] !== 0 && correct[i] !== 1) throw new RangeError(`correct[${i}]: expected 0 or 1, got ${correct[i]}`);
  }
}

/** The fraction of correct examples. */
export function accuracy(correct: readonly number[]): number {
  let sum = 0;
  for (const y of correct) sum += y;
  return sum / correct.length;
}

/** Brier score: mean (confidence - correct)^2; 0 is perfect, 0.25 is a constant 0.5. */
export function brierScore(confidence: readonly number[], correct: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < confidence.length; i++) sum += (confidence[i] - correct[i]) ** 2;
  return sum / confidence.length;
}

/**
 * Area under the ROC curve of confidence as a score for correctness: the probability that a random
 * correct example has a higher confidence than a random wrong one, ties counting one half (Mann–Whitney
 * U with average ranks; equal to sklearn's `auc(roc_curve(correct, confidence))`, which RLCR reports).
 * A single class (all correct or all wrong) gives 0.5 by convention (sklearn would give NaN); a constant
 * confidence gives 0.5 by the formula.
 *
 * @example
 * auroc([0.9, 0.8, 0.3], [1, 0, 0]); // 1
 */
export function auroc(confidence: readonly number[], correct: readonly number[]): number {
  const n = confidence.length;
  let positives = 0;
  for (const y of correct) positives += y;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  const order = ascendingOrder(confidence);
  // Walk runs of equal confidence: each correct example in a run is ranked above every wrong example
  // in earlier runs and level (half) with the wrong ones in its own run.
  let negativesBelow = 0;
  let u = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    let runPos = 0;
    while (j < n && confidence[order[j]] === confidence[order[i]]) runPos += correct[order[j++]];
    const runNeg = j - i - runPos;
    u += runPos * (negativesBelow + runNeg / 2);
    negativesBelow += runNeg;
    i = j;
  }
  return u / (positives * negatives);
}

/**
 * Area under the risk–coverage curve (lower is better). Examples are taken in order of confidence,
 * highest first; at coverage k/N (k = 1..N) the risk is the error rate among the k covered examples, and
 * AURC is the mean of the N risks. Among equal confidences the order is undefined, so the expected risk
 * over a random order is used: of a run of m equal confidences with e errors, the first t covered carry
 * t * e / m errors. A constant confidence thus gives AURC = 1 - accuracy; a perfect ranking gives the
 * smallest value possible for its accuracy.
 */
export function aurc(confidence: readonly number[], correct: readonly number[]): number {
  const n = confidence.length;
  const order = ascendingOrder(confidence).reverse();
  let errorsBefore = 0;
  let sum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    let runErrors = 0;
    while (j < n && confidence[order[j]] === confidence[order[i]]) runErrors += 1 - correct[order[j++]];
    const m = j - i;
    for (let t = 1; t <= m; t++) sum += (errorsBefore + (t * runErrors) / m) / (i + t);
    errorsBefore += runErrors;
    i = j;
  }
  return sum / n;
}

/**
 * Indices sorted by confidence, ascending, equal confidences in input order. Input that is already sorted
 * (as bootstrap resamples are laid out) skips the sort.
 */
export function ascendingOrder(confidence: readonly number[]): number[] {
  const order = new Array<number>(confidence.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  for (let i = 1; i < confidence.length; i++) {
    if (confidence[i] < confidence[i - 1]) return order.sort((a, b) => confidence[a] - confidence[b] || a - b);
  }
  return order;
}
