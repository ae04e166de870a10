/**
 * The OTLP schema (`proto/*.proto`) loaded into protobufjs at run time.
 *
 * tsc does not copy .proto files, so the schema is looked up beside this module first (running
 * from src/, as under vitest) and otherwise under src/receivers/otlp/proto of the package root,
 * found by walking up from this module (running from dist/src/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** The schema files, in dependency order. */
export const OTLP_PROTO_FILES = [
  'common.proto',
  'resource.proto',
  'trace.proto',
  'metrics.proto',
  'logs.proto',
  'trace_service.proto',
  'metrics_service.proto',
  'logs_service.proto',
  'status.proto',
] as const;

/** Fully-qualified names of the messages Strata receives and sends. */
export const OTLP_MESSAGES = {
  traceRequest: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  traceResponse: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
  metricsRequest: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  metricsResponse: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  logsRequest: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
  logsResponse: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
  status: 'google.rpc.Status',
} as const;

const SUBDIR = ['src', 'receivers', 'otlp', 'proto'];

/** The directory holding the OTLP .proto files, from src/ or from the compiled dist/src/. */
export function otlpProtoDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'proto');
  if (existsSync(join(beside, OTLP_PROTO_FILES[0]))) return beside;
  for (let dir = here; ; ) {
    const candidate = join(dir, ...SUBDIR);
    if (existsSync(join(dir, 'package.json')) && existsSync(join(candidate, OTLP_PROTO_FILES[0]))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`OTLP .proto files not found beside ${here} nor under ${SUBDIR.join('/')} of an enclosing package`);
}

let cached: protobuf.Root | null = null;

/** The protobufjs Root with every OTLP message resolved (loaded once, then cached). */
export function otlpProtobufRoot(): protobuf.Root {
  if (cached === null) {
    const root = new protobuf.Root();
    const dir = otlpProtoDir();
    for (const file of OTLP_PROTO_FILES) {
      protobuf.parse(readFileSync(join(dir, file), 'utf8'), root, { keepCase: false });
    }
    root.resolveAll();
    cached = root;
  }
  return cached;
}

/** Looks up one message type of the OTLP schema by its fully-qualified name. */
export function otlpProtobufType(name: string): protobuf.Type {
  return otlpProtobufRoot().lookupType(name);
}
