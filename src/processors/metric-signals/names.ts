/**
 * The canonical signal names and their units. The scheme (docs/conventions.md, "Canonical signals"):
 * - `gpu.*`: one GPU's hardware telemetry (DCGM exporter, nvidia-smi, OpenTelemetry `hw.gpu.*`);
 * - `engine.*`: one model-serving engine replica (vLLM, SGLang, TGI, OpenTelemetry `gen_ai.server.*`);
 * - `genai.client.*`: what a GenAI client measured of its calls (OpenTelemetry `gen_ai.client.*`).
 * Units are UCUM as OpenTelemetry writes them, in base units: ratios 0–1 (`1`), seconds, bytes, hertz,
 * watts, joules, degrees Celsius. Where sources split one quantity in parts that add up (error types,
 * directions, reasons), the parts share a name and a label tells them apart; overlapping views of one
 * quantity (volatile vs aggregate ECC counts) get separate names.
 */

/** What a canonical signal measures, and in which unit. */
export interface SignalDefinition {
  /** UCUM unit, as in OpenTelemetry (`1` for ratios and codes, `{token}` for counts of tokens). */
  readonly unit: string;
  readonly description: string;
  /** Labels this signal may carry (decoded or copied; see canonical.ts). */
  readonly labels?: readonly string[];
}

