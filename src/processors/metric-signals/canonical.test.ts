import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALIAS_SOURCES, SIGNAL_ALIASES, SIGNALS, canonicalSignal, signalDefinition } from './index.js';

/**
 * Every metric name of docs' telemetry-names list (vLLM, SGLang, TGI, DCGM exporter, nvidia-smi,
 * OpenTelemetry hardware and GenAI metrics), with the signal it must land on and the factor to the
 * signal's unit. Prometheus counters are listed as exposed (with `_total`); the test also checks the
 * name without it.
 */
const MIB = 1048576;
type Row = readonly [name: string, signal: string, scale?: number];

const VLLM: Row[] = [
  ['vllm:num_requests_running', 'engine.requests.running'],
  ['vllm:num_requests_waiting', 'engine.requests.waiting'],
  ['vllm:kv_cache_usage_perc', 'engine.kv_cache.usage'],
  ['vllm:gpu_cache_usage_perc', 'engine.kv_cache.usage'],
  ['vllm:engine_sleep_state', 'engine.sleep_state'],
  ['vllm:lora_requests_info', 'engine.info.lora_requests'],
  ['vllm:cache_config_info', 'engine.info.cache_config'],
  ['vllm:num_requests_swapped', 'engine.requests.swapped'],
  ['vllm:cpu_cache_usage_perc', 'engine.kv_cache.cpu_usage'],
  ['vllm:avg_prompt_throughput_toks_per_s', 'engine.throughput.prompt'],
  ['vllm:avg_generation_throughput_toks_per_s', 'engine.throughput.generation'],
  ['vllm:num_preemptions_total', 'engine.preemptions'],
  ['vllm:prompt_tokens_total', 'engine.tokens.prompt'],
  ['vllm:generation_tokens_total', 'engine.tokens.generation'],
  ['vllm:request_success_total', 'engine.requests.finished'],
  ['vllm:prefix_cache_queries_total', 'engine.prefix_cache.queries'],
  ['vllm:prefix_cache_hits_total', 'engine.prefix_cache.hits'],
  ['vllm:gpu_prefix_cache_queries_total', 'engine.prefix_cache.queries'],
  ['vllm:gpu_prefix_cache_hits_total', 'engine.prefix_cache.hits'],
  ['vllm:prompt_tokens_by_source_total', 'engine.tokens.prompt_by_source'],
  ['vllm:prompt_tokens_cached_total', 'engine.tokens.prompt_cached'],
  ['vllm:prompt_tokens_recomputed_total', 'engine.tokens.prompt_recomputed'],
  ['vllm:corrupted_requests_total', 'engine.requests.corrupted'],
  ['vllm:spec_decode_num_drafts_total', 'engine.spec_decode.drafts'],
  ['vllm:spec_decode_num_draft_tokens_total', 'engine.spec_decode.draft_tokens'],
  ['vllm:spec_decode_num_accepted_tokens_total', 'engine.spec_decode.accepted_tokens'],
  ['vllm:time_to_first_token_seconds', 'engine.ttft'],
  ['vllm:inter_token_latency_seconds', 'engine.itl'],
  ['vllm:time_per_output_token_seconds', 'engine.itl'],
  ['vllm:request_time_per_output_token_seconds', 'engine.tpot'],
  ['vllm:e2e_request_latency_seconds', 'engine.request.duration'],
  ['vllm:request_queue_time_seconds', 'engine.request.queue_time'],
  ['vllm:request_inference_time_seconds', 'engine.request.inference_time'],
  ['vllm:request_prefill_time_seconds', 'engine.request.prefill_time'],
  ['vllm:request_decode_time_seconds', 'engine.request.decode_time'],
  ['vllm:request_prompt_tokens', 'engine.request.prompt_tokens'],
  ['vllm:request_generation_tokens', 'engine.request.generation_tokens'],
  ['vllm:iteration_tokens_total', 'engine.iteration.tokens'],
  ['vllm:request_num_preemptions', 'engine.request.preemptions'],
];

