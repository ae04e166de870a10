/**
 * Decoded OTLP traces to Strata's {@link SpanRecord}s.
 */
import type { Attributes, ExportTraceRequest, OtlpSpan, Scope } from '../receivers/otlp/types.js';
import type { SpanRecord } from '../model/span.js';
import { deriveResourceEntities, deriveSpanEntities, type ResourceEntities } from './entities/derive.js';
import { extractGenAi } from './genai/extract.js';
import { serviceName } from './service.js';

function toRecord(
  span: OtlpSpan,
  service: string,
  resource: Attributes,
  resourceSchemaUrl: string,
  scope: Scope,
  res: ResourceEntities,
): SpanRecord {
  const genai = extractGenAi(span.attributes, span.events);
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    traceState: span.traceState,
    flags: span.flags,
    name: span.name,
    kind: span.kind,
    startTimeUnixNano: span.startTimeUnixNano,
    endTimeUnixNano: span.endTimeUnixNano,
    statusCode: span.status.code,
    statusMessage: span.status.message,
    service,
    resource,
    resourceSchemaUrl,
    scope,
    attributes: span.attributes,
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events,
    droppedEventsCount: span.droppedEventsCount,
    links: span.links,
    droppedLinksCount: span.droppedLinksCount,
    genai,
    entities: deriveSpanEntities(res, span.attributes, span.name, span.kind, genai),
  };
}

/**
 * Flattens an OTLP trace export into one {@link SpanRecord} per span, in request order.
 *
 * Resource, scope, attributes, events and links are the received objects themselves (not
 * copies; nothing is removed or renamed). `genai` holds the GenAI fields whichever convention
 * carried them, `entities` the entities the span touches; the service name and resource-level
 * entities are computed once per ResourceSpans.
 */
export function normalizeTraces(req: ExportTraceRequest): SpanRecord[] {
  const out: SpanRecord[] = [];
  for (const rs of req.resourceSpans) {
    const resource = rs.resource.attributes;
    const service = serviceName(resource);
    const res = deriveResourceEntities(resource);
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) out.push(toRecord(span, service, resource, rs.schemaUrl, ss.scope, res));
    }
  }
  return out;
}
