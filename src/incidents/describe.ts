/**
 * Words for incidents: entity and signal labels, event-time clocks, and the phrase of one anomaly
 * ("confidence on replica gpu-node-1:8001 dropped 31% at 14:02"), shared by the ranker's
 * explanations and the incident summary.
 */
import type { Anomaly } from '../detect/types.js';
import { FLEET_ENTITY, type FaultType } from '../model/faults.js';
import { keyOf, kindOf } from './topology.js';

const KIND_LABELS: Record<string, string> = { gpu: 'GPU', replica: 'replica', model: 'model', host: 'host' };

/** `GPU GPU-ab12`, `replica gpu-node-1:8001`, `the fleet`. */
export function entityLabel(id: string): string {
  if (id === FLEET_ENTITY) return 'the fleet';
  const label = KIND_LABELS[kindOf(id)];
  return label === undefined ? id : `${label} ${keyOf(id)}`;
}

/** Readable names of common series; others are shown as they are. */
const SIGNAL_LABELS: readonly [RegExp, string][] = [
  [/ttft|time_to_first/, 'TTFT'],
  [/itl|inter_token|tpot|time_per_output/, 'inter-token latency'],
  [/kv_cache\.usage|kv_usage/, 'KV-cache usage'],
  [/preempt/, 'preemptions'],
  [/waiting|queue/, 'queueing'],
  [/clock\.sm/, 'SM clock'],
  [/memory\.temperature/, 'memory temperature'],
  [/temperature/, 'temperature'],
  [/power\.draw/, 'power draw'],
  [/power\.limit/, 'power limit'],
  [/gpu\.utilization/, 'GPU utilisation'],
  [/nvlink/, 'NVLink errors'],
  [/ece|calibration/, 'calibration error'],
  [/format/, 'format failures'],
  [/monitor|flag/, 'monitor flag rate'],
  [/agreement|jaccard/, 'probe agreement'],
  [/probe/, 'probe alarms'],
  [/error|fail/, 'errors'],
  [/confidence/, 'confidence'],
];

export function signalLabel(signal: string): string {
  const s = signal.toLowerCase();
  for (const [re, label] of SIGNAL_LABELS) if (re.test(s)) return label;
  return signal;
}

/** Event time as `HH:MM` (UTC), with seconds when not on the minute. */
export function clock(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.slice(17, 19) === '00' ? iso.slice(11, 16) : iso.slice(11, 19);
}

/** One anomaly in a sentence fragment. */
export function anomalyPhrase(a: Anomaly): string {
  const who = entityLabel(a.entity);
  const at = clock(a.startMs);
  if (a.kind === 'gap') return `telemetry from ${who} stopped at ${at}`;
  if (a.kind === 'event') return `${who} reported ${a.detail || signalLabel(a.signal)} at ${at}`;
  const what = `${signalLabel(a.signal)} on ${who}`;
  if (a.baseline !== null && a.baseline !== 0 && Number.isFinite(a.observed)) {
    const pct = Math.round((Math.abs(a.observed - a.baseline) / Math.abs(a.baseline)) * 100);
    const verb = a.observed < a.baseline ? 'dropped' : 'rose';
    return `${what} ${verb} ${pct}% at ${at}`;
  }
  const verb = a.direction === 'down' ? 'went down' : a.direction === 'up' ? 'went up' : 'changed';
  return `${what} ${verb}${a.detail ? ` (${a.detail})` : ''} at ${at}`;
}

const FAULT_TITLES: Record<FaultType, string> = {
  gpu_thermal_slowdown: 'GPU thermal slowdown',
  gpu_power_cap: 'GPU power capping',
  gpu_xid_79: 'GPU fallen off the bus (XID 79)',
  gpu_ecc_uncorrectable: 'uncorrectable ECC errors',
  nvlink_errors: 'NVLink errors',
  kv_cache_exhaustion: 'KV-cache exhaustion',
  noisy_neighbour: 'noisy neighbour',
  bad_rollout: 'bad rollout',
  prompt_drift: 'prompt drift',
  chat_template_misconfig: 'chat-template misconfiguration',
  reasoning_regression: 'reasoning regression',
  probe_alarm: 'probe alarm',
  telemetry_outage: 'telemetry gap',
};

/** A fault type in words: `GPU thermal slowdown`. */
export function faultTitle(faultType: FaultType): string {
  return FAULT_TITLES[faultType];
}
