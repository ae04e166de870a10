import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { INSERT_SETTINGS, type InsertFormat, type QueryParams, type Store, type TableName } from './types.js';

export interface ClickHouseStoreOptions {
  /** e.g. http://user:pass@clickhouse:8123 */
  readonly url: string;
  readonly db: string;
  /** Overrides for the client (tests inject a connection here). */
  readonly client?: Partial<ClickHouseClientConfigOptions>;
}

/** A ClickHouse server or cluster through @clickhouse/client: same schema and SQL as the embedded store. */
export function createClickHouseStore(options: ClickHouseStoreOptions): Store {
  const client: ClickHouseClient = createClient({
    url: options.url,
    clickhouse_settings: {
      output_format_json_quote_64bit_integers: 0,
      output_format_json_quote_denormals: 1,
    },
    ...options.client,
  });
  let closed = false;
  const { db } = options;

  return {
    kind: 'clickhouse',
    async insert(table: TableName, payload: readonly Buffer[], format: InsertFormat, dedupToken: string): Promise<void> {
      const columns = format.columns ? ` (${format.columns.join(', ')})` : '';
      const result = await client.exec({
        query: `INSERT INTO ${db}.${table}${columns} FORMAT ${format.format}`,
        values: Readable.from(payload),
        clickhouse_settings: { ...INSERT_SETTINGS, insert_deduplication_token: dedupToken },
      });
      for await (const _ of result.stream) void _;
    },
    async query<T>(sql: string, params?: QueryParams, signal?: AbortSignal): Promise<T[]> {
      const result = await client.query({
        query: sql,
        query_params: params,
        format: 'JSONEachRow',
        abort_signal: signal,
      });
      return result.json<T>();
    },
    async exec(sql: string): Promise<void> {
      await client.command({ query: sql });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}
