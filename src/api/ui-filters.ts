/**
 * Filters the web UI needs beyond docs/api.md, as SQL conditions to add to the span and metric
 * queries (traces.ts `spanFilters`, metrics.ts `queryMetrics`):
 * - `entity=<kind:key>` (repeatable, all must match): the record touches that entity
 *   (`replica:gpu-node-1:8000`, `gpu:GPU-…`); uses the `entities` column and its bloom filter;
 * - `monitor=<name>` (spans only): the span was flagged by that monitor (`monitor_results`).
 */
import type { QueryParams } from '../storage/types.js';
import { ApiError } from './http.js';

export const MAX_ENTITY_FILTERS = 8;

/** Appends `has(entities, …)` for each `entity` parameter to `where`, its values to `params`. */
export function entityFilters(q: URLSearchParams, where: string[], params: QueryParams): void {
  const ids = q.getAll('entity').filter((e) => e !== '');
  if (ids.length > MAX_ENTITY_FILTERS) throw new ApiError(400, `entity: at most ${MAX_ENTITY_FILTERS}`);
  ids.forEach((id, i) => {
    if (!/^[a-z_]+:./.test(id)) throw new ApiError(400, `entity: expected kind:key (e.g. replica:gpu-node-1:8000), got ${JSON.stringify(id)}`);
    params[`entity${i}`] = id;
    where.push(`has(entities, {entity${i}:String})`);
  });
}

/** Appends "flagged by `monitor`" to a spans query's `where` (a semi-join on monitor_results). */
export function monitorFlagFilter(q: URLSearchParams, db: string, where: string[], params: QueryParams): void {
  const monitor = q.get('monitor');
  if (monitor === null || monitor === '') return;
  params.flag_monitor = monitor;
  where.push(`(trace_id, span_id) IN (SELECT trace_id, span_id FROM ${db}.monitor_results WHERE monitor = {flag_monitor:String} AND flag)`);
}
