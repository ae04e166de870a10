import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../detect/types.js';
import { sampleIncident } from '../notifier/sample.js';
import { metricsHandler } from './prometheus.js';
import { FAMILIES, StrataMetrics } from './strata-metrics.js';
import { CONTENT_TYPE } from './text-format.js';

function anomaly(id: string, layer: Anomaly['layer'], endMs: number | null = null): Anomaly {
  return { id, entity: 'gpu:G', signal: 'gpu.clock.sm', layer, kind: 'shift', direction: 'down', startMs: 0, lastMs: 0, endMs, baseline: 1, observed: 0, score: 5, detail: '', examples: [] };
}

describe('StrataMetrics', () => {
  it('declares every family, with strata_up at 1 from the start', () => {
    const m = new StrataMetrics();
    const text = m.registry.render();
    for (const f of Object.values(FAMILIES)) expect(text).toContain(`# TYPE ${f.name} ${f.type}\n`);
    expect(text).toContain('\nstrata_up 1\n');
  });

  it('sets each family under its own labels', () => {
    const m = new StrataMetrics();
    m.setConfidenceMean('qwen', 'replica:n1:8001', 0.8125);
    m.setCalibrationEce('qwen', 'replica:n1:8001', 0.04);
    m.setMonitorFlagRate('reward_hacking', 'qwen', 0.1);
    m.setProbeAlarmRate('deception', 'replica:n1:8001', 0.02);
    m.addIngestSpans(10);
    m.addIngestSpans(5);
    m.addIngestMetricPoints(7);
    m.declareReceivers(['ops']);
    m.countNotification('ops', 'sent');
    const text = m.registry.render();
    expect(text).toContain('strata_confidence_mean{model="qwen",replica="replica:n1:8001"} 0.8125\n');
    expect(text).toContain('strata_calibration_ece{model="qwen",replica="replica:n1:8001"} 0.04\n');
    expect(text).toContain('strata_monitor_flag_rate{model="qwen",monitor="reward_hacking"} 0.1\n');
    expect(text).toContain('strata_probe_alarm_rate{probe="deception",replica="replica:n1:8001"} 0.02\n');
    expect(text).toContain('strata_ingest_spans_total 15\n');
    expect(text).toContain('strata_ingest_metric_points_total 7\n');
    expect(text).toContain('strata_notifications_total{outcome="sent",receiver="ops"} 1\n');
    expect(text).toContain('strata_notifications_total{outcome="failed",receiver="ops"} 0\n');
    expect(m.forget('confidenceMean', { model: 'qwen', replica: 'replica:n1:8001' })).toBe(true);
    expect(m.registry.render()).not.toContain('strata_confidence_mean{');
  });

  it('counts open incidents by their current top cause, keeping resolved label sets at 0', () => {
    const m = new StrataMetrics();
    const sink = m.incidentSink();
    const gpuCause = sampleIncident().causes[0];
    sink(sampleIncident({ id: 'a' }), 'open');
    sink(sampleIncident({ id: 'b' }), 'open');
    sink(sampleIncident({ id: 'b' }), 'update');
    const open = (ft: string, layer: string) => m.registry.get('strata_incidents_open', { fault_type: ft, layer });
    expect(open('gpu_thermal_slowdown', 'infrastructure')).toBe(2);
    sink(sampleIncident({ id: 'b', causes: [{ ...gpuCause, faultType: 'bad_rollout', layer: 'confidence' }] }), 'update');
    expect(open('gpu_thermal_slowdown', 'infrastructure')).toBe(1);
    expect(open('bad_rollout', 'confidence')).toBe(1);
    sink(sampleIncident({ id: 'a', status: 'resolved', endMs: 1 }), 'resolve');
    sink(sampleIncident({ id: 'b', status: 'resolved', endMs: 1 }), 'resolve');
    expect(open('gpu_thermal_slowdown', 'infrastructure')).toBe(0);
    expect(open('bad_rollout', 'confidence')).toBe(0);
  });

  it('counts open anomalies per layer', () => {
    const m = new StrataMetrics();
    const sink = m.anomalySink();
    sink(anomaly('1', 'infrastructure'), 'open');
    sink(anomaly('1', 'infrastructure'), 'update');
    sink(anomaly('2', 'confidence'), 'open');
    expect(m.registry.get('strata_anomalies_open', { layer: 'infrastructure' })).toBe(1);
    sink(anomaly('1', 'infrastructure', 10), 'close');
    expect(m.registry.get('strata_anomalies_open', { layer: 'infrastructure' })).toBe(0);
    expect(m.registry.get('strata_anomalies_open', { layer: 'confidence' })).toBe(1);
  });
});

describe('metricsHandler', () => {
  it('answers GET with the exposition, HEAD without a body, and other methods with 405', () => {
    const m = new StrataMetrics();
    const handle = metricsHandler(m.registry);
    const get = handle('GET');
    expect(get.status).toBe(200);
    expect(get.headers['Content-Type']).toBe(CONTENT_TYPE);
    expect(get.body).toBe(m.registry.render());
    expect(Number(get.headers['Content-Length'])).toBe(Buffer.byteLength(get.body));
    const head = handle('HEAD');
    expect(head.body).toBe('');
    expect(head.headers['Content-Length']).toBe(get.headers['Content-Length']);
    expect(handle('POST')).toMatchObject({ status: 405, headers: { Allow: 'GET, HEAD' } });
  });
});
