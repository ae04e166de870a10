/**
 * The `strata.logprobs` attribute (docs/conventions.md): `{"tokens": [...], "logprobs": [...],
 * "top_logprobs": [[logprob, ...], ...], "top_tokens": [[token, ...], ...]}`, one entry per output
 * token, `null` for a log probability of minus infinity. Read in one pass without building the object
 * tree, and reduced to the token signals. `top_tokens` is for display only: when it comes last (as
 * Strata writes it), reading stops there, so the alternatives' text is never scanned on the ingest
 * path. The older combined form `"top": [[[token, logprob], ...], ...]` is read too.
 */
import { CLOSE_BRACKET, COMMA, JsonCursor, MALFORMED, OPEN_BRACKET } from './json-scan.js';
import { unpackFloat32 } from './packed.js';

/** The attribute Strata reads token log probabilities from, wherever it appears. */
export const LOGPROBS_ATTRIBUTE = 'strata.logprobs';

/** The attribute, read: what the signals need of it. */
export interface TokenLogprobs {
  /** Log probability of each output token, in order; -Infinity where the attribute has null. */
  readonly logprobs: Float64Array;
  /** The output tokens' text; null when the attribute has no `tokens` array. */
  readonly tokens: readonly string[] | null;
  /** Sum of the per-position entropies of the top alternatives (see {@link topEntropy}). */
  readonly entropySum: number;
  /** Positions that have an entropy (positions without alternatives are skipped); 0 without `top`. */
  readonly entropyPositions: number;
}

/** Alternatives of one position, reused between positions and calls (the ingest path is one thread). */
let scratch = new Float64Array(32);

/**
 * Reads the attribute's JSON text. Null when it is not what the convention says: malformed JSON, no
 * `logprobs` array or an empty one, an element that is not a number or null, `tokens` or `top` of
 * another length, a `top` entry that is not `[string, number | null]`. Other keys are ignored; a
 * duplicated key counts once, the last (as JSON.parse reads it). Never throws.
 */
export function parseLogprobs(text: string): TokenLogprobs | null {
  try {
    return read(text);
  } catch {
    // MALFORMED, or anything unexpected: an attribute never fails the span.
    return null;
  }
}

/** Thrown to stop reading at `top_tokens`: nothing after it is needed. */
const STOP = new Error('stop');

/** Entropy over the positions' alternatives, summed as they are read (any of the three forms). */
class EntropyTally {
  sum = 0;
  withEntropy = 0;
  /** Positions read; -1 until some form of alternatives is met. */
  positions = -1;

  reset(): void {
    this.sum = 0;
    this.withEntropy = 0;
    this.positions = 0;
  }

  /** One position whose `k` alternatives are in {@link scratch}. */
  add(k: number): void {
    const h = topEntropy(scratch, k);
    if (h === h) {
      this.sum += h;
      this.withEntropy++;
    }
    this.positions++;
  }
}

/** A JSON array of positions, each read into {@link scratch} by `readRow` (which answers how many). */
function readRows(c: JsonCursor, tally: EntropyTally, readRow: (c: JsonCursor) => number): void {
  tally.reset();
  c.expect(OPEN_BRACKET);
  if (c.eat(CLOSE_BRACKET)) return;
  do tally.add(readRow(c)); // readRow may replace `scratch` with a larger one: add reads it after
  while (c.eat(COMMA));
  c.expect(CLOSE_BRACKET);
}

/** The packed alternatives, `k` per position with NaN for an empty slot; false when malformed. */
function readPackedRows(packed: string, k: number, tally: EntropyTally): boolean {
  const top = unpackFloat32(packed);
  if (top === null || k <= 0 || top.length % k !== 0) return false;
  tally.reset();
  for (let p = 0; p < top.length; p += k) {
    let n = 0;
    for (let j = p; j < p + k; j++) {
      const v = top[j];
      if (v !== v) continue; // NaN: no alternative in this slot
      if (v === Infinity) return false;
      putScratch(n++, v);
    }
    tally.add(n);
  }
  return true;
}

function read(text: string): TokenLogprobs | null {
  const c = new JsonCursor(text);
  let logprobs: Float64Array | null = null;
  let tokens: string[] | null = null;
  const tally = new EntropyTally();
  let stopped = false;
  let packedTop: string | null = null;
  let topK = -1;
  try {
    c.object((key) => {
      if (key === 'top_tokens') {
        if (logprobs !== null && (tally.positions !== -1 || (packedTop !== null && topK !== -1))) throw STOP;
        c.skipValue();
      } else if (key === 'logprobs_f32') {
        logprobs = unpackFloat32(c.plainString());
        if (logprobs === null) throw MALFORMED;
        for (let i = 0; i < logprobs.length; i++) if (logprobs[i] !== logprobs[i] || logprobs[i] === Infinity) throw MALFORMED;
      } else if (key === 'top_logprobs_f32') {
        packedTop = c.plainString();
      } else if (key === 'top_k') {
        topK = c.number();
        if (!Number.isInteger(topK) || topK < 0 || topK > 1000) throw MALFORMED;
      } else if (key === 'top_logprobs') {
        readRows(c, tally, readTopLogprobs);
      } else if (key === 'logprobs') {
        logprobs = readLogprobs(c);
      } else if (key === 'tokens') {
        const list: string[] = [];
        c.array(() => list.push(c.string()));
        tokens = list;
      } else if (key === 'top') {
        readRows(c, tally, readAlternatives);
      } else {
        c.skipValue();
      }
    });
  } catch (err) {
    if (err !== STOP) throw err;
    stopped = true;
  }
  if (!stopped) c.end();
  if (packedTop !== null && tally.positions === -1 && !readPackedRows(packedTop, topK, tally)) return null;
  const lp = logprobs as Float64Array | null;
  const toks = tokens as string[] | null;
  if (lp === null || lp.length === 0) return null;
  if (toks !== null && toks.length !== lp.length) return null;
  if (tally.positions !== -1 && tally.positions !== lp.length) return null;
  return { logprobs: lp, tokens: toks, entropySum: tally.sum, entropyPositions: tally.withEntropy };
}

