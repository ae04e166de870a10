/**
 * The alias table: each metric name a real server emits, mapped to its canonical signal (names.ts)
 * with the factor from the source's unit to the signal's. Names match exactly (case included).
 * Prometheus-style names (`vllm:…`, `sglang:…`, `tgi_…`) also match as Prometheus spells them on
 * the way: counters with and without `_total` (the text exposition adds it, OTLP conversions may
 * strip it), histograms as their `_bucket` / `_count` / `_sum` series (remote write sends them
 * unassembled; label `part`, and `le` for buckets).
 *
 * Sources: vLLM, SGLang and TGI `/metrics`; the DCGM exporter (`DCGM_FI_*`, `DCGM_EXP_*`); Strata's
 * nvidia-smi poller (`nvidia_smi.*`); OpenTelemetry `hw.gpu.*`, `hw.errors`, `gen_ai.server.*`,
 * `gen_ai.client.*`. docs/conventions.md ("Canonical signals") lists the same table for readers.
 */
import type { SignalName } from './names.js';

/** The instrument the source uses (documentation; the mapping does not depend on it). */
export type SourceKind = 'gauge' | 'counter' | 'histogram';

/** How one source metric becomes a canonical signal. */
export interface SignalAlias {
  readonly signal: SignalName;
  /** Multiplier from the source unit to the signal's unit (0.01 for percent, 1048576 for MiB). */
  readonly scale: number;
  readonly kind: SourceKind;
  /** Labels every point of this source gets, e.g. `{direction: 'transmit'}`. */
  readonly fixed?: Readonly<Record<string, string>>;
  /** Labels copied from point attributes: label -> attribute names, the first present wins. */
  readonly copy?: Readonly<Record<string, readonly string[]>>;
  /** Labels decoded from the value: `reasons` of a throttle bitmask, or the `xid` code. */
  readonly decode?: 'throttle_reasons' | 'xid';
  /**
   * Another signal chosen by an attribute's value (lowercased): a listed value picks its signal (null:
   * not a signal at all); an unlisted one keeps `signal` (`others: 'keep'`) or drops the point
   * (`'drop'`); without the attribute, `signal` holds.
   */
  readonly variants?: {
    readonly key: string;
    readonly values: Readonly<Record<string, SignalName | null>>;
    readonly others: 'keep' | 'drop';
  };
}

type Extra = Omit<SignalAlias, 'signal' | 'scale' | 'kind'>;

const PERCENT = 0.01;
const MIB = 1024 * 1024;
const MHZ = 1e6;
const MILLI = 1e-3;
const MICRO = 1e-6;

const gauge = (signal: SignalName, scale = 1, extra: Extra = {}): SignalAlias => ({ signal, scale, kind: 'gauge', ...extra });
const counter = (signal: SignalName, scale = 1, extra: Extra = {}): SignalAlias => ({ signal, scale, kind: 'counter', ...extra });
const histogram = (signal: SignalName, extra: Extra = {}): SignalAlias => ({ signal, scale: 1, kind: 'histogram', ...extra });
const fixed = (labels: Record<string, string>): Extra => ({ fixed: Object.freeze(labels) });
const THROTTLE: Extra = { decode: 'throttle_reasons' };

