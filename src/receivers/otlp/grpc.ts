import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  Metadata,
  type ServerUnaryCall,
  type sendUnaryData,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { createKeyCheck, keyFromHeaders } from '../../auth/keys.js';
import type { Ingest } from '../../pipeline/ingest.js';
import { exportResponse } from './respond.js';
import { exportRequest, SIGNALS, type OtlpReceiverOptions, type Signal } from './signals.js';
import { OtlpDecodeError } from './types.js';

export type OtlpGrpcOptions = OtlpReceiverOptions;

/** Messages pass through as bytes: the project's own decoder reads them. */
const identity = (b: Buffer): Buffer => b;

function serviceFor(signal: Signal<unknown>): ServiceDefinition {
  return {
    Export: {
      path: signal.grpcPath,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  } as ServiceDefinition;
}

/**
 * The OTLP/gRPC receiver: TraceService, MetricsService and LogsService Export. Status codes as the
 * OTLP specification says: INVALID_ARGUMENT for undecodable data, UNAVAILABLE (retryable) when the
 * pipeline is full, UNAUTHENTICATED without a valid key, RESOURCE_EXHAUSTED past the size limit
 * (enforced by gRPC on the decompressed message).
 */
export class OtlpGrpcReceiver {
  private server: Server | null = null;
  private readonly checkKey: (key: string | undefined) => boolean;

  constructor(private readonly options: OtlpGrpcOptions, private readonly ingest: Ingest) {
    this.checkKey = createKeyCheck(options.ingestKeys);
  }

  async start(): Promise<number> {
    const server = new Server({
      'grpc.max_receive_message_length': this.options.maxBodyBytes,
      'grpc.max_send_message_length': 4 * 1024 * 1024,
    });
    for (const signal of Object.values(SIGNALS) as Signal<unknown>[]) {
      server.addService(serviceFor(signal), { Export: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => this.export(signal, call, cb) });
    }
    this.server = server;
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${hostForGrpc(this.options.host)}:${this.options.port}`, ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      );
    });
    return port;
  }

  /** Stops; waits briefly for calls in flight. Idempotent. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private export(signal: Signal<unknown>, call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>): void {
    try {
      const md = call.metadata;
      const key = keyFromHeaders(first(md, 'authorization'), first(md, 'x-api-key'));
      if (!this.checkKey(key)) return cb({ code: GrpcStatus.UNAUTHENTICATED, details: 'missing or unknown ingest key' });
      let decoded: unknown;
      try {
        decoded = signal.decodeProtobuf(call.request);
      } catch (err) {
        if (err instanceof OtlpDecodeError) return cb({ code: GrpcStatus.INVALID_ARGUMENT, details: `invalid OTLP protobuf: ${err.message}` });
        throw err;
      }
      const result = exportRequest(signal, this.ingest, decoded, this.options.retentionDays ?? 0);
      if (result.kind === 'too_large') return cb({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: result.message });
      if (result.kind === 'busy') {
        const trailer = new Metadata();
        trailer.set('retry-after', String(result.retryAfterSeconds));
        return cb({ code: GrpcStatus.UNAVAILABLE, details: 'ingest queue is full; retry later', metadata: trailer });
      }
      cb(null, Buffer.from(exportResponse(signal.name, result.rejected, result.message, 'protobuf')));
    } catch (err) {
      this.options.log?.(`otlp grpc: unexpected error: ${(err as Error).stack ?? err}`);
      cb({ code: GrpcStatus.INTERNAL, details: 'internal error' });
    }
  }
}

function first(md: Metadata, key: string): string | undefined {
  const v = md.get(key)[0];
  return v === undefined ? undefined : String(v);
}

function hostForGrpc(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
