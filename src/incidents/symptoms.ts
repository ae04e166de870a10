/**
 * What an anomaly says, in the causal-link table's words: each anomaly (a signal of an entity that
 * left its normal, an event, a gap) is read as one or more symptoms, from its kind, layer, signal
 * name, direction and detail. The rules are data (SYMPTOM_RULES), tried in order; docs/incidents.md
 * lists them. Signal names are the canonical metric signals (processors/metric-signals/names.ts)
 * and the detector's span-derived series (`span.*`, `monitor.*`, `probe.*`); matching is by pattern
 * so that related series (`engine.itl`, `span.itl`, `engine.tpot`) read alike.
 */
import type { Anomaly } from '../detect/types.js';

export type Symptom =
  // GPU throttling and its physical causes
  | 'thermal_reason'
  | 'power_reason'
  | 'hw_slowdown_reason'
  | 'temperature_up'
  | 'power_draw_change'
  | 'power_limit_change'
  | 'clock_down'
  // GPU load
  | 'gpu_util_up'
  | 'gpu_util_down'
  | 'gpu_memory_up'
  // GPU errors
  | 'nvlink_errors'
  | 'xid_ecc'
  | 'xid_79'
  | 'xid_other'
  | 'ecc_uncorrectable'
  | 'ecc_correctable'
  | 'gpu_unhealthy'
  // the serving engine
  | 'kv_usage_up'
  | 'preemptions_up'
  | 'queue_up'
  | 'ttft_up'
  | 'itl_up'
  | 'latency_up'
  | 'throughput_down'
  | 'errors_up'
  | 'corrupted_up'
  // what the model answered
  | 'confidence_drop'
  | 'confidence_collapse'
  | 'confidence_rise'
  | 'calibration_shift'
  | 'format_failures_up'
  | 'monitor_flags_up'
  | 'probe_alarm'
  | 'input_shift'
  // telemetry
  | 'gap'
  | 'other';

/** Symptoms of the hardware under a replica: any of them means the hardware is not healthy. */
export const HARDWARE_SYMPTOMS: ReadonlySet<Symptom> = new Set<Symptom>([
  'thermal_reason',
  'power_reason',
  'hw_slowdown_reason',
  'power_limit_change',
  'clock_down',
  'nvlink_errors',
  'xid_ecc',
  'xid_79',
  'ecc_uncorrectable',
  'gpu_unhealthy',
]);

/** A confidence level this far below its baseline (observed / baseline) has collapsed rather than drifted. */
export const COLLAPSE_RATIO = 0.5;

/** Confidence up, down, or down to half its normal or less (a collapse). */
function confidenceSymptoms(a: Anomaly): readonly Symptom[] {
  if (a.direction === 'up') return ['confidence_rise'];
  if (a.baseline !== null && a.baseline > 0 && Number.isFinite(a.observed) && a.observed <= COLLAPSE_RATIO * a.baseline) return ['confidence_collapse'];
  return ['confidence_drop'];
}

interface SymptomRule {
  /** Tested on the lowercased signal name. */
  readonly signal?: RegExp;
  /** Tested on the lowercased `signal detail`. */
  readonly text?: RegExp;
  readonly layer?: Anomaly['layer'];
  readonly kind?: Anomaly['kind'];
  /** Only anomalies going this way (events, which have no direction, always match). */
  readonly direction?: 'up' | 'down';
  readonly symptoms: readonly Symptom[] | ((a: Anomaly, text: string) => readonly Symptom[]);
}

/** XID codes that mean uncorrectable memory errors (48 DBE, 63/64 row remapping, 92 high SBE rate, 94/95 contained/uncontained ECC). */
const ECC_XIDS = new Set([48, 63, 64, 92, 94, 95]);

function xidSymptoms(_a: Anomaly, text: string): readonly Symptom[] {
  const codes = [...text.matchAll(/xid[^0-9]{0,12}(\d+)/g)].map((m) => Number(m[1]));
  if (codes.length === 0) for (const m of text.matchAll(/\b(\d{2,3})\b/g)) codes.push(Number(m[1]));
  const out = new Set<Symptom>();
  for (const c of codes) out.add(c === 79 ? 'xid_79' : ECC_XIDS.has(c) ? 'xid_ecc' : 'xid_other');
  return out.size === 0 ? ['xid_other'] : [...out];
}

function throttleSymptoms(_a: Anomaly, text: string): readonly Symptom[] {
  const out: Symptom[] = [];
  if (text.includes('thermal')) out.push('thermal_reason');
  if (/power|brake/.test(text)) out.push('power_reason');
  if (out.length === 0 && /hw_slowdown|slowdown/.test(text)) out.push('hw_slowdown_reason');
  return out.length === 0 ? ['other'] : out;
}

function eccSymptoms(a: Anomaly, text: string): readonly Symptom[] {
  if (/double|dbe|uncorrect/.test(text)) return ['ecc_uncorrectable'];
  if (/single|sbe|correctable/.test(text)) return ['ecc_correctable'];
  return [a.kind === 'event' ? 'ecc_uncorrectable' : 'ecc_correctable'];
}

