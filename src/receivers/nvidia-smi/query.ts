/**
 * The nvidia-smi command line Strata runs, and what its answers mean:
 * `nvidia-smi --query-gpu=<fields> --format=csv,noheader,nounits`, one CSV row per GPU.
 */

/** The fields that identify a GPU: they become point attributes, not gauges. */
export const IDENTITY_FIELDS = ['index', 'uuid', 'name'] as const;

/** The gauges read, in query order, before the throttle field. */
export const GAUGE_FIELDS = [
  'temperature.gpu',
  'utilization.gpu',
  'utilization.memory',
  'memory.used',
  'memory.total',
  'power.draw',
  'clocks.sm',
] as const;

/** The clock event (throttle) reason bitmask, as current drivers name it. */
export const THROTTLE_FIELD = 'clocks_event_reasons.active';
/** The same field as older drivers name it. */
export const LEGACY_THROTTLE_FIELD = 'clocks_throttle_reasons.active';
export type ThrottleField = typeof THROTTLE_FIELD | typeof LEGACY_THROTTLE_FIELD;

/** Units of each gauge as `nounits` prints it (UCUM, as OTLP carries units). */
export const FIELD_UNITS: Readonly<Record<string, string>> = {
  'temperature.gpu': 'Cel',
  'utilization.gpu': '%',
  'utilization.memory': '%',
  'memory.used': 'MiB',
  'memory.total': 'MiB',
  'power.draw': 'W',
  'clocks.sm': 'MHz',
  [THROTTLE_FIELD]: '1',
  [LEGACY_THROTTLE_FIELD]: '1',
};

/** Gauges are named `nvidia_smi.<field>`, e.g. `nvidia_smi.temperature.gpu`. */
export const METRIC_PREFIX = 'nvidia_smi.';
/** The poller's health gauge: 1 when nvidia-smi answered with readable output, else 0. */
export const UP_METRIC = 'nvidia_smi.up';

/** Every field queried, in column order, with the throttle field spelled as given. */
export function queryFields(throttle: ThrottleField): readonly string[] {
  return [...IDENTITY_FIELDS, ...GAUGE_FIELDS, throttle];
}

/**
 * The arguments for one query.
 * @example queryArgs(THROTTLE_FIELD) // ['--query-gpu=index,uuid,…,clocks_event_reasons.active', '--format=csv,noheader,nounits']
 */
export function queryArgs(throttle: ThrottleField): string[] {
  return [`--query-gpu=${queryFields(throttle).join(',')}`, '--format=csv,noheader,nounits'];
}

/**
 * True when nvidia-smi's output says `field` cannot be queried, as a driver older than the field
 * prints: `Field "clocks_event_reasons.active" is not a valid field to query.`
 */
export function saysInvalidField(output: string, field: string): boolean {
  return output.includes('is not a valid field to query') && output.includes(`"${field}"`);
}
