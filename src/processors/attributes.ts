/**
 * Helpers to read decoded OTLP {@link AnyValue}s as plain scalars, lists and JS values.
 *
 * Attribute values arrive with their OTLP kind intact (int64 as `{int: bigint}`, doubles as
 * numbers, bytes as Uint8Array, ...). Conventions disagree on kinds in practice (token counts
 * are sent as ints, doubles and numeric strings), so the readers below accept every reasonable
 * kind and answer `null` for anything they cannot interpret.
 */
import type { AnyValue, Attributes, KvList, OtlpInt } from '../receivers/otlp/types.js';

/** True when `v` is an int64 value (`{int: bigint}`). */
export function isOtlpInt(v: AnyValue | undefined): v is OtlpInt {
  return typeof v === 'object' && v !== null && typeof (v as { int?: unknown }).int === 'bigint';
}

/** True when `v` is a kvlist value (`{kvlist: Attributes}`). */
export function isKvList(v: AnyValue | undefined): v is KvList {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    typeof (v as { kvlist?: unknown }).kvlist === 'object'
  );
}

/**
 * A scalar as a non-empty string: strings as they are, numbers, ints and booleans in their
 * decimal/`true`/`false` form. Empty strings, bytes, arrays, kvlists and null give `null`.
 */
export function asString(v: AnyValue | undefined): string | null {
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (isOtlpInt(v)) return v.int.toString();
  return null;
}

/** A finite number from a double, an int64 or a numeric string (surrounding spaces allowed); else null. */
export function asNumber(v: AnyValue | undefined): number | null {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') {
    if (v.length === 0) return null;
    n = Number(v);
    // Number('   ') is 0: require at least one non-space character.
    if (n === 0 && v.trim() === '') return null;
  } else if (isOtlpInt(v)) n = Number(v.int);
  else return null;
  return Number.isFinite(n) ? n : null;
}

/** Like {@link asNumber} but rejects negative values: for counts such as token usage. */
export function asCount(v: AnyValue | undefined): number | null {
  const n = asNumber(v);
  return n !== null && n >= 0 ? n : null;
}

/** A boolean from a boolean, `'true'`/`'false'` (any case) or a 0/1 number; else null. */
export function asBoolean(v: AnyValue | undefined): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
    return null;
  }
  const n = typeof v === 'number' ? v : isOtlpInt(v) ? Number(v.int) : NaN;
  if (n === 1) return true;
  if (n === 0) return false;
  return null;
}

/**
 * A list of strings from an array value (non-string scalars stringified, empty entries dropped)
 * or from a single scalar (a one-element list). Anything else gives an empty list.
 */
export function asStringList(v: AnyValue | undefined): string[] {
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const item of v) {
      const s = asString(item);
      if (s !== null) out.push(s);
    }
    return out;
  }
  const s = asString(v);
  return s === null ? [] : [s];
}

/** The first of `keys` whose value reads as a string (earlier keys win). */
export function pickString(attrs: Attributes, keys: readonly string[]): string | null {
  for (const k of keys) {
    const s = asString(attrs[k]);
    if (s !== null) return s;
  }
  return null;
}

/** The first of `keys` whose value reads as a finite number (earlier keys win). */
export function pickNumber(attrs: Attributes, keys: readonly string[]): number | null {
  for (const k of keys) {
    const n = asNumber(attrs[k]);
    if (n !== null) return n;
  }
  return null;
}

/** The first of `keys` whose value reads as a non-negative number (earlier keys win). */
export function pickCount(attrs: Attributes, keys: readonly string[]): number | null {
  for (const k of keys) {
    const n = asCount(attrs[k]);
    if (n !== null) return n;
  }
  return null;
}

/** Sets `obj[key] = value` as an own property, even for the key `__proto__`. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** Base64 of raw bytes (Node's Buffer, without copying the bytes). */
export function bytesToBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/**
 * An AnyValue as a plain JSON-compatible JS value, the shape `JSON.parse` would give for the same
 * content: kvlists become objects, arrays arrays, int64 a number (a decimal string when beyond
 * 2^53, so nothing is lost), bytes a base64 string.
 */
export function toPlain(v: AnyValue | undefined): unknown {
  if (v === undefined || v === null) return null;
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
      return v;
  }
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Uint8Array) return bytesToBase64(v);
  if (isOtlpInt(v)) {
    const n = Number(v.int);
    return Number.isSafeInteger(n) ? n : v.int.toString();
  }
  if (isKvList(v)) {
    const out: Record<string, unknown> = {};
    for (const k in v.kvlist) setOwn(out, k, toPlain(v.kvlist[k]));
    return out;
  }
  return null;
}
