import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createChdbConnection } from 'chdb/connection';
import { afterAll, describe, expect, it } from 'vitest';
import { createChdbStore } from './chdb-store.js';
import { createClickHouseStore } from './clickhouse-store.js';
import { applyInsertFsync, applyRetention, migrate } from './migrate.js';
import { MIGRATIONS } from './schema.js';
import type { Store } from './types.js';
import { normalizeTraces } from '../processors/index.js';
import { SPAN_COLUMNS, spanRow } from './rows/spans.js';

/**
 * One contract, run against both stores. The ClickHouse-server store is exercised through
 * @clickhouse/client with chDB's connection in place of HTTP: the same client code, SQL and
 * parameter binding as against a server. (chDB allows one data directory per process, so both
 * share it, each with its own database.)
 */
const dir = mkdtempSync(join(tmpdir(), 'strata-store-'));
const stores: [string, string, Store][] = [
  ['chdb', 'contract_chdb', createChdbStore(dir, 'contract_chdb')],
  [
    'clickhouse client',
    'contract_client',
    createClickHouseStore({ url: 'http://localhost:8123', db: 'contract_client', client: { connection: createChdbConnection({ path: resolve(dir, 'chdb') }) as never } }),
  ],
];

afterAll(async () => {
  for (const [, , s] of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const JSON_ROWS = { format: 'JSONEachRow' } as const;
const entity = (key: string) => JSON.stringify({ kind: 'replica', key, first_seen: 1700000000000000000, last_seen: 1700000001000000000 });

describe.each(stores)('store contract: %s', (_name, db, store) => {
  it('migrates once, and a second run applies nothing', async () => {
    expect(await migrate(store, db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(store, db)).toEqual([]);
    const tables = await store.query<{ name: string }>('SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name', { db });
    expect(tables.map((t) => t.name)).toEqual(['calibration_maps', 'entities', 'entity_edges', 'feedback', 'logs', 'metric_points', 'monitor_results', 'probe_readings', 'schema_migrations', 'spans']);
  });

  it('upgrades a version-1 database: metric points stored before read back without a signal', async () => {
    const old = `${db}_v1`;
    expect(await migrate(store, old, MIGRATIONS.filter((m) => m.version === 1))).toEqual([1]);
    // (A store inserts into its own database only: SQL here.)
    await store.exec(`INSERT INTO ${old}.metric_points (name, type, service, time, value) VALUES ('DCGM_FI_DEV_GPU_UTIL', 'gauge', 'dcgm', now64(9), 87)`);
    expect(await migrate(store, old)).toEqual(MIGRATIONS.slice(1).map((m) => m.version));
    // Running version 2's statements again changes nothing (IF NOT EXISTS).
    await migrate(store, `${old}`, MIGRATIONS.map((m) => ({ ...m, version: m.version + 100 })));
    const rows = await store.query(`SELECT name, value, signal, signal_value, signal_labels FROM ${old}.metric_points`);
    expect(rows).toEqual([{ name: 'DCGM_FI_DEV_GPU_UTIL', value: 87, signal: '', signal_value: null, signal_labels: {} }]);
  });

  it('inserts span rows logged before the confidence columns existed (46 values), the rest defaulted', async () => {
    const [span] = normalizeTraces(
      {
        resourceSpans: [
          {
            resource: { attributes: { 'service.name': 'old' }, droppedAttributesCount: 0 },
            scopeSpans: [
              {
                scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 },
                spans: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceState: '', parentSpanId: '', flags: 0, name: 'old', kind: 1, startTimeUnixNano: 1_700_000_000_000_000_000n, endTimeUnixNano: 1_700_000_001_000_000_000n, attributes: {}, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' } }],
                schemaUrl: '',
              },
            ],
            schemaUrl: '',
          },
        ],
      },
      { content: true },
    );
    const oldRow = JSON.stringify((JSON.parse(spanRow(span)) as unknown[]).slice(0, SPAN_COLUMNS.indexOf('confidence')));
    await store.insert('spans', [Buffer.from(`${oldRow}\n`)], { format: 'JSONCompactEachRow', columns: SPAN_COLUMNS }, 'tok-old-span');
    const rows = await store.query<{ service: string; confidence: number | null; scores: Record<string, number> }>(`SELECT service, confidence, scores FROM ${db}.spans WHERE trace_id = '${'ab'.repeat(16)}'`);
    expect(rows).toEqual([{ service: 'old', confidence: null, scores: {} }]);
  });

  it('inserts JSONEachRow, and ignores a repeat of the same deduplication token', async () => {
    const payload = Buffer.from(`${entity('r-1')}\n${entity('r-2')}\n`);
    await store.insert('entities', [payload], JSON_ROWS, 'tok-1');
    await store.insert('entities', [payload], JSON_ROWS, 'tok-1');
    await store.insert('entities', [Buffer.from(`${entity('r-3')}\n`)], JSON_ROWS, 'tok-2');
    const rows = await store.query<{ id: string; n: number }>(`SELECT id, count() AS n FROM ${db}.entities GROUP BY id ORDER BY id`);
    expect(rows).toEqual([
      { id: 'replica:r-1', n: 1 },
      { id: 'replica:r-2', n: 1 },
      { id: 'replica:r-3', n: 1 },
    ]);
  });

  it('binds string, number and array parameters server-side', async () => {
    const rows = await store.query<{ id: string }>(
      `SELECT id FROM ${db}.entities WHERE key IN {keys:Array(String)} AND kind = {kind:String} AND toUnixTimestamp(first_seen) >= {t:UInt32} ORDER BY id`,
      { keys: ['r-1', 'r-3', "x' OR 1=1 --"], kind: 'replica', t: 1 },
    );
    expect(rows.map((r) => r.id)).toEqual(['replica:r-1', 'replica:r-3']);
  });

  it('rejects a malformed payload as a data error, leaving nothing half-written', async () => {
    const bad = Buffer.from(`${entity('r-9')}\n{"kind":"replica","key":"r-10","first_seen":"not a time"}\n`);
    const err = await store.insert('entities', [bad], JSON_ROWS, 'tok-bad').then(() => null, (e: unknown) => e as { clickhouseCode?: number; code?: string });
    expect(err).not.toBeNull();
    expect(Number(err!.clickhouseCode ?? err!.code)).toBeGreaterThan(0);
    const rows = await store.query(`SELECT id FROM ${db}.entities WHERE key IN ('r-9', 'r-10')`);
    expect(rows).toEqual([]);
  });

  it('turns fsync of inserted parts on and off', async () => {
    const q = async () =>
      (await store.query<{ q: string }>(`SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND name = 'logs'`, { db }))[0].q;
    await applyInsertFsync(store, db, true);
    expect(await q()).toMatch(/fsync_after_insert = 1, fsync_part_directory = 1/);
    await applyInsertFsync(store, db, false);
    expect(await q()).toMatch(/fsync_after_insert = 0, fsync_part_directory = 0/);
  });

  it('sets, changes and removes retention', async () => {
    const ttl = async () =>
      (await store.query<{ q: string }>(`SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND name = 'spans'`, { db }))[0].q;
    await applyRetention(store, db, 30);
    expect(await ttl()).toMatch(/TTL toDateTime\(start_time\) \+ toIntervalDay\(30\)/);
    await applyRetention(store, db, 7);
    expect(await ttl()).toMatch(/toIntervalDay\(7\)/);
    await applyRetention(store, db, 0);
    expect(await ttl()).not.toMatch(/TTL/);
  });
});
