/**
 * Isotonic regression: the non-decreasing step function of confidence closest (least squares) to
 * correctness, by pool-adjacent-violators. Applied by linear interpolation between its knots.
 */

/** Knots of the fitted map: x ascending, y non-decreasing, same length (>= 1). */
export interface IsotonicParams {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/**
 * Fits by pool-adjacent-violators: examples sorted by confidence, equal confidences pooled first (their
 * mean correctness, weighted by count), then adjacent blocks merged while a block's mean is not below the
 * next one's. Each block contributes knots at its smallest and largest confidence with the block's mean, so the
 * map is flat across a block and linear between blocks.
 *
 * @example
 * fitIsotonic([0.2, 0.4, 0.6, 0.8], [0, 1, 0, 1]); // { x: [0.2, 0.4, 0.6, 0.8], y: [0, 0.5, 0.5, 1] }
 */
export function fitIsotonic(confidence: readonly number[], correct: readonly number[]): IsotonicParams {
  const order = Array.from({ length: confidence.length }, (_, i) => i).sort((a, b) => confidence[a] - confidence[b]);
  interface Block { xFirst: number; xLast: number; weight: number; sum: number }
  const blocks: Block[] = [];
  for (let p = 0; p < order.length; ) {
    const x = confidence[order[p]];
    const block: Block = { xFirst: x, xLast: x, weight: 0, sum: 0 };
    while (p < order.length && confidence[order[p]] === x) {
      block.weight++;
      block.sum += correct[order[p++]];
    }
    // Equal neighbours are merged too: the same function with fewer knots.
    while (blocks.length > 0 && mean(blocks[blocks.length - 1]) >= mean(block)) {
      const prev = blocks.pop()!;
      block.xFirst = prev.xFirst;
      block.weight += prev.weight;
      block.sum += prev.sum;
    }
    blocks.push(block);
  }
  const x: number[] = [];
  const y: number[] = [];
  for (const b of blocks) {
    x.push(b.xFirst);
    y.push(mean(b));
    if (b.xLast > b.xFirst) {
      x.push(b.xLast);
      y.push(mean(b));
    }
  }
  return { x, y };
}

/** The fitted value at c: the first/last knot's value outside the knots, linear between them. */
export function applyIsotonic(params: IsotonicParams, c: number): number {
  const { x, y } = params;
  if (c <= x[0]) return y[0];
  const last = x.length - 1;
  if (c >= x[last]) return y[last];
  let lo = 0;
  let hi = last; // x[lo] < c < x[hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= c) lo = mid;
    else hi = mid;
  }
  if (x[lo] === c) return y[lo];
  return y[lo] + ((y[hi] - y[lo]) * (c - x[lo])) / (x[hi] - x[lo]);
}

function mean(b: { weight: number; sum: number }): number {
  return b.sum / b.weight;
}
