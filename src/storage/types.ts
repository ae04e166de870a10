/**
 * The storage seam. Everything above it speaks ClickHouse SQL; the two implementations
 * (embedded chDB and a ClickHouse server) differ only in transport.
 */

/** Tables the ingest path writes to. */
export type TableName = 'spans' | 'metric_points' | 'logs' | 'entities' | 'entity_edges' | 'feedback' | 'calibration_maps' | 'monitor_results' | 'probe_readings';

export const TABLES: readonly TableName[] = ['spans', 'metric_points', 'logs', 'entities', 'entity_edges', 'feedback', 'calibration_maps', 'monitor_results', 'probe_readings'];

/**
 * How each table's insert payload is written: JSONEachRow (self-describing), or JSONCompactEachRow
 * with the column list (no key names in every row: a third less to build and parse for spans).
 */
export interface InsertFormat {
  readonly format: 'JSONEachRow' | 'JSONCompactEachRow';
  readonly columns?: readonly string[];
}

/** Query parameters, bound server-side to the `{name:Type}` markers in the SQL. */
export type QueryParams = Record<string, string | number | boolean | readonly string[] | readonly number[]>;

export interface Store {
  /** Human-readable kind, for health and logs ('chdb' or 'clickhouse'). */
  readonly kind: string;
  /**
   * Inserts a payload of rows in `format` into `table`, given as chunks of whole lines (written in
   * order, never concatenated in memory). Idempotent for a given `dedupToken`:
   * a second insert with the same token into the same table is ignored (used by WAL replay).
   * Rejects when the store refuses the data; nothing is partially visible on rejection.
   */
  insert(table: TableName, payload: readonly Buffer[], format: InsertFormat, dedupToken: string): Promise<void>;
  /** Runs a read query with bound parameters, returning JSON rows. */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams, signal?: AbortSignal): Promise<T[]>;
  /** Runs a statement (DDL) with no result. */
  exec(sql: string): Promise<void>;
  /** Releases the store. Idempotent. */
  close(): Promise<void>;
}

/** Settings every insert uses: objects and arrays in JSON land in String columns as their raw text. */
export const INSERT_SETTINGS = {
  input_format_json_read_objects_as_strings: 1,
  input_format_json_read_arrays_as_strings: 1,
  date_time_input_format: 'best_effort',
  // Span rows logged in the WAL before a migration added columns have fewer values than today's
  // column list: the missing trailing columns take their defaults instead of failing the insert.
  input_format_json_compact_allow_variable_number_of_columns: 1,
} as const;
