import { ApiError } from './http.js';

/**
 * Parses a time given as RFC 3339, unix seconds, milliseconds or nanoseconds (by magnitude),
 * or relative to now as `-15m`, `-2h`, `-7d`. Returns unix nanoseconds.
 */
export function parseTime(name: string, raw: string, now = Date.now()): bigint {
  const s = raw.trim();
  const rel = /^-(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(s);
  if (rel) {
    const ms = Math.round(now - Number(rel[1]) * UNIT_MS[rel[2]]);
    if (!Number.isSafeInteger(ms) || ms < 0) throw new ApiError(400, `${name}: ${JSON.stringify(raw)} reaches before 1970`);
    return BigInt(ms) * 1_000_000n;
  }
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    if (n < 1e11) return BigInt(Math.round(n * 1000)) * 1_000_000n; // seconds
    if (n < 1e14) return BigInt(Math.round(n)) * 1_000_000n; // milliseconds
    if (n < 1e17) return BigInt(Math.round(n)) * 1000n; // microseconds
    const ns = BigInt(s.split('.')[0]); // nanoseconds
    if (ns > 9_223_372_036_854_775_807n) throw new ApiError(400, `${name}: ${JSON.stringify(raw)} is past the year 2262`);
    return ns;
  }
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new ApiError(400, `${name}: expected RFC 3339, a unix timestamp or a relative time like -1h, got ${JSON.stringify(raw)}`);
  const frac = /\.(\d+)/.exec(s)?.[1] ?? '';
  const subMs = frac.length > 3 ? BigInt(frac.slice(3, 9).padEnd(6, '0')) : 0n;
  return BigInt(ms) * 1_000_000n + subMs;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration like `250ms`, `1.5s`, `2m`, or a bare number of milliseconds. Returns nanoseconds. */
export function parseDuration(name: string, raw: string): bigint {
  const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)?$/.exec(raw.trim());
  if (!m) throw new ApiError(400, `${name}: expected a duration like 250ms, 2s or 1m, got ${JSON.stringify(raw)}`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const ns: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 };
  return BigInt(Math.round(n * ns[unit]));
}

export function parseLimit(raw: string | null, fallback: number, max: number): number {
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ApiError(400, `limit: expected an integer from 1 to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

/** Query parameters with a prefix, e.g. `attr.gen_ai.request.model=x` -> {gen_ai.request.model: x}. */
export function prefixed(query: URLSearchParams, prefix: string): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of query) if (k.startsWith(prefix) && k.length > prefix.length) out.push([k.slice(prefix.length), v]);
  return out;
}

/** Opaque pagination cursor. */
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** A cursor this API returned: [nanosecond time as a decimal string, key]. */
export function decodeCursor(raw: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && /^\d{1,19}$/.test(String(v[0])) && typeof v[1] === 'string') return [String(v[0]), v[1]];
  } catch {
    // fall through
  }
  throw new ApiError(400, 'cursor: not a cursor this API returned');
}

/** Nanoseconds since the epoch -> RFC 3339 with nanoseconds. */
export function isoNanos(ns: bigint | string | number): string {
  const n = BigInt(ns);
  const ms = n / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 19)}.${(n % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}
