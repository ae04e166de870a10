import type { InsertFormat, QueryParams, Store, TableName } from './types.js';

/** A store that keeps inserted payloads in memory: for tests of everything above the store. */
export interface MemoryStore extends Store {
  /** JSON rows inserted per table, in insert order (deduplicated by token, as ClickHouse does). */
  rows(table: TableName): Record<string, unknown>[];
  /** Every insert attempted, with its token, including refused ones. */
  readonly attempts: { table: TableName; token: string; ok: boolean }[];
  /** Makes the next `n` inserts fail with `error`. */
  failNext(n: number, error?: Error): void;
  /** Delays every insert by `ms` (a slow store). */
  setDelay(ms: number): void;
}

export function createMemoryStore(): MemoryStore {
  const tables = new Map<TableName, Record<string, unknown>[]>();
  const tokens = new Set<string>();
  const attempts: { table: TableName; token: string; ok: boolean }[] = [];
  let failures = 0;
  let failure: Error = new Error('store unavailable');
  let delay = 0;
  return {
    kind: 'memory',
    attempts,
    async insert(table, payload, format: InsertFormat, token) {
      if (delay) await new Promise((r) => setTimeout(r, delay));
      if (failures > 0) {
        failures--;
        attempts.push({ table, token, ok: false });
        throw failure;
      }
      attempts.push({ table, token, ok: true });
      const key = `${table}\u0000${token}`;
      if (tokens.has(key)) return;
      tokens.add(key);
      const list = tables.get(table) ?? [];
      for (const line of Buffer.concat(payload).toString('utf8').split('\n')) {
        if (!line) continue;
        const row = JSON.parse(line);
        list.push(format.columns && Array.isArray(row) ? Object.fromEntries(format.columns.map((c, i) => [c, row[i]])) : row);
      }
      tables.set(table, list);
    },
    async query<T>(_sql: string, _params?: QueryParams): Promise<T[]> {
      throw new Error('the memory store answers no SQL');
    },
    async exec() {},
    async close() {},
    rows: (table) => tables.get(table) ?? [],
    failNext(n, error) {
      failures = n;
      if (error) failure = error;
    },
    setDelay(ms) {
      delay = ms;
    },
  };
}
