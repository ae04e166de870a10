/**
 * An answer's tokens, kept compact: the token strings and one Float64Array of log probabilities. The
 * top-5 alternatives of each position are a pure function of (position, token, log probability), so
 * they cost nothing until someone reads them: `materializeTokens` builds `SimRequest.tokens` on first
 * access, and the OTLP encoder packs the numbers straight from here.
 */
import type { Random } from './rng.js';
import type { SimRequest } from './types.js';

export type SimToken = SimRequest['tokens'][number];

export const TOP_K = 5;

export interface AnswerTokens {
  readonly pieces: readonly string[];
  readonly logprobs: Float64Array;
}

const ALTERNATIVES = [' the', ' a', ' and', ',', '.', ' of', ' to', ' is', ' in', ' it', ' that', ' for'];
/** How the probability left over by the chosen token is shared by the four alternatives, best first. */
const SHARES = [0.55, 0.23, 0.13, 0.09];

/** Quantiles of the unit exponential distribution: a weight by table lookup (hundreds are drawn per answer). */
const EXP_STEPS = 1024;
const EXP_WEIGHTS = Float64Array.from({ length: EXP_STEPS }, (_, i) => -Math.log(1 - (i + 0.5) / EXP_STEPS));

/**
 * Log probabilities carrying confidence `c`: the token at `key` (-1: none) gets ln(c), the others ln(c)
 * times exponential weights of mean 1, so the mean over all tokens is ln(c). Garbled output gets
 * -2.5..-6.5 everywhere.
 */
export function assignLogprobs(rand: Random, n: number, key: number, confidence: number, garbled: boolean): Float64Array {
  const out = new Float64Array(n);
  if (garbled) {
    for (let i = 0; i < n; i++) out[i] = -(2.5 + 4 * rand());
    return out;
  }
  const lnC = Math.log(confidence);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const w = i === key ? 0 : EXP_WEIGHTS[(rand() * EXP_STEPS) | 0];
    out[i] = w;
    sum += w;
  }
  const others = key >= 0 && key < n ? n - 1 : n;
  const scale = sum > 0 ? (lnC * others) / sum : 0;
  for (let i = 0; i < n; i++) out[i] = i === key ? lnC : out[i] * scale;
  return out;
}

/** The alternative tokens at position `i` (never the chosen token itself). */
function alternative(token: string, i: number, j: number): string {
  const a = ALTERNATIVES[(i + j * 3) % ALTERNATIVES.length];
  return a === token ? ALTERNATIVES[(i + j * 3 + 1) % ALTERNATIVES.length] : a;
}

/**
 * Fills position `i`'s top-5 (best first) into `lps[at..at+5)` and, when given, `toks[at..at+5)`: the
 * chosen token, and four alternatives sharing most of the probability it leaves.
 */
export function topRow(t: AnswerTokens, i: number, lps: Float64Array | number[], at: number, toks?: string[]): void {
  const lp = t.logprobs[i];
  const token = t.pieces[i];
  const u = (Math.imul(i + 1, 0x9e3779b1) >>> 0) / 4294967296;
  const rest = Math.max(1e-9, 1 - Math.exp(lp)) * (0.8 + 0.15 * u);
  let placed = false;
  let k = at;
  for (let j = 0; j < 4; j++) {
    const alt = Math.log(rest * SHARES[j]);
    if (!placed && lp >= alt) {
      lps[k] = lp;
      if (toks) toks[k] = token;
      k++;
      placed = true;
    }
    lps[k] = alt;
    if (toks) toks[k] = alternative(token, i, j);
    k++;
  }
  if (!placed) {
    lps[k] = lp;
    if (toks) toks[k] = token;
  }
}

/** The tokens as `SimRequest.tokens`: `{token, logprob, top: [[token, logprob], ...]}`. */
export function materializeTokens(t: AnswerTokens): SimToken[] {
  const n = t.pieces.length;
  const lps = new Float64Array(TOP_K);
  const toks: string[] = new Array(TOP_K);
  const out: SimToken[] = new Array(n);
  for (let i = 0; i < n; i++) {
    topRow(t, i, lps, 0, toks);
    const top: (readonly [string, number])[] = new Array(TOP_K);
    for (let j = 0; j < TOP_K; j++) top[j] = [toks[j], lps[j]];
    out[i] = { token: t.pieces[i], logprob: t.logprobs[i], top };
  }
  return out;
}
