/**
 * The packed form of the numbers in `strata.logprobs` (docs/conventions.md): log probabilities as
 * little-endian float32, base64-encoded. `logprobs_f32` holds one value per output token;
 * `top_logprobs_f32` holds `top_k` values per token, row by row, best first, NaN where a position has
 * fewer alternatives. -Infinity (probability 0) is kept as is. Reading 6,000 numbers this way is a
 * native base64 decode instead of 6,000 decimal parses: it is what the gateway writes.
 */

/** Base64 of little-endian float32 values. */
export function packFloat32(values: readonly number[]): string {
  const buf = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i], i * 4);
  return buf.toString('base64');
}

/**
 * The values of a `packFloat32` string as doubles; null when it is not base64 of whole float32 values.
 * Characters outside the base64 alphabet (which Buffer would skip) show as a decoded length that does
 * not match the text's.
 */
export function unpackFloat32(text: string): Float64Array | null {
  if (text.length % 4 !== 0) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const expected = (text.length / 4) * 3 - padding;
  if (expected % 4 !== 0) return null;
  const aligned = new Uint8Array(expected);
  const written = Buffer.from(aligned.buffer, 0, expected).write(text, 'base64');
  if (written !== expected) return null;
  const floats = new Float32Array(aligned.buffer);
  const out = new Float64Array(floats.length);
  out.set(floats);
  return out;
}
