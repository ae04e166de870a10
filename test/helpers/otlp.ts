/**
 * OTLP payload helpers for end-to-end tests: OTLP/JSON builders, an OTLP/JSON -> protobuf encoder
 * (protobufjs over the .proto files in src/receivers/otlp/proto, sharing no code with Strata's
 * decoders), and google.rpc.Status decoding.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { OTLP_PROTO_FILES } from '../../src/receivers/otlp/protobufjs-schema.js';
import { REPO_ROOT } from './cli.js';

export type Json = Record<string, any>;

export const randomTraceId = (): string => randomBytes(16).toString('hex');
export const randomSpanId = (): string => randomBytes(8).toString('hex');

/** Current time in unix nanoseconds. */
export const nowNanos = (): bigint => BigInt(Date.now()) * 1_000_000n;

// ---------------------------------------------------------------- protobuf encoding

const PROTO_DIR = join(REPO_ROOT, 'src', 'receivers', 'otlp', 'proto');

let root: protobuf.Root | null = null;

function otlpRoot(): protobuf.Root {
  if (!root) {
    const r = new protobuf.Root();
    for (const f of OTLP_PROTO_FILES) protobuf.parse(readFileSync(join(PROTO_DIR, f), 'utf8'), r, { keepCase: false });
    r.resolveAll();
    root = r;
  }
  return root;
}

export type SignalKind = 'traces' | 'metrics' | 'logs';

export const REQUEST_TYPES: Record<SignalKind, string> = {
  traces: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  metrics: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  logs: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
};

const RESPONSE_TYPES: Record<SignalKind, string> = {
  traces: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
  metrics: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  logs: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
};

const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId', 'trace_id', 'span_id', 'parent_span_id']);

/** OTLP/JSON (hex ids) to the proto3 JSON protobufjs reads (ids as bytes). */
function jsonToProtoObject(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => jsonToProtoObject(x));
  if (v !== null && typeof v === 'object') {
    const out: Json = {};
    for (const [k, x] of Object.entries(v as Json)) out[k] = jsonToProtoObject(x, k);
    return out;
  }
  if (typeof v === 'string' && ID_KEYS.has(key)) return Buffer.from(v, 'hex');
  return v;
}

/** Encodes an OTLP/JSON export request (as in test/fixtures/otlp) to OTLP protobuf bytes. */
export function encodeProtobuf(kind: SignalKind, json: Json): Buffer {
  const type = otlpRoot().lookupType(REQUEST_TYPES[kind]);
  const obj = jsonToProtoObject(json) as Json;
  const message = type.fromObject(obj);
  return Buffer.from(type.encode(message).finish());
}

/** Decodes an Export*ServiceResponse (protobuf) into a plain object (int64 as strings). */
export function decodeExportResponse(kind: SignalKind, bytes: Uint8Array): Json {
  const type = otlpRoot().lookupType(RESPONSE_TYPES[kind]);
  return type.toObject(type.decode(bytes), { longs: String, defaults: false }) as Json;
}

/** Decodes a google.rpc.Status (protobuf) body. */
export function decodeRpcStatus(bytes: Uint8Array): { code: number; message: string } {
  const type = otlpRoot().lookupType('google.rpc.Status');
  const o = type.toObject(type.decode(bytes), { defaults: true }) as { code: number; message: string };
  return { code: o.code, message: o.message };
}

// ---------------------------------------------------------------- OTLP/JSON builders

export interface SpanSpec {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind?: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes?: Json;
  readonly statusCode?: number;
  readonly statusMessage?: string;
}

/** A JS value as an OTLP/JSON AnyValue (integers as intValue strings, other numbers as doubles). */
export function anyValue(v: unknown): Json {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'bigint') return { intValue: v.toString() };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') };
  if (v !== null && typeof v === 'object') return { kvlistValue: { values: keyValues(v as Json) } };
  return {};
}

export function keyValues(attrs: Json): Json[] {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: anyValue(value) }));
}

/** An OTLP/JSON span. */
export function jsonSpan(s: SpanSpec): Json {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name,
    kind: s.kind ?? 1,
    startTimeUnixNano: s.startNs.toString(),
    endTimeUnixNano: s.endNs.toString(),
    attributes: keyValues(s.attributes ?? {}),
    status: { code: s.statusCode ?? 0, ...(s.statusMessage ? { message: s.statusMessage } : {}) },
  };
}

/** An OTLP/JSON ExportTraceServiceRequest with one resource and one scope. */
export function traceRequest(service: string, spans: readonly SpanSpec[], resourceAttributes: Json = {}): Json {
  return {
    resourceSpans: [
      {
        resource: { attributes: keyValues({ 'service.name': service, ...resourceAttributes }) },
        scopeSpans: [{ scope: { name: 'strata-e2e', version: '0.0.1' }, spans: spans.map(jsonSpan) }],
      },
    ],
  };
}

/** A trace of `n` spans (a root and n-1 children) starting at `startNs`. */
export function simpleTrace(traceId: string, n: number, startNs: bigint, attributes: Json = {}): SpanSpec[] {
  const rootId = randomSpanId();
  const spans: SpanSpec[] = [
    { traceId, spanId: rootId, name: 'root', kind: 2, startNs, endNs: startNs + 5_000_000n, attributes },
  ];
  for (let i = 1; i < n; i++) {
    spans.push({
      traceId,
      spanId: randomSpanId(),
      parentSpanId: rootId,
      name: `child-${i}`,
      kind: 3,
      startNs: startNs + BigInt(i) * 1_000_000n,
      endNs: startNs + BigInt(i) * 1_000_000n + 500_000n,
      attributes: { 'child.index': i },
    });
  }
  return spans;
}