/** Tried in order; the first matching rule gives the anomaly's symptoms. */
export const SYMPTOM_RULES: readonly SymptomRule[] = [
  { kind: 'gap', symptoms: ['gap'] },
  { layer: 'telemetry', symptoms: ['gap'] },
  { signal: /(^|\.)up$|scrape|telemetry\.up/, direction: 'down', symptoms: ['gap'] },
  { signal: /xid/, symptoms: xidSymptoms },
  { text: /\bxid\b/, symptoms: xidSymptoms },
  { signal: /ecc|retired_pages|remapped_rows/, symptoms: eccSymptoms },
  { signal: /throttle|clock_events|violation|throttled/, symptoms: throttleSymptoms },
  { text: /thermal|power_cap|power_brake|slowdown/, kind: 'event', symptoms: throttleSymptoms },
  { signal: /nvlink\.(errors|crc|replay|recovery)|nvlink.*error/, symptoms: ['nvlink_errors'] },
  { signal: /gpu\.health/, symptoms: ['gpu_unhealthy'] },
  { signal: /temperature/, direction: 'up', symptoms: ['temperature_up'] },
  { signal: /power\.limit/, symptoms: ['power_limit_change'] },
  { signal: /power\.draw|power_usage/, symptoms: ['power_draw_change'] },
  { signal: /gpu\.clock\.sm|gpu\.clock\.memory|clocks?\.sm/, direction: 'down', symptoms: ['clock_down'] },
  { signal: /gpu\.(utilization|activity)/, direction: 'up', symptoms: ['gpu_util_up'] },
  { signal: /gpu\.(utilization|activity)/, direction: 'down', symptoms: ['gpu_util_down'] },
  { signal: /gpu\.memory\.(used|utilization)/, direction: 'up', symptoms: ['gpu_memory_up'] },
  { signal: /gpu\.memory\.free/, direction: 'down', symptoms: ['gpu_memory_up'] },
  { signal: /kv_cache\.usage|kv_usage|cache_usage/, layer: 'infrastructure', direction: 'up', symptoms: ['kv_usage_up'] },
  { signal: /preempt/, layer: 'infrastructure', direction: 'up', symptoms: ['preemptions_up'] },
  { signal: /corrupt/, layer: 'infrastructure', direction: 'up', symptoms: ['corrupted_up'] },
  { signal: /waiting|queue|swapped/, layer: 'infrastructure', direction: 'up', symptoms: ['queue_up'] },
  { signal: /ttft|time_to_first/, layer: 'infrastructure', direction: 'up', symptoms: ['ttft_up'] },
  { signal: /itl|inter_token|tpot|time_per_output/, layer: 'infrastructure', direction: 'up', symptoms: ['itl_up'] },
  { signal: /error|fail|abort/, layer: 'infrastructure', direction: 'up', symptoms: ['errors_up'] },
  { signal: /throughput|tokens\.generation|request_rate|requests\.rate|\.rate$|finished/, layer: 'infrastructure', direction: 'down', symptoms: ['throughput_down'] },
  { signal: /duration|latency|e2e|decode_time|prefill_time|inference_time/, layer: 'infrastructure', direction: 'up', symptoms: ['latency_up'] },
  { layer: 'behaviour', symptoms: ['monitor_flags_up'] },
  { layer: 'internals', symptoms: ['probe_alarm'] },
  { layer: 'input', symptoms: ['input_shift'] },
  { signal: /format|parse|garbl|malformed|invalid|template/, layer: 'confidence', symptoms: ['format_failures_up'] },
  { signal: /ece|calibration|brier|accuracy|correct/, layer: 'confidence', symptoms: ['calibration_shift'] },
  // Entropy, perplexity and uncertainty rise when confidence drops.
  { signal: /entropy|perplexity|uncertain/, layer: 'confidence', symptoms: (a) => [a.direction === 'down' ? 'confidence_rise' : 'confidence_drop'] },
  { layer: 'confidence', symptoms: confidenceSymptoms },
];

function matches(rule: SymptomRule, a: Anomaly, signal: string, text: string): boolean {
  if (rule.kind !== undefined && rule.kind !== a.kind) return false;
  if (rule.layer !== undefined && rule.layer !== a.layer) return false;
  if (rule.direction !== undefined && a.direction !== null && a.direction !== rule.direction) return false;
  if (rule.direction !== undefined && a.direction === null && a.kind !== 'event') return false;
  if (rule.signal !== undefined && !rule.signal.test(signal)) return false;
  if (rule.text !== undefined && !rule.text.test(text)) return false;
  return true;
}

const cache = new WeakMap<Anomaly, readonly Symptom[]>();

/** The symptoms an anomaly shows (at least one; `other` when no rule matches). */
export function symptomsOf(a: Anomaly): readonly Symptom[] {
  const hit = cache.get(a);
  if (hit !== undefined) return hit;
  const signal = a.signal.toLowerCase();
  const text = `${signal} ${a.detail.toLowerCase()}`;
  let out: readonly Symptom[] = ['other'];
  for (const rule of SYMPTOM_RULES) {
    if (!matches(rule, a, signal, text)) continue;
    out = typeof rule.symptoms === 'function' ? rule.symptoms(a, text) : rule.symptoms;
    break;
  }
  cache.set(a, out);
  return out;
}
