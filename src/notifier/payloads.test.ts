import { describe, expect, it } from 'vitest';
import { ALERT_NAME, AlertmanagerChannel, alertsEndpoint, VALIDITY_RESENDS } from './alertmanager.js';
import { sampleIncident } from './sample.js';
import { escapeMrkdwn, slackPayload } from './slack.js';
import { WEBHOOK_PAYLOAD_VERSION, webhookPayload } from './webhook.js';

const NOW = Date.UTC(2026, 0, 1, 12, 5, 0);

describe('generic webhook payload', () => {
  it('is {version, change, incident} with the incident as the API shows it', () => {
    const incident = sampleIncident();
    const body = JSON.parse(JSON.stringify(webhookPayload(incident, 'update')));
    expect(Object.keys(body)).toEqual(['version', 'change', 'incident']);
    expect(body.version).toBe(WEBHOOK_PAYLOAD_VERSION);
    expect(body.change).toBe('update');
    expect(body.incident).toEqual(JSON.parse(JSON.stringify(incident)));
  });
});

describe('Slack payload', () => {
  it('says what, the top cause, the affected requests and the mitigation, in text and blocks', () => {
    const p = slackPayload(sampleIncident(), 'open', 'https://strata.example.com');
    expect(p.text).toContain('Opened: Thermal slowdown on gpu:GPU-1b2c3d4e raised inter-token latency on 2 replicas');
    expect(p.text).toContain('Top cause: gpu_thermal_slowdown on gpu:GPU-1b2c3d4e (infrastructure): thermal slowdown -&gt; SM clock -&gt; inter-token latency');
    expect(p.text).toContain('Affected: 37 requests on gpu:GPU-1b2c3d4e, replica:gpu-node-1:8001, replica:gpu-node-1:8002');
    expect(p.text).toContain('Mitigation: Drain the replicas on gpu:GPU-1b2c3d4e and check its cooling.');
    expect(p.text).toContain('[warning]');
    const types = p.blocks.map((b) => (b as { type: string }).type);
    expect(types).toEqual(['header', 'section', 'section', 'context']);
    expect(JSON.stringify(p.blocks[3])).toContain('<https://strata.example.com/api/incidents/inc-0001|inc-0001>');
  });

  it('omits the mitigation once resolved and shows the span of the incident', () => {
    const p = slackPayload(sampleIncident({ status: 'resolved', endMs: NOW }), 'resolve', null);
    expect(p.text).toMatch(/^\[warning\] Resolved: /);
    expect(p.text).not.toContain('Mitigation');
    expect(p.text).toContain('2026-01-01T12:00:00.000Z to 2026-01-01T12:05:00.000Z');
    expect(p.blocks).toHaveLength(3);
  });

  it("escapes Slack's control characters and clips the header", () => {
    expect(escapeMrkdwn('a <b> & c')).toBe('a &lt;b&gt; &amp; c');
    const p = slackPayload(sampleIncident({ summary: 'x'.repeat(400), causes: [] }), 'open', null);
    const header = p.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBe(150);
    expect(p.text).toContain('Top cause: not yet known');
  });
});

describe('Alertmanager alerts', () => {
  it('posts to /api/v2/alerts of the base URL given', () => {
    expect(alertsEndpoint('http://am:9093')).toBe('http://am:9093/api/v2/alerts');
    expect(alertsEndpoint('http://am:9093/prefix/')).toBe('http://am:9093/prefix/api/v2/alerts');
    expect(alertsEndpoint('http://am:9093/api/v2/alerts')).toBe('http://am:9093/api/v2/alerts');
  });

  it('labels the alert with the incident and its top cause, and ends an open one a few resends ahead', () => {
    const ch = new AlertmanagerChannel('http://am:9093', 60_000, 'https://strata.example.com');
    const [alert] = ch.render(sampleIncident(), 'open', NOW);
    expect(alert.labels).toEqual({
      alertname: ALERT_NAME,
      incident_id: 'inc-0001',
      fault_type: 'gpu_thermal_slowdown',
      layer: 'infrastructure',
      entity: 'gpu:GPU-1b2c3d4e',
      severity: 'warning',
    });
    expect(alert.annotations.summary).toBe('Thermal slowdown on gpu:GPU-1b2c3d4e raised inter-token latency on 2 replicas');
    expect(alert.annotations.mitigation).toBe('Drain the replicas on gpu:GPU-1b2c3d4e and check its cooling.');
    expect(alert.startsAt).toBe('2026-01-01T12:00:00.000Z');
    expect(alert.endsAt).toBe(new Date(NOW + VALIDITY_RESENDS * 60_000).toISOString());
    expect(alert.generatorURL).toBe('https://strata.example.com/api/incidents/inc-0001');
  });

  it('ends a resolved alert at its end, and never after now', () => {
    const ch = new AlertmanagerChannel('http://am:9093', 60_000, null);
    const [a] = ch.render(sampleIncident({ status: 'resolved', endMs: NOW - 1000 }), 'resolve', NOW);
    expect(a.endsAt).toBe(new Date(NOW - 1000).toISOString());
    expect(a.generatorURL).toBeUndefined();
    const [b] = ch.render(sampleIncident({ status: 'resolved', endMs: NOW + 3_600_000 }), 'resolve', NOW);
    expect(b.endsAt).toBe(new Date(NOW).toISOString());
  });

  it('ends the old label set in the same request when an update changes the top cause', () => {
    const ch = new AlertmanagerChannel('http://am:9093', 60_000, null);
    const first = sampleIncident();
    ch.delivered(first);
    const moved = sampleIncident({ causes: [{ ...first.causes[1], faultType: 'gpu_xid_79', layer: 'infrastructure', entity: 'gpu:GPU-9' }] });
    const alerts = ch.render(moved, 'update', NOW);
    expect(alerts).toHaveLength(2);
    expect(alerts[0].labels).toMatchObject({ fault_type: 'gpu_thermal_slowdown', entity: 'gpu:GPU-1b2c3d4e' });
    expect(alerts[0].endsAt).toBe(new Date(NOW).toISOString());
    expect(alerts[1].labels).toMatchObject({ fault_type: 'gpu_xid_79', entity: 'gpu:GPU-9', severity: 'critical' });
    ch.delivered(moved);
    expect(ch.render(moved, 'update', NOW)).toHaveLength(1);
    expect(ch.resend([moved], NOW)).toHaveLength(1);
    expect(ch.resend([], NOW)).toBeNull();
  });

  it('labels a telemetry gap without causes as an info-level telemetry outage', () => {
    const ch = new AlertmanagerChannel('http://am:9093', 60_000, null);
    const [a] = ch.render(sampleIncident({ kind: 'gap', causes: [], entities: ['host:node-3'] }), 'open', NOW);
    expect(a.labels).toMatchObject({ fault_type: 'telemetry_outage', layer: 'telemetry', entity: 'host:node-3', severity: 'info' });
  });
});
