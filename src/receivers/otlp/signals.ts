import type { Ingest, IngestOutcome } from '../../pipeline/ingest.js';
import { decodeLogsJson, decodeMetricsJson, decodeTraceJson } from './decode-json.js';
import { decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest } from './decode-protobuf.js';
import type { ExportLogsRequest, ExportMetricsRequest, ExportTraceRequest } from './types.js';
import {
  countDataPoints,
  countLogRecords,
  countSpans,
  rejectInvalidLogs,
  rejectInvalidMetrics,
  rejectInvalidSpans,
  type Rejection,
} from './validate.js';

export type SignalName = 'traces' | 'metrics' | 'logs';

/** What both OTLP receivers (HTTP and gRPC) are configured with. */
export interface OtlpReceiverOptions {
  readonly host: string;
  readonly port: number;
  readonly maxBodyBytes: number;
  readonly ingestKeys: readonly string[];
  /** Data older than this many days is refused (partial success); 0 = no limit. */
  readonly retentionDays?: number;
  readonly log?: (message: string) => void;
}

/** How one OTLP signal is decoded, checked and handed on; both transports use the same table. */
export interface Signal<Req> {
  readonly name: SignalName;
  /** gRPC method path of the signal's Export call. */
  readonly grpcPath: string;
  readonly decodeProtobuf: (body: Uint8Array) => Req;
  readonly decodeJson: (text: string) => Req;
  /** Removes refused items in place; `notBefore` (unix ns, 0 = none) is the retention horizon. */
  readonly validate: (req: Req, notBefore: bigint) => Rejection;
  readonly count: (req: Req) => number;
  readonly ingest: (ingest: Ingest, req: Req) => IngestOutcome;
}

export const TRACES: Signal<ExportTraceRequest> = {
  name: 'traces',
  grpcPath: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  decodeProtobuf: decodeTraceRequest,
  decodeJson: decodeTraceJson,
  validate: rejectInvalidSpans,
  count: countSpans,
  ingest: (ingest, req) => ingest.traces(req),
};

export const METRICS: Signal<ExportMetricsRequest> = {
  name: 'metrics',
  grpcPath: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  decodeProtobuf: decodeMetricsRequest,
  decodeJson: decodeMetricsJson,
  validate: rejectInvalidMetrics,
  count: countDataPoints,
  ingest: (ingest, req) => ingest.metrics(req),
};

export const LOGS: Signal<ExportLogsRequest> = {
  name: 'logs',
  grpcPath: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  decodeProtobuf: decodeLogsRequest,
  decodeJson: decodeLogsJson,
  validate: rejectInvalidLogs,
  count: countLogRecords,
  ingest: (ingest, req) => ingest.logs(req),
};

export const SIGNALS = { traces: TRACES, metrics: METRICS, logs: LOGS } as const;

/** The result of exporting one request, whichever transport carried it. */
export type ExportResult =
  | { readonly kind: 'ok'; readonly rejected: number; readonly message: string }
  | { readonly kind: 'busy'; readonly retryAfterSeconds: number }
  | { readonly kind: 'too_large'; readonly message: string };

/**
 * Validate, then ingest. Decoding errors are the caller's (they map to transport statuses).
 * `retentionDays` (0 = forever) refuses data the store would expire at once.
 */
export function exportRequest<Req>(signal: Signal<Req>, ingest: Ingest, req: Req, retentionDays = 0): ExportResult {
  const notBefore = retentionDays > 0 ? (BigInt(Date.now()) - BigInt(retentionDays) * 86_400_000n) * 1_000_000n : 0n;
  const rejection = signal.validate(req, notBefore);
  const outcome = signal.ingest(ingest, req);
  if (!outcome.accepted)
    return 'tooLarge' in outcome ? { kind: 'too_large', message: outcome.tooLarge } : { kind: 'busy', retryAfterSeconds: outcome.retryAfterSeconds };
  return { kind: 'ok', rejected: rejection.rejected, message: rejection.message };
}