/** Every canonical signal, in documentation order. */
export const SIGNALS = {
  // ---- gpu.*: utilisation and activity
  'gpu.utilization': { unit: '1', description: 'fraction of time a kernel ran (general task)' },
  'gpu.encoder.utilization': { unit: '1', description: 'video encoder utilisation' },
  'gpu.decoder.utilization': { unit: '1', description: 'video decoder utilisation' },
  'gpu.memory.copy_utilization': { unit: '1', description: 'fraction of time device memory was read or written' },
  'gpu.activity.graphics': { unit: '1', description: 'graphics/compute engine active ratio (DCGM profiling)' },
  'gpu.activity.sm': { unit: '1', description: 'SM active ratio' },
  'gpu.activity.sm_occupancy': { unit: '1', description: 'resident warps over the SM maximum' },
  'gpu.activity.tensor': { unit: '1', description: 'tensor pipe active ratio' },
  'gpu.activity.fp16': { unit: '1', description: 'FP16 pipe active ratio' },
  'gpu.activity.fp32': { unit: '1', description: 'FP32 pipe active ratio' },
  'gpu.activity.fp64': { unit: '1', description: 'FP64 pipe active ratio' },
  'gpu.activity.dram': { unit: '1', description: 'device memory interface active ratio' },
  // ---- gpu.*: memory
  'gpu.memory.used': { unit: 'By', description: 'framebuffer memory in use' },
  'gpu.memory.free': { unit: 'By', description: 'framebuffer memory free' },
  'gpu.memory.reserved': { unit: 'By', description: 'framebuffer memory reserved by the driver' },
  'gpu.memory.total': { unit: 'By', description: 'framebuffer memory size' },
  'gpu.memory.utilization': { unit: '1', description: 'fraction of memory capacity in use' },
  // ---- gpu.*: thermals, power, clocks
  'gpu.temperature': { unit: 'Cel', description: 'GPU die temperature' },
  'gpu.memory.temperature': { unit: 'Cel', description: 'memory (HBM) temperature' },
  'gpu.power.draw': { unit: 'W', description: 'power drawn' },
  'gpu.power.limit': { unit: 'W', description: 'power management limit' },
  'gpu.energy': { unit: 'J', description: 'energy consumed since the driver loaded (counter)' },
  'gpu.clock.sm': { unit: 'Hz', description: 'SM clock' },
  'gpu.clock.memory': { unit: 'Hz', description: 'memory clock' },
  'gpu.fan.speed': { unit: '1', description: 'fan speed, fraction of maximum' },
  'gpu.pstate': { unit: '1', description: 'performance state (0 fastest … 15)' },
  // ---- gpu.*: throttling
  'gpu.throttle.reasons': { unit: '1', description: 'NVML clock event reason bitmask, as received', labels: ['reasons'] },
  'gpu.throttled': { unit: '1', description: '1 while clocks are held down for `reason`', labels: ['reason'] },
  'gpu.clock_events.count': { unit: '{event}', description: 'clock events per reason (dcgm-exporter)', labels: ['reason'] },
  'gpu.violation.time': { unit: 's', description: 'time clocks were held down, per reason (counter)', labels: ['reason'] },
  // ---- gpu.*: interconnect
  'gpu.pcie.throughput': { unit: 'By/s', description: 'PCIe bytes per second', labels: ['direction'] },
  'gpu.pcie.replays': { unit: '{replay}', description: 'PCIe replays (counter)' },
  'gpu.io': { unit: 'By', description: 'bytes transferred (counter)', labels: ['direction'] },
  'gpu.nvlink.bandwidth': { unit: '{count}', description: 'NVLink bandwidth counter, all lanes, as DCGM reports it' },
  'gpu.nvlink.errors': { unit: '{error}', description: 'NVLink errors (counter)', labels: ['type'] },
  // ---- gpu.*: faults and health
  'gpu.xid': { unit: '1', description: 'the last XID error code (0: none yet)', labels: ['xid'] },
  'gpu.xid.count': { unit: '{error}', description: 'XID errors per code in a window (dcgm-exporter)', labels: ['xid', 'window_ms'] },
  'gpu.ecc.errors.volatile': { unit: '{error}', description: 'ECC errors since the driver loaded', labels: ['type'] },
  'gpu.ecc.errors.aggregate': { unit: '{error}', description: 'ECC errors over the GPU lifetime', labels: ['type'] },
  'gpu.retired_pages': { unit: '{page}', description: 'pages retired', labels: ['type'] },
  'gpu.retired_pages.pending': { unit: '{page}', description: 'pages pending retirement' },
  'gpu.remapped_rows': { unit: '{row}', description: 'memory rows remapped', labels: ['type'] },
  'gpu.remapped_rows.failure': { unit: '1', description: '1 when a row remapping failed' },
  'gpu.errors': { unit: '{error}', description: 'hardware errors (counter)', labels: ['error_type'] },
  'gpu.health': { unit: '1', description: 'DCGM health status' },
  'gpu.telemetry.up': { unit: '1', description: '1 when the GPU telemetry source answered', labels: ['source'] },

  // ---- engine.*: requests
  'engine.requests.running': { unit: '{request}', description: 'requests being processed (in the running batch)' },
  'engine.requests.waiting': { unit: '{request}', description: 'requests queued' },
  'engine.requests.swapped': { unit: '{request}', description: 'requests swapped to CPU (vLLM v0)' },
  'engine.requests.retracted': { unit: '{request}', description: 'requests retracted (SGLang)' },
  'engine.requests.received': { unit: '{request}', description: 'requests received (counter)' },
  'engine.requests.finished': { unit: '{request}', description: 'requests finished (counter)', labels: ['finished_reason'] },
  'engine.requests.failed': { unit: '{request}', description: 'requests failed (counter)', labels: ['error'] },
  'engine.requests.aborted': { unit: '{request}', description: 'requests aborted (counter)' },
  'engine.requests.corrupted': { unit: '{request}', description: 'requests with NaNs in the logits (counter)' },
  'engine.preemptions': { unit: '{preemption}', description: 'preemptions (counter)' },
  'engine.sleep_state': { unit: '1', description: '1 for the engine\'s current sleep state', labels: ['state'] },
  'engine.info.cache_config': { unit: '1', description: 'cache configuration (info: the labels are the content)' },
  'engine.info.lora_requests': { unit: '1', description: 'LoRA adapters running and waiting (info)' },
  'engine.utilization': { unit: '1', description: 'engine utilisation (SGLang)' },
  // ---- engine.*: KV and prefix cache
  'engine.kv_cache.usage': { unit: '1', description: 'fraction of the KV cache in use' },
  'engine.kv_cache.cpu_usage': { unit: '1', description: 'fraction of the CPU KV cache in use (vLLM v0)' },
  'engine.kv_cache.used_tokens': { unit: '{token}', description: 'tokens held in the KV cache' },
  'engine.kv_cache.capacity_tokens': { unit: '{token}', description: 'KV cache capacity' },
  'engine.prefix_cache.queries': { unit: '{token}', description: 'prefix cache queries (counter)' },
  'engine.prefix_cache.hits': { unit: '{token}', description: 'prefix cache hits (counter)' },
  'engine.prefix_cache.hit_rate': { unit: '1', description: 'prefix cache hit rate' },
  // ---- engine.*: tokens and throughput
  'engine.tokens.prompt': { unit: '{token}', description: 'prompt tokens processed (counter)' },
  'engine.tokens.generation': { unit: '{token}', description: 'tokens generated (counter)' },
  'engine.tokens.prompt_by_source': { unit: '{token}', description: 'prompt tokens per source (counter)', labels: ['source'] },
  'engine.tokens.prompt_cached': { unit: '{token}', description: 'prompt tokens served from cache (counter)' },
  'engine.tokens.prompt_recomputed': { unit: '{token}', description: 'prompt tokens recomputed (counter)' },
  'engine.throughput.prompt': { unit: '{token}/s', description: 'prompt throughput' },
  'engine.throughput.generation': { unit: '{token}/s', description: 'generation throughput' },
  'engine.spec_decode.drafts': { unit: '{draft}', description: 'speculative drafts (counter)' },
  'engine.spec_decode.draft_tokens': { unit: '{token}', description: 'draft tokens proposed (counter)' },
  'engine.spec_decode.accepted_tokens': { unit: '{token}', description: 'draft tokens accepted (counter)' },
  'engine.spec_decode.accept_length': { unit: '{token}', description: 'mean accepted length per step' },
  'engine.spec_decode.accept_rate': { unit: '1', description: 'draft acceptance rate' },
  'engine.batch.max_tokens': { unit: '{token}', description: 'token budget of the current batch' },
  'engine.batch.forward_duration': { unit: 's', description: 'time of one batch forward pass', labels: ['phase'] },
  'engine.batch.decode_duration': { unit: 's', description: 'time decoding a batch\'s tokens to text', labels: ['phase'] },
  'engine.iteration.tokens': { unit: '{token}', description: 'tokens per engine step' },
  // ---- engine.*: per-request latencies and sizes (histograms)
  'engine.ttft': { unit: 's', description: 'time to first token' },
  'engine.itl': { unit: 's', description: 'inter-token latency: the gap between two output tokens' },
  'engine.tpot': { unit: 's', description: 'time per output token, one observation per request (decode time over tokens)' },
  'engine.request.duration': { unit: 's', description: 'end-to-end request latency' },
  'engine.request.queue_time': { unit: 's', description: 'time queued' },
  'engine.request.inference_time': { unit: 's', description: 'time running (prefill and decode)' },
  'engine.request.prefill_time': { unit: 's', description: 'prefill time' },
  'engine.request.decode_time': { unit: 's', description: 'decode time' },
  'engine.request.prompt_tokens': { unit: '{token}', description: 'prompt length' },
  'engine.request.generation_tokens': { unit: '{token}', description: 'tokens generated per request' },
  'engine.request.preemptions': { unit: '{preemption}', description: 'preemptions per request' },

  // ---- genai.client.*
  'genai.client.token.usage': { unit: '{token}', description: 'tokens per call', labels: ['token_type'] },
  'genai.client.operation.duration': { unit: 's', description: 'call duration' },
  'genai.client.operation.time_to_first_chunk': { unit: 's', description: 'time to the first streamed chunk' },
  'genai.client.operation.time_per_output_chunk': { unit: 's', description: 'time between streamed chunks' },
} as const satisfies Record<string, SignalDefinition>;

/** A canonical signal name. */
export type SignalName = keyof typeof SIGNALS;

/** The definition of a canonical signal, or undefined for a name that is not one. */
export function signalDefinition(name: string): SignalDefinition | undefined {
  return Object.hasOwn(SIGNALS, name) ? (SIGNALS as Record<string, SignalDefinition>)[name] : undefined;
}
