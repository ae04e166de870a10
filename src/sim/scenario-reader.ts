/**
 * Reading one mapping of a scenario document with the path its errors name (`faults[2].start`): typed
 * getters with defaults, range checks, durations, and unknown keys refused. scenario.ts walks the
 * document with it.
 */
import { parseDurationMs } from '../duration.js';

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    /** The file or label the scenario came from. */
    readonly source: string,
    /** The field at fault, e.g. `faults[2].start`; '' for the whole document. */
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${source}: ${path === '' ? '' : `${path}: `}${detail}`);
  }
}

type Raw = Record<string, unknown>;

/** A value quoted for an error message, shortened. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = v instanceof Date ? JSON.stringify(v.toISOString()) : (JSON.stringify(v) ?? String(v));
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Reads one mapping of the document, with the path its errors name. */
export class Reader {
  constructor(
    readonly source: string,
    readonly raw: Raw,
    readonly path: string,
  ) {}

  static of(source: string, v: unknown, path: string, what: string, known: readonly string[]): Reader {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) throw new ScenarioError(source, path, `expected a mapping ${what}, got ${show(v)}`);
    const r = new Reader(source, v as Raw, path);
    for (const k of Object.keys(v)) if (!known.includes(k)) r.fail(k, `unknown key (known: ${known.join(', ')})`);
    return r;
  }

  at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  fail(key: string, detail: string): never {
    throw new ScenarioError(this.source, this.at(key), detail);
  }

  failAt(path: string, detail: string): never {
    throw new ScenarioError(this.source, path, detail);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  child(key: string, what: string, known: readonly string[]): Reader {
    return Reader.of(this.source, this.raw[key], this.at(key), what, known);
  }

  string(key: string, fallback?: string): string {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      this.fail(key, 'required (a non-empty string)');
    }
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string' || v.trim() === '') this.fail(key, `expected a non-empty string, got ${show(v)}`);
    return v.trim();
  }

  number(key: string, opts: { min?: number; max?: number; above?: number; integer?: boolean; fallback?: number; what?: string }): number {
    const v = this.raw[key];
    const what = opts.what ?? describeRange(opts);
    if (v === undefined || v === null) {
      if (opts.fallback !== undefined) return opts.fallback;
      this.fail(key, `required (${what})`);
    }
    const n = typeof v === 'number' ? v : NaN;
    const ok =
      Number.isFinite(n) &&
      (opts.min === undefined || n >= opts.min) &&
      (opts.max === undefined || n <= opts.max) &&
      (opts.above === undefined || n > opts.above) &&
      (!opts.integer || Number.isInteger(n));
    if (!ok) this.fail(key, `expected ${what}, got ${show(v)}`);
    return n;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') this.fail(key, `expected true or false, got ${show(v)}`);
    return v;
  }

  /** A duration (`90s`, `5m`, `1h`); `zero` allows 0 (an offset from the start). */
  duration(key: string, fallback?: number, zero = false): number {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      this.fail(key, 'required (a duration such as 5m, 90s or 1h)');
    }
    return durationValue(v, zero, (detail) => this.fail(key, detail));
  }

  list(key: string, what: string, required: boolean): unknown[] {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (required) this.fail(key, `required (a list of ${what})`);
      return [];
    }
    if (!Array.isArray(v)) this.fail(key, `expected a list of ${what}, got ${show(v)}`);
    return v;
  }
}

function describeRange(o: { min?: number; max?: number; above?: number; integer?: boolean }): string {
  const kind = o.integer ? 'an integer' : 'a number';
  if (o.above !== undefined && o.max !== undefined) return `${kind} in (${o.above}, ${o.max}]`;
  if (o.min !== undefined && o.max !== undefined) return `${kind} in [${o.min}, ${o.max}]`;
  if (o.above !== undefined) return `${kind} above ${o.above}`;
  if (o.min !== undefined) return `${kind} ≥ ${o.min}`;
  return kind;
}

function durationValue(v: unknown, zero: boolean, fail: (detail: string) => never): number {
  const expected = `a duration such as 5m, 90s or 1h`;
  if (zero && (v === 0 || (typeof v === 'string' && /^\s*0+(?:\.0+)?\s*(?:ms|s|m|h)?\s*$/.test(v)))) return 0;
  if (typeof v === 'number') return fail(`expected ${expected}, got ${v} (a bare number: write ${v}s or ${v}m)`);
  return parseDurationMs(v, () => fail(`expected ${expected}, got ${show(v)}`));
}

/** A duration as a scenario writes it: `5m`, `90s`, `500ms`. */
export function fmtDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
