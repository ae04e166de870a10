/**
 * Encodes a decoded {@link ExportTraceRequest} back to OTLP protobuf through protobufjs and the
 * schema in `proto/`. Test and benchmark tooling: it produces payloads with an encoder that
 * shares no code with the hand-written decoder.
 */
import { OTLP_MESSAGES, otlpProtobufType } from './protobufjs-schema.js';
import type { AnyValue, Attributes, ExportTraceRequest, OtlpSpan, Resource, Scope } from './types.js';

type PbObject = Record<string, unknown>;

/** A 64-bit value in the {low, high, unsigned} form protobufjs accepts for Long fields. */
function long(v: bigint, unsigned: boolean): { low: number; high: number; unsigned: boolean } {
  const u = BigInt.asUintN(64, v);
  return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0, unsigned };
}

function idBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function anyValue(v: AnyValue): PbObject {
  if (v === null) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return { doubleValue: v };
  if (v instanceof Uint8Array) return { bytesValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if ('int' in v) return { intValue: long(v.int, false) };
  return { kvlistValue: { values: keyValues(v.kvlist) } };
}

function keyValues(attrs: Attributes): PbObject[] {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: anyValue(value) }));
}

function resource(r: Resource): PbObject {
  return { attributes: keyValues(r.attributes), droppedAttributesCount: r.droppedAttributesCount };
}

function scope(s: Scope): PbObject {
  return { name: s.name, version: s.version, attributes: keyValues(s.attributes), droppedAttributesCount: s.droppedAttributesCount };
}

function span(s: OtlpSpan): PbObject {
  return {
    traceId: idBytes(s.traceId),
    spanId: idBytes(s.spanId),
    traceState: s.traceState,
    parentSpanId: idBytes(s.parentSpanId),
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: long(s.startTimeUnixNano, true),
    endTimeUnixNano: long(s.endTimeUnixNano, true),
    attributes: keyValues(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      timeUnixNano: long(e.timeUnixNano, true),
      name: e.name,
      attributes: keyValues(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: idBytes(l.traceId),
      spanId: idBytes(l.spanId),
      traceState: l.traceState,
      attributes: keyValues(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount,
      flags: l.flags,
    })),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status.code, message: s.status.message },
  };
}

/** The protobufjs message object (ids as bytes, 64-bit values as Long) for an ExportTraceRequest. */
export function traceRequestToProtobufjs(req: ExportTraceRequest): PbObject {
  return {
    resourceSpans: req.resourceSpans.map((rs) => ({
      resource: resource(rs.resource),
      scopeSpans: rs.scopeSpans.map((ss) => ({ scope: scope(ss.scope), spans: ss.spans.map(span), schemaUrl: ss.schemaUrl })),
      schemaUrl: rs.schemaUrl,
    })),
  };
}

/** Encodes an ExportTraceRequest as a protobuf ExportTraceServiceRequest with protobufjs. */
export function encodeTraceRequestWithProtobufjs(req: ExportTraceRequest): Uint8Array {
  const type = otlpProtobufType(OTLP_MESSAGES.traceRequest);
  return type.encode(type.fromObject(traceRequestToProtobufjs(req))).finish();
}
