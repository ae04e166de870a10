/**
 * Layers 1 and 3 in the query API:
 * - GET /api/monitors?from=&to=&model=&monitor=: per monitor and model, runs, flags, flag rate, mean
 *   score and the judge's token cost over the range (default the last 24 h), and the flag rate estimated
 *   for all the spans the monitor could have read: results sampled under a budget weigh 1 / their
 *   `inclusion_probability` (Hájek, docs/monitors-budget.md); unsampled monitors give their flag rate;
 * - GET /api/monitors/results?trace_id=: every monitor result of a trace, with its evidence spans;
 * - GET /api/probes?from=&to=&model=&probe=: per probe and model, readings, alarms, alarm rate, mean
 *   score, for `consistency` the mean Jaccard agreement, and the alarm rate estimated the same way as
 *   the monitors' (linear probes under a budget store each reading's inclusion probability).
 */
import type { QueryParams, Store } from '../storage/types.js';
import { ApiError, ok, type ApiRequest, type ApiResponse } from './http.js';
import { parseTime } from './params.js';

const DAY_NS = 86_400_000_000_000n;

function range(req: ApiRequest): { from: bigint; to: bigint } {
  const now = BigInt(Date.now()) * 1_000_000n;
  const toRaw = req.query.get('to');
  const fromRaw = req.query.get('from');
  const to = toRaw ? parseTime('to', toRaw) : now;
  const from = fromRaw ? parseTime('from', fromRaw) : to - DAY_NS;
  if (from > to) throw new ApiError(400, 'from: must not be after to');
  return { from, to };
}

function filters(req: ApiRequest, keys: readonly string[], params: QueryParams): string {
  const where = ['time >= fromUnixTimestamp64Nano({from:Int64})', 'time <= fromUnixTimestamp64Nano({to:Int64})'];
  for (const k of keys) {
    const v = req.query.get(k);
    if (v !== null && v !== '') {
      params[k] = v;
      where.push(`${k} = {${k}:String}`);
    }
  }
  return where.join(' AND ');
}

export function monitorRates(store: Store, db: string) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const { from, to } = range(req);
    const params: QueryParams = { from: from.toString(), to: to.toString() };
    const rows = await store.query<{ monitor: string; model: string; runs: string; flags: string; mean_score: number; tokens: string; hidden: string; weight: number; weighted_flags: number }>(
      `SELECT monitor, model, count() AS runs, countIf(flag) AS flags, avg(score) AS mean_score, sum(cost_tokens) AS tokens, countIf(hidden_reasoning) AS hidden,
         sum(1 / ip) AS weight, sumIf(1 / ip, flag) AS weighted_flags
       FROM (SELECT *, if(metrics['inclusion_probability'] > 0 AND metrics['inclusion_probability'] <= 1, metrics['inclusion_probability'], 1) AS ip
             FROM ${db}.monitor_results WHERE ${filters(req, ['model', 'monitor'], params)})
       GROUP BY monitor, model ORDER BY monitor, model`,
      params,
      req.signal,
    );
    return ok({
      from: from.toString(),
      to: to.toString(),
      monitors: rows.map((r) => ({
        monitor: r.monitor,
        model: r.model,
        runs: Number(r.runs),
        flags: Number(r.flags),
        flagRate: Number(r.runs) > 0 ? Number(r.flags) / Number(r.runs) : 0,
        meanScore: r.mean_score,
        costTokens: Number(r.tokens),
        hiddenReasoning: Number(r.hidden),
        estimatedFlagRate: Number(r.weight) > 0 ? Number(r.weighted_flags) / Number(r.weight) : 0,
        estimatedSpans: Number(r.weight),
      })),
    });
  };
}

export function monitorResults(store: Store, db: string) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const traceId = req.query.get('trace_id') ?? '';
    if (!/^[0-9a-f]{32}$/.test(traceId)) throw new ApiError(400, 'trace_id: required, 32 lowercase hex characters');
    const rows = await store.query<{ span_id: string; monitor: string; flag: boolean; score: number; evidence: string; metrics: Record<string, number>; cost_tokens: number; cost_ms: number }>(
      `SELECT span_id, monitor, flag, score, evidence, metrics, cost_tokens, cost_ms FROM ${db}.monitor_results
       WHERE trace_id = {t:String} ORDER BY span_id, monitor LIMIT 10000`,
      { t: traceId },
      req.signal,
    );
    return ok({
      traceId,
      results: rows.map((r) => ({ spanId: r.span_id, monitor: r.monitor, flag: r.flag, score: r.score, evidence: JSON.parse(r.evidence || '[]') as unknown, metrics: r.metrics, cost: { tokens: r.cost_tokens, ms: r.cost_ms } })),
    });
  };
}

export function probeRates(store: Store, db: string) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const { from, to } = range(req);
    const params: QueryParams = { from: from.toString(), to: to.toString() };
    const rows = await store.query<{ probe: string; model: string; readings: string; alarms: string; mean_score: number | null; mean_agreement: number | null; weight: number; weighted_alarms: number }>(
      `SELECT probe, model, count() AS readings, countIf(alarm) AS alarms, avg(score) AS mean_score, avgIf(agreement, agreement IS NOT NULL) AS mean_agreement,
         sum(1 / ip) AS weight, sumIf(1 / ip, alarm) AS weighted_alarms
       FROM (SELECT *, if(inclusion_probability > 0 AND inclusion_probability <= 1, assumeNotNull(inclusion_probability), 1) AS ip
             FROM ${db}.probe_readings WHERE ${filters(req, ['model', 'probe'], params)})
       GROUP BY probe, model ORDER BY probe, model`,
      params,
      req.signal,
    );
    return ok({
      from: from.toString(),
      to: to.toString(),
      probes: rows.map((r) => ({
        probe: r.probe,
        model: r.model,
        readings: Number(r.readings),
        alarms: Number(r.alarms),
        alarmRate: Number(r.readings) > 0 ? Number(r.alarms) / Number(r.readings) : 0,
        meanScore: r.mean_score,
        meanAgreement: Number.isFinite(r.mean_agreement as number) ? r.mean_agreement : null,
        estimatedAlarmRate: Number(r.weight) > 0 ? Number(r.weighted_alarms) / Number(r.weight) : 0,
      })),
    });
  };
}