const SGLANG: Row[] = [
  ['sglang:num_running_reqs', 'engine.requests.running'],
  ['sglang:num_used_tokens', 'engine.kv_cache.used_tokens'],
  ['sglang:token_usage', 'engine.kv_cache.usage'],
  ['sglang:gen_throughput', 'engine.throughput.generation'],
  ['sglang:num_queue_reqs', 'engine.requests.waiting'],
  ['sglang:cache_hit_rate', 'engine.prefix_cache.hit_rate'],
  ['sglang:spec_accept_length', 'engine.spec_decode.accept_length'],
  ['sglang:num_retracted_reqs', 'engine.requests.retracted'],
  ['sglang:utilization', 'engine.utilization'],
  ['sglang:prompt_tokens_total', 'engine.tokens.prompt'],
  ['sglang:generation_tokens_total', 'engine.tokens.generation'],
  ['sglang:cached_tokens_total', 'engine.tokens.prompt_cached'],
  ['sglang:num_requests_total', 'engine.requests.finished'],
  ['sglang:num_aborted_requests_total', 'engine.requests.aborted'],
  ['sglang:time_to_first_token_seconds', 'engine.ttft'],
  ['sglang:inter_token_latency_seconds', 'engine.itl'],
  ['sglang:time_per_output_token_seconds', 'engine.itl'],
  ['sglang:e2e_request_latency_seconds', 'engine.request.duration'],
  ['sglang:queue_time_seconds', 'engine.request.queue_time'],
];

const TGI: Row[] = [
  ['tgi_queue_size', 'engine.requests.waiting'],
  ['tgi_batch_current_size', 'engine.requests.running'],
  ['tgi_batch_current_max_tokens', 'engine.batch.max_tokens'],
  ['tgi_batch_forward_duration', 'engine.batch.forward_duration'],
  ['tgi_batch_decode_duration', 'engine.batch.decode_duration'],
  ['tgi_request_count', 'engine.requests.received'],
  ['tgi_request_success', 'engine.requests.finished'],
  ['tgi_request_failure', 'engine.requests.failed'],
  ['tgi_request_duration', 'engine.request.duration'],
  ['tgi_request_queue_duration', 'engine.request.queue_time'],
  ['tgi_request_inference_duration', 'engine.request.inference_time'],
  ['tgi_request_mean_time_per_token_duration', 'engine.tpot'],
  ['tgi_request_input_length', 'engine.request.prompt_tokens'],
  ['tgi_request_generated_tokens', 'engine.request.generation_tokens'],
];