function readLogprobs(c: JsonCursor): Float64Array {
  let out = new Float64Array(256);
  let n = 0;
  c.expect(OPEN_BRACKET);
  if (!c.eat(CLOSE_BRACKET)) {
    do {
      if (n === out.length) {
        const bigger = new Float64Array(n * 2);
        bigger.set(out);
        out = bigger;
      }
      out[n++] = finiteOrMinusInfinity(c.logprob());
    } while (c.eat(COMMA));
    c.expect(CLOSE_BRACKET);
  }
  return out.subarray(0, n);
}

/** Stores alternative `k` of the current position, growing {@link scratch} when it is full. */
function putScratch(k: number, v: number): void {
  if (k === scratch.length) {
    const bigger = new Float64Array(k * 2);
    bigger.set(scratch);
    scratch = bigger;
  }
  scratch[k] = v;
}

/** One position's `[logprob, ...]` into {@link scratch}; returns how many. */
function readTopLogprobs(c: JsonCursor): number {
  let k = 0;
  c.expect(OPEN_BRACKET);
  if (c.eat(CLOSE_BRACKET)) return 0;
  do {
    putScratch(k++, finiteOrMinusInfinity(c.logprob()));
  } while (c.eat(COMMA));
  c.expect(CLOSE_BRACKET);
  return k;
}

/** One position's `[[token, logprob], ...]` into {@link scratch}; returns how many. */
function readAlternatives(c: JsonCursor): number {
  let k = 0;
  c.expect(OPEN_BRACKET);
  if (c.eat(CLOSE_BRACKET)) return 0;
  do {
    c.expect(OPEN_BRACKET);
    c.skipString();
    c.expect(COMMA);
    const v = finiteOrMinusInfinity(c.logprob());
    c.expect(CLOSE_BRACKET);
    putScratch(k++, v);
  } while (c.eat(COMMA));
  c.expect(CLOSE_BRACKET);
  return k;
}

/** A log probability as read: -Infinity stays (null in the JSON); +Infinity (a 1e999 literal) is refused. */
function finiteOrMinusInfinity(v: number): number {
  if (v === Infinity) throw MALFORMED;
  return v;
}

/**
 * The entropy, in nats, of one position's alternatives renormalised to sum to 1:
 * p_i = exp(l_i) / Σ_j exp(l_j), H = −Σ p_i ln p_i (= ln Z − Σ p_i (l_i − m) with m = max l, Z = Σ exp(l_j − m),
 * which stays finite whatever the magnitudes). Alternatives with probability 0 (-Infinity) add nothing.
 * NaN when there is no alternative with a finite log probability (the position is then skipped).
 */
export function topEntropy(logprobs: Float64Array, k: number): number {
  let m = -Infinity;
  for (let i = 0; i < k; i++) if (logprobs[i] > m) m = logprobs[i];
  if (m === -Infinity) return NaN;
  let z = 0;
  let w = 0;
  for (let i = 0; i < k; i++) {
    const d = logprobs[i] - m;
    if (d === -Infinity) continue;
    const e = Math.exp(d);
    z += e;
    w += e * d;
  }
  const h = Math.log(z) - w / z;
  return h > 0 ? h : 0; // rounding can leave -1e-17 for a one-hot distribution
}

/** The signals of the token log probabilities alone. */
export interface TokenSignals {
  readonly logprobMean: number;
  readonly logprobMin: number;
  readonly perplexity: number;
  readonly entropyMean: number | null;
  readonly leastConfidentPos: number;
}

/** Mean, minimum and where it is, perplexity = exp(−mean), mean entropy over the positions that have one. */
export function tokenSignals(t: TokenLogprobs): TokenSignals {
  const lp = t.logprobs;
  let sum = 0;
  let min = Infinity;
  let pos = 0;
  for (let i = 0; i < lp.length; i++) {
    const v = lp[i];
    sum += v;
    if (v < min) {
      min = v;
      pos = i;
    }
  }
  const mean = sum / lp.length;
  return {
    logprobMean: mean,
    logprobMin: min,
    perplexity: Math.exp(-mean),
    entropyMean: t.entropyPositions > 0 ? t.entropySum / t.entropyPositions : null,
    leastConfidentPos: pos,
  };
}
