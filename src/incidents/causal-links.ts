/**
 * The table of known causal links: for each fault type, the symptoms that point at it on the cause
 * entity itself (triggers; for a model, host or the fleet, also on the replicas and GPUs it holds),
 * the symptoms it produces on the entities it explains (effects: a GPU's replicas), and the symptoms
 * that point elsewhere (against). The ranker (rank.ts) scores candidate causes with it;
 * docs/incidents.md prints it (`causalLinksMarkdown`). Weights are relative: a trigger of weight 4 is
 * strong evidence on its own, 1 is supporting evidence.
 */
import { FAULTS, type FaultType } from '../model/faults.js';
import type { Symptom } from './symptoms.js';

export interface WeightedSymptom {
  readonly symptom: Symptom;
  readonly weight: number;
}

export interface Trigger extends WeightedSymptom {
  /** A candidate needs at least one primary trigger. */
  readonly primary?: boolean;
  /** Primary only when one of these effects is seen too (a gap is XID 79 only when requests fail). */
  readonly primaryWith?: readonly Symptom[];
}

/**
 * The entity kinds a cause can be pinned on; `target` is a scrape target whose telemetry stopped:
 * the host of a GPU or host gap, the replica itself for an engine's.
 */
export type AnchorKind = 'gpu' | 'replica' | 'model' | 'fleet' | 'target';

export interface CausalLink {
  readonly faultType: FaultType;
  /** Kinds of entity the cause is pinned on (the first is the fault vocabulary's). */
  readonly anchors: readonly AnchorKind[];
  /** The link followed, as an explanation names it. */
  readonly chain: string;
  /** The pattern in words (docs). */
  readonly pattern: string;
  readonly triggers: readonly Trigger[];
  readonly effects: readonly WeightedSymptom[];
  readonly against: readonly WeightedSymptom[];
}

const ERRORS_OF_OTHER_FAULTS: readonly WeightedSymptom[] = [
  { symptom: 'xid_79', weight: 3 },
  { symptom: 'xid_ecc', weight: 3 },
  { symptom: 'ecc_uncorrectable', weight: 3 },
];

const LATENCY_EFFECTS: readonly WeightedSymptom[] = [
  { symptom: 'itl_up', weight: 1 },
  { symptom: 'latency_up', weight: 0.5 },
  { symptom: 'ttft_up', weight: 0.3 },
  { symptom: 'throughput_down', weight: 0.5 },
];

/** Hardware trouble under a replica: a quality change there is not the model's own. */
const HARDWARE_AGAINST: readonly WeightedSymptom[] = [
  { symptom: 'thermal_reason', weight: 2 },
  { symptom: 'power_reason', weight: 2 },
  { symptom: 'hw_slowdown_reason', weight: 2 },
  { symptom: 'clock_down', weight: 1.5 },
  { symptom: 'nvlink_errors', weight: 2 },
  { symptom: 'xid_ecc', weight: 4 },
  { symptom: 'ecc_uncorrectable', weight: 4 },
  { symptom: 'xid_79', weight: 4 },
  { symptom: 'corrupted_up', weight: 3 },
];

