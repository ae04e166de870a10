/**
 * String building for the protobuf reader: lowercase hex for trace/span ids, and an intern
 * cache that turns repeated short UTF-8 strings (attribute keys, model names) into the same
 * JS string without a call into Node's decoder.
 */

/** Node's native slice method; present on every Buffer, not in the typings. */
export interface NativeSlices {
  utf8Slice(start: number, end: number): string;
}

// Precomputed hex digits: the char codes of the high and low nibble of each byte value.
const HEX_HI = new Uint8Array(256);
const HEX_LO = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  HEX_HI[i] = '0123456789abcdef'.charCodeAt(i >>> 4);
  HEX_LO[i] = '0123456789abcdef'.charCodeAt(i & 15);
}

/** Lowercase hex of the 8-byte span id at b[s..s+8), built as one flat string. */
export function spanIdHex(b: Uint8Array, s: number): string {
  const H = HEX_HI;
  const L = HEX_LO;
  const b0 = b[s], b1 = b[s + 1], b2 = b[s + 2], b3 = b[s + 3], b4 = b[s + 4], b5 = b[s + 5], b6 = b[s + 6], b7 = b[s + 7];
  return String.fromCharCode(
    H[b0], L[b0], H[b1], L[b1], H[b2], L[b2], H[b3], L[b3],
    H[b4], L[b4], H[b5], L[b5], H[b6], L[b6], H[b7], L[b7],
  );
}

/** Lowercase hex of the 16 bytes at b[s..s+16), built as one flat string. */
function hex16Of(b: Uint8Array, s: number): string {
  const H = HEX_HI;
  const L = HEX_LO;
  const b0 = b[s], b1 = b[s + 1], b2 = b[s + 2], b3 = b[s + 3], b4 = b[s + 4], b5 = b[s + 5], b6 = b[s + 6], b7 = b[s + 7];
  const b8 = b[s + 8], b9 = b[s + 9], b10 = b[s + 10], b11 = b[s + 11], b12 = b[s + 12], b13 = b[s + 13], b14 = b[s + 14], b15 = b[s + 15];
  return String.fromCharCode(
    H[b0], L[b0], H[b1], L[b1], H[b2], L[b2], H[b3], L[b3],
    H[b4], L[b4], H[b5], L[b5], H[b6], L[b6], H[b7], L[b7],
    H[b8], L[b8], H[b9], L[b9], H[b10], L[b10], H[b11], L[b11],
    H[b12], L[b12], H[b13], L[b13], H[b14], L[b14], H[b15], L[b15],
  );
}

// The last trace id decoded: spans of one trace usually arrive together, so most trace ids
// repeat the previous one and reuse its string.
const lastTraceId = new Uint8Array(16);
const lastTraceIdView = new DataView(lastTraceId.buffer);
let lastTraceIdHex = '';

// Interning cache for short strings that repeat (attribute keys, model names, ...). Slot h
// holds up to SLOT bytes at arena[h * SLOT], their length, and the string decoded from them.
// A hit costs a hash of three 32-bit words and a word-wise compare, and allocates nothing.
const CACHE_SLOTS = 2048;
const SLOT = 64;
const cacheArena = new Uint8Array(CACHE_SLOTS * SLOT);
const cacheArenaView = new DataView(cacheArena.buffer);
const cacheLengths = new Int32Array(CACHE_SLOTS).fill(-1);
const cacheStrings: string[] = new Array<string>(CACHE_SLOTS).fill('');

/** Longest attribute key, scope name or similar looked up in the cache. */
export const KEY_CACHE_MAX = SLOT;
/** Longest string value looked up in the cache (longer values are rarely repeated). */
export const VALUE_CACHE_MAX = 32;

/** Lowercase hex of the 16-byte trace id at b[s..s+16), reusing the previous string when the id repeats. */
export function traceIdHex(b: Uint8Array, view: DataView, s: number): string {
  if (
    lastTraceIdHex !== '' &&
    view.getUint32(s, true) === lastTraceIdView.getUint32(0, true) &&
    view.getUint32(s + 4, true) === lastTraceIdView.getUint32(4, true) &&
    view.getUint32(s + 8, true) === lastTraceIdView.getUint32(8, true) &&
    view.getUint32(s + 12, true) === lastTraceIdView.getUint32(12, true)
  ) {
    return lastTraceIdHex;
  }
  for (let i = 0; i < 16; i++) lastTraceId[i] = b[s + i];
  lastTraceIdHex = hex16Of(b, s);
  return lastTraceIdHex;
}

/**
 * The string for the UTF-8 bytes buf[start..end) (1 to SLOT bytes), from the intern cache when
 * the same bytes were seen before, else decoded by Node (invalid sequences become U+FFFD) and cached.
 * `view` and `native` are views of the same memory as `buf`.
 */
export function internedString(buf: Uint8Array, view: DataView, native: NativeSlices, start: number, end: number): string {
  const n = end - start;
  let h: number;
  if (n >= 4) {
    h =
      Math.imul(view.getUint32(start, true), 0x9e3779b1) ^
      Math.imul(view.getUint32(end - 4, true) + n, 0x85ebca6b) ^
      Math.imul(view.getUint32(start + ((n - 4) >>> 1), true), 0xc2b2ae35);
  } else {
    h = n;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  }
  h = (h ^ (h >>> 15) ^ (h >>> 26)) & (CACHE_SLOTS - 1);
  const base = h * SLOT;
  if (cacheLengths[h] === n) {
    let i = 0;
    for (; i + 4 <= n; i += 4) if (cacheArenaView.getUint32(base + i, true) !== view.getUint32(start + i, true)) break;
    if (i + 4 > n) {
      while (i < n && cacheArena[base + i] === buf[start + i]) i++;
      if (i === n) return cacheStrings[h];
    }
  }
  const s = native.utf8Slice(start, end);
  for (let i = 0; i < n; i++) cacheArena[base + i] = buf[start + i];
  cacheLengths[h] = n;
  cacheStrings[h] = s;
  return s;
}
