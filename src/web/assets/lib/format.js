/** Number, time and unit formatting for the UI. Pure: tested in Node too. */

/**
 * @param {number | null | undefined} ms
 */
export function fmtDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} m`;
}

/**
 * @param {number | null | undefined} x
 * @param {number} [digits]
 */
export function fmtNumber(x, digits = 3) {
  if (x === null || x === undefined || typeof x !== 'number' || !Number.isFinite(x)) return '–';
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(digits)).toString();
}

/**
 * @param {number | null | undefined} x a fraction
 * @param {number} [digits]
 */
export function fmtPct(x, digits = 1) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return `${(x * 100).toFixed(digits)}%`;
}

/**
 * A time (ms since the epoch or RFC 3339) as `YYYY-MM-DD HH:MM:SS` UTC.
 * @param {number | string | null | undefined} t
 */
export function fmtTime(t) {
  if (t === null || t === undefined || t === '') return '–';
  const d = typeof t === 'number' ? new Date(t) : new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * A value in a UCUM unit, humanised: bytes, hertz, seconds, ratios.
 * @param {number | null | undefined} v
 * @param {string} unit
 */
export function fmtUnit(v, unit) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (unit) {
    case 'By':
      return scaled(v, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB']);
    case 'By/s':
      return `${scaled(v, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB'])}/s`;
    case 'Hz':
      return scaled(v, 1000, ['Hz', 'kHz', 'MHz', 'GHz']);
    case 's':
      return fmtDuration(v * 1000);
    case 'Cel':
      return `${fmtNumber(v)} °C`;
    case 'W':
      return `${fmtNumber(v)} W`;
    case '1':
      return fmtNumber(v);
    default:
      return `${fmtNumber(v)}${unit && !unit.startsWith('{') ? ` ${unit}` : ''}`;
  }
}

function scaled(v, base, units) {
  let i = 0;
  let x = v;
  while (Math.abs(x) >= base && i < units.length - 1) {
    x /= base;
    i++;
  }
  return `${fmtNumber(x)} ${units[i]}`;
}

/**
 * The short form of an entity id for labels: `replica:gpu-node-1:8000` -> `gpu-node-1:8000`.
 * @param {string} id
 */
export function entityKey(id) {
  const i = id.indexOf(':');
  return i < 0 ? id : id.slice(i + 1);
}

/** @param {string} id */
export function entityKind(id) {
  const i = id.indexOf(':');
  return i < 0 ? '' : id.slice(0, i);
}