const DCGM: Row[] = [
  ['DCGM_FI_DEV_SM_CLOCK', 'gpu.clock.sm', 1e6],
  ['DCGM_FI_DEV_MEM_CLOCK', 'gpu.clock.memory', 1e6],
  ['DCGM_FI_DEV_GPU_TEMP', 'gpu.temperature'],
  ['DCGM_FI_DEV_MEMORY_TEMP', 'gpu.memory.temperature'],
  ['DCGM_FI_DEV_POWER_USAGE', 'gpu.power.draw'],
  ['DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', 'gpu.energy', 0.001],
  ['DCGM_FI_DEV_PCIE_REPLAY_COUNTER', 'gpu.pcie.replays'],
  ['DCGM_FI_DEV_XID_ERRORS', 'gpu.xid'],
  ['DCGM_FI_DEV_GPU_UTIL', 'gpu.utilization', 0.01],
  ['DCGM_FI_DEV_MEM_COPY_UTIL', 'gpu.memory.copy_utilization', 0.01],
  ['DCGM_FI_DEV_FB_FREE', 'gpu.memory.free', MIB],
  ['DCGM_FI_DEV_FB_USED', 'gpu.memory.used', MIB],
  ['DCGM_FI_DEV_FB_RESERVED', 'gpu.memory.reserved', MIB],
  ['DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL', 'gpu.nvlink.bandwidth'],
  ['DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS', 'gpu.remapped_rows'],
  ['DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS', 'gpu.remapped_rows'],
  ['DCGM_FI_DEV_ROW_REMAP_FAILURE', 'gpu.remapped_rows.failure'],
  ['DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'gpu.activity.graphics'],
  ['DCGM_FI_PROF_PIPE_TENSOR_ACTIVE', 'gpu.activity.tensor'],
  ['DCGM_FI_PROF_DRAM_ACTIVE', 'gpu.activity.dram'],
  ['DCGM_FI_PROF_PCIE_TX_BYTES', 'gpu.pcie.throughput'],
  ['DCGM_FI_PROF_PCIE_RX_BYTES', 'gpu.pcie.throughput'],
  ['DCGM_FI_DEV_POWER_VIOLATION', 'gpu.violation.time', 1e-6],
  ['DCGM_FI_DEV_THERMAL_VIOLATION', 'gpu.violation.time', 1e-6],
  ['DCGM_FI_DEV_SYNC_BOOST_VIOLATION', 'gpu.violation.time', 1e-6],
  ['DCGM_FI_DEV_BOARD_LIMIT_VIOLATION', 'gpu.violation.time', 1e-6],
  ['DCGM_FI_DEV_LOW_UTIL_VIOLATION', 'gpu.violation.time', 1e-6],
  ['DCGM_FI_DEV_RELIABILITY_VIOLATION', 'gpu.violation.time', 1e-6],
  ['DCGM_FI_DEV_ECC_SBE_VOL_TOTAL', 'gpu.ecc.errors.volatile'],
  ['DCGM_FI_DEV_ECC_DBE_VOL_TOTAL', 'gpu.ecc.errors.volatile'],
  ['DCGM_FI_DEV_ECC_SBE_AGG_TOTAL', 'gpu.ecc.errors.aggregate'],
  ['DCGM_FI_DEV_ECC_DBE_AGG_TOTAL', 'gpu.ecc.errors.aggregate'],
  ['DCGM_FI_DEV_RETIRED_SBE', 'gpu.retired_pages'],
  ['DCGM_FI_DEV_RETIRED_DBE', 'gpu.retired_pages'],
  ['DCGM_FI_DEV_RETIRED_PENDING', 'gpu.retired_pages.pending'],
  ['DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL', 'gpu.nvlink.errors'],
  ['DCGM_FI_DEV_NVLINK_CRC_DATA_ERROR_COUNT_TOTAL', 'gpu.nvlink.errors'],
  ['DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL', 'gpu.nvlink.errors'],
  ['DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL', 'gpu.nvlink.errors'],
  ['DCGM_FI_PROF_SM_ACTIVE', 'gpu.activity.sm'],
  ['DCGM_FI_PROF_SM_OCCUPANCY', 'gpu.activity.sm_occupancy'],
  ['DCGM_FI_DEV_CLOCKS_EVENT_REASONS', 'gpu.throttle.reasons'],
  ['DCGM_FI_DEV_CLOCK_THROTTLE_REASONS', 'gpu.throttle.reasons'],
  ['DCGM_EXP_XID_ERRORS_COUNT', 'gpu.xid.count'],
  ['DCGM_EXP_CLOCK_EVENTS_COUNT', 'gpu.clock_events.count'],
  ['DCGM_EXP_GPU_HEALTH_STATUS', 'gpu.health'],
];

const NVIDIA_SMI: Row[] = [
  ['nvidia_smi.temperature.gpu', 'gpu.temperature'],
  ['nvidia_smi.utilization.gpu', 'gpu.utilization', 0.01],
  ['nvidia_smi.utilization.memory', 'gpu.memory.copy_utilization', 0.01],
  ['nvidia_smi.memory.used', 'gpu.memory.used', MIB],
  ['nvidia_smi.memory.total', 'gpu.memory.total', MIB],
  ['nvidia_smi.power.draw', 'gpu.power.draw'],
  ['nvidia_smi.clocks.sm', 'gpu.clock.sm', 1e6],
  ['nvidia_smi.clocks_event_reasons.active', 'gpu.throttle.reasons'],
  ['nvidia_smi.clocks_throttle_reasons.active', 'gpu.throttle.reasons'],
  ['nvidia_smi.up', 'gpu.telemetry.up'],
];

const OTEL: Row[] = [
  ['hw.gpu.utilization', 'gpu.utilization'],
  ['hw.gpu.memory.usage', 'gpu.memory.used'],
  ['hw.gpu.memory.limit', 'gpu.memory.total'],
  ['hw.gpu.memory.utilization', 'gpu.memory.utilization'],
  ['hw.gpu.io', 'gpu.io'],
  ['hw.gpu.temperature', 'gpu.temperature'],
  ['hw.gpu.power.draw', 'gpu.power.draw'],
  ['hw.gpu.throttled', 'gpu.throttled'],
  ['hw.errors', 'gpu.errors'],
  ['gen_ai.client.token.usage', 'genai.client.token.usage'],
  ['gen_ai.client.operation.duration', 'genai.client.operation.duration'],
  ['gen_ai.client.operation.time_to_first_chunk', 'genai.client.operation.time_to_first_chunk'],
  ['gen_ai.client.operation.time_per_output_chunk', 'genai.client.operation.time_per_output_chunk'],
  ['gen_ai.server.request.duration', 'engine.request.duration'],
  ['gen_ai.server.time_per_output_token', 'engine.tpot'],
  ['gen_ai.server.time_to_first_token', 'engine.ttft'],
];

describe.each([
  ['vLLM', VLLM],
  ['SGLang', SGLANG],
  ['TGI', TGI],
  ['DCGM exporter', DCGM],
  ['nvidia-smi poller', NVIDIA_SMI],
  ['OpenTelemetry', OTEL],
])('%s aliases', (_source, rows) => {
  it.each(rows.map(([name, signal, scale = 1]) => ({ name, signal, scale })))('$name -> $signal', ({ name, signal, scale }) => {
    const s = canonicalSignal({ name, value: 200, attributes: {} });
    expect(s?.name).toBe(signal);
    expect(s?.value).toBeCloseTo(200 * scale, 12);
    expect(SIGNAL_ALIASES.get(name)?.scale).toBe(scale);
  });

  it('Prometheus counters resolve with and without _total; other names only as listed', () => {
    for (const [name, signal] of rows) {
      const alias = SIGNAL_ALIASES.get(name)!;
      const bare = name.endsWith('_total') ? name.slice(0, -'_total'.length) : null;
      if (alias.kind === 'counter' && bare !== null) expect(canonicalSignal({ name: bare, value: 1, attributes: {} })?.name).toBe(signal);
    }
  });
});

describe('the alias table', () => {
  it('names only defined signals, and defines no signal without an alias', () => {
    const used = new Set<string>();
    for (const alias of SIGNAL_ALIASES.values()) {
      used.add(alias.signal);
      for (const v of Object.values(alias.variants?.values ?? {})) if (v !== null) used.add(v);
    }
    for (const s of used) expect(signalDefinition(s), s).toBeDefined();
    expect(Object.keys(SIGNALS).filter((s) => !used.has(s))).toEqual([]);
  });

  it('follows the naming scheme: gpu.*, engine.*, genai.client.*, lowercase dotted', () => {
    for (const name of Object.keys(SIGNALS)) expect(name).toMatch(/^(gpu|engine|genai\.client)\.[a-z0-9_]+(\.[a-z0-9_]+)*$/);
  });

  it('histograms are never rescaled (their buckets are stored as received)', () => {
    for (const [name, alias] of SIGNAL_ALIASES) if (alias.kind === 'histogram') expect([name, alias.scale]).toEqual([name, 1]);
  });

  it('scale factors below 1 are reciprocals of integers, so scaling is one exact division', () => {
    for (const alias of SIGNAL_ALIASES.values()) {
      if (alias.scale < 1) expect(1 / Math.round(1 / alias.scale)).toBe(alias.scale);
    }
  });

  it('adds _total only to lowercase Prometheus counters, never to histograms or DCGM fields', () => {
    expect(SIGNAL_ALIASES.has('vllm:num_preemptions')).toBe(true);
    expect(SIGNAL_ALIASES.has('vllm:num_preemptions_total')).toBe(true);
    expect(SIGNAL_ALIASES.has('vllm:iteration_tokens')).toBe(false);
    expect(SIGNAL_ALIASES.has('vllm:time_to_first_token_seconds_total')).toBe(false);
    expect(SIGNAL_ALIASES.has('DCGM_FI_DEV_PCIE_REPLAY_COUNTER_total')).toBe(false);
    expect(SIGNAL_ALIASES.has('hw.errors_total')).toBe(false);
    expect(SIGNAL_ALIASES.has('gen_ai.server.time_to_first_token_bucket')).toBe(false);
    const entries = Object.values(ALIAS_SOURCES).flatMap((t) => Object.entries(t));
    const prometheus = entries.filter(([n]) => /^[a-z_:][a-z0-9_:]*$/.test(n));
    const counters = prometheus.filter(([, a]) => a.kind === 'counter').length;
    const histograms = prometheus.filter(([, a]) => a.kind === 'histogram').length;
    expect(SIGNAL_ALIASES.size).toBe(entries.length + counters + 3 * histograms);
  });

  it('Prometheus histograms sent as their series (remote write) land on the signal, told apart by part', () => {
    const attrs = { le: '0.5', model_name: 'm' };
    expect(canonicalSignal({ name: 'vllm:time_to_first_token_seconds_bucket', value: 12, attributes: attrs })).toEqual({
      name: 'engine.ttft',
      value: 12,
      labels: { part: 'bucket', le: '0.5' },
    });
    expect(canonicalSignal({ name: 'sglang:e2e_request_latency_seconds_count', value: 3, attributes: {} })?.labels).toEqual({ part: 'count' });
    expect(canonicalSignal({ name: 'tgi_batch_forward_duration_sum', value: 1.5, attributes: { method: 'decode' } })?.labels).toEqual({ part: 'sum', phase: 'decode' });
    // A summary's quantile series carries its quantile.
    expect(canonicalSignal({ name: 'tgi_request_duration', value: 0.8, attributes: { quantile: '0.99' } })).toEqual({
      name: 'engine.request.duration',
      value: 0.8,
      labels: { quantile: '0.99' },
    });
  });

  it('unknown names and near misses have no signal', () => {
    for (const name of ['process_cpu_seconds_total', 'dcgm_fi_dev_gpu_util', 'vllm:num_requests_running_total', 'gpu.utilization', '']) {
      expect(canonicalSignal({ name, value: 1, attributes: {} })).toBeNull();
    }
  });
});

describe('the public sample scrapes (test/fixtures/prometheus)', () => {
  /** Metric names in a Prometheus text scrape: histogram and summary series under their family name. */
  function scrapeNames(text: string): Set<string> {
    const families = new Set<string>();
    for (const m of text.matchAll(/^# TYPE (\S+) (histogram|summary)$/gm)) families.add(m[1]);
    const names = new Set<string>();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const name = /^[^{\s]+/.exec(line)![0];
      const family = name.replace(/_(bucket|count|sum)$/, '');
      names.add(families.has(family) ? family : name);
    }
    return names;
  }
  const listed = new Map([...VLLM, ...SGLANG, ...TGI, ...DCGM, ...NVIDIA_SMI, ...OTEL].map(([name, signal]) => [name, signal]));
  const read = (file: string) => readFileSync(new URL(`../../../test/fixtures/prometheus/${file}`, import.meta.url), 'utf8');

  it.each([
    ['vllm_metrics.txt', 31],
    ['sglang_metrics.txt', 17],
    ['dcgm_metrics.txt', 25],
  ])('%s: every listed metric name in it resolves to its signal', (file, expected) => {
    const inScrape = [...scrapeNames(read(file))].filter((n) => listed.has(n));
    expect(inScrape.length).toBe(expected);
    for (const name of inScrape) expect([name, canonicalSignal({ name, value: 1, attributes: {} })?.name]).toEqual([name, listed.get(name)]);
  });
});