/** DCGM exporter fields (dcgm-exporter's default and commonly enabled counters). */
const DCGM: Record<string, SignalAlias> = {
  DCGM_FI_DEV_GPU_UTIL: gauge('gpu.utilization', PERCENT),
  DCGM_FI_DEV_ENC_UTIL: gauge('gpu.encoder.utilization', PERCENT),
  DCGM_FI_DEV_DEC_UTIL: gauge('gpu.decoder.utilization', PERCENT),
  DCGM_FI_DEV_MEM_COPY_UTIL: gauge('gpu.memory.copy_utilization', PERCENT),
  DCGM_FI_PROF_GR_ENGINE_ACTIVE: gauge('gpu.activity.graphics'),
  DCGM_FI_PROF_SM_ACTIVE: gauge('gpu.activity.sm'),
  DCGM_FI_PROF_SM_OCCUPANCY: gauge('gpu.activity.sm_occupancy'),
  DCGM_FI_PROF_PIPE_TENSOR_ACTIVE: gauge('gpu.activity.tensor'),
  DCGM_FI_PROF_PIPE_FP16_ACTIVE: gauge('gpu.activity.fp16'),
  DCGM_FI_PROF_PIPE_FP32_ACTIVE: gauge('gpu.activity.fp32'),
  DCGM_FI_PROF_PIPE_FP64_ACTIVE: gauge('gpu.activity.fp64'),
  DCGM_FI_PROF_DRAM_ACTIVE: gauge('gpu.activity.dram'),
  DCGM_FI_DEV_FB_USED: gauge('gpu.memory.used', MIB),
  DCGM_FI_DEV_FB_FREE: gauge('gpu.memory.free', MIB),
  DCGM_FI_DEV_FB_RESERVED: gauge('gpu.memory.reserved', MIB),
  DCGM_FI_DEV_FB_TOTAL: gauge('gpu.memory.total', MIB),
  DCGM_FI_DEV_GPU_TEMP: gauge('gpu.temperature'),
  DCGM_FI_DEV_MEMORY_TEMP: gauge('gpu.memory.temperature'),
  DCGM_FI_DEV_POWER_USAGE: gauge('gpu.power.draw'),
  DCGM_FI_DEV_POWER_MGMT_LIMIT: gauge('gpu.power.limit'),
  DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION: counter('gpu.energy', MILLI),
  DCGM_FI_DEV_SM_CLOCK: gauge('gpu.clock.sm', MHZ),
  DCGM_FI_DEV_MEM_CLOCK: gauge('gpu.clock.memory', MHZ),
  DCGM_FI_DEV_FAN_SPEED: gauge('gpu.fan.speed', PERCENT),
  DCGM_FI_DEV_PSTATE: gauge('gpu.pstate'),
  DCGM_FI_DEV_CLOCKS_EVENT_REASONS: gauge('gpu.throttle.reasons', 1, THROTTLE),
  DCGM_FI_DEV_CLOCK_THROTTLE_REASONS: gauge('gpu.throttle.reasons', 1, THROTTLE),
  DCGM_EXP_CLOCK_EVENTS_COUNT: gauge('gpu.clock_events.count', 1, { copy: { reason: ['clock_event'] } }),
  // Violation counters are microseconds spent held down.
  DCGM_FI_DEV_POWER_VIOLATION: counter('gpu.violation.time', MICRO, fixed({ reason: 'power' })),
  DCGM_FI_DEV_THERMAL_VIOLATION: counter('gpu.violation.time', MICRO, fixed({ reason: 'thermal' })),
  DCGM_FI_DEV_SYNC_BOOST_VIOLATION: counter('gpu.violation.time', MICRO, fixed({ reason: 'sync_boost' })),
  DCGM_FI_DEV_BOARD_LIMIT_VIOLATION: counter('gpu.violation.time', MICRO, fixed({ reason: 'board_limit' })),
  DCGM_FI_DEV_LOW_UTIL_VIOLATION: counter('gpu.violation.time', MICRO, fixed({ reason: 'low_util' })),
  DCGM_FI_DEV_RELIABILITY_VIOLATION: counter('gpu.violation.time', MICRO, fixed({ reason: 'reliability' })),
  // DCGM defines these as a rate (bytes per second), though the exporter declares them counters.
  DCGM_FI_PROF_PCIE_TX_BYTES: gauge('gpu.pcie.throughput', 1, fixed({ direction: 'transmit' })),
  DCGM_FI_PROF_PCIE_RX_BYTES: gauge('gpu.pcie.throughput', 1, fixed({ direction: 'receive' })),
  DCGM_FI_DEV_PCIE_REPLAY_COUNTER: counter('gpu.pcie.replays'),
  DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL: counter('gpu.nvlink.bandwidth'),
  DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL: counter('gpu.nvlink.errors', 1, fixed({ type: 'crc_flit' })),
  DCGM_FI_DEV_NVLINK_CRC_DATA_ERROR_COUNT_TOTAL: counter('gpu.nvlink.errors', 1, fixed({ type: 'crc_data' })),
  DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL: counter('gpu.nvlink.errors', 1, fixed({ type: 'replay' })),
  DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL: counter('gpu.nvlink.errors', 1, fixed({ type: 'recovery' })),
  DCGM_FI_DEV_XID_ERRORS: gauge('gpu.xid', 1, { decode: 'xid' }),
  DCGM_EXP_XID_ERRORS_COUNT: gauge('gpu.xid.count', 1, { copy: { xid: ['xid'], window_ms: ['window_size_in_ms'] } }),
  DCGM_FI_DEV_ECC_SBE_VOL_TOTAL: counter('gpu.ecc.errors.volatile', 1, fixed({ type: 'single_bit' })),
  DCGM_FI_DEV_ECC_DBE_VOL_TOTAL: counter('gpu.ecc.errors.volatile', 1, fixed({ type: 'double_bit' })),
  DCGM_FI_DEV_ECC_SBE_AGG_TOTAL: counter('gpu.ecc.errors.aggregate', 1, fixed({ type: 'single_bit' })),
  DCGM_FI_DEV_ECC_DBE_AGG_TOTAL: counter('gpu.ecc.errors.aggregate', 1, fixed({ type: 'double_bit' })),
  DCGM_FI_DEV_RETIRED_SBE: counter('gpu.retired_pages', 1, fixed({ type: 'single_bit' })),
  DCGM_FI_DEV_RETIRED_DBE: counter('gpu.retired_pages', 1, fixed({ type: 'double_bit' })),
  DCGM_FI_DEV_RETIRED_PENDING: gauge('gpu.retired_pages.pending'),
  DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS: counter('gpu.remapped_rows', 1, fixed({ type: 'correctable' })),
  DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS: counter('gpu.remapped_rows', 1, fixed({ type: 'uncorrectable' })),
  DCGM_FI_DEV_ROW_REMAP_FAILURE: gauge('gpu.remapped_rows.failure'),
  DCGM_EXP_GPU_HEALTH_STATUS: gauge('gpu.health'),
};

