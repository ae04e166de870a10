/**
 * The `strata.logprobs` span attribute, read in the browser for the token heatmap
 * (docs/conventions.md): the packed form the gateway writes (`logprobs_f32` / `top_logprobs_f32`,
 * base64 of little-endian float32, NaN where a position has fewer alternatives, -Infinity kept, the
 * alternatives' text in `top_tokens`), the plain numbers (`logprobs`, `top_logprobs`, null for
 * -Infinity) and the combined `top: [[[token, logprob], ...], ...]`. Pure: tested in Node too.
 */

/**
 * @typedef {{token: string, logprob: number}} Alternative
 * @typedef {{tokens: string[] | null, logprobs: number[], top: Alternative[][] | null}} DecodedLogprobs
 */

/**
 * Base64 of little-endian float32 values -> numbers; null when the text is not whole float32 values.
 * @param {string} text
 * @returns {number[] | null}
 */
export function unpackFloat32(text) {
  let bin;
  try {
    bin = atob(text);
  } catch {
    return null;
  }
  if (bin.length % 4 !== 0) return null;
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  const out = new Array(bin.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** @param {unknown} v */
function num(v) {
  return v === null ? -Infinity : typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
}

/**
 * The attribute's value (its JSON text, or the object) decoded; null when it is not the convention.
 * @param {unknown} value
 * @returns {DecodedLogprobs | null}
 */
export function decodeLogprobs(value) {
  let o = value;
  if (typeof o === 'string') {
    try {
      o = JSON.parse(o);
    } catch {
      return null;
    }
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) return null;
  /** @type {number[] | null} */
  let logprobs = null;
  if (typeof o.logprobs_f32 === 'string') logprobs = unpackFloat32(o.logprobs_f32);
  else if (Array.isArray(o.logprobs)) logprobs = o.logprobs.map(num);
  if (!logprobs || logprobs.length === 0 || logprobs.some((x) => Number.isNaN(x))) {
    if (!Array.isArray(o.top)) return null;
  }
  const tokens = Array.isArray(o.tokens) ? o.tokens.map((t) => (typeof t === 'string' ? t : String(t ?? ''))) : null;
  /** @type {Alternative[][] | null} */
  let top = null;
  const topTokens = Array.isArray(o.top_tokens) ? o.top_tokens : null;
  if (typeof o.top_logprobs_f32 === 'string' && Number.isInteger(o.top_k) && o.top_k > 0 && logprobs) {
    const k = o.top_k;
    const flat = unpackFloat32(o.top_logprobs_f32);
    if (flat && flat.length === k * logprobs.length) {
      top = logprobs.map((_, i) => {
        const row = [];
        for (let j = 0; j < k; j++) {
          const lp = flat[i * k + j];
          if (Number.isNaN(lp)) continue;
          row.push({ token: topTokens && Array.isArray(topTokens[i]) ? String(topTokens[i][j] ?? '') : '', logprob: lp });
        }
        return row;
      });
    }
  } else if (Array.isArray(o.top_logprobs) && logprobs) {
    top = logprobs.map((_, i) => {
      const row = Array.isArray(o.top_logprobs[i]) ? o.top_logprobs[i] : [];
      return row
        .map((lp, j) => ({ token: topTokens && Array.isArray(topTokens[i]) ? String(topTokens[i][j] ?? '') : '', logprob: num(lp) }))
        .filter((a) => !Number.isNaN(a.logprob));
    });
  } else if (Array.isArray(o.top)) {
    top = o.top.map((row) =>
      Array.isArray(row) ? row.filter((a) => Array.isArray(a) && a.length >= 2).map((a) => ({ token: String(a[0] ?? ''), logprob: num(a[1]) })) : [],
    );
    if (!logprobs) logprobs = top.map((row) => (row.length ? row[0].logprob : NaN));
  }
  if (!logprobs || logprobs.length === 0) return null;
  if (tokens && tokens.length !== logprobs.length) return null;
  return { tokens, logprobs, top };
}

/** Probability of a log probability (0 for -Infinity). @param {number} lp */
export function prob(lp) {
  return lp === -Infinity ? 0 : Math.exp(lp);
}

/** Most positions marked as least confident. */
export const LEAST_CONFIDENT_MARKS = 5;
/** Positions at or above this probability are never marked, however few are lower. */
export const CONFIDENT_PROBABILITY = 0.9;

/**
 * Positions of the least confident tokens: the lowest probabilities, at most `marks`, below
 * `ceiling`; ties by position.
 * @param {readonly number[]} logprobs
 * @param {number} [marks]
 * @param {number} [ceiling]
 * @returns {number[]}
 */
export function leastConfident(logprobs, marks = LEAST_CONFIDENT_MARKS, ceiling = CONFIDENT_PROBABILITY) {
  const idx = [];
  for (let i = 0; i < logprobs.length; i++) if (prob(logprobs[i]) < ceiling) idx.push(i);
  idx.sort((a, b) => logprobs[a] - logprobs[b] || a - b);
  return idx.slice(0, marks).sort((a, b) => a - b);
}

/**
 * The heatmap colour of a probability: red (0) through amber to green (1), as an HSL hue.
 * @param {number} p
 */
export function probabilityHue(p) {
  const x = Math.max(0, Math.min(1, p));
  return Math.round(130 * x);
}
