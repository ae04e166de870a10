/**
 * The shared time range: `from` is relative to now (`-15m`, `-1h`, `-7d`) or absolute milliseconds
 * since the epoch; `to` is empty (now) or absolute milliseconds. The API accepts both forms as
 * they are (docs/api.md), so relative ranges move with auto-refresh. Pure: tested in Node too.
 */

export const RANGE_PRESETS = Object.freeze([
  { value: '-5m', label: 'Last 5 minutes' },
  { value: '-15m', label: 'Last 15 minutes' },
  { value: '-1h', label: 'Last hour' },
  { value: '-6h', label: 'Last 6 hours' },
  { value: '-24h', label: 'Last 24 hours' },
  { value: '-7d', label: 'Last 7 days' },
  { value: '-30d', label: 'Last 30 days' },
]);

export const REFRESH_CHOICES = Object.freeze([
  { value: 'off', label: 'Off', ms: 0 },
  { value: '5s', label: '5 s', ms: 5_000 },
  { value: '10s', label: '10 s', ms: 10_000 },
  { value: '30s', label: '30 s', ms: 30_000 },
  { value: '1m', label: '1 min', ms: 60_000 },
  { value: '5m', label: '5 min', ms: 300_000 },
]);

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds of a relative time `-15m` (negative), or null when `raw` is not one.
 * @param {string} raw
 */
export function relativeMs(raw) {
  const m = /^-(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(raw.trim());
  return m ? -Number(m[1]) * UNIT_MS[m[2]] : null;
}

/**
 * The range as absolute milliseconds at `now`.
 * @param {{from: string, to: string}} shared
 * @param {number} now
 * @returns {{fromMs: number, toMs: number}}
 */
export function resolveRange(shared, now) {
  const toMs = shared.to && /^\d+$/.test(shared.to) ? Number(shared.to) : now;
  const rel = relativeMs(shared.from);
  let fromMs = rel !== null ? toMs + rel : /^\d+$/.test(shared.from) ? Number(shared.from) : toMs - 3_600_000;
  if (!(fromMs < toMs)) fromMs = toMs - 3_600_000;
  return { fromMs, toMs };
}

/**
 * API parameters for the range, under the names an endpoint uses (`start`/`end` or `from`/`to`).
 * Relative ranges go as they are, so the server resolves them at its own now.
 * @param {{from: string, to: string}} shared
 * @param {'start' | 'from'} style
 */
export function rangeQuery(shared, style = 'start') {
  const [a, b] = style === 'start' ? ['start', 'end'] : ['from', 'to'];
  const out = {};
  out[a] = shared.from;
  if (shared.to) out[b] = shared.to;
  return out;
}

/**
 * Milliseconds between refreshes for a `refresh` value; 0 is off.
 * @param {string} value
 */
export function refreshMs(value) {
  return REFRESH_CHOICES.find((c) => c.value === value)?.ms ?? 0;
}

/**
 * A chart step (ms) for a range so a chart has about `points` points, rounded to a friendly width.
 * @param {number} rangeMs
 * @param {number} [points]
 */
export function stepFor(rangeMs, points = 120) {
  const raw = rangeMs / points;
  const steps = [1e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 21600e3, 43200e3, 86400e3];
  return steps.find((s) => s >= raw) ?? 86400e3;
}

/**
 * Words for the range, as the picker shows it.
 * @param {{from: string, to: string}} shared
 */
export function describeRange(shared) {
  const preset = RANGE_PRESETS.find((p) => p.value === shared.from);
  if (preset && !shared.to) return preset.label;
  const { fromMs, toMs } = resolveRange(shared, Date.now());
  return `${new Date(fromMs).toISOString().slice(0, 16).replace('T', ' ')} – ${new Date(toMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