/** Strata's nvidia-smi poller (receivers/nvidia-smi): `nvidia_smi.<query field>`, units as `nounits` prints them. */
const NVIDIA_SMI: Record<string, SignalAlias> = {
  'nvidia_smi.temperature.gpu': gauge('gpu.temperature'),
  'nvidia_smi.utilization.gpu': gauge('gpu.utilization', PERCENT),
  'nvidia_smi.utilization.memory': gauge('gpu.memory.copy_utilization', PERCENT),
  'nvidia_smi.memory.used': gauge('gpu.memory.used', MIB),
  'nvidia_smi.memory.total': gauge('gpu.memory.total', MIB),
  'nvidia_smi.power.draw': gauge('gpu.power.draw'),
  'nvidia_smi.clocks.sm': gauge('gpu.clock.sm', MHZ),
  'nvidia_smi.clocks_event_reasons.active': gauge('gpu.throttle.reasons', 1, THROTTLE),
  'nvidia_smi.clocks_throttle_reasons.active': gauge('gpu.throttle.reasons', 1, THROTTLE),
  'nvidia_smi.up': gauge('gpu.telemetry.up', 1, fixed({ source: 'nvidia-smi' })),
};

/** OpenTelemetry hardware metrics (as OpenLIT emits them). */
const OTEL_HW: Record<string, SignalAlias> = {
  'hw.gpu.utilization': gauge('gpu.utilization', 1, {
    variants: { key: 'hw.gpu.task', values: { encoder: 'gpu.encoder.utilization', decoder: 'gpu.decoder.utilization' }, others: 'keep' },
  }),
  'hw.gpu.memory.usage': gauge('gpu.memory.used'),
  'hw.gpu.memory.limit': gauge('gpu.memory.total'),
  'hw.gpu.memory.utilization': gauge('gpu.memory.utilization'),
  'hw.gpu.io': counter('gpu.io', 1, { copy: { direction: ['network.io.direction'] } }),
  'hw.gpu.temperature': gauge('gpu.temperature'),
  'hw.gpu.power.draw': gauge('gpu.power.draw'),
  'hw.gpu.throttled': gauge('gpu.throttled', 1, { copy: { reason: ['hw.gpu.throttle_reasons', 'hw.gpu.throttle_reason'] } }),
  // hw.errors covers every hardware kind; only GPUs (or an unnamed kind) are GPU signals.
  'hw.errors': counter('gpu.errors', 1, {
    copy: { error_type: ['error.type'] },
    variants: { key: 'hw.type', values: { gpu: 'gpu.errors' }, others: 'drop' },
  }),
};

