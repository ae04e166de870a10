/**
 * Protobuf decoding of the OTLP common messages: AnyValue, KeyValue, Resource, InstrumentationScope.
 */
import { MAX_ANY_VALUE_DEPTH, setAttribute } from '../attributes.js';
import type { AnyValue, Attributes, Resource, Scope } from '../types.js';
import { fail, type ProtoReader } from './reader.js';

// Tags are (field << 3) | wire type; names are used only in error messages.
const ANY_VALUE_FIELDS: Record<number, string> = {
  1: 'string_value',
  2: 'bool_value',
  3: 'int_value',
  4: 'double_value',
  5: 'array_value',
  6: 'kvlist_value',
  7: 'bytes_value',
};
const VALUES_FIELDS: Record<number, string> = { 1: 'values' };
const KEY_VALUE_FIELDS: Record<number, string> = { 1: 'key', 2: 'value' };
const RESOURCE_FIELDS: Record<number, string> = { 1: 'attributes', 2: 'dropped_attributes_count', 3: 'entity_refs' };
const SCOPE_FIELDS: Record<number, string> = { 1: 'name', 2: 'version', 3: 'attributes', 4: 'dropped_attributes_count' };

/** Decodes an AnyValue message ending at `end`; `depth` counts the AnyValues around it. */
export function readAnyValue(r: ProtoReader, end: number, depth: number): AnyValue {
  if (depth >= MAX_ANY_VALUE_DEPTH) fail(`AnyValue nested more than ${MAX_ANY_VALUE_DEPTH} levels deep`);
  let v: AnyValue = null;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        v = r.string();
        break;
      case 16:
        v = r.bool();
        break;
      case 24:
        v = { int: r.int64() };
        break;
      case 33:
        v = r.double();
        break;
      case 42:
        v = readArrayValue(r, r.end(), depth + 1);
        break;
      case 50:
        v = { kvlist: readKeyValueList(r, r.end(), depth + 1) };
        break;
      case 58:
        v = r.bytes();
        break;
      default:
        r.unknown(tag, ANY_VALUE_FIELDS, 'AnyValue');
    }
  }
  r.finish(end, 'AnyValue');
  return v;
}

function readArrayValue(r: ProtoReader, end: number, depth: number): AnyValue[] {
  const out: AnyValue[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) out.push(readAnyValue(r, r.end(), depth));
    else r.unknown(tag, VALUES_FIELDS, 'ArrayValue');
  }
  r.finish(end, 'ArrayValue');
  return out;
}

function readKeyValueList(r: ProtoReader, end: number, depth: number): Attributes {
  const out: Attributes = {};
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) readKeyValue(r, r.end(), out, depth);
    else r.unknown(tag, VALUES_FIELDS, 'KeyValueList');
  }
  r.finish(end, 'KeyValueList');
  return out;
}

/** Decodes one KeyValue message ending at `end` into `attrs` (a later duplicate key wins). */
export function readKeyValue(r: ProtoReader, end: number, attrs: Attributes, depth = 0): void {
  let key = '';
  let value: AnyValue = null;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) key = r.key();
    else if (tag === 18) value = readAnyValue(r, r.end(), depth);
    else r.unknown(tag, KEY_VALUE_FIELDS, 'KeyValue');
  }
  r.finish(end, 'KeyValue');
  setAttribute(attrs, key, value);
}

/** A Resource with no fields set. */
export function emptyResource(): Resource {
  return { attributes: {}, droppedAttributesCount: 0 };
}

/** An InstrumentationScope with no fields set. */
export function emptyScope(): Scope {
  return { name: '', version: '', attributes: {}, droppedAttributesCount: 0 };
}

/** Decodes a Resource message ending at `end`. */
export function readResource(r: ProtoReader, end: number): Resource {
  const res = emptyResource();
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        readKeyValue(r, r.end(), res.attributes);
        break;
      case 16:
        res.droppedAttributesCount = r.uint32();
        break;
      case 26: // entity_refs: not used by Strata
        r.pos = r.end();
        break;
      default:
        r.unknown(tag, RESOURCE_FIELDS, 'Resource');
    }
  }
  r.finish(end, 'Resource');
  return res;
}

/** Decodes an InstrumentationScope message ending at `end`. */
export function readScope(r: ProtoReader, end: number): Scope {
  const scope = emptyScope();
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        scope.name = r.key();
        break;
      case 18:
        scope.version = r.key();
        break;
      case 26:
        readKeyValue(r, r.end(), scope.attributes);
        break;
      case 32:
        scope.droppedAttributesCount = r.uint32();
        break;
      default:
        r.unknown(tag, SCOPE_FIELDS, 'InstrumentationScope');
    }
  }
  r.finish(end, 'InstrumentationScope');
  return scope;
}
