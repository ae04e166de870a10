import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Session } from 'chdb';
import { INSERT_SETTINGS, type InsertFormat, type QueryParams, type Store, type TableName } from './types.js';

/** Engine arguments fixed at connect: synchronous load so the schema is ready at once; numbers as JSON numbers. */
const CONNECTION_ARGS = [
  '--async_load_databases=0',
  '--async_load_system_database=0',
  '--output_format_json_quote_64bit_integers=0',
  '--output_format_json_quote_denormals=1',
];

/**
 * Embedded ClickHouse (chDB), persistent under `dataDir`. One per process: libchdb binds a single
 * data directory per process.
 */
export function createChdbStore(dataDir: string, db: string): Store {
  const path = resolve(dataDir, 'chdb');
  mkdirSync(path, { recursive: true });
  const session = new Session(path, { connectionArgs: CONNECTION_ARGS });
  let closed = false;

  return {
    kind: 'chdb',
    async insert(table: TableName, payload: Buffer, format: InsertFormat, dedupToken: string): Promise<void> {
      await session.insert({
        table: `${db}.${table}`,
        values: payload,
        format: format.format,
        columns: format.columns,
        settings: { ...INSERT_SETTINGS, insert_deduplication_token: dedupToken },
      });
    },
    async query<T>(sql: string, params?: QueryParams, signal?: AbortSignal): Promise<T[]> {
      const result = params
        ? await session.queryBindAsync(sql, params, { format: 'JSONEachRow', signal })
        : await session.queryAsync(sql, { format: 'JSONEachRow', signal });
      return parseJsonEachRow<T>(result.text());
    },
    async exec(sql: string): Promise<void> {
      await session.queryAsync(sql, { format: 'TSV' });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      session.close();
    },
  };
}

export function parseJsonEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) rows.push(JSON.parse(text.slice(start, end)) as T);
    start = end + 1;
  }
  return rows;
}
