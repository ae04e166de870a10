import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../model/metric.js';
import type { SpanRecord } from '../model/span.js';
import { anomaly, gpuLinks, MIN, replicaLinks, S, T0 } from '../../test/helpers/incident-fleet.js';
import { parseIncidentsConfig } from './config.js';
import { createIncidentStage } from './stage.js';
import type { Incident, IncidentChange } from './types.js';

describe('createIncidentStage', () => {
  it('learns the topology from the stream and config, counts requests, and correlates anomalies', () => {
    const changes: [IncidentChange, Incident][] = [];
    const config = parseIncidentsConfig({ quiet: '1m', edges: [{ from: 'replica:node-7:8000', relation: 'uses', to: 'gpu:GPU-7' }] });
    const stage = createIncidentStage(config, (i, c) => changes.push([c, i]));
    expect(stage.topology.replicasOn('gpu:GPU-7')).toEqual(['replica:node-7:8000']);
    const links = replicaLinks('replica:node-1:8001', 'host:node-1', ['gpu:GPU-1'], 'model:llama@v1');
    const span = (trace: string, atS: number): SpanRecord => ({ traceId: trace.padStart(32, '0'), startTimeUnixNano: BigInt(T0 + atS * S) * 1_000_000n, entities: links }) as unknown as SpanRecord;
    stage.onSpans([span('1', 10), span('2', 20), span('3', 30)]);
    stage.onMetricPoints([{ entities: gpuLinks('host:node-1', 'gpu:GPU-1') } as unknown as MetricPoint]);
    expect(stage.topology.hostOf('gpu:GPU-1')).toBe('host:node-1');

    stage.onAnomaly({ ...anomaly('gpu:GPU-1', 'gpu.throttle.reasons', 'infrastructure', { kind: 'event', detail: 'hw_thermal', at: 0 }) }, 'open');
    stage.onAnomaly(anomaly('replica:node-1:8001', 'span.itl', 'infrastructure', { at: 15, score: 6 }), 'open');
    stage.advanceTo(T0 + 40 * S);
    const [inc] = stage.correlator.incidents();
    expect(inc.causes[0]).toMatchObject({ entity: 'gpu:GPU-1', faultType: 'gpu_thermal_slowdown' });
    expect(inc.affectedRequests).toBe(3);
    stage.onAnomaly({ ...inc.anomalies[0], endMs: T0 + MIN }, 'close');
    stage.onAnomaly({ ...inc.anomalies[1], endMs: T0 + MIN }, 'close');
    stage.advanceTo(T0 + 3 * MIN);
    expect(changes.map(([c]) => c)).toEqual(['open', 'update', 'update', 'update', 'resolve']);
  });
});