/** vLLM `/metrics` (v1 and v0 names; counters listed without `_total`). */
const VLLM: Record<string, SignalAlias> = {
  'vllm:num_requests_running': gauge('engine.requests.running'),
  'vllm:num_requests_waiting': gauge('engine.requests.waiting'),
  'vllm:num_requests_swapped': gauge('engine.requests.swapped'),
  // Both are fractions 0–1 despite the name.
  'vllm:kv_cache_usage_perc': gauge('engine.kv_cache.usage'),
  'vllm:gpu_cache_usage_perc': gauge('engine.kv_cache.usage'),
  'vllm:cpu_cache_usage_perc': gauge('engine.kv_cache.cpu_usage'),
  'vllm:engine_sleep_state': gauge('engine.sleep_state', 1, { copy: { state: ['sleep_state'] } }),
  'vllm:lora_requests_info': gauge('engine.info.lora_requests'),
  'vllm:cache_config_info': gauge('engine.info.cache_config'),
  'vllm:avg_prompt_throughput_toks_per_s': gauge('engine.throughput.prompt'),
  'vllm:avg_generation_throughput_toks_per_s': gauge('engine.throughput.generation'),
  'vllm:num_preemptions': counter('engine.preemptions'),
  'vllm:prompt_tokens': counter('engine.tokens.prompt'),
  'vllm:generation_tokens': counter('engine.tokens.generation'),
  'vllm:request_success': counter('engine.requests.finished', 1, { copy: { finished_reason: ['finished_reason'] } }),
  'vllm:prefix_cache_queries': counter('engine.prefix_cache.queries'),
  'vllm:prefix_cache_hits': counter('engine.prefix_cache.hits'),
  'vllm:gpu_prefix_cache_queries': counter('engine.prefix_cache.queries'),
  'vllm:gpu_prefix_cache_hits': counter('engine.prefix_cache.hits'),
  'vllm:prompt_tokens_by_source': counter('engine.tokens.prompt_by_source', 1, { copy: { source: ['source'] } }),
  'vllm:prompt_tokens_cached': counter('engine.tokens.prompt_cached'),
  'vllm:prompt_tokens_recomputed': counter('engine.tokens.prompt_recomputed'),
  'vllm:corrupted_requests': counter('engine.requests.corrupted'),
  'vllm:spec_decode_num_drafts': counter('engine.spec_decode.drafts'),
  'vllm:spec_decode_num_draft_tokens': counter('engine.spec_decode.draft_tokens'),
  'vllm:spec_decode_num_accepted_tokens': counter('engine.spec_decode.accepted_tokens'),
  'vllm:time_to_first_token_seconds': histogram('engine.ttft'),
  'vllm:inter_token_latency_seconds': histogram('engine.itl'),
  // The older name of inter_token_latency_seconds (observed per token, not per request).
  'vllm:time_per_output_token_seconds': histogram('engine.itl'),
  'vllm:request_time_per_output_token_seconds': histogram('engine.tpot'),
  'vllm:e2e_request_latency_seconds': histogram('engine.request.duration'),
  'vllm:request_queue_time_seconds': histogram('engine.request.queue_time'),
  'vllm:request_inference_time_seconds': histogram('engine.request.inference_time'),
  'vllm:request_prefill_time_seconds': histogram('engine.request.prefill_time'),
  'vllm:request_decode_time_seconds': histogram('engine.request.decode_time'),
  'vllm:request_prompt_tokens': histogram('engine.request.prompt_tokens'),
  'vllm:request_generation_tokens': histogram('engine.request.generation_tokens'),
  // A histogram whose own name ends in _total: matched exactly, never as a counter variant.
  'vllm:iteration_tokens_total': histogram('engine.iteration.tokens'),
  'vllm:request_num_preemptions': histogram('engine.request.preemptions'),
};

