/**
 * OTLP/JSON decoding of ExportLogsServiceRequest.
 */
import type { ExportLogsRequest, OtlpLogRecord, ResourceLogs, ScopeLogs } from '../types.js';
import {
  anyValue,
  array,
  attributes,
  enumValue,
  get,
  id,
  int32,
  object,
  parseRoot,
  resource,
  scope,
  string,
  uint64,
  type JsonObject,
} from './common.js';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
/** SEVERITY_NUMBER_UNSPECIFIED, then TRACE, TRACE2..TRACE4, DEBUG.., up to FATAL4 (values 0-24). */
const SEVERITY_NUMBERS: readonly string[] = [
  'SEVERITY_NUMBER_UNSPECIFIED',
  ...LEVELS.flatMap((l) => [l, `${l}2`, `${l}3`, `${l}4`].map((n) => `SEVERITY_NUMBER_${n}`)),
];

/** Decodes the text of an OTLP/JSON ExportLogsServiceRequest. */
export function logsFromJson(text: string): ExportLogsRequest {
  const root = parseRoot(text, 'ExportLogsServiceRequest');
  const resourceLogs: ResourceLogs[] = [];
  for (const item of array(get(root, 'resourceLogs', 'resource_logs'), 'ExportLogsServiceRequest.resourceLogs')) {
    const o = object(item, 'ResourceLogs');
    const scopeLogs: ScopeLogs[] = [];
    for (const s of array(get(o, 'scopeLogs', 'scope_logs'), 'ResourceLogs.scopeLogs')) {
      const so = object(s, 'ScopeLogs');
      const logRecords: OtlpLogRecord[] = [];
      for (const rec of array(get(so, 'logRecords', 'log_records'), 'ScopeLogs.logRecords')) {
        logRecords.push(logRecordFromJson(object(rec, 'LogRecord')));
      }
      scopeLogs.push({
        scope: scope(get(so, 'scope')),
        logRecords,
        schemaUrl: string(get(so, 'schemaUrl', 'schema_url'), 'ScopeLogs.schemaUrl'),
      });
    }
    resourceLogs.push({
      resource: resource(get(o, 'resource')),
      scopeLogs,
      schemaUrl: string(get(o, 'schemaUrl', 'schema_url'), 'ResourceLogs.schemaUrl'),
    });
  }
  return { resourceLogs };
}

function logRecordFromJson(o: JsonObject): OtlpLogRecord {
  const body = get(o, 'body');
  return {
    timeUnixNano: uint64(get(o, 'timeUnixNano', 'time_unix_nano'), 'LogRecord.timeUnixNano'),
    observedTimeUnixNano: uint64(get(o, 'observedTimeUnixNano', 'observed_time_unix_nano'), 'LogRecord.observedTimeUnixNano'),
    severityNumber: enumValue(get(o, 'severityNumber', 'severity_number'), SEVERITY_NUMBERS, 'LogRecord.severityNumber'),
    severityText: string(get(o, 'severityText', 'severity_text'), 'LogRecord.severityText'),
    body: body === undefined ? null : anyValue(body, 0),
    attributes: attributes(get(o, 'attributes'), 'LogRecord.attributes'),
    droppedAttributesCount: int32(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), 'LogRecord.droppedAttributesCount', true),
    flags: int32(get(o, 'flags'), 'LogRecord.flags', true),
    traceId: id(get(o, 'traceId', 'trace_id'), 16, 'LogRecord.traceId'),
    spanId: id(get(o, 'spanId', 'span_id'), 8, 'LogRecord.spanId'),
    eventName: string(get(o, 'eventName', 'event_name'), 'LogRecord.eventName'),
  };
}
