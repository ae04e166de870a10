/**
 * OTLP/JSON decoding of ExportTraceServiceRequest.
 */
import type { ExportTraceRequest, OtlpSpan, ResourceSpans, ScopeSpans, SpanEvent, SpanLink } from '../types.js';
import {
  array,
  attributes,
  enumValue,
  get,
  id,
  int32,
  object,
  parseRoot,
  resource,
  scope,
  string,
  uint64,
  type JsonObject,
} from './common.js';

const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
] as const;
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;

/** Decodes the text of an OTLP/JSON ExportTraceServiceRequest. */
export function traceFromJson(text: string): ExportTraceRequest {
  const root = parseRoot(text, 'ExportTraceServiceRequest');
  const resourceSpans: ResourceSpans[] = [];
  for (const item of array(get(root, 'resourceSpans', 'resource_spans'), 'ExportTraceServiceRequest.resourceSpans')) {
    resourceSpans.push(resourceSpansFromJson(object(item, 'ResourceSpans')));
  }
  return { resourceSpans };
}

function resourceSpansFromJson(o: JsonObject): ResourceSpans {
  const scopeSpans: ScopeSpans[] = [];
  for (const item of array(get(o, 'scopeSpans', 'scope_spans'), 'ResourceSpans.scopeSpans')) {
    const s = object(item, 'ScopeSpans');
    const spans: OtlpSpan[] = [];
    for (const span of array(get(s, 'spans'), 'ScopeSpans.spans')) spans.push(spanFromJson(object(span, 'Span')));
    scopeSpans.push({
      scope: scope(get(s, 'scope')),
      spans,
      schemaUrl: string(get(s, 'schemaUrl', 'schema_url'), 'ScopeSpans.schemaUrl'),
    });
  }
  return {
    resource: resource(get(o, 'resource')),
    scopeSpans,
    schemaUrl: string(get(o, 'schemaUrl', 'schema_url'), 'ResourceSpans.schemaUrl'),
  };
}

function spanFromJson(o: JsonObject): OtlpSpan {
  const events: SpanEvent[] = [];
  for (const item of array(get(o, 'events'), 'Span.events')) {
    const e = object(item, 'Span.Event');
    events.push({
      timeUnixNano: uint64(get(e, 'timeUnixNano', 'time_unix_nano'), 'Span.Event.timeUnixNano'),
      name: string(get(e, 'name'), 'Span.Event.name'),
      attributes: attributes(get(e, 'attributes'), 'Span.Event.attributes'),
      droppedAttributesCount: int32(get(e, 'droppedAttributesCount', 'dropped_attributes_count'), 'Span.Event.droppedAttributesCount', true),
    });
  }
  const links: SpanLink[] = [];
  for (const item of array(get(o, 'links'), 'Span.links')) {
    const l = object(item, 'Span.Link');
    links.push({
      traceId: id(get(l, 'traceId', 'trace_id'), 16, 'Span.Link.traceId'),
      spanId: id(get(l, 'spanId', 'span_id'), 8, 'Span.Link.spanId'),
      traceState: string(get(l, 'traceState', 'trace_state'), 'Span.Link.traceState'),
      attributes: attributes(get(l, 'attributes'), 'Span.Link.attributes'),
      droppedAttributesCount: int32(get(l, 'droppedAttributesCount', 'dropped_attributes_count'), 'Span.Link.droppedAttributesCount', true),
      flags: int32(get(l, 'flags'), 'Span.Link.flags', true),
    });
  }
  const st = get(o, 'status');
  const status = { code: 0, message: '' };
  if (st !== undefined) {
    const s = object(st, 'Status');
    status.code = enumValue(get(s, 'code'), STATUS_CODES, 'Status.code');
    status.message = string(get(s, 'message'), 'Status.message');
  }
  return {
    traceId: id(get(o, 'traceId', 'trace_id'), 16, 'Span.traceId'),
    spanId: id(get(o, 'spanId', 'span_id'), 8, 'Span.spanId'),
    traceState: string(get(o, 'traceState', 'trace_state'), 'Span.traceState'),
    parentSpanId: id(get(o, 'parentSpanId', 'parent_span_id'), 8, 'Span.parentSpanId'),
    flags: int32(get(o, 'flags'), 'Span.flags', true),
    name: string(get(o, 'name'), 'Span.name'),
    kind: enumValue(get(o, 'kind'), SPAN_KINDS, 'Span.kind'),
    startTimeUnixNano: uint64(get(o, 'startTimeUnixNano', 'start_time_unix_nano'), 'Span.startTimeUnixNano'),
    endTimeUnixNano: uint64(get(o, 'endTimeUnixNano', 'end_time_unix_nano'), 'Span.endTimeUnixNano'),
    attributes: attributes(get(o, 'attributes'), 'Span.attributes'),
    droppedAttributesCount: int32(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), 'Span.droppedAttributesCount', true),
    events,
    droppedEventsCount: int32(get(o, 'droppedEventsCount', 'dropped_events_count'), 'Span.droppedEventsCount', true),
    links,
    droppedLinksCount: int32(get(o, 'droppedLinksCount', 'dropped_links_count'), 'Span.droppedLinksCount', true),
    status,
  };
}
