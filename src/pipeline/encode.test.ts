import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeLogs, normalizeMetrics, normalizeTraces } from '../processors/index.js';
import { decodeLogsJson, decodeMetricsJson, decodeTraceJson } from '../receivers/otlp/decode-json.js';
import { createChdbStore } from '../storage/chdb-store.js';
import { migrate } from '../storage/migrate.js';
import type { Store, TableName } from '../storage/types.js';
import { encodeLogs, encodeMetricPoints, encodeSpans, INSERT_FORMATS, type TablePayloads } from './encode.js';

/** Odd but decodable values must become rows the store accepts, never a refused (dead-lettered) batch. */
const dir = mkdtempSync(join(tmpdir(), 'strata-encode-'));
let store: Store;
beforeAll(async () => {
  store = createChdbStore(dir, 'strata');
  await migrate(store, 'strata');
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function insert(payloads: TablePayloads, token: string): Promise<void> {
  for (const [table, buf] of Object.entries(payloads)) {
    if (buf) await store.insert(table as TableName, [buf], INSERT_FORMATS[table as TableName], `${token}:${table}`);
  }
}

const T = 'ab'.repeat(16);
const span = (spanId: string, extra: Record<string, unknown>) => ({
  traceId: T,
  spanId,
  startTimeUnixNano: '1700000000000000000',
  endTimeUnixNano: '1700000001000000000',
  ...extra,
});
const attr = (key: string, value: Record<string, unknown>) => ({ key, value });

describe('row encoding of odd values', () => {
  it('stores spans with lone surrogates, fractional or huge token counts and out-of-range kinds', async () => {
    const req = decodeTraceJson(
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [attr('service.name', { stringValue: 'svc\ud800' })] },
            scopeSpans: [
              {
                scope: { name: 's' },
                spans: [
                  span('0000000000000001', { name: 'bad\ud800name', kind: 300, attributes: [attr('gen_ai.usage.input_tokens', { doubleValue: 1.5 }), attr('k\udc00', { stringValue: 'v\ud800' })] }),
                  span('0000000000000002', { name: 'huge', kind: 3, attributes: [attr('gen_ai.usage.input_tokens', { intValue: '9223372036854775807' }), attr('gen_ai.usage.output_tokens', { doubleValue: 1e30 }), attr('gen_ai.request.max_tokens', { stringValue: '1e25' })] }),
                ],
              },
            ],
          },
        ],
      }),
    );
    await insert(encodeSpans(normalizeTraces(req)), 'odd-spans');
    const rows = await store.query<{ span_id: string; name: string; kind: number; service: string; input_tokens: number | null; output_tokens: number | null; max_tokens: number | null; attributes: string }>(
      `SELECT span_id, name, kind, service, input_tokens, output_tokens, max_tokens, attributes FROM strata.spans WHERE trace_id = {t:String} ORDER BY span_id`,
      { t: T },
    );
    expect(rows.map((r) => [r.span_id, r.name, r.kind, r.service, r.input_tokens, r.output_tokens, r.max_tokens])).toEqual([
      ['0000000000000001', 'bad\ufffdname', 0, 'svc\ufffd', null, null, null],
      ['0000000000000002', 'huge', 3, 'svc\ufffd', null, null, null],
    ]);
    // attribute JSON keeps what was sent, lone surrogates included
    expect(JSON.parse(rows[0].attributes)).toEqual({ 'gen_ai.usage.input_tokens': 1.5, 'k\udc00': 'v\ud800' });
  });

  it('stores logs with an out-of-range severity', async () => {
    const req = decodeLogsJson(
      JSON.stringify({
        resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ scope: {}, logRecords: [{ timeUnixNano: '1700000000000000000', severityNumber: -5, severityText: 'odd\ud800', body: { stringValue: 'b' } }] }] }],
      }),
    );
    await insert(encodeLogs(normalizeLogs(req)), 'odd-logs');
    const rows = await store.query<{ severity_number: number; severity_text: string }>(`SELECT severity_number, severity_text FROM strata.logs`);
    expect(rows).toEqual([{ severity_number: 0, severity_text: 'odd\ufffd' }]);
  });

  it('stores metric points with their canonical signal, and none for unknown names', async () => {
    const gauge = (name: string, value: Record<string, unknown>, attributes: unknown[] = []) => ({
      name,
      gauge: { dataPoints: [{ timeUnixNano: '1700000000000000000', attributes, ...value }] },
    });
    const req = decodeMetricsJson(
      JSON.stringify({
        resourceMetrics: [
          {
            resource: { attributes: [attr('service.name', { stringValue: 'signals' })] },
            scopeMetrics: [
              {
                metrics: [
                  gauge('DCGM_FI_DEV_GPU_UTIL', { asInt: '87' }, [attr('UUID', { stringValue: 'GPU-1' })]),
                  gauge('DCGM_FI_DEV_CLOCKS_EVENT_REASONS', { asInt: '72' }),
                  gauge('DCGM_FI_DEV_XID_ERRORS', { asDouble: 'NaN' }),
                  gauge('my.gauge', { asDouble: 1 }),
                ],
              },
            ],
          },
        ],
      }),
    );
    await insert(encodeMetricPoints(normalizeMetrics(req)), 'signals');
    const rows = await store.query<Record<string, unknown>>(
      `SELECT name, value, signal, signal_value, signal_labels FROM strata.metric_points WHERE service = 'signals' ORDER BY name`,
    );
    expect(rows).toEqual([
      { name: 'DCGM_FI_DEV_CLOCKS_EVENT_REASONS', value: 72, signal: 'gpu.throttle.reasons', signal_value: 72, signal_labels: { reasons: 'hw_slowdown,hw_thermal' } },
      { name: 'DCGM_FI_DEV_GPU_UTIL', value: 87, signal: 'gpu.utilization', signal_value: 0.87, signal_labels: {} },
      { name: 'DCGM_FI_DEV_XID_ERRORS', value: 'nan', signal: 'gpu.xid', signal_value: 'nan', signal_labels: {} },
      { name: 'my.gauge', value: 1, signal: '', signal_value: null, signal_labels: {} },
    ]);
  });
});
