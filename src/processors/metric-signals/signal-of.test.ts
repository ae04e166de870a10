import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../receivers/otlp/types.js';
import { canonicalSignal } from './index.js';

const sig = (name: string, value: number | null, attributes: Attributes = {}) => canonicalSignal({ name, value, attributes });

describe('values scaled to the canonical unit', () => {
  it('percent to ratio, exactly', () => {
    expect(sig('DCGM_FI_DEV_GPU_UTIL', 87)).toEqual({ name: 'gpu.utilization', value: 0.87, labels: {} });
    expect(sig('nvidia_smi.utilization.gpu', 3)?.value).toBe(0.03);
    expect(sig('DCGM_FI_DEV_FAN_SPEED', 45)?.value).toBe(0.45);
    // hw.gpu.utilization and vLLM's *_perc are fractions already.
    expect(sig('hw.gpu.utilization', 0.42)?.value).toBe(0.42);
    expect(sig('vllm:gpu_cache_usage_perc', 0.25)?.value).toBe(0.25);
    expect(sig('vllm:kv_cache_usage_perc', 0.25)?.value).toBe(0.25);
    expect(sig('sglang:token_usage', 0.25)?.value).toBe(0.25);
  });

  it('MiB to bytes, MHz to Hz, mJ to J, µs to s', () => {
    expect(sig('DCGM_FI_DEV_FB_USED', 15109)?.value).toBe(15109 * 1024 * 1024);
    expect(sig('nvidia_smi.memory.total', 81920)?.value).toBe(85899345920);
    expect(sig('hw.gpu.memory.usage', 85899345920)?.value).toBe(85899345920);
    expect(sig('DCGM_FI_DEV_SM_CLOCK', 1410)?.value).toBe(1.41e9);
    expect(sig('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', 128996013)?.value).toBe(128996.013);
    expect(sig('DCGM_FI_DEV_POWER_VIOLATION', 2500000)).toEqual({ name: 'gpu.violation.time', value: 2.5, labels: { reason: 'power' } });
  });

  it('keeps null (histograms, missing values) and NaN', () => {
    expect(sig('vllm:time_to_first_token_seconds', null)).toEqual({ name: 'engine.ttft', value: null, labels: {} });
    expect(sig('DCGM_FI_DEV_GPU_UTIL', null)?.value).toBeNull();
    expect(sig('DCGM_FI_DEV_GPU_UTIL', Number.NaN)?.value).toBeNaN();
  });
});

