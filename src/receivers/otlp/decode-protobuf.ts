/**
 * Hand-written OTLP protobuf decoders (no protobufjs at run time).
 *
 * They read the binary protobuf encoding of the three OTLP export requests straight into the
 * shapes of `types.ts`: unknown fields of any wire type are skipped, packed and unpacked
 * repeated scalars are both accepted, and anything truncated or malformed raises
 * {@link OtlpDecodeError}.
 */
import { readLogsRequest } from './decode-protobuf/logs.js';
import { readMetricsRequest } from './decode-protobuf/metrics.js';
import { ProtoReader } from './decode-protobuf/reader.js';
import { readTraceRequest } from './decode-protobuf/trace.js';
import type { ExportLogsRequest, ExportMetricsRequest, ExportTraceRequest } from './types.js';

/** Decodes a protobuf ExportTraceServiceRequest. Throws OtlpDecodeError on malformed input. */
export function decodeTraceRequest(buf: Uint8Array): ExportTraceRequest {
  return readTraceRequest(new ProtoReader(buf));
}

/** Decodes a protobuf ExportMetricsServiceRequest. Throws OtlpDecodeError on malformed input. */
export function decodeMetricsRequest(buf: Uint8Array): ExportMetricsRequest {
  return readMetricsRequest(new ProtoReader(buf));
}

/** Decodes a protobuf ExportLogsServiceRequest. Throws OtlpDecodeError on malformed input. */
export function decodeLogsRequest(buf: Uint8Array): ExportLogsRequest {
  return readLogsRequest(new ProtoReader(buf));
}
