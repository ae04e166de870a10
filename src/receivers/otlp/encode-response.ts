/**
 * Hand-written encoders for what an OTLP receiver sends back: the three Export*ServiceResponse
 * messages (with their optional partial_success) and google.rpc.Status for error bodies, each
 * as protobuf bytes and as an OTLP/JSON object (ready for JSON.stringify).
 */

/** Which export service a response belongs to. */
export type ResponseSignal = 'traces' | 'metrics' | 'logs';

/**
 * A partial success: how many items were refused and why. A request whose items were all
 * accepted and that carries no message needs none (it is encoded as no partial_success at all).
 */
export interface PartialSuccess {
  /** rejected_spans, rejected_data_points or rejected_log_records (int64, never negative in practice). */
  readonly rejected: number | bigint;
  readonly errorMessage?: string;
}

/** OTLP/JSON form of an Export*ServiceResponse; int64 counts are decimal strings (proto3 JSON). */
export interface ExportResponseJson {
  partialSuccess?: {
    rejectedSpans?: string;
    rejectedDataPoints?: string;
    rejectedLogRecords?: string;
    errorMessage?: string;
  };
}

/** A google.rpc.Status (details are never sent). */
export interface RpcStatus {
  /** A google.rpc.Code value, e.g. 3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE. */
  readonly code: number;
  readonly message: string;
}

const JSON_COUNT_FIELD = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
} as const;

const utf8 = new TextEncoder();

/** A growable byte buffer with the few protobuf writes these messages need. */
class Writer {
  private bytes: number[] = [];

  varint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  lengthDelimited(field: number, payload: Uint8Array | number[]): void {
    this.tag(field, 2);
    this.varint(BigInt(payload.length));
    for (const b of payload) this.bytes.push(b);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function isEmpty(partial: PartialSuccess | undefined): partial is undefined {
  return partial === undefined || (BigInt(partial.rejected) === 0n && !partial.errorMessage);
}

function encodePartialSuccess(partial: PartialSuccess): Uint8Array {
  const w = new Writer();
  const rejected = BigInt(partial.rejected);
  if (rejected !== 0n) {
    w.tag(1, 0);
    w.varint(rejected);
  }
  if (partial.errorMessage) w.lengthDelimited(2, utf8.encode(partial.errorMessage));
  return w.finish();
}

/**
 * Encodes an Export{Trace,Metrics,Logs}ServiceResponse as protobuf. Without a partial success
 * (or with 0 rejected and no message) this is the empty message: zero bytes.
 */
export function encodeExportResponse(_signal: ResponseSignal, partial?: PartialSuccess): Uint8Array {
  // The three responses share one layout: partial_success = 1 { rejected_<items> = 1, error_message = 2 }.
  if (isEmpty(partial)) return new Uint8Array(0);
  const w = new Writer();
  w.lengthDelimited(1, encodePartialSuccess(partial));
  return w.finish();
}

/** The OTLP/JSON form of an Export{Trace,Metrics,Logs}ServiceResponse: `{}` on full success. */
export function exportResponseJson(signal: ResponseSignal, partial?: PartialSuccess): ExportResponseJson {
  if (isEmpty(partial)) return {};
  const ps: NonNullable<ExportResponseJson['partialSuccess']> = {};
  const rejected = BigInt(partial.rejected);
  if (rejected !== 0n) ps[JSON_COUNT_FIELD[signal]] = rejected.toString();
  if (partial.errorMessage) ps.errorMessage = partial.errorMessage;
  return { partialSuccess: ps };
}

/** Encodes ExportTraceServiceResponse (partial_success.rejected_spans) as protobuf. */
export function encodeTraceResponse(partial?: PartialSuccess): Uint8Array {
  return encodeExportResponse('traces', partial);
}

/** Encodes ExportMetricsServiceResponse (partial_success.rejected_data_points) as protobuf. */
export function encodeMetricsResponse(partial?: PartialSuccess): Uint8Array {
  return encodeExportResponse('metrics', partial);
}

/** Encodes ExportLogsServiceResponse (partial_success.rejected_log_records) as protobuf. */
export function encodeLogsResponse(partial?: PartialSuccess): Uint8Array {
  return encodeExportResponse('logs', partial);
}

/** OTLP/JSON ExportTraceServiceResponse. */
export function traceResponseJson(partial?: PartialSuccess): ExportResponseJson {
  return exportResponseJson('traces', partial);
}

/** OTLP/JSON ExportMetricsServiceResponse. */
export function metricsResponseJson(partial?: PartialSuccess): ExportResponseJson {
  return exportResponseJson('metrics', partial);
}

/** OTLP/JSON ExportLogsServiceResponse. */
export function logsResponseJson(partial?: PartialSuccess): ExportResponseJson {
  return exportResponseJson('logs', partial);
}

/** Encodes a google.rpc.Status {code = 1, message = 2} as protobuf (the OTLP/HTTP error body). */
export function encodeRpcStatus(status: RpcStatus): Uint8Array {
  const w = new Writer();
  if (status.code !== 0) {
    w.tag(1, 0);
    w.varint(BigInt(status.code | 0)); // int32: negative values sign-extend to 10 bytes
  }
  if (status.message) w.lengthDelimited(2, utf8.encode(status.message));
  return w.finish();
}

/** The JSON form of a google.rpc.Status, for OTLP/HTTP JSON error bodies. */
export function rpcStatusJson(status: RpcStatus): { code: number; message: string } {
  return { code: status.code, message: status.message };
}
