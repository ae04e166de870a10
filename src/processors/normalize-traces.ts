/**
 * Decoded OTLP traces to Strata's {@link SpanRecord}s.
 */
import type { Attributes, ExportTraceRequest, OtlpSpan, Scope } from '../receivers/otlp/types.js';
import type { SpanRecord } from '../model/span.js';
import { createConfidenceExtractor } from './confidence/extract.js';
import type { ConfidenceExtractor } from './confidence/types.js';
import { deriveResourceEntities, deriveSpanEntities, type ResourceEntities } from './entities/derive.js';
import { extractGenAi, type ExtractOptions } from './genai/extract.js';
import { serviceName } from './service.js';

function toRecord(
  span: OtlpSpan,
  service: string,
  resource: Attributes,
  resourceSchemaUrl: string,
  scope: Scope,
  res: ResourceEntities,
  options: NormalizeTracesOptions | undefined,
  confidence: ConfidenceExtractor | null,
): SpanRecord {
  const genai = extractGenAi(span.attributes, span.events, options);
  const record: Mutable<SpanRecord> = {
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
    confidence: null,
  };
  // Computed from the finished record (a calibration map is looked up by the span's slice).
  if (confidence !== null) record.confidence = confidence(record);
  return record;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The confidence computation with the default calibration settings. */
const DEFAULT_CONFIDENCE = createConfidenceExtractor();

/** Options of {@link normalizeTraces}. */
export interface NormalizeTracesOptions extends ExtractOptions {
  /**
   * Computes each span's confidence signals (processors/confidence); default: the default `calibration`
   * settings and no calibration maps. null leaves every span's `confidence` null.
   */
  readonly confidence?: ConfidenceExtractor | null;
}

/**
 * Flattens an OTLP trace export into one {@link SpanRecord} per span, in request order.
 *
 * Resource, scope, attributes, events and links are the received objects themselves (not
 * copies; nothing is removed or renamed). `genai` holds the GenAI fields whichever convention
 * carried them, `entities` the entities the span touches; the service name and resource-level
 * entities are computed once per ResourceSpans. `options.content: false` skips parsing prompt and
 * completion content (message lists stay empty) for deployments that do not keep it; `confidence`
 * holds the span's confidence signals (docs/confidence.md), computed by `options.confidence`.
 */
export function normalizeTraces(req: ExportTraceRequest, options?: NormalizeTracesOptions): SpanRecord[] {
  const out: SpanRecord[] = [];
  const confidence = options?.confidence === undefined ? DEFAULT_CONFIDENCE : options.confidence;
  for (const rs of req.resourceSpans) {
    const resource = rs.resource.attributes;
    const service = serviceName(resource);
    const res = deriveResourceEntities(resource);
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) out.push(toRecord(span, service, resource, rs.schemaUrl, ss.scope, res, options, confidence));
    }
  }
  return out;
}
