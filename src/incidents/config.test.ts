import { describe, expect, it } from 'vitest';
import { DEFAULT_INCIDENTS_CONFIG, IncidentsConfigError, parseIncidentsConfig } from './config.js';

describe('parseIncidentsConfig', () => {
  it('absent or true: the defaults; false: off', () => {
    expect(parseIncidentsConfig(undefined)).toBe(DEFAULT_INCIDENTS_CONFIG);
    expect(parseIncidentsConfig(true)).toBe(DEFAULT_INCIDENTS_CONFIG);
    expect(parseIncidentsConfig(false)).toEqual({ ...DEFAULT_INCIDENTS_CONFIG, enabled: false });
    expect(DEFAULT_INCIDENTS_CONFIG).toMatchObject({ windowMs: 300_000, quietMs: 300_000, confirmMs: 60_000, maxIncidents: 1000 });
  });

  it('reads every setting', () => {
    const c = parseIncidentsConfig({
      window: '2m',
      quiet: '30s',
      reopen: 0,
      confirm: '0s',
      open_score: 8,
      corroborated_score: '4.5',
      fleet_fraction: 0.75,
      max_incidents: 50,
      max_anomalies: 20,
      max_causes: 3,
      request_bucket: '5s',
      request_retention: '1h',
      edges: [{ from: 'replica:node-1:8000', relation: 'uses', to: 'gpu:GPU-3f2a' }],
    });
    expect(c).toEqual({
      enabled: true,
      windowMs: 120_000,
      quietMs: 30_000,
      reopenMs: 0,
      confirmMs: 0,
      openScore: 8,
      corroboratedScore: 4.5,
      fleetFraction: 0.75,
      maxIncidents: 50,
      maxAnomalies: 20,
      maxCauses: 3,
      requestBucketMs: 5000,
      requestRetentionMs: 3_600_000,
      edges: [{ from: 'replica:node-1:8000', relation: 'uses', to: 'gpu:GPU-3f2a' }],
    });
  });

  it('errors name the field', () => {
    const bad: [unknown, string][] = [
      [[], 'incidents: expected false or a mapping'],
      [{ windows: '5m' }, 'incidents.windows: unknown setting'],
      [{ window: 'soon' }, 'incidents.window: expected a duration'],
      [{ window: 0 }, 'incidents.window: expected a duration'],
      [{ open_score: -1 }, 'incidents.open_score: expected a number from 0'],
      [{ fleet_fraction: 2 }, 'incidents.fleet_fraction: expected a number from 0.01 to 1'],
      [{ max_incidents: 1.5 }, 'incidents.max_incidents: expected an integer'],
      [{ enabled: 'yes' }, 'incidents.enabled: expected true or false'],
      [{ edges: {} }, 'incidents.edges: expected a list'],
      [{ edges: [{ from: 'node-1', relation: 'uses', to: 'gpu:G' }] }, 'incidents.edges[0].from: expected an entity id'],
      [{ edges: [{ from: 'replica:a', relation: 'Uses!', to: 'gpu:G' }] }, 'incidents.edges[0].relation: expected a relation'],
      [{ edges: [{ from: 'replica:a', relation: 'uses', to: 'gpu:G', weight: 1 }] }, 'incidents.edges[0].weight: unknown setting'],
    ];
    for (const [raw, message] of bad) {
      expect(() => parseIncidentsConfig(raw)).toThrow(IncidentsConfigError);
      expect(() => parseIncidentsConfig(raw)).toThrow(message);
    }
  });
});
