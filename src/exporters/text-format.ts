/**
 * The Prometheus text exposition format, version 0.0.4: names, escaping and numbers. A label value
 * escapes backslash, double quote and line feed; HELP text escapes backslash and line feed; values
 * are Go-style floats (`NaN`, `+Inf`, `-Inf`).
 */

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

/** A label name users may set: valid, and not in the `__` space Prometheus reserves. */
export function isLabelName(name: string): boolean {
  return LABEL_NAME.test(name) && !name.startsWith('__');
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** `{a="1",b="x"}` with the labels in the order given; '' for none. */
export function formatLabels(labels: readonly (readonly [string, string])[]): string {
  if (labels.length === 0) return '';
  return `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}
