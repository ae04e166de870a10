/**
 * A replica's `/metrics` in vLLM's format (Prometheus text 0.0.4): the `vllm:` gauges, counters and
 * histograms Strata maps to `engine.*` signals, labelled `model_name` with the served model version,
 * numbers written the way Python's prometheus_client writes them (`5.0`, `+Inf`).
 */
import type { ReplicaEngine } from './replica-state.js';

/** A number as prometheus_client prints a float. */
export function pyFloat(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Number.isNaN(n)) return 'NaN';
  return Number.isInteger(n) && Math.abs(n) < 1e16 ? `${n}.0` : String(n);
}

export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The fixed text of one replica's exposition, split around the values (built once per engine). */
interface Layout {
  /** Text before each value; the exposition is parts[0] v0 parts[1] v1 ... parts[n]. */
  readonly parts: readonly string[];
}

const layouts = new WeakMap<ReplicaEngine, Layout>();

const HISTOGRAMS = [
  ['vllm:time_to_first_token_seconds', 'Time to first token, seconds.', 'ttft'],
  ['vllm:inter_token_latency_seconds', 'Inter-token latency, seconds.', 'itl'],
  ['vllm:request_time_per_output_token_seconds', 'Time per output token of each request, seconds.', 'tpot'],
  ['vllm:e2e_request_latency_seconds', 'End-to-end request latency, seconds.', 'e2e'],
  ['vllm:request_queue_time_seconds', 'Time requests spent waiting, seconds.', 'queue'],
  ['vllm:request_prompt_tokens', 'Prompt tokens per request.', 'promptHist'],
  ['vllm:request_generation_tokens', 'Generated tokens per request.', 'generationHist'],
] as const;

function layoutOf(engine: ReplicaEngine): Layout {
  const cached = layouts.get(engine);
  if (cached) return cached;
  const spec = engine.spec;
  const model = `model_name="${escapeLabel(spec.version)}"`;
  const parts: string[] = [];
  let text = '';
  const value = (prefix: string): void => {
    parts.push(text + prefix);
    text = '\n';
  };
  const family = (name: string, type: string, help: string): void => {
    text += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
  };
  family('vllm:cache_config_info', 'gauge', 'Information of the KV-cache configuration.');
  text += `vllm:cache_config_info{block_size="16",cache_dtype="auto",enable_prefix_caching="True",gpu_memory_utilization="0.9",num_gpu_blocks="${Math.floor(spec.kvCacheTokens / 16)}",swap_space_bytes="4294967296"} 1.0\n`;
  family('vllm:num_requests_running', 'gauge', 'Requests in model execution batches.');
  value(`vllm:num_requests_running{${model}} `);
  family('vllm:num_requests_waiting', 'gauge', 'Requests waiting to be scheduled.');
  value(`vllm:num_requests_waiting{${model}} `);
  family('vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage (1 means 100 percent).');
  value(`vllm:kv_cache_usage_perc{${model}} `);
  family('vllm:num_preemptions_total', 'counter', 'Cumulative preemptions by the scheduler.');
  value(`vllm:num_preemptions_total{${model}} `);
  family('vllm:prompt_tokens_total', 'counter', 'Prefill tokens processed.');
  value(`vllm:prompt_tokens_total{${model}} `);
  family('vllm:generation_tokens_total', 'counter', 'Generation tokens processed.');
  value(`vllm:generation_tokens_total{${model}} `);
  family('vllm:request_success_total', 'counter', 'Successfully finished requests.');
  value(`vllm:request_success_total{finished_reason="stop",${model}} `);
  value(`vllm:request_success_total{finished_reason="length",${model}} `);
  for (const [name, help, key] of HISTOGRAMS) {
    family(name, 'histogram', help);
    for (const b of engine.counters[key].bounds) value(`${name}_bucket{le="${pyFloat(b)}",${model}} `);
    value(`${name}_bucket{le="+Inf",${model}} `);
    value(`${name}_count{${model}} `);
    value(`${name}_sum{${model}} `);
    }
  parts.push(text);
  const layout = { parts };
  layouts.set(engine, layout);
  return layout;
}

/** The exposition of `engine` at unix ms `atMs` (counters hold what `flush` has counted up to then). */
export function vllmExposition(engine: ReplicaEngine, atMs: number, leakTokens: number): string {
  const c = engine.counters;
  const { parts } = layoutOf(engine);
  const values: number[] = [
    engine.running(atMs),
    engine.waiting(atMs),
    Math.round(engine.kvUsage(atMs, leakTokens) * 1e6) / 1e6,
    c.preemptions,
    c.promptTokens,
    c.generationTokens,
    c.success.stop,
    c.success.length,
  ];
  for (const [, , key] of HISTOGRAMS) {
    const h = c[key];
    let cumulative = 0;
    for (let i = 0; i < h.bounds.length; i++) values.push((cumulative += h.counts[i]));
    values.push(h.count, h.count, h.sum);
  }
  let out = parts[0];
  for (let i = 0; i < values.length; i++) out += pyFloat(values[i]) + parts[i + 1];
  return out;
}
