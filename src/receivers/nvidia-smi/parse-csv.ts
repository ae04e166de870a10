/**
 * nvidia-smi's `--format=csv,noheader,nounits` rows to readings: one per GPU, its identity and the
 * numeric fields it reported. Values nvidia-smi could not read (`[N/A]`, `[Not Supported]`, `N/A`,
 * any other `[…]` such as `[Unknown Error]`, or nothing) are absent, not zero.
 */
import { parseThrottleMask } from '../../processors/metric-signals/index.js';
import { LEGACY_THROTTLE_FIELD, THROTTLE_FIELD } from './query.js';

/** One GPU's row. */
export interface GpuReading {
  readonly index: number;
  readonly uuid: string;
  readonly name: string;
  /** Numeric fields that had a value, by field name (query order). */
  readonly values: ReadonlyMap<string, number>;
}

/** Output that is not the CSV asked for: the poll counts as failed. */
export class NvidiaSmiOutputError extends Error {
  override readonly name = 'NvidiaSmiOutputError';
}

const UNAVAILABLE = new Set(['', 'N/A', 'n/a', 'Not Supported']);

/** True for a value nvidia-smi prints when it has none. */
function unavailable(raw: string): boolean {
  return UNAVAILABLE.has(raw) || (raw.startsWith('[') && raw.endsWith(']'));
}

/** A field's number: the throttle bitmask as hex (`0x…48`) or decimal, anything else as a decimal. */
function numberOf(field: string, raw: string, line: number): number {
  if (field === THROTTLE_FIELD || field === LEGACY_THROTTLE_FIELD) {
    const mask = parseThrottleMask(raw);
    if (mask === null) throw new NvidiaSmiOutputError(`line ${line}: ${field} is not a bitmask: ${JSON.stringify(raw)}`);
    // Exact up to 2^53; NVML's defined bits are the lowest nine.
    return Number(mask);
  }
  const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n)) throw new NvidiaSmiOutputError(`line ${line}: ${field} is not a number: ${JSON.stringify(raw)}`);
  return n;
}

/**
 * Splits a row into `fields.length` columns. nvidia-smi does not quote, so a GPU name holding a
 * comma yields extra columns: they are given back to the `name` column.
 */
function columns(text: string, fields: readonly string[], line: number): string[] {
  const cols = text.split(',');
  const extra = cols.length - fields.length;
  const nameAt = fields.indexOf('name');
  if (extra > 0 && nameAt >= 0) cols.splice(nameAt, extra + 1, cols.slice(nameAt, nameAt + extra + 1).join(','));
  if (cols.length !== fields.length) {
    throw new NvidiaSmiOutputError(`line ${line}: ${cols.length} columns where ${fields.length} were queried (${fields.join(',')})`);
  }
  return cols.map((c) => c.trim());
}

/**
 * Parses the output of `nvidia-smi --query-gpu=<fields> --format=csv,noheader,nounits`. `fields`
 * must include `index`, `uuid` and `name`; every other field is numeric. Blank lines are skipped;
 * no line at all is no GPU.
 * @throws NvidiaSmiOutputError on a row that does not fit the query (column count, a GPU without
 *   index or UUID, a value that is neither a number nor a "no value" marker).
 * @example
 * parseQueryCsv('0, GPU-a, NVIDIA A100, 34, [N/A]\n', ['index', 'uuid', 'name', 'temperature.gpu', 'power.draw'])
 * // [{ index: 0, uuid: 'GPU-a', name: 'NVIDIA A100', values: Map { 'temperature.gpu' => 34 } }]
 */
export function parseQueryCsv(output: string, fields: readonly string[]): GpuReading[] {
  const indexAt = fields.indexOf('index');
  const uuidAt = fields.indexOf('uuid');
  const nameAt = fields.indexOf('name');
  if (indexAt < 0 || uuidAt < 0 || nameAt < 0) throw new Error('parseQueryCsv: fields must include index, uuid and name');
  const out: GpuReading[] = [];
  const lines = output.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const line = i + 1;
    const cols = columns(lines[i], fields, line);
    const index = /^\d+$/.test(cols[indexAt]) ? Number(cols[indexAt]) : Number.NaN;
    if (!Number.isSafeInteger(index)) throw new NvidiaSmiOutputError(`line ${line}: index is not a GPU index: ${JSON.stringify(cols[indexAt])}`);
    const uuid = cols[uuidAt];
    if (unavailable(uuid)) throw new NvidiaSmiOutputError(`line ${line}: GPU ${index} has no UUID`);
    const values = new Map<string, number>();
    for (let f = 0; f < fields.length; f++) {
      if (f === indexAt || f === uuidAt || f === nameAt || unavailable(cols[f])) continue;
      values.set(fields[f], numberOf(fields[f], cols[f], line));
    }
    out.push({ index, uuid, name: unavailable(cols[nameAt]) ? '' : cols[nameAt], values });
  }
  return out;
}
