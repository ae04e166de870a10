import type { LogRecord } from '../../model/log.js';
import { entityId } from '../../model/entity.js';
import { anyValueJson, attributesJson, jstr, sharedAttributesJson, stringArray } from './json.js';

/** One JSONEachRow line (without the newline) for the `logs` table. */
export function logRow(r: LogRecord): string {
  // A log without a timestamp is placed at its observed time (OTLP: receivers may use it when time is unset).
  const time = r.timeUnixNano > 0n ? r.timeUnixNano : r.observedTimeUnixNano;
  return (
    `{"time":${time},"observed_time":${r.observedTimeUnixNano}` +
    `,"severity_number":${r.severityNumber >= 0 && r.severityNumber <= 24 ? r.severityNumber : 0},"severity_text":${jstr(r.severityText)}` +
    `,"body":${jstr(anyValueJson(r.body))},"attributes":${attributesJson(r.attributes)}` +
    `,"dropped_attributes_count":${r.droppedAttributesCount},"flags":${r.flags}` +
    `,"trace_id":"${r.traceId}","span_id":"${r.spanId}","event_name":${jstr(r.eventName)}` +
    `,"service":${jstr(r.service)},"resource":${sharedAttributesJson(r.resource)}` +
    `,"scope_name":${jstr(r.scope.name)},"scope_version":${jstr(r.scope.version)}` +
    `,"scope_attributes":${sharedAttributesJson(r.scope.attributes)}` +
    `,"entities":${stringArray(r.entities.refs.map(entityId))}}`
  );
}
