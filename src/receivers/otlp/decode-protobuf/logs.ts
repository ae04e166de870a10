/**
 * Protobuf decoding of ExportLogsServiceRequest (opentelemetry.proto.collector.logs.v1).
 */
import type { ExportLogsRequest, OtlpLogRecord, ResourceLogs, ScopeLogs } from '../types.js';
import { emptyResource, emptyScope, readAnyValue, readKeyValue, readResource, readScope } from './common.js';
import type { ProtoReader } from './reader.js';

const REQUEST_FIELDS: Record<number, string> = { 1: 'resource_logs' };
const RESOURCE_LOGS_FIELDS: Record<number, string> = { 1: 'resource', 2: 'scope_logs', 3: 'schema_url' };
const SCOPE_LOGS_FIELDS: Record<number, string> = { 1: 'scope', 2: 'log_records', 3: 'schema_url' };
const LOG_RECORD_FIELDS: Record<number, string> = {
  1: 'time_unix_nano',
  2: 'severity_number',
  3: 'severity_text',
  5: 'body',
  6: 'attributes',
  7: 'dropped_attributes_count',
  8: 'flags',
  9: 'trace_id',
  10: 'span_id',
  11: 'observed_time_unix_nano',
  12: 'event_name',
};

/** Decodes an ExportLogsServiceRequest that spans the whole reader. */
export function readLogsRequest(r: ProtoReader): ExportLogsRequest {
  const end = r.len;
  const resourceLogs: ResourceLogs[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) resourceLogs.push(readResourceLogs(r, r.end()));
    else r.unknown(tag, REQUEST_FIELDS, 'ExportLogsServiceRequest');
  }
  r.finish(end, 'ExportLogsServiceRequest');
  return { resourceLogs };
}

function readResourceLogs(r: ProtoReader, end: number): ResourceLogs {
  const out: ResourceLogs = { resource: emptyResource(), scopeLogs: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) out.resource = readResource(r, r.end());
    else if (tag === 18) out.scopeLogs.push(readScopeLogs(r, r.end()));
    else if (tag === 26) out.schemaUrl = r.string();
    else r.unknown(tag, RESOURCE_LOGS_FIELDS, 'ResourceLogs');
  }
  r.finish(end, 'ResourceLogs');
  return out;
}

function readScopeLogs(r: ProtoReader, end: number): ScopeLogs {
  const out: ScopeLogs = { scope: emptyScope(), logRecords: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) out.scope = readScope(r, r.end());
    else if (tag === 18) out.logRecords.push(readLogRecord(r, r.end()));
    else if (tag === 26) out.schemaUrl = r.string();
    else r.unknown(tag, SCOPE_LOGS_FIELDS, 'ScopeLogs');
  }
  r.finish(end, 'ScopeLogs');
  return out;
}

function readLogRecord(r: ProtoReader, end: number): OtlpLogRecord {
  const rec: OtlpLogRecord = {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: null,
    attributes: {},
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
  };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 9:
        rec.timeUnixNano = r.fixed64();
        break;
      case 16:
        rec.severityNumber = r.int32();
        break;
      case 26:
        rec.severityText = r.key();
        break;
      case 42:
        rec.body = readAnyValue(r, r.end(), 0);
        break;
      case 50:
        readKeyValue(r, r.end(), rec.attributes);
        break;
      case 56:
        rec.droppedAttributesCount = r.uint32();
        break;
      case 69:
        rec.flags = r.fixed32();
        break;
      case 74:
        rec.traceId = r.id(16, 'LogRecord.trace_id');
        break;
      case 82:
        rec.spanId = r.id(8, 'LogRecord.span_id');
        break;
      case 89:
        rec.observedTimeUnixNano = r.fixed64();
        break;
      case 98:
        rec.eventName = r.key();
        break;
      default:
        r.unknown(tag, LOG_RECORD_FIELDS, 'LogRecord'); // 4: removed name, skipped
    }
  }
  r.finish(end, 'LogRecord');
  return rec;
}