export const CAUSAL_LINKS: readonly CausalLink[] = [
  {
    faultType: 'gpu_thermal_slowdown',
    anchors: ['gpu'],
    chain: 'thermal slowdown -> SM clock down -> inter-token latency up',
    pattern: 'thermal throttle reason and/or temperature up, SM clock down on the GPU; inter-token latency up on the replicas using it',
    triggers: [
      { symptom: 'thermal_reason', weight: 3, primary: true },
      { symptom: 'hw_slowdown_reason', weight: 1.5, primary: true },
      { symptom: 'clock_down', weight: 1.5, primary: true },
      { symptom: 'temperature_up', weight: 1 },
    ],
    effects: LATENCY_EFFECTS,
    against: [{ symptom: 'power_reason', weight: 3 }, { symptom: 'power_limit_change', weight: 2 }, { symptom: 'nvlink_errors', weight: 2 }, ...ERRORS_OF_OTHER_FAULTS, { symptom: 'kv_usage_up', weight: 1 }, { symptom: 'preemptions_up', weight: 1 }],
  },
  {
    faultType: 'gpu_power_cap',
    anchors: ['gpu'],
    chain: 'power cap -> SM clock down -> inter-token latency up',
    pattern: 'software power-cap reason, power at (or a lowered) limit, SM clock down, no thermal reason; latency up on its replicas',
    triggers: [
      { symptom: 'power_reason', weight: 3, primary: true },
      { symptom: 'power_limit_change', weight: 2.5, primary: true },
      { symptom: 'clock_down', weight: 1.4, primary: true },
      { symptom: 'power_draw_change', weight: 1 },
    ],
    effects: LATENCY_EFFECTS,
    against: [{ symptom: 'thermal_reason', weight: 3 }, { symptom: 'temperature_up', weight: 1 }, { symptom: 'nvlink_errors', weight: 2 }, ...ERRORS_OF_OTHER_FAULTS, { symptom: 'kv_usage_up', weight: 1 }, { symptom: 'preemptions_up', weight: 1 }],
  },
  {
    faultType: 'gpu_xid_79',
    anchors: ['gpu'],
    chain: 'XID 79 (GPU off the bus) -> requests fail or stall',
    pattern: 'XID 79 on the GPU (or its telemetry stopping while its replicas fail); errors up, throughput down on its replicas',
    triggers: [
      { symptom: 'xid_79', weight: 5, primary: true },
      { symptom: 'gap', weight: 1, primaryWith: ['errors_up', 'throughput_down'] },
      { symptom: 'gpu_util_down', weight: 1 },
      { symptom: 'gpu_unhealthy', weight: 1 },
    ],
    effects: [
      { symptom: 'errors_up', weight: 1.5 },
      { symptom: 'throughput_down', weight: 1 },
      { symptom: 'latency_up', weight: 0.3 },
      { symptom: 'gap', weight: 0.5 },
    ],
    against: [{ symptom: 'xid_ecc', weight: 1 }],
  },
  {
    faultType: 'gpu_ecc_uncorrectable',
    anchors: ['gpu'],
    chain: 'uncorrectable ECC (XID 48/94) -> corrupted output -> confidence collapse',
    pattern: 'XID 48/94 and/or double-bit ECC errors on the GPU; confidence collapse, corrupted or garbled answers on its replicas',
    triggers: [
      { symptom: 'xid_ecc', weight: 4, primary: true },
      { symptom: 'ecc_uncorrectable', weight: 4, primary: true },
      { symptom: 'gpu_unhealthy', weight: 1 },
      { symptom: 'ecc_correctable', weight: 0.5 },
    ],
    effects: [
      { symptom: 'confidence_collapse', weight: 1.5 },
      { symptom: 'confidence_drop', weight: 1.5 },
      { symptom: 'corrupted_up', weight: 1.5 },
      { symptom: 'format_failures_up', weight: 0.8 },
      { symptom: 'calibration_shift', weight: 0.5 },
      { symptom: 'errors_up', weight: 0.5 },
    ],
    against: [{ symptom: 'xid_79', weight: 2 }],
  },
  {
    faultType: 'nvlink_errors',
    anchors: ['gpu'],
    chain: 'NVLink errors -> slower collectives -> inter-token latency up',
    pattern: 'NVLink error counters rising on a GPU of a multi-GPU replica; inter-token latency up on that replica',
    triggers: [{ symptom: 'nvlink_errors', weight: 4, primary: true }],
    effects: LATENCY_EFFECTS,
    against: [{ symptom: 'thermal_reason', weight: 1 }, { symptom: 'power_reason', weight: 1 }, ...ERRORS_OF_OTHER_FAULTS],
  },
  {
    faultType: 'kv_cache_exhaustion',
    anchors: ['replica'],
    chain: 'KV cache exhaustion -> preemptions and queueing -> TTFT up',
    pattern: 'KV-cache usage near 1, preemptions, requests waiting on the replica; TTFT up there',
    triggers: [
      { symptom: 'kv_usage_up', weight: 3, primary: true },
      { symptom: 'preemptions_up', weight: 3, primary: true },
    ],
    effects: [
      { symptom: 'queue_up', weight: 1 },
      { symptom: 'ttft_up', weight: 1 },
      { symptom: 'latency_up', weight: 0.5 },
    ],
    against: [{ symptom: 'thermal_reason', weight: 1 }, { symptom: 'power_reason', weight: 1 }, ...ERRORS_OF_OTHER_FAULTS],
  },
  {
    faultType: 'noisy_neighbour',
    anchors: ['gpu'],
    chain: "another tenant's load -> GPU utilisation up (no throttling) -> latency up",
    pattern: 'GPU utilisation (and memory) up with no throttle reason and clocks steady; latency up on the replicas using it',
    triggers: [
      { symptom: 'gpu_util_up', weight: 2, primary: true },
      { symptom: 'gpu_memory_up', weight: 1, primary: true },
    ],
    effects: [
      { symptom: 'itl_up', weight: 1 },
      { symptom: 'ttft_up', weight: 0.8 },
      { symptom: 'latency_up', weight: 0.8 },
      { symptom: 'queue_up', weight: 0.3 },
      { symptom: 'throughput_down', weight: 0.3 },
    ],
    against: [
      { symptom: 'thermal_reason', weight: 3 },
      { symptom: 'power_reason', weight: 3 },
      { symptom: 'hw_slowdown_reason', weight: 2 },
      { symptom: 'clock_down', weight: 1.5 },
      { symptom: 'power_limit_change', weight: 2 },
      { symptom: 'nvlink_errors', weight: 2 },
      ...ERRORS_OF_OTHER_FAULTS,
      { symptom: 'kv_usage_up', weight: 2 },
      { symptom: 'preemptions_up', weight: 1.5 },
    ],
  },
  {
    faultType: 'bad_rollout',
    anchors: ['replica', 'model'],
    chain: 'rollout (wrong or over-quantised weights) -> confidence and calibration shift, latency unchanged',
    pattern: 'confidence/calibration shift (not a collapse) on one replica, or on every replica of one model version, with healthy hardware and unchanged latency',
    triggers: [
      { symptom: 'confidence_drop', weight: 2, primary: true },
      { symptom: 'confidence_rise', weight: 2, primary: true },
      { symptom: 'calibration_shift', weight: 1.5, primary: true },
      { symptom: 'confidence_collapse', weight: 1 },
    ],
    effects: [],
    against: [
      ...HARDWARE_AGAINST,
      { symptom: 'itl_up', weight: 1.5 },
      { symptom: 'ttft_up', weight: 1.5 },
      { symptom: 'latency_up', weight: 1.5 },
      { symptom: 'errors_up', weight: 1.5 },
      { symptom: 'format_failures_up', weight: 2 },
      { symptom: 'probe_alarm', weight: 1 },
      { symptom: 'monitor_flags_up', weight: 0.5 },
    ],
  },
  {
    faultType: 'prompt_drift',
    anchors: ['fleet'],
    chain: 'input distribution shift -> confidence drops everywhere, hardware healthy',
    pattern: 'confidence down on most or all replicas (of more than one model version, or of the only one), no hardware anomaly; never blamed on a GPU',
    triggers: [
      { symptom: 'confidence_drop', weight: 2, primary: true },
      { symptom: 'confidence_collapse', weight: 2, primary: true },
      { symptom: 'input_shift', weight: 2, primary: true },
      { symptom: 'calibration_shift', weight: 1 },
      { symptom: 'confidence_rise', weight: 0.5 },
    ],
    effects: [],
    against: [...HARDWARE_AGAINST, { symptom: 'format_failures_up', weight: 1 }],
  },
  {
    faultType: 'chat_template_misconfig',
    anchors: ['replica'],
    chain: 'chat-template misconfiguration -> garbled output and format failures -> confidence collapse',
    pattern: 'format failures / garbled output, or confidence collapsing to half its normal or less, on one replica with healthy hardware',
    triggers: [
      { symptom: 'format_failures_up', weight: 4, primary: true },
      { symptom: 'confidence_collapse', weight: 2.5, primary: true },
      { symptom: 'confidence_drop', weight: 1 },
      { symptom: 'confidence_rise', weight: 0.5 },
      { symptom: 'calibration_shift', weight: 0.5 },
    ],
    effects: [],
    against: HARDWARE_AGAINST,
  },
  {
    faultType: 'reasoning_regression',
    anchors: ['model'],
    chain: 'model version regression -> more reward-hacking reasoning -> monitor flag rate up',
    pattern: 'behaviour-monitor flag rate up on one model version (its replicas)',
    triggers: [{ symptom: 'monitor_flags_up', weight: 3, primary: true }],
    effects: [],
    against: [{ symptom: 'probe_alarm', weight: 0.5 }],
  },
  {
    faultType: 'probe_alarm',
    anchors: ['replica'],
    chain: 'hidden trigger (e.g. backdoor) -> probe propositions disagree with outputs -> probe alarms',
    pattern: 'probe alarm rate up / proposition agreement down on one replica',
    triggers: [{ symptom: 'probe_alarm', weight: 4, primary: true }],
    effects: [
      { symptom: 'confidence_drop', weight: 0.3 },
      { symptom: 'confidence_collapse', weight: 0.3 },
      { symptom: 'monitor_flags_up', weight: 0.3 },
    ],
    against: [],
  },
  {
    faultType: 'telemetry_outage',
    anchors: ['target'],
    chain: 'scrape target down -> telemetry gap (reported, not a fault of what it watches)',
    pattern: 'scrape up=0 / data stopped from a target (a host and its GPUs, or a replica), and nothing else wrong',
    triggers: [{ symptom: 'gap', weight: 3, primary: true }],
    effects: [],
    against: [],
  },
];

export const LINK_BY_FAULT: ReadonlyMap<FaultType, CausalLink> = new Map(CAUSAL_LINKS.map((l) => [l.faultType, l]));

function symptomList(xs: readonly WeightedSymptom[]): string {
  return xs.length === 0 ? '-' : xs.map((x) => `${x.symptom} (${x.weight})`).join(', ');
}

/** The table as Markdown (docs/incidents.md holds its output). */
export function causalLinksMarkdown(): string {
  const rows = [
    '| fault type | layer | pinned on | link | pattern | triggers (weight; * primary) | effects on explained entities | against |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const l of CAUSAL_LINKS) {
    const triggers = l.triggers.map((t) => `${t.symptom}${t.primary ? '*' : t.primaryWith ? `* (with ${t.primaryWith.join('/')})` : ''} (${t.weight})`).join(', ');
    rows.push(`| \`${l.faultType}\` | ${FAULTS[l.faultType].layer} | ${l.anchors.join(', ')} | ${l.chain} | ${l.pattern} | ${triggers} | ${symptomList(l.effects)} | ${symptomList(l.against)} |`);
  }
  return `${rows.join('\n')}\n`;
}