describe('signal labels', () => {
  it('throttle bitmask: reasons decoded, value kept', () => {
    expect(sig('DCGM_FI_DEV_CLOCKS_EVENT_REASONS', 0x48)).toEqual({ name: 'gpu.throttle.reasons', value: 72, labels: { reasons: 'hw_slowdown,hw_thermal' } });
    expect(sig('DCGM_FI_DEV_CLOCK_THROTTLE_REASONS', 1)?.labels).toEqual({ reasons: 'gpu_idle' });
    expect(sig('nvidia_smi.clocks_event_reasons.active', 0)?.labels).toEqual({ reasons: 'none' });
    expect(sig('nvidia_smi.clocks_throttle_reasons.active', 0x204)?.labels).toEqual({ reasons: 'bit_9,sw_power_cap' });
    expect(sig('DCGM_FI_DEV_CLOCKS_EVENT_REASONS', 1.5)?.labels).toEqual({});
    expect(sig('DCGM_FI_DEV_CLOCKS_EVENT_REASONS', null)?.labels).toEqual({});
  });

  it('XID: the code as a label, none for 0', () => {
    expect(sig('DCGM_FI_DEV_XID_ERRORS', 79)).toEqual({ name: 'gpu.xid', value: 79, labels: { xid: '79' } });
    expect(sig('DCGM_FI_DEV_XID_ERRORS', 0)?.labels).toEqual({});
    expect(sig('DCGM_EXP_XID_ERRORS_COUNT', 2, { xid: '48', window_size_in_ms: { int: 300000n } })?.labels).toEqual({ xid: '48', window_ms: '300000' });
  });

  it('copied labels: finished reason, sleep state, source, TGI method and error', () => {
    expect(sig('vllm:request_success_total', 3, { finished_reason: 'length', model_name: 'm' })?.labels).toEqual({ finished_reason: 'length' });
    expect(sig('vllm:request_success', 3, {})?.labels).toEqual({});
    expect(sig('vllm:engine_sleep_state', 1, { sleep_state: 'awake' })?.labels).toEqual({ state: 'awake' });
    expect(sig('vllm:prompt_tokens_by_source_total', 9, { source: 'local_cache_hit' })?.labels).toEqual({ source: 'local_cache_hit' });
    expect(sig('tgi_batch_forward_duration', null, { method: 'prefill' })?.labels).toEqual({ phase: 'prefill' });
    expect(sig('tgi_request_failure', 1, { err: 'validation' })?.labels).toEqual({ error: 'validation' });
    expect(sig('gen_ai.client.token.usage', null, { 'gen_ai.token.type': 'input' })?.labels).toEqual({ token_type: 'input' });
    expect(sig('DCGM_EXP_CLOCK_EVENTS_COUNT', 4, { clock_event: 'sw_thermal' })?.labels).toEqual({ reason: 'sw_thermal' });
  });

  it('hw.gpu.throttled: the reason attribute, arrays as a sorted list', () => {
    expect(sig('hw.gpu.throttled', 1, { 'hw.gpu.throttle_reasons': 'power_cap' })).toEqual({ name: 'gpu.throttled', value: 1, labels: { reason: 'power_cap' } });
    expect(sig('hw.gpu.throttled', 1, { 'hw.gpu.throttle_reasons': ['thermal', 'power_cap'] })?.labels).toEqual({ reason: 'power_cap,thermal' });
    expect(sig('hw.gpu.throttled', 0)?.labels).toEqual({});
  });

  it('fixed labels and copies combine without changing the shared table entry', () => {
    expect(sig('DCGM_FI_PROF_PCIE_TX_BYTES', 1000)).toEqual({ name: 'gpu.pcie.throughput', value: 1000, labels: { direction: 'transmit' } });
    expect(sig('DCGM_FI_PROF_PCIE_RX_BYTES', 1000)?.labels).toEqual({ direction: 'receive' });
    expect(sig('hw.gpu.io', 5, { 'network.io.direction': 'receive' })?.labels).toEqual({ direction: 'receive' });
    expect(sig('DCGM_FI_DEV_ECC_DBE_VOL_TOTAL', 1)?.labels).toEqual({ type: 'double_bit' });
    expect(sig('DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL', 1)?.labels).toEqual({ type: 'crc_flit' });
    expect(sig('nvidia_smi.up', 0)).toEqual({ name: 'gpu.telemetry.up', value: 0, labels: { source: 'nvidia-smi' } });
  });
});

describe('variants chosen by an attribute', () => {
  it('hw.gpu.utilization by task', () => {
    expect(sig('hw.gpu.utilization', 0.5, { 'hw.gpu.task': 'general' })?.name).toBe('gpu.utilization');
    expect(sig('hw.gpu.utilization', 0.5, { 'hw.gpu.task': 'encoder' })?.name).toBe('gpu.encoder.utilization');
    expect(sig('hw.gpu.utilization', 0.5, { 'hw.gpu.task': 'Decoder' })?.name).toBe('gpu.decoder.utilization');
    expect(sig('DCGM_FI_DEV_ENC_UTIL', 50)).toEqual({ name: 'gpu.encoder.utilization', value: 0.5, labels: {} });
  });

  it('hw.errors: GPUs (or no hw.type) only', () => {
    expect(sig('hw.errors', 2, { 'hw.type': 'gpu', 'error.type': 'uncorrected' })).toEqual({ name: 'gpu.errors', value: 2, labels: { error_type: 'uncorrected' } });
    expect(sig('hw.errors', 2)?.name).toBe('gpu.errors');
    expect(sig('hw.errors', 2, { 'hw.type': 'physical_disk' })).toBeNull();
  });
});
