/**
 * OTLP protobuf decoding through protobufjs and the schema in `proto/`, converted to the shapes
 * of `types.ts`. It is the reference the hand-written decoder is tested against and the
 * baseline of the decode benchmark; the receivers use `decode-protobuf.ts`.
 */
import { MAX_ANY_VALUE_DEPTH, setAttribute } from './attributes.js';
import { OTLP_MESSAGES, otlpProtobufType } from './protobufjs-schema.js';
import {
  OtlpDecodeError,
  type AnyValue,
  type Attributes,
  type Exemplar,
  type ExpHistogramBuckets,
  type ExportLogsRequest,
  type ExportMetricsRequest,
  type ExportTraceRequest,
  type MetricData,
  type NumberDataPoint,
  type OtlpLogRecord,
  type OtlpMetric,
  type OtlpSpan,
  type Resource,
  type Scope,
} from './types.js';

/** A 64-bit value as protobufjs returns it: a Long when the `long` package is present, else a number. */
type LongLike = number | { low: number; high: number; unsigned: boolean };

/** A decoded protobufjs message, read field by field (camelCase names, defaults on the prototype). */
type Msg = Record<string, unknown>;

const has = (m: Msg, field: string): boolean => Object.prototype.hasOwnProperty.call(m, field);

function decodeWith(typeName: string, buf: Uint8Array): Msg {
  try {
    return otlpProtobufType(typeName).decode(buf) as unknown as Msg;
  } catch (err) {
    throw new OtlpDecodeError(`invalid OTLP protobuf (protobufjs): ${(err as Error).message}`);
  }
}

