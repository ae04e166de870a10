/**
 * Protobuf decoding of ExportTraceServiceRequest (opentelemetry.proto.collector.trace.v1).
 */
import type { ExportTraceRequest, OtlpSpan, ResourceSpans, ScopeSpans, SpanEvent, SpanLink } from '../types.js';
import { emptyResource, emptyScope, readKeyValue, readResource, readScope } from './common.js';
import type { ProtoReader } from './reader.js';

const REQUEST_FIELDS: Record<number, string> = { 1: 'resource_spans' };
const RESOURCE_SPANS_FIELDS: Record<number, string> = { 1: 'resource', 2: 'scope_spans', 3: 'schema_url' };
const SCOPE_SPANS_FIELDS: Record<number, string> = { 1: 'scope', 2: 'spans', 3: 'schema_url' };
const SPAN_FIELDS: Record<number, string> = {
  1: 'trace_id',
  2: 'span_id',
  3: 'trace_state',
  4: 'parent_span_id',
  5: 'name',
  6: 'kind',
  7: 'start_time_unix_nano',
  8: 'end_time_unix_nano',
  9: 'attributes',
  10: 'dropped_attributes_count',
  11: 'events',
  12: 'dropped_events_count',
  13: 'links',
  14: 'dropped_links_count',
  15: 'status',
  16: 'flags',
};
const EVENT_FIELDS: Record<number, string> = { 1: 'time_unix_nano', 2: 'name', 3: 'attributes', 4: 'dropped_attributes_count' };
const LINK_FIELDS: Record<number, string> = {
  1: 'trace_id',
  2: 'span_id',
  3: 'trace_state',
  4: 'attributes',
  5: 'dropped_attributes_count',
  6: 'flags',
};
const STATUS_FIELDS: Record<number, string> = { 2: 'message', 3: 'code' };

/** Decodes an ExportTraceServiceRequest that spans the whole reader. */
export function readTraceRequest(r: ProtoReader): ExportTraceRequest {
  const end = r.len;
  const resourceSpans: ResourceSpans[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) resourceSpans.push(readResourceSpans(r, r.end()));
    else r.unknown(tag, REQUEST_FIELDS, 'ExportTraceServiceRequest');
  }
  r.finish(end, 'ExportTraceServiceRequest');
  return { resourceSpans };
}

function readResourceSpans(r: ProtoReader, end: number): ResourceSpans {
  const out: ResourceSpans = { resource: emptyResource(), scopeSpans: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        out.resource = readResource(r, r.end());
        break;
      case 18:
        out.scopeSpans.push(readScopeSpans(r, r.end()));
        break;
      case 26:
        out.schemaUrl = r.string();
        break;
      default:
        r.unknown(tag, RESOURCE_SPANS_FIELDS, 'ResourceSpans');
    }
  }
  r.finish(end, 'ResourceSpans');
  return out;
}

function readScopeSpans(r: ProtoReader, end: number): ScopeSpans {
  const out: ScopeSpans = { scope: emptyScope(), spans: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        out.scope = readScope(r, r.end());
        break;
      case 18:
        out.spans.push(readSpan(r, r.end()));
        break;
      case 26:
        out.schemaUrl = r.string();
        break;
      default:
        r.unknown(tag, SCOPE_SPANS_FIELDS, 'ScopeSpans');
    }
  }
  r.finish(end, 'ScopeSpans');
  return out;
}

function readSpan(r: ProtoReader, end: number): OtlpSpan {
  const span: OtlpSpan = {
    traceId: '',
    spanId: '',
    traceState: '',
    parentSpanId: '',
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: {},
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
  };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        span.traceId = r.id(16, 'Span.trace_id');
        break;
      case 18:
        span.spanId = r.id(8, 'Span.span_id');
        break;
      case 26:
        span.traceState = r.string();
        break;
      case 34:
        span.parentSpanId = r.id(8, 'Span.parent_span_id');
        break;
      case 42:
        span.name = r.string();
        break;
      case 48:
        span.kind = r.int32();
        break;
      case 57:
        span.startTimeUnixNano = r.fixed64();
        break;
      case 65:
        span.endTimeUnixNano = r.fixed64();
        break;
      case 74:
        readKeyValue(r, r.end(), span.attributes);
        break;
      case 80:
        span.droppedAttributesCount = r.uint32();
        break;
      case 90:
        span.events.push(readEvent(r, r.end()));
        break;
      case 96:
        span.droppedEventsCount = r.uint32();
        break;
      case 106:
        span.links.push(readLink(r, r.end()));
        break;
      case 112:
        span.droppedLinksCount = r.uint32();
        break;
      case 122:
        span.status = readStatus(r, r.end());
        break;
      case 133:
        span.flags = r.fixed32();
        break;
      default:
        r.unknown(tag, SPAN_FIELDS, 'Span');
    }
  }
  r.finish(end, 'Span');
  return span;
}

function readEvent(r: ProtoReader, end: number): SpanEvent {
  const ev: SpanEvent = { timeUnixNano: 0n, name: '', attributes: {}, droppedAttributesCount: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 9:
        ev.timeUnixNano = r.fixed64();
        break;
      case 18:
        ev.name = r.key();
        break;
      case 26:
        readKeyValue(r, r.end(), ev.attributes);
        break;
      case 32:
        ev.droppedAttributesCount = r.uint32();
        break;
      default:
        r.unknown(tag, EVENT_FIELDS, 'Span.Event');
    }
  }
  r.finish(end, 'Span.Event');
  return ev;
}

function readLink(r: ProtoReader, end: number): SpanLink {
  const link: SpanLink = { traceId: '', spanId: '', traceState: '', attributes: {}, droppedAttributesCount: 0, flags: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        link.traceId = r.id(16, 'Span.Link.trace_id');
        break;
      case 18:
        link.spanId = r.id(8, 'Span.Link.span_id');
        break;
      case 26:
        link.traceState = r.string();
        break;
      case 34:
        readKeyValue(r, r.end(), link.attributes);
        break;
      case 40:
        link.droppedAttributesCount = r.uint32();
        break;
      case 53:
        link.flags = r.fixed32();
        break;
      default:
        r.unknown(tag, LINK_FIELDS, 'Span.Link');
    }
  }
  r.finish(end, 'Span.Link');
  return link;
}

function readStatus(r: ProtoReader, end: number): { code: number; message: string } {
  const status = { code: 0, message: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 18) status.message = r.string();
    else if (tag === 24) status.code = r.int32();
    else r.unknown(tag, STATUS_FIELDS, 'Status'); // field 1 (deprecated_code) is skipped here
  }
  r.finish(end, 'Status');
  return status;
}