/** SGLang `/metrics` (counters listed without `_total`). */
const SGLANG: Record<string, SignalAlias> = {
  'sglang:num_running_reqs': gauge('engine.requests.running'),
  'sglang:num_queue_reqs': gauge('engine.requests.waiting'),
  'sglang:num_retracted_reqs': gauge('engine.requests.retracted'),
  'sglang:num_used_tokens': gauge('engine.kv_cache.used_tokens'),
  'sglang:max_total_num_tokens': gauge('engine.kv_cache.capacity_tokens'),
  'sglang:token_usage': gauge('engine.kv_cache.usage'),
  'sglang:gen_throughput': gauge('engine.throughput.generation'),
  'sglang:cache_hit_rate': gauge('engine.prefix_cache.hit_rate'),
  'sglang:spec_accept_length': gauge('engine.spec_decode.accept_length'),
  'sglang:spec_accept_rate': gauge('engine.spec_decode.accept_rate'),
  'sglang:utilization': gauge('engine.utilization'),
  'sglang:prompt_tokens': counter('engine.tokens.prompt'),
  'sglang:generation_tokens': counter('engine.tokens.generation'),
  'sglang:cached_tokens': counter('engine.tokens.prompt_cached'),
  // Counted as requests finish.
  'sglang:num_requests': counter('engine.requests.finished'),
  'sglang:num_aborted_requests': counter('engine.requests.aborted'),
  'sglang:time_to_first_token_seconds': histogram('engine.ttft'),
  'sglang:inter_token_latency_seconds': histogram('engine.itl'),
  'sglang:time_per_output_token_seconds': histogram('engine.itl'),
  'sglang:e2e_request_latency_seconds': histogram('engine.request.duration'),
  'sglang:queue_time_seconds': histogram('engine.request.queue_time'),
  'sglang:prompt_tokens_histogram': histogram('engine.request.prompt_tokens'),
  'sglang:generation_tokens_histogram': histogram('engine.request.generation_tokens'),
};

/** Text Generation Inference `/metrics` (durations in seconds). */
const TGI: Record<string, SignalAlias> = {
  tgi_queue_size: gauge('engine.requests.waiting'),
  tgi_batch_current_size: gauge('engine.requests.running'),
  tgi_batch_current_max_tokens: gauge('engine.batch.max_tokens'),
  tgi_batch_forward_duration: histogram('engine.batch.forward_duration', { copy: { phase: ['method'] } }),
  tgi_batch_decode_duration: histogram('engine.batch.decode_duration', { copy: { phase: ['method'] } }),
  tgi_request_count: counter('engine.requests.received'),
  tgi_request_success: counter('engine.requests.finished'),
  tgi_request_failure: counter('engine.requests.failed', 1, { copy: { error: ['err'] } }),
  tgi_request_duration: histogram('engine.request.duration'),
  tgi_request_queue_duration: histogram('engine.request.queue_time'),
  tgi_request_inference_duration: histogram('engine.request.inference_time'),
  tgi_request_mean_time_per_token_duration: histogram('engine.tpot'),
  tgi_request_input_length: histogram('engine.request.prompt_tokens'),
  tgi_request_generated_tokens: histogram('engine.request.generation_tokens'),
};