function bigOf(v: unknown, signed: boolean): bigint {
  if (typeof v === 'number') return BigInt(v);
  const l = v as Exclude<LongLike, number>;
  const u = (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
  return signed ? BigInt.asIntN(64, u) : u;
}

function numOf(v: unknown, signed: boolean): number {
  if (typeof v === 'number') return v;
  const l = v as Exclude<LongLike, number>;
  return (signed ? l.high | 0 : l.high >>> 0) * 4294967296 + (l.low >>> 0);
}

const msgs = (v: unknown): Msg[] => (v as Msg[] | undefined) ?? [];
const str = (v: unknown): string => (v as string | undefined) ?? '';
const num = (v: unknown): number => (v as number | undefined) ?? 0;

function hexId(v: unknown, size: number, field: string): string {
  const b = v as Uint8Array | undefined;
  if (b === undefined || b.length === 0) return '';
  if (b.length !== size) throw new OtlpDecodeError(`invalid OTLP protobuf: ${field} must be ${size} bytes, got ${b.length}`);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function anyValue(m: Msg | null | undefined, depth: number): AnyValue {
  if (depth >= MAX_ANY_VALUE_DEPTH) throw new OtlpDecodeError(`invalid OTLP protobuf: AnyValue nested more than ${MAX_ANY_VALUE_DEPTH} levels deep`);
  if (m === null || m === undefined) return null;
  if (has(m, 'stringValue')) return m.stringValue as string;
  if (has(m, 'boolValue')) return m.boolValue as boolean;
  if (has(m, 'intValue')) return { int: bigOf(m.intValue, true) };
  if (has(m, 'doubleValue')) return m.doubleValue as number;
  if (has(m, 'arrayValue')) return msgs((m.arrayValue as Msg).values).map((v) => anyValue(v, depth + 1));
  if (has(m, 'kvlistValue')) return { kvlist: attributes((m.kvlistValue as Msg).values, depth + 1) };
  if (has(m, 'bytesValue')) return Uint8Array.from(m.bytesValue as Uint8Array);
  return null;
}

function attributes(list: unknown, depth = 0): Attributes {
  const out: Attributes = {};
  for (const kv of msgs(list)) setAttribute(out, str(kv.key), anyValue(kv.value as Msg | null, depth));
  return out;
}

function resource(m: unknown): Resource {
  const r = (m as Msg | null | undefined) ?? {};
  return { attributes: attributes(r.attributes), droppedAttributesCount: num(r.droppedAttributesCount) };
}

function scope(m: unknown): Scope {
  const s = (m as Msg | null | undefined) ?? {};
  return {
    name: str(s.name),
    version: str(s.version),
    attributes: attributes(s.attributes),
    droppedAttributesCount: num(s.droppedAttributesCount),
  };
}

function span(s: Msg): OtlpSpan {
  const status = (s.status as Msg | null | undefined) ?? {};
  return {
    traceId: hexId(s.traceId, 16, 'Span.trace_id'),
    spanId: hexId(s.spanId, 8, 'Span.span_id'),
    traceState: str(s.traceState),
    parentSpanId: hexId(s.parentSpanId, 8, 'Span.parent_span_id'),
    flags: num(s.flags),
    name: str(s.name),
    kind: num(s.kind),
    startTimeUnixNano: bigOf(s.startTimeUnixNano ?? 0, false),
    endTimeUnixNano: bigOf(s.endTimeUnixNano ?? 0, false),
    attributes: attributes(s.attributes),
    droppedAttributesCount: num(s.droppedAttributesCount),
    events: msgs(s.events).map((e) => ({
      timeUnixNano: bigOf(e.timeUnixNano ?? 0, false),
      name: str(e.name),
      attributes: attributes(e.attributes),
      droppedAttributesCount: num(e.droppedAttributesCount),
    })),
    droppedEventsCount: num(s.droppedEventsCount),
    links: msgs(s.links).map((l) => ({
      traceId: hexId(l.traceId, 16, 'Span.Link.trace_id'),
      spanId: hexId(l.spanId, 8, 'Span.Link.span_id'),
      traceState: str(l.traceState),
      attributes: attributes(l.attributes),
      droppedAttributesCount: num(l.droppedAttributesCount),
      flags: num(l.flags),
    })),
    droppedLinksCount: num(s.droppedLinksCount),
    status: { code: num(status.code), message: str(status.message) },
  };
}

/** Decodes a protobuf ExportTraceServiceRequest with protobufjs. */
export function decodeTraceRequest(buf: Uint8Array): ExportTraceRequest {
  const req = decodeWith(OTLP_MESSAGES.traceRequest, buf);
  return {
    resourceSpans: msgs(req.resourceSpans).map((rs) => ({
      resource: resource(rs.resource),
      scopeSpans: msgs(rs.scopeSpans).map((ss) => ({
        scope: scope(ss.scope),
        spans: msgs(ss.spans).map(span),
        schemaUrl: str(ss.schemaUrl),
      })),
      schemaUrl: str(rs.schemaUrl),
    })),
  };
}

function optionalNumber(m: Msg, field: string): number | null {
  return has(m, field) ? (m[field] as number) : null;
}

function exemplars(list: unknown): Exemplar[] {
  return msgs(list).map((e) => ({
    filteredAttributes: attributes(e.filteredAttributes),
    timeUnixNano: bigOf(e.timeUnixNano ?? 0, false),
    value: has(e, 'asInt') ? numOf(e.asInt, true) : num(e.asDouble),
    spanId: hexId(e.spanId, 8, 'Exemplar.span_id'),
    traceId: hexId(e.traceId, 16, 'Exemplar.trace_id'),
  }));
}

function pointBase(p: Msg) {
  return {
    attributes: attributes(p.attributes),
    startTimeUnixNano: bigOf(p.startTimeUnixNano ?? 0, false),
    timeUnixNano: bigOf(p.timeUnixNano ?? 0, false),
    exemplars: exemplars(p.exemplars),
    flags: num(p.flags),
  };
}

function numberPoint(p: Msg): NumberDataPoint {
  const isInt = has(p, 'asInt');
  return { ...pointBase(p), value: isInt ? numOf(p.asInt, true) : num(p.asDouble), isInt };
}

function buckets(m: unknown): ExpHistogramBuckets {
  const b = (m as Msg | null | undefined) ?? {};
  return { offset: num(b.offset), bucketCounts: ((b.bucketCounts as unknown[] | undefined) ?? []).map((c) => numOf(c, false)) };
}

function metricData(m: Msg): MetricData {
  const temporality = (d: Msg): number => num(d.aggregationTemporality);
  if (has(m, 'gauge')) return { type: 'gauge', dataPoints: msgs((m.gauge as Msg).dataPoints).map(numberPoint) };
  if (has(m, 'sum')) {
    const d = m.sum as Msg;
    return { type: 'sum', dataPoints: msgs(d.dataPoints).map(numberPoint), aggregationTemporality: temporality(d), isMonotonic: d.isMonotonic === true };
  }
  if (has(m, 'histogram')) {
    const d = m.histogram as Msg;
    return {
      type: 'histogram',
      aggregationTemporality: temporality(d),
      dataPoints: msgs(d.dataPoints).map((p) => ({
        ...pointBase(p),
        count: numOf(p.count ?? 0, false),
        sum: optionalNumber(p, 'sum'),
        bucketCounts: ((p.bucketCounts as unknown[] | undefined) ?? []).map((c) => numOf(c, false)),
        explicitBounds: [...((p.explicitBounds as number[] | undefined) ?? [])],
        min: optionalNumber(p, 'min'),
        max: optionalNumber(p, 'max'),
      })),
    };
  }
  if (has(m, 'exponentialHistogram')) {
    const d = m.exponentialHistogram as Msg;
    return {
      type: 'exponential_histogram',
      aggregationTemporality: temporality(d),
      dataPoints: msgs(d.dataPoints).map((p) => ({
        ...pointBase(p),
        count: numOf(p.count ?? 0, false),
        sum: optionalNumber(p, 'sum'),
        scale: num(p.scale),
        zeroCount: numOf(p.zeroCount ?? 0, false),
        positive: buckets(p.positive),
        negative: buckets(p.negative),
        min: optionalNumber(p, 'min'),
        max: optionalNumber(p, 'max'),
        zeroThreshold: num(p.zeroThreshold),
      })),
    };
  }
  if (has(m, 'summary')) {
    return {
      type: 'summary',
      dataPoints: msgs((m.summary as Msg).dataPoints).map((p) => ({
        attributes: attributes(p.attributes),
        startTimeUnixNano: bigOf(p.startTimeUnixNano ?? 0, false),
        timeUnixNano: bigOf(p.timeUnixNano ?? 0, false),
        flags: num(p.flags),
        count: numOf(p.count ?? 0, false),
        sum: num(p.sum),
        quantileValues: msgs(p.quantileValues).map((q) => ({ quantile: num(q.quantile), value: num(q.value) })),
      })),
    };
  }
  return { type: 'empty' };
}

function metric(m: Msg): OtlpMetric {
  return { name: str(m.name), description: str(m.description), unit: str(m.unit), data: metricData(m), metadata: attributes(m.metadata) };
}

/** Decodes a protobuf ExportMetricsServiceRequest with protobufjs. */
export function decodeMetricsRequest(buf: Uint8Array): ExportMetricsRequest {
  const req = decodeWith(OTLP_MESSAGES.metricsRequest, buf);
  return {
    resourceMetrics: msgs(req.resourceMetrics).map((rm) => ({
      resource: resource(rm.resource),
      scopeMetrics: msgs(rm.scopeMetrics).map((sm) => ({
        scope: scope(sm.scope),
        metrics: msgs(sm.metrics).map(metric),
        schemaUrl: str(sm.schemaUrl),
      })),
      schemaUrl: str(rm.schemaUrl),
    })),
  };
}

function logRecord(l: Msg): OtlpLogRecord {
  return {
    timeUnixNano: bigOf(l.timeUnixNano ?? 0, false),
    observedTimeUnixNano: bigOf(l.observedTimeUnixNano ?? 0, false),
    severityNumber: num(l.severityNumber),
    severityText: str(l.severityText),
    body: has(l, 'body') ? anyValue(l.body as Msg | null, 0) : null,
    attributes: attributes(l.attributes),
    droppedAttributesCount: num(l.droppedAttributesCount),
    flags: num(l.flags),
    traceId: hexId(l.traceId, 16, 'LogRecord.trace_id'),
    spanId: hexId(l.spanId, 8, 'LogRecord.span_id'),
    eventName: str(l.eventName),
  };
}

/** Decodes a protobuf ExportLogsServiceRequest with protobufjs. */
export function decodeLogsRequest(buf: Uint8Array): ExportLogsRequest {
  const req = decodeWith(OTLP_MESSAGES.logsRequest, buf);
  return {
    resourceLogs: msgs(req.resourceLogs).map((rl) => ({
      resource: resource(rl.resource),
      scopeLogs: msgs(rl.scopeLogs).map((sl) => ({
        scope: scope(sl.scope),
        logRecords: msgs(sl.logRecords).map(logRecord),
        schemaUrl: str(sl.schemaUrl),
      })),
      schemaUrl: str(rl.schemaUrl),
    })),
  };
}
