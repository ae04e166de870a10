/**
 * Decoded OTLP logs (and OTel events, which are log records with an event name) to Strata's
 * {@link LogRecord}s.
 */
import type { ExportLogsRequest } from '../receivers/otlp/types.js';
import type { LogRecord } from '../model/log.js';
import { deriveLogEntities, deriveResourceEntities } from './entities/derive.js';
import { serviceName } from './service.js';

/**
 * Flattens an OTLP logs export into one {@link LogRecord} per log record, in request order.
 * Body, attributes, resource and scope are the received objects; `eventName` is kept as sent
 * ('' for plain logs). Entities come from the resource (computed once per ResourceLogs) and the
 * record's attributes.
 */
export function normalizeLogs(req: ExportLogsRequest): LogRecord[] {
  const out: LogRecord[] = [];
  for (const rl of req.resourceLogs) {
    const resource = rl.resource.attributes;
    const service = serviceName(resource);
    const res = deriveResourceEntities(resource);
    for (const sl of rl.scopeLogs) {
      const scope = sl.scope;
      for (const r of sl.logRecords) {
        out.push({
          timeUnixNano: r.timeUnixNano,
          observedTimeUnixNano: r.observedTimeUnixNano,
          severityNumber: r.severityNumber,
          severityText: r.severityText,
          body: r.body,
          attributes: r.attributes,
          droppedAttributesCount: r.droppedAttributesCount,
          flags: r.flags,
          traceId: r.traceId,
          spanId: r.spanId,
          eventName: r.eventName,
          service,
          resource,
          scope,
          entities: deriveLogEntities(res, r.attributes),
        });
      }
    }
  }
  return out;
}
