/** `500ms`, `30s`, `2m`, `1h`, or a number of milliseconds, from configuration; `fail` names the field. */
export function parseDurationMs(v: unknown, fail: (expected: string) => never): number {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v) : null;
  if (!m) return fail('a duration such as 500ms, 30s or 2m');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  const ms = Number(m[1]) * unit;
  if (ms <= 0) return fail('a positive duration');
  return ms;
}
