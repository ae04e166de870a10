import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT_FORMATS } from '../pipeline/encode.js';
import { createChdbStore } from '../storage/chdb-store.js';
import { migrate } from '../storage/migrate.js';
import type { Store } from '../storage/types.js';
import { monitorRates, probeRates } from './behaviour.js';
import type { ApiRequest } from './http.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-behaviour-'));
let store: Store;
beforeAll(async () => {
  store = createChdbStore(dir, 'strata');
  await migrate(store, 'strata');
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = 1_767_268_800_000_000_000n;

function result(i: number, monitor: string, flag: boolean, metrics: Record<string, number>): string {
  return JSON.stringify({
    time: (T0 + BigInt(i) * 1_000_000_000n).toString(), trace_id: 'ab'.repeat(16), span_id: `${i}`.padStart(16, '0'), service: 'app', model: 'm',
    monitor, flag, score: flag ? 1 : 0, evidence: '[]', metrics, cost_tokens: 0, cost_ms: 1, hidden_reasoning: false, entities: [],
  });
}

function request(query: string): ApiRequest {
  return { method: 'GET', path: '/api/monitors', query: new URLSearchParams(query), params: {}, signal: new AbortController().signal, authorized: true };
}

describe('GET /api/monitors', () => {
  it('estimates each monitor’s flag rate with the sampled results weighted by 1 / inclusion probability', async () => {
    const rows = [
      result(1, 'llm_judge', true, { inclusion_probability: 0.5 }),
      result(2, 'llm_judge', false, { inclusion_probability: 0.25, allocation_risk: 0.1 }),
      result(3, 'llm_judge', false, { inclusion_probability: 1 }),
      result(4, 'llm_judge', true, { inclusion_probability: 1 }),
      result(1, 'reward_hacking', true, {}),
      result(2, 'reward_hacking', false, {}),
    ];
    await store.insert('monitor_results', [Buffer.from(`${rows.join('\n')}\n`)], INSERT_FORMATS.monitor_results, 'behaviour-test');
    const from = (T0 - 1_000_000_000n).toString();
    const to = (T0 + 60_000_000_000n).toString();
    const res = await monitorRates(store, 'strata')(request(`from=${from}&to=${to}`));
    const body = res.body as { monitors: { monitor: string; runs: number; flagRate: number; estimatedFlagRate: number; estimatedSpans: number }[] };
    const judge = body.monitors.find((m) => m.monitor === 'llm_judge')!;
    // Weights 2, 4, 1, 1: 3 of an estimated 8 spans flagged, where the plain rate says half.
    expect(judge).toMatchObject({ runs: 4, flagRate: 0.5, estimatedSpans: 8 });
    expect(judge.estimatedFlagRate).toBeCloseTo(3 / 8, 12);
    // Results without an inclusion probability (no budget) count once: the estimate is the flag rate.
    expect(body.monitors.find((m) => m.monitor === 'reward_hacking')).toMatchObject({ runs: 2, flagRate: 0.5, estimatedFlagRate: 0.5, estimatedSpans: 2 });
  });

  it('stores a budgeted probe reading’s inclusion probability, and null for the others', async () => {
    const reading = (i: number, alarm: boolean, pi?: number) =>
      JSON.stringify({
        time: (T0 + BigInt(i)).toString(), trace_id: 'ab'.repeat(16), span_id: `${i}`.padStart(16, '0'), service: 'engine', model: 'm', probe: 'lie', layer: 2,
        score: alarm ? 0.7 : 0.2, threshold: 0.5, label: '', propositions: '', alarm, source: 'linear', agreement: null, entities: [],
        ...(pi === undefined ? {} : { inclusion_probability: pi }),
      });
    await store.insert('probe_readings', [Buffer.from(`${reading(1, true, 0.125)}\n${reading(2, false)}\n`)], INSERT_FORMATS.probe_readings, 'probe-test');
    const rows = await store.query<{ span_id: string; inclusion_probability: number | null }>(`SELECT span_id, inclusion_probability FROM strata.probe_readings ORDER BY span_id`);
    expect(rows.map((r) => [r.span_id.slice(-1), r.inclusion_probability])).toEqual([['1', 0.125], ['2', null]]);
    // The alarm was sampled at 1/8 and weighs 8; the quiet reading weighs 1: 8 of an estimated 9 readings alarm.
    const res = await probeRates(store, 'strata')(request(`from=${(T0 - 1n).toString()}&to=${(T0 + 10n).toString()}`));
    const [lie] = (res.body as { probes: { probe: string; readings: number; alarmRate: number; estimatedAlarmRate: number }[] }).probes;
    expect(lie).toMatchObject({ probe: 'lie', readings: 2, alarmRate: 0.5 });
    expect(lie.estimatedAlarmRate).toBeCloseTo(8 / 9, 12);
  });
});
