import type { LogRecord } from '../model/log.js';
import type { MetricPoint } from '../model/metric.js';
import type { SpanRecord } from '../model/span.js';
import { EntityCollector } from '../storage/rows/entities.js';
import { logRow } from '../storage/rows/logs.js';
import { metricPointRow } from '../storage/rows/metrics.js';
import { spanRow } from '../storage/rows/spans.js';
import type { TableName } from '../storage/types.js';

/** Insert payloads (JSONEachRow) per table: the unit the WAL logs and the writer stores. */
export type TablePayloads = Partial<Record<TableName, Buffer>>;

/** Spans and the entities they touch, as insert payloads. */
export function encodeSpans(spans: readonly SpanRecord[]): TablePayloads {
  const entities = new EntityCollector();
  const lines: string[] = new Array(spans.length);
  for (let i = 0; i < spans.length; i++) {
    lines[i] = spanRow(spans[i]);
    entities.add(spans[i].entities, spans[i].startTimeUnixNano);
  }
  return withEntities({ spans: toPayload(lines) }, entities);
}

export function encodeMetricPoints(points: readonly MetricPoint[]): TablePayloads {
  const entities = new EntityCollector();
  const lines: string[] = new Array(points.length);
  for (let i = 0; i < points.length; i++) {
    lines[i] = metricPointRow(points[i]);
    entities.add(points[i].entities, points[i].timeUnixNano);
  }
  return withEntities({ metric_points: toPayload(lines) }, entities);
}

export function encodeLogs(records: readonly LogRecord[]): TablePayloads {
  const entities = new EntityCollector();
  const lines: string[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    lines[i] = logRow(records[i]);
    const r = records[i];
    entities.add(r.entities, r.timeUnixNano > 0n ? r.timeUnixNano : r.observedTimeUnixNano);
  }
  return withEntities({ logs: toPayload(lines) }, entities);
}

function withEntities(payloads: TablePayloads, entities: EntityCollector): TablePayloads {
  const entityRows = entities.entityRows();
  const edgeRows = entities.edgeRows();
  if (entityRows.length) payloads.entities = toPayload(entityRows);
  if (edgeRows.length) payloads.entity_edges = toPayload(edgeRows);
  return payloads;
}

function toPayload(lines: string[]): Buffer | undefined {
  return lines.length ? Buffer.from(lines.join('\n') + '\n', 'utf8') : undefined;
}