/** OpenTelemetry GenAI metrics. */
const OTEL_GENAI: Record<string, SignalAlias> = {
  'gen_ai.server.time_to_first_token': histogram('engine.ttft'),
  // Recorded once per request: (duration - time to first token) / (output tokens - 1).
  'gen_ai.server.time_per_output_token': histogram('engine.tpot'),
  'gen_ai.server.request.duration': histogram('engine.request.duration'),
  'gen_ai.client.token.usage': histogram('genai.client.token.usage', { copy: { token_type: ['gen_ai.token.type'] } }),
  'gen_ai.client.operation.duration': histogram('genai.client.operation.duration'),
  'gen_ai.client.operation.time_to_first_chunk': histogram('genai.client.operation.time_to_first_chunk'),
  'gen_ai.client.operation.time_per_output_chunk': histogram('genai.client.operation.time_per_output_chunk'),
};

/** The alias tables by source, for documentation and tests. */
export const ALIAS_SOURCES = {
  vllm: VLLM,
  sglang: SGLANG,
  tgi: TGI,
  dcgm: DCGM,
  'nvidia-smi': NVIDIA_SMI,
  'otel-hw': OTEL_HW,
  'otel-genai': OTEL_GENAI,
} as const;

/** Lowercase names without dots: a Prometheus exposition name, where counters carry `_total`. */
const PROMETHEUS_NAME = /^[a-z_:][a-z0-9_:]*$/;

/** The series a Prometheus histogram is exposed as, when it arrives unassembled (remote write). */
const HISTOGRAM_PARTS = ['bucket', 'count', 'sum'] as const;

/**
 * The table by exact name, with the spellings Prometheus-style sources add: counters with and
 * without `_total`; histograms also as their `_bucket` (label `le`), `_count` and `_sum` series
 * (label `part`), and with the `quantile` label a summary's series carry.
 */
function buildAliases(): ReadonlyMap<string, SignalAlias> {
  const out = new Map<string, SignalAlias>();
  const add = (name: string, alias: SignalAlias): void => {
    if (out.has(name)) throw new Error(`metric-signals: ${name} is listed twice`);
    out.set(name, alias);
  };
  for (const table of Object.values(ALIAS_SOURCES)) {
    for (const [name, alias] of Object.entries(table)) {
      if (!PROMETHEUS_NAME.test(name) || alias.kind === 'gauge') {
        add(name, alias);
      } else if (alias.kind === 'counter') {
        add(name, alias);
        add(`${name}_total`, alias);
      } else {
        add(name, { ...alias, copy: { ...alias.copy, quantile: ['quantile'] } });
        for (const part of HISTOGRAM_PARTS) {
          const copy = part === 'bucket' ? { ...alias.copy, le: ['le'] } : alias.copy;
          add(`${name}_${part}`, { ...alias, kind: 'counter', fixed: Object.freeze({ ...alias.fixed, part }), ...(copy ? { copy } : {}) });
        }
      }
    }
  }
  return out;
}

/** Every alias Strata maps (Prometheus counters under both spellings), by exact metric name. */
export const SIGNAL_ALIASES: ReadonlyMap<string, SignalAlias> = buildAliases();

/** The alias entry for a metric name, or undefined when Strata does not map the name. */
export function signalAlias(metricName: string): SignalAlias | undefined {
  return SIGNAL_ALIASES.get(metricName);
}
