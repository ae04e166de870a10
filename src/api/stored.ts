import type { AnyValue, Attributes, SpanEvent } from '../receivers/otlp/types.js';

/**
 * Stored JSON (see storage/rows/json.ts) back into the decoded OTLP shapes, so that read-time
 * derivations (the `{role, parts}` messages) run the same code as ingest. JSON cannot tell an int
 * from a double or bytes from a string: integers come back as ints, base64 stays a string.
 */
export function jsonToAnyValue(v: unknown): AnyValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isInteger(v) ? { int: BigInt(v) } : v;
  }
  if (Array.isArray(v)) return v.map(jsonToAnyValue);
  return { kvlist: jsonToAttributes(v) };
}

export function jsonToAttributes(v: unknown): Attributes {
  const out: Attributes = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) out[k] = jsonToAnyValue(x);
  return out;
}

interface StoredEvent {
  timeUnixNano?: string;
  name?: string;
  attributes?: unknown;
  droppedAttributesCount?: number;
}

export function jsonToEvents(v: unknown): SpanEvent[] {
  if (!Array.isArray(v)) return [];
  return (v as StoredEvent[]).map((e) => ({
    timeUnixNano: /^\d+$/.test(e.timeUnixNano ?? '') ? BigInt(e.timeUnixNano!) : 0n,
    name: e.name ?? '',
    attributes: jsonToAttributes(e.attributes),
    droppedAttributesCount: e.droppedAttributesCount ?? 0,
  }));
}
