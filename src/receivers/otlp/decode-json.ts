/**
 * OTLP/JSON decoders: the JSON encoding of the three OTLP export requests, read into the same
 * shapes as the protobuf decoder produces.
 *
 * Accepted forms, per the OTLP/JSON rules: lowerCamelCase field names (original snake_case
 * names too), trace/span ids as hex (any case; 32/16 characters or empty), 64-bit integers as
 * decimal strings or numbers, enums as integers or value names, bytes as base64, doubles as
 * numbers or "NaN"/"Infinity"/"-Infinity". Invalid JSON or a known field of the wrong type
 * raises {@link OtlpDecodeError}; unknown fields are ignored.
 */
import { logsFromJson } from './decode-json/logs.js';
import { metricsFromJson } from './decode-json/metrics.js';
import { traceFromJson } from './decode-json/trace.js';
import type { ExportLogsRequest, ExportMetricsRequest, ExportTraceRequest } from './types.js';

/** Decodes an OTLP/JSON ExportTraceServiceRequest. Throws OtlpDecodeError on invalid input. */
export function decodeTraceJson(text: string): ExportTraceRequest {
  return traceFromJson(text);
}

/** Decodes an OTLP/JSON ExportMetricsServiceRequest. Throws OtlpDecodeError on invalid input. */
export function decodeMetricsJson(text: string): ExportMetricsRequest {
  return metricsFromJson(text);
}

/** Decodes an OTLP/JSON ExportLogsServiceRequest. Throws OtlpDecodeError on invalid input. */
export function decodeLogsJson(text: string): ExportLogsRequest {
  return logsFromJson(text);
}
