/**
 * A bounded decompressor for the snappy *block* format (the raw format Prometheus remote write
 * uses, not the framed stream format).
 *
 * The format: a little-endian base-128 varint giving the uncompressed length, then elements, each
 * starting with a tag byte whose low two bits give its kind:
 * - `00` literal: the length minus one is in the upper six bits when below 60; 60..63 say that
 *   the length minus one follows in 1..4 little-endian bytes; then the literal bytes.
 * - `01` copy, 1-byte offset: length 4..11 in bits 2..4, offset bits 8..10 in bits 5..7, and the
 *   offset's low eight bits in the next byte.
 * - `10` copy, 2-byte offset: length 1..64 in the upper six bits, a 16-bit little-endian offset.
 * - `11` copy, 4-byte offset: length 1..64 in the upper six bits, a 32-bit little-endian offset.
 * A copy repeats `length` bytes starting `offset` bytes back in the output; it may overlap the
 * bytes it writes (offset < length repeats a pattern).
 *
 * Nothing is allocated before the declared length has been checked against the caller's limit,
 * and every read and copy is checked, so hostile input costs at most `maxLength` bytes.
 */

/** Why a snappy block was refused: larger than allowed, or not a valid block. */
export type SnappyErrorKind = 'too_large' | 'corrupt';

/** Raised by {@link decompressSnappy}; `kind` tells a size refusal (413) from corrupt input (400). */
export class SnappyError extends Error {
  override readonly name = 'SnappyError';
  constructor(readonly kind: SnappyErrorKind, message: string) {
    super(message);
  }
}

const TAG_LITERAL = 0;
const TAG_COPY_1 = 1;
const TAG_COPY_2 = 2;

/** The preamble is a varint of a 32-bit length: at most five bytes. */
const MAX_PREAMBLE_BYTES = 5;

function corrupt(message: string): never {
  throw new SnappyError('corrupt', `invalid snappy block: ${message}`);
}

/**
 * Reads the preamble of a snappy block: the declared uncompressed length and where the elements start.
 * Throws a `corrupt` {@link SnappyError} when the varint is truncated or longer than 32 bits.
 */
export function snappyDeclaredLength(input: Uint8Array): { readonly length: number; readonly start: number } {
  let length = 0;
  for (let i = 0; i < MAX_PREAMBLE_BYTES; i++) {
    if (i >= input.length) corrupt('truncated length preamble');
    const b = input[i];
    length += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      if (length > 0xffffffff) corrupt('length preamble exceeds 32 bits');
      return { length, start: i + 1 };
    }
  }
  return corrupt('length preamble longer than 5 bytes');
}

/**
 * Decompresses one snappy block of at most `maxLength` uncompressed bytes.
 *
 * Throws {@link SnappyError}: `too_large` when the declared length exceeds `maxLength` (checked
 * before anything is allocated), `corrupt` for truncated input, a copy reaching before the start of
 * the output or past its declared end, a zero offset, or output shorter than declared.
 *
 * @example
 * const body = decompressSnappy(compressed, 16 * 1024 * 1024);
 */
export function decompressSnappy(input: Uint8Array, maxLength: number): Uint8Array {
  const { length, start } = snappyDeclaredLength(input);
  if (length > maxLength) throw new SnappyError('too_large', `snappy block declares ${length} uncompressed bytes, over the limit of ${maxLength}`);
  const out = new Uint8Array(length);
  const end = input.length;
  let ip = start;
  let op = 0;
  while (ip < end) {
    const tag = input[ip++];
    const kind = tag & 3;
    if (kind === TAG_LITERAL) {
      let n = tag >>> 2;
      if (n >= 60) {
        const bytes = n - 59;
        if (ip + bytes > end) corrupt(`truncated literal length at offset ${ip - 1}`);
        n = 0;
        for (let i = 0; i < bytes; i++) n += input[ip + i] * 2 ** (8 * i);
        ip += bytes;
      }
      n += 1;
      if (n > end - ip) corrupt(`literal of ${n} bytes at offset ${ip} runs past the end of the input`);
      if (n > length - op) corrupt(`literal of ${n} bytes overflows the declared length ${length}`);
      out.set(input.subarray(ip, ip + n), op);
      ip += n;
      op += n;
      continue;
    }
    let n: number;
    let offset: number;
    if (kind === TAG_COPY_1) {
      if (ip + 1 > end) corrupt(`truncated copy at offset ${ip - 1}`);
      n = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | input[ip];
      ip += 1;
    } else if (kind === TAG_COPY_2) {
      if (ip + 2 > end) corrupt(`truncated copy at offset ${ip - 1}`);
      n = 1 + (tag >>> 2);
      offset = input[ip] | (input[ip + 1] << 8);
      ip += 2;
    } else {
      if (ip + 4 > end) corrupt(`truncated copy at offset ${ip - 1}`);
      n = 1 + (tag >>> 2);
      offset = (input[ip] | (input[ip + 1] << 8) | (input[ip + 2] << 16) | (input[ip + 3] << 24)) >>> 0;
      ip += 4;
    }
    if (offset === 0 || offset > op) corrupt(`copy offset ${offset} at output position ${op} reaches outside the output`);
    if (n > length - op) corrupt(`copy of ${n} bytes overflows the declared length ${length}`);
    if (offset >= n) {
      out.copyWithin(op, op - offset, op - offset + n);
      op += n;
    } else {
      // Overlapping: each byte may be one this copy just wrote, so go byte by byte.
      for (let from = op - offset, to = op + n; op < to; ) out[op++] = out[from++];
    }
  }
  if (op !== length) corrupt(`input ended after ${op} of ${length} declared bytes`);
  return out;
}
