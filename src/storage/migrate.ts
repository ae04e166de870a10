import { MIGRATIONS, RETENTION_COLUMNS, type Migration } from './schema.js';
import type { Store } from './types.js';

/** Name of the table that records applied migrations. */
const MIGRATIONS_TABLE = 'schema_migrations';

/**
 * Brings the database to the newest schema version. Safe to run at every start and
 * from several processes in turn: each migration's statements are idempotent (IF NOT EXISTS)
 * and applied versions are recorded.
 * @returns the versions applied by this call.
 */
export async function migrate(store: Store, db: string, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  await store.exec(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(db)}`);
  await store.exec(
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(db)}.${MIGRATIONS_TABLE} (version UInt32, description String, applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY version`,
  );
  const rows = await store.query<{ version: number }>(`SELECT version FROM ${quoteIdent(db)}.${MIGRATIONS_TABLE}`);
  const applied = new Set(rows.map((r) => Number(r.version)));
  const done: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    for (const statement of m.statements) await store.exec(statement.replaceAll('{db}', quoteIdent(db)));
    await store.exec(
      `INSERT INTO ${quoteIdent(db)}.${MIGRATIONS_TABLE} (version, description) VALUES (${m.version}, ${quoteString(m.description)})`,
    );
    done.push(m.version);
  }
  return done;
}

/**
 * Sets each data table's TTL to `days` (0 = keep forever). Only tables whose TTL differs are altered,
 * and existing parts are not rewritten at once (the TTL applies as parts merge).
 */
export async function applyRetention(store: Store, db: string, days: number): Promise<void> {
  for (const [table, column] of Object.entries(RETENTION_COLUMNS)) {
    const [row] = await store.query<{ q: string }>(
      `SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND name = {table:String}`,
      { db, table },
    );
    if (!row) continue;
    const current = /TTL\s+toDateTime\(\w+\)\s*\+\s*toIntervalDay\((\d+)\)/.exec(row.q);
    const currentDays = current ? Number(current[1]) : 0;
    if (currentDays === days) continue;
    const target = `${quoteIdent(db)}.${table}`;
    if (days === 0) await store.exec(`ALTER TABLE ${target} REMOVE TTL`);
    else
      await store.exec(
        `ALTER TABLE ${target} MODIFY TTL toDateTime(${column}) + toIntervalDay(${days}) SETTINGS materialize_ttl_after_modify = 0`,
      );
  }
}

export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid identifier: ${JSON.stringify(name)}`);
  return name;
}

export function quoteString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/**
 * Whether MergeTree fsyncs each inserted part (and its directory). Under `ingest.fsync: always` the WAL
 * behind a batch is deleted once the store has it, so the store must then have it on disk too.
 */
export async function applyInsertFsync(store: Store, db: string, on: boolean): Promise<void> {
  const v = on ? 1 : 0;
  for (const table of ['spans', 'metric_points', 'logs', 'entities', 'entity_edges']) {
    await store.exec(`ALTER TABLE ${quoteIdent(db)}.${table} MODIFY SETTING fsync_after_insert = ${v}, fsync_part_directory = ${v}`);
  }
}
