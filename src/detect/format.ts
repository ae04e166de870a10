/**
 * Values as an anomaly's detail prints them, in the unit a reader expects: milliseconds or seconds,
 * MHz, watts, °C, GiB, percentages for shares.
 */
import type { Unit } from './signals.js';

function sig(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return String(Math.round(v));
  return String(Number(v.toPrecision(digits)));
}

export function formatValue(v: number, unit: Unit): string {
  switch (unit) {
    case 's':
      return Math.abs(v) < 1 ? `${sig(v * 1000)} ms` : `${sig(v)} s`;
    case 'Hz':
      return `${sig(v / 1e6)} MHz`;
    case 'W':
      return `${sig(v)} W`;
    case 'Cel':
      return `${sig(v)} °C`;
    case 'By':
      return `${sig(v / 2 ** 30)} GiB`;
    case 'share':
      return `${sig(v * 100)}%`;
    case 'per_s':
      return `${sig(v)}/s`;
    case 'ece':
    case 'ratio':
    case 'count':
      return sig(v);
  }
}
