import { feedbackRow, type FeedbackRecord } from '../calibration/feedback.js';
import type { LogRecord } from '../model/log.js';
import type { MetricPoint } from '../model/metric.js';
import type { SpanRecord } from '../model/span.js';
import { EntityRowCollector } from '../storage/rows/entities.js';
import { logRow } from '../storage/rows/logs.js';
import { metricPointRow } from '../storage/rows/metrics.js';
import { SPAN_COLUMNS, spanRow } from '../storage/rows/spans.js';
import type { InsertFormat, TableName } from '../storage/types.js';

/** Insert payloads per table: the unit the WAL logs and the writer stores. */
export type TablePayloads = Partial<Record<TableName, Buffer>>;

/**
 * Most characters one request may encode to. Rows repeat their resource, so a small request with a
 * large resource and many tiny spans can expand a thousandfold; past this it is refused whole.
 */
export const MAX_ENCODED_CHARS = 256 * 1024 * 1024;

/** A request whose rows would pass {@link MAX_ENCODED_CHARS}. */
export class EncodedTooLargeError extends Error {
  override readonly name = 'EncodedTooLargeError';
  constructor(chars: number) {
    super(`the request expands to more than ${MAX_ENCODED_CHARS} characters of rows (${chars} so far); send fewer items per request`);
  }
}

/** The format of each table's payload, as encoded here. */
export const INSERT_FORMATS: Readonly<Record<TableName, InsertFormat>> = {
  spans: { format: 'JSONCompactEachRow', columns: SPAN_COLUMNS },
  metric_points: { format: 'JSONEachRow' },
  logs: { format: 'JSONEachRow' },
  entities: { format: 'JSONEachRow' },
  entity_edges: { format: 'JSONEachRow' },
  feedback: { format: 'JSONEachRow' },
  calibration_maps: { format: 'JSONEachRow' },
  monitor_results: { format: 'JSONEachRow' },
  probe_readings: { format: 'JSONEachRow' },
};

/** Spans and the entities they touch, as insert payloads. */
export function encodeSpans(spans: readonly SpanRecord[]): TablePayloads {
  const entities = new EntityRowCollector();
  const lines: string[] = new Array(spans.length);
  let chars = 0;
  for (let i = 0; i < spans.length; i++) {
    chars += (lines[i] = spanRow(spans[i])).length;
    if (chars > MAX_ENCODED_CHARS) throw new EncodedTooLargeError(chars);
    entities.add(spans[i].entities, spans[i].startTimeUnixNano);
  }
  return withEntities({ spans: toPayload(lines) }, entities);
}

export function encodeMetricPoints(points: readonly MetricPoint[]): TablePayloads {
  const entities = new EntityRowCollector();
  const lines: string[] = new Array(points.length);
  let chars = 0;
  for (let i = 0; i < points.length; i++) {
    chars += (lines[i] = metricPointRow(points[i])).length;
    if (chars > MAX_ENCODED_CHARS) throw new EncodedTooLargeError(chars);
    entities.add(points[i].entities, points[i].timeUnixNano);
  }
  return withEntities({ metric_points: toPayload(lines) }, entities);
}

export function encodeLogs(records: readonly LogRecord[]): TablePayloads {
  const entities = new EntityRowCollector();
  const lines: string[] = new Array(records.length);
  let chars = 0;
  for (let i = 0; i < records.length; i++) {
    chars += (lines[i] = logRow(records[i])).length;
    if (chars > MAX_ENCODED_CHARS) throw new EncodedTooLargeError(chars);
    const r = records[i];
    entities.add(r.entities, r.timeUnixNano > 0n ? r.timeUnixNano : r.observedTimeUnixNano);
  }
  return withEntities({ logs: toPayload(lines) }, entities);
}

/** Feedback records (ground truth) as the `feedback` table's payload; an empty list gives none. */
export function encodeFeedback(records: readonly FeedbackRecord[]): TablePayloads {
  const lines: string[] = new Array(records.length);
  let chars = 0;
  for (let i = 0; i < records.length; i++) {
    chars += (lines[i] = feedbackRow(records[i])).length;
    if (chars > MAX_ENCODED_CHARS) throw new EncodedTooLargeError(chars);
  }
  return lines.length ? { feedback: toPayload(lines) } : {};
}

function withEntities(payloads: TablePayloads, entities: EntityRowCollector): TablePayloads {
  const entityRows = entities.entityRows();
  const edgeRows = entities.edgeRows();
  if (entityRows.length) payloads.entities = toPayload(entityRows);
  if (edgeRows.length) payloads.entity_edges = toPayload(edgeRows);
  return payloads;
}

/** Lines, newline-terminated, UTF-8, written straight into one buffer (no joined string in between). */
function toPayload(lines: string[]): Buffer | undefined {
  if (lines.length === 0) return undefined;
  let chars = 0;
  for (const l of lines) chars += l.length;
  let buf = Buffer.allocUnsafe(chars + lines.length);
  let off = 0;
  for (const line of lines) {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8; grow when the worst case does not fit.
    if (off + line.length * 3 + 1 > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, off + line.length * 3 + 1));
      buf.copy(bigger, 0, 0, off);
      buf = bigger;
    }
    off += buf.write(line, off, 'utf8');
    buf[off++] = 10;
  }
  return buf.subarray(0, off);
}
