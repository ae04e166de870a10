import { describe, expect, it } from 'vitest';
import { anomaly, event, gap, R1 } from '../../test/helpers/incident-fleet.js';
import { symptomsOf } from './symptoms.js';

describe('symptomsOf', () => {
  it('reads events by their detail', () => {
    expect(symptomsOf(event('gpu:G', 'gpu.xid', 'XID 79', 0))).toEqual(['xid_79']);
    expect(symptomsOf(event('gpu:G', 'gpu.xid', 'XID 94', 0))).toEqual(['xid_ecc']);
    expect(symptomsOf(event('gpu:G', 'gpu.xid.count', 'xid=48 +1', 0))).toEqual(['xid_ecc']);
    expect(symptomsOf(event('gpu:G', 'gpu.xid', 'XID 13', 0))).toEqual(['xid_other']);
    expect(symptomsOf(event('gpu:G', 'gpu.throttle.reasons', 'hw_slowdown,hw_thermal', 0))).toEqual(['thermal_reason']);
    expect(symptomsOf(event('gpu:G', 'gpu.throttle.reasons', 'sw_power_cap', 0))).toEqual(['power_reason']);
    expect(symptomsOf(event('gpu:G', 'gpu.throttle.reasons', 'hw_slowdown', 0))).toEqual(['hw_slowdown_reason']);
    expect(symptomsOf(event('gpu:G', 'gpu.ecc.errors.volatile', 'double_bit +2', 0))).toEqual(['ecc_uncorrectable']);
    expect(symptomsOf(anomaly('gpu:G', 'gpu.ecc.errors.aggregate', 'infrastructure', { detail: 'single_bit' }))).toEqual(['ecc_correctable']);
  });

  it('reads shifts by signal and direction; the serving engine only in the infrastructure layer', () => {
    expect(symptomsOf(anomaly('gpu:G', 'gpu.clock.sm', 'infrastructure', { direction: 'down' }))).toEqual(['clock_down']);
    expect(symptomsOf(anomaly('gpu:G', 'gpu.clock.sm', 'infrastructure', { direction: 'up' }))).toEqual(['other']);
    expect(symptomsOf(anomaly('gpu:G', 'gpu.nvlink.errors', 'infrastructure'))).toEqual(['nvlink_errors']);
    expect(symptomsOf(anomaly(R1, 'engine.kv_cache.usage', 'infrastructure'))).toEqual(['kv_usage_up']);
    expect(symptomsOf(anomaly(R1, 'engine.request.queue_time', 'infrastructure'))).toEqual(['queue_up']);
    expect(symptomsOf(anomaly(R1, 'span.ttft', 'infrastructure'))).toEqual(['ttft_up']);
    expect(symptomsOf(anomaly(R1, 'engine.tpot', 'infrastructure'))).toEqual(['itl_up']);
    expect(symptomsOf(anomaly(R1, 'span.error_rate', 'infrastructure'))).toEqual(['errors_up']);
    expect(symptomsOf(anomaly(R1, 'span.format_failure_rate', 'confidence'))).toEqual(['format_failures_up']);
    expect(symptomsOf(anomaly(R1, 'span.confidence', 'confidence', { direction: 'down' }))).toEqual(['confidence_drop']);
    expect(symptomsOf(anomaly(R1, 'span.confidence', 'confidence', { direction: 'down', baseline: 0.8, observed: 0.3 }))).toEqual(['confidence_collapse']);
    expect(symptomsOf(anomaly(R1, 'span.confidence', 'confidence', { direction: 'up' }))).toEqual(['confidence_rise']);
    expect(symptomsOf(anomaly(R1, 'span.entropy', 'confidence', { direction: 'up' }))).toEqual(['confidence_drop']);
    expect(symptomsOf(anomaly(R1, 'calibration.ece', 'confidence'))).toEqual(['calibration_shift']);
    expect(symptomsOf(anomaly(R1, 'monitor.flag_rate', 'behaviour'))).toEqual(['monitor_flags_up']);
    expect(symptomsOf(anomaly(R1, 'probe.agreement', 'internals', { direction: 'down' }))).toEqual(['probe_alarm']);
  });

  it('gaps, scrape health and unknown series', () => {
    expect(symptomsOf(gap('host:h', 0))).toEqual(['gap']);
    expect(symptomsOf(anomaly('host:h', 'up', 'infrastructure', { direction: 'down' }))).toEqual(['gap']);
    expect(symptomsOf(anomaly('gpu:G', 'gpu.telemetry.up', 'infrastructure', { direction: 'down' }))).toEqual(['gap']);
    expect(symptomsOf(anomaly(R1, 'span.output_tokens', 'infrastructure'))).toEqual(['other']);
  });
});
