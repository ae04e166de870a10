import type { AnyValue, Attributes } from '../../receivers/otlp/types.js';

/** Characters a JSON string must escape (or that need care: UTF-16 surrogates). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * `JSON.stringify(s)` for a string, faster for the common case: a string with nothing to escape is
 * just quoted (one native scan instead of the full serializer, about 2x faster on short values).
 */
export function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * JSON text for stored OTLP values. Strings, booleans and doubles map to themselves; an int64 is a
 * JSON number when it fits in 2^53 and a decimal string otherwise; bytes are base64; a kvlist is an
 * object; a non-finite double is the string "NaN", "Infinity" or "-Infinity" (JSON has no such numbers).
 */
export function anyValueJson(value: AnyValue): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? String(value) : `"${value}"`;
  }
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"`;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + anyValueJson(value[i]);
    return out + ']';
  }
  if ('int' in value) {
    const n = Number(value.int);
    return Number.isSafeInteger(n) ? String(n) : `"${value.int}"`;
  }
  return attributesJson(value.kvlist);
}

const sharedJson = new WeakMap<Attributes, string>();

/**
 * {@link attributesJson} for objects many rows share (a resource, a scope): computed once per object.
 * The object must not change afterwards, which holds for decoded requests.
 */
export function sharedAttributesJson(attributes: Attributes): string {
  let text = sharedJson.get(attributes);
  if (text === undefined) sharedJson.set(attributes, (text = attributesJson(attributes)));
  return text;
}

/** A JSON object text for attributes, keys in received order. */
export function attributesJson(attributes: Attributes): string {
  let out = '{';
  let first = true;
  for (const key in attributes) {
    out += (first ? '' : ',') + quote(key) + ':' + anyValueJson(attributes[key]);
    first = false;
  }
  return out + '}';
}

/**
 * JSON text of a string bound for a String column. A lone UTF-16 surrogate becomes U+FFFD: ClickHouse
 * refuses its `\ud800` escape in a String column (JSON objects kept as text are not unescaped, so
 * attribute JSON keeps them as sent).
 */
export function jstr(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  const w = s as unknown as WellFormed;
  return JSON.stringify(w.isWellFormed() ? s : w.toWellFormed());
}

interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** JSON text for a nullable integer column (Int64/UInt64): anything but a safe integer is null. */
export function intOrNull(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isSafeInteger(value) ? 'null' : String(value);
}

/** JSON text for a nullable number (non-finite -> null). */
export function numberOrNull(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? 'null' : String(value);
}

/** JSON text for a number array whose elements may be non-finite (as strings ClickHouse parses: nan, inf). */
export function numberArray(values: readonly number[]): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out += (i ? ',' : '') + (Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '"nan"' : v > 0 ? '"inf"' : '"-inf"');
  }
  return out + ']';
}

export function stringArray(values: readonly string[]): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) out += (i ? ',' : '') + jstr(values[i]);
  return out + ']';
}
