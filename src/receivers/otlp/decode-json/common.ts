/**
 * Field readers for OTLP/JSON: the proto3 JSON mapping as OTLP profiles it (hex ids, integer
 * enums), and the common messages (AnyValue, KeyValue, Resource, InstrumentationScope).
 *
 * Every field is looked up by its lowerCamelCase name first, then by its original proto name,
 * which the proto3 JSON mapping lets receivers accept. `null` counts as absent. A known field
 * holding a value of the wrong JSON type is an {@link OtlpDecodeError}; unknown fields are ignored.
 */
import { MAX_ANY_VALUE_DEPTH, setAttribute } from '../attributes.js';
import { OtlpDecodeError, type AnyValue, type Attributes, type Resource, type Scope } from '../types.js';

/** A JSON object as parsed. */
export type JsonObject = Record<string, unknown>;

/** Raises an {@link OtlpDecodeError} naming the message and field. */
export function fail(where: string, message: string): never {
  throw new OtlpDecodeError(`invalid OTLP/JSON: ${where}: ${message}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** Parses request text into its top-level object. */
export function parseRoot(text: string, message: string): JsonObject {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new OtlpDecodeError(`invalid OTLP/JSON: ${(err as Error).message}`);
  }
  return object(root, message);
}

/** Reads a field by its camelCase name, falling back to the snake_case name; null reads as undefined. */
export function get(o: JsonObject, camel: string, snake?: string): unknown {
  let v = o[camel];
  if (v === undefined && snake !== undefined) v = o[snake];
  return v === null ? undefined : v;
}

/** Checks that v is a JSON object (not an array). */
export function object(v: unknown, where: string): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, `expected an object, got ${describe(v)}`);
  return v as JsonObject;
}

/** A repeated field: absent reads as []. */
export function array(v: unknown, where: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(where, `expected an array, got ${describe(v)}`);
  return v;
}

/** A string field: absent reads as ''. */
export function string(v: unknown, where: string): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') fail(where, `expected a string, got ${describe(v)}`);
  return v;
}

/** A bool field: absent reads as false. */
export function bool(v: unknown, where: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') fail(where, `expected a boolean, got ${describe(v)}`);
  return v;
}

const INTEGER = /^-?[0-9]+$/;

/** A 64-bit integer field, as a JSON number or a decimal string; absent reads as 0n. */
export function int64(v: unknown, where: string): bigint {
  if (v === undefined) return 0n;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) fail(where, `expected an integer, got ${v}`);
    return BigInt(v);
  }
  if (typeof v === 'string' && INTEGER.test(v)) return BigInt(v);
  return fail(where, `expected an integer or a decimal string, got ${describe(v)}${typeof v === 'string' ? ` "${v.slice(0, 40)}"` : ''}`);
}

/** An unsigned 64-bit field (times): a negative value is an error. */
export function uint64(v: unknown, where: string): bigint {
  const n = int64(v, where);
  if (n < 0n) fail(where, `expected an unsigned integer, got ${n}`);
  return n;
}

/** A 64-bit count read as a number (exact up to 2^53). */
export function uint64Number(v: unknown, where: string): number {
  return Number(uint64(v, where));
}

/** A 32-bit integer field (uint32 counts, flags, sint32 offsets), as a number or decimal string. */
export function int32(v: unknown, where: string, unsigned: boolean): number {
  if (v === undefined) return 0;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && INTEGER.test(v)) n = Number(v);
  else return fail(where, `expected an integer, got ${describe(v)}`);
  const min = unsigned ? 0 : -0x80000000;
  const max = unsigned ? 0xffffffff : 0x7fffffff;
  if (!Number.isInteger(n) || n < min || n > max) fail(where, `expected a ${unsigned ? 'uint32' : 'int32'}, got ${v}`);
  return n;
}

const NUMERIC = /^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

/** A double field: a JSON number, "NaN", "Infinity", "-Infinity" or a numeric string; absent reads as 0. */
export function double(v: unknown, where: string): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (NUMERIC.test(v)) return Number(v);
  }
  return fail(where, `expected a number, got ${describe(v)}`);
}

/** An optional double field: absent reads as null. */
export function optionalDouble(v: unknown, where: string): number | null {
  return v === undefined ? null : double(v, where);
}

/** An enum field: its integer value, or one of the value names in `names` (index = value). */
export function enumValue(v: unknown, names: readonly string[], where: string): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) fail(where, `expected an enum integer, got ${v}`);
    return v;
  }
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
    if (INTEGER.test(v)) return int32(v, where, false);
    fail(where, `unknown enum value "${v.slice(0, 60)}"`);
  }
  return fail(where, `expected an enum integer or name, got ${describe(v)}`);
}

const HEX = /^[0-9a-fA-F]*$/;

/** A trace id (16 bytes) or span id (8 bytes) as hex: '' stays '', otherwise lowercased. */
export function id(v: unknown, bytes: number, where: string): string {
  const s = string(v, where);
  if (s === '') return '';
  if (s.length !== bytes * 2 || !HEX.test(s)) {
    fail(where, `expected ${bytes * 2} hex characters (${bytes} bytes), got "${s.slice(0, 80)}"`);
  }
  return s.toLowerCase();
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** A bytes field in base64 (standard or URL-safe alphabet, padding optional). */
export function bytes(v: unknown, where: string): Uint8Array {
  const s = string(v, where);
  if (!BASE64.test(s) || s.replace(/=+$/, '').length % 4 === 1) fail(where, 'expected base64');
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** Decodes an AnyValue object; `depth` counts the AnyValues around it. */
export function anyValue(v: unknown, depth: number): AnyValue {
  if (depth >= MAX_ANY_VALUE_DEPTH) fail('AnyValue', `nested more than ${MAX_ANY_VALUE_DEPTH} levels deep`);
  const o = object(v, 'AnyValue');
  let x = get(o, 'stringValue', 'string_value');
  if (x !== undefined) return string(x, 'AnyValue.stringValue');
  x = get(o, 'boolValue', 'bool_value');
  if (x !== undefined) return bool(x, 'AnyValue.boolValue');
  x = get(o, 'intValue', 'int_value');
  if (x !== undefined) return { int: int64(x, 'AnyValue.intValue') };
  x = get(o, 'doubleValue', 'double_value');
  if (x !== undefined) return double(x, 'AnyValue.doubleValue');
  x = get(o, 'arrayValue', 'array_value');
  if (x !== undefined) {
    const values = array(get(object(x, 'AnyValue.arrayValue'), 'values'), 'ArrayValue.values');
    const out: AnyValue[] = [];
    for (const item of values) out.push(anyValue(item, depth + 1));
    return out;
  }
  x = get(o, 'kvlistValue', 'kvlist_value');
  if (x !== undefined) {
    const values = get(object(x, 'AnyValue.kvlistValue'), 'values');
    return { kvlist: attributes(values, 'KeyValueList.values', depth + 1) };
  }
  x = get(o, 'bytesValue', 'bytes_value');
  if (x !== undefined) return bytes(x, 'AnyValue.bytesValue');
  return null;
}

/** Decodes a repeated KeyValue into Attributes (a later duplicate key wins). */
export function attributes(v: unknown, where: string, depth = 0): Attributes {
  const out: Attributes = {};
  for (const item of array(v, where)) {
    const kv = object(item, 'KeyValue');
    const value = get(kv, 'value');
    setAttribute(out, string(get(kv, 'key'), 'KeyValue.key'), value === undefined ? null : anyValue(value, depth));
  }
  return out;
}

/** Decodes an optional Resource. */
export function resource(v: unknown): Resource {
  if (v === undefined) return { attributes: {}, droppedAttributesCount: 0 };
  const o = object(v, 'Resource');
  return {
    attributes: attributes(get(o, 'attributes'), 'Resource.attributes'),
    droppedAttributesCount: int32(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), 'Resource.droppedAttributesCount', true),
  };
}

/** Decodes an optional InstrumentationScope. */
export function scope(v: unknown): Scope {
  if (v === undefined) return { name: '', version: '', attributes: {}, droppedAttributesCount: 0 };
  const o = object(v, 'InstrumentationScope');
  return {
    name: string(get(o, 'name'), 'InstrumentationScope.name'),
    version: string(get(o, 'version'), 'InstrumentationScope.version'),
    attributes: attributes(get(o, 'attributes'), 'InstrumentationScope.attributes'),
    droppedAttributesCount: int32(
      get(o, 'droppedAttributesCount', 'dropped_attributes_count'),
      'InstrumentationScope.droppedAttributesCount',
      true,
    ),
  };
}
