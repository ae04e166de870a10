import { describe, expect, it } from 'vitest';
import type { Anomaly, AnomalyChange } from '../detect/types.js';
import { FLEET_ENTITY } from '../model/faults.js';
import type { SpanRecord } from '../model/span.js';
import { anomaly, event, fleetTopology, gap, MIN, R1, R2, R3, R4, S, T0 } from '../../test/helpers/incident-fleet.js';
import { Correlator, type CorrelatorOptions } from './correlator.js';
import { RequestCounter } from './request-counter.js';
import type { Incident, IncidentChange } from './types.js';

interface Harness {
  readonly c: Correlator;
  readonly changes: { change: IncidentChange; incident: Incident }[];
  feed(a: Anomaly, change?: AnomalyChange): void;
  close(a: Anomaly, atS: number): Anomaly;
}

function harness(options: Partial<CorrelatorOptions> = {}): Harness {
  const changes: { change: IncidentChange; incident: Incident }[] = [];
  const c = new Correlator(fleetTopology(), options, (incident, change) => changes.push({ incident, change }));
  return {
    c,
    changes,
    feed: (a, change = 'open') => c.onAnomaly(a, change),
    close(a, atS) {
      const closed = { ...a, endMs: T0 + atS * S, lastMs: T0 + atS * S };
      c.onAnomaly(closed, 'close');
      return closed;
    },
  };
}

const THERMAL = [
  event('gpu:GPU-1', 'gpu.throttle.reasons', 'hw_thermal_slowdown', 60),
  anomaly('gpu:GPU-1', 'gpu.clock.sm', 'infrastructure', { at: 65, direction: 'down', score: 8, baseline: 1.98e9, observed: 1.2e9 }),
  anomaly(R1, 'span.itl', 'infrastructure', { at: 80, score: 7, baseline: 0.02, observed: 0.028 }),
];

describe('Correlator: grouping', () => {
  it('connected anomalies close in time are one incident, ranked, summarised, with a mitigation', () => {
    const h = harness();
    for (const a of THERMAL) h.feed(a);
    const list = h.c.incidents();
    expect(list).toHaveLength(1);
    const inc = list[0];
    expect(inc).toMatchObject({ status: 'open', kind: 'fault', startMs: T0 + 60 * S, endMs: null });
    expect(inc.causes[0]).toMatchObject({ entity: 'gpu:GPU-1', faultType: 'gpu_thermal_slowdown', layer: 'infrastructure' });
    expect(inc.anomalies.map((a) => a.signal)).toEqual(['gpu.throttle.reasons', 'gpu.clock.sm', 'span.itl']);
    expect(inc.entities).toEqual(['gpu:GPU-1', R1]);
    expect(inc.summary).toBe(
      'GPU thermal slowdown on GPU GPU-1: inter-token latency on replica node-1:8001 rose 40% at 14:01:20; GPU GPU-1 reported hw_thermal_slowdown at 14:01; 0 requests affected',
    );
    expect(inc.mitigation).toContain('GPU GPU-1');
    expect(inc.localisedMs).toBe(T0 + 60 * S);
    expect(h.changes[0].change).toBe('open');
    expect(h.changes.slice(1).every((x) => x.change === 'update')).toBe(true);
    expect(h.c.get(inc.id)).toEqual(inc);
    expect(h.c.get('inc-nope')).toBeUndefined();
  });

  it('unconnected anomalies at the same time are separate incidents, newest first', () => {
    const h = harness();
    h.feed(anomaly(R1, 'engine.kv_cache.usage', 'infrastructure', { at: 0, score: 12 }));
    h.feed(anomaly('gpu:GPU-4', 'gpu.nvlink.errors', 'infrastructure', { at: 10, score: 15 }));
    const list = h.c.incidents();
    expect(list.map((i) => i.causes[0].faultType)).toEqual(['nvlink_errors', 'kv_cache_exhaustion']);
  });

  it('connected but far apart in time: separate incidents', () => {
    const h = harness({ windowMs: 5 * MIN });
    const first = event('gpu:GPU-5', 'gpu.xid', 'XID 79', 0);
    h.feed(first);
    h.close(first, 1);
    h.c.advanceTo(T0 + 20 * MIN);
    h.feed(event('gpu:GPU-5', 'gpu.xid', 'XID 79', 60 * 60));
    expect(h.c.incidents()).toHaveLength(2);
  });

  it('an anomaly connecting two incidents merges them into the older, without losing the other id', () => {
    const h = harness();
    h.feed(anomaly(R1, 'span.confidence', 'confidence', { at: 0, direction: 'down', score: 12 }));
    h.feed(event('gpu:GPU-2', 'gpu.xid', 'XID 48', 30));
    const [younger, older] = h.c.incidents();
    expect(younger.id).not.toBe(older.id);
    // R2 runs on GPU-2 and its quality drop is connected to R1's across the fleet.
    h.feed(anomaly(R2, 'span.confidence', 'confidence', { at: 40, direction: 'down', score: 9 }));
    const list = h.c.incidents();
    expect(list).toHaveLength(1);
    expect(list[0].id).toBe(older.id);
    expect(list[0].anomalies).toHaveLength(3);
    const merged = h.changes.find((x) => x.incident.id === younger.id && x.change === 'resolve');
    expect(merged?.incident).toMatchObject({ status: 'resolved', mergedInto: older.id });
    expect(h.c.get(younger.id)?.id).toBe(older.id);
  });

  it('quality drops across replicas join, and the top cause moves to the fleet (localisedMs follows)', () => {
    const h = harness();
    h.feed(anomaly(R1, 'span.confidence', 'confidence', { at: 0, direction: 'down', score: 11 }));
    expect(h.c.incidents()[0].causes[0]).toMatchObject({ entity: R1, faultType: 'bad_rollout' });
    expect(h.c.incidents()[0].localisedMs).toBe(T0);
    h.feed(anomaly(R3, 'span.confidence', 'confidence', { at: 30, direction: 'down', score: 7 }));
    h.feed(anomaly(R4, 'span.confidence', 'confidence', { at: 45, direction: 'down', score: 7 }));
    const [inc] = h.c.incidents();
    expect(h.c.incidents()).toHaveLength(1);
    expect(inc.causes[0]).toMatchObject({ entity: FLEET_ENTITY, faultType: 'prompt_drift', layer: 'input' });
    expect(inc.causes.some((c) => c.entity.startsWith('gpu:'))).toBe(false);
    expect(inc.localisedMs).toBe(T0 + 30 * S);
    expect(inc.summary).toBe('prompt drift on the fleet: confidence on replica node-1:8001 dropped 30% at 14:00, and on 2 more replicas; 0 requests affected');
  });
});

describe('Correlator: false-positive guard', () => {
  it('a single weak, short shift with nothing connected opens nothing', () => {
    const h = harness({ confirmMs: 60 * S, openScore: 10 });
    const a = anomaly(R1, 'span.ttft', 'infrastructure', { at: 0, score: 4 });
    h.feed(a);
    h.close(a, 20);
    h.c.advanceTo(T0 + 60 * MIN);
    expect(h.c.incidents()).toEqual([]);
    expect(h.changes).toEqual([]);
  });

  it('a weak shift that lasts opens once it has lasted confirmMs (in event time)', () => {
    const h = harness({ confirmMs: 60 * S, openScore: 10 });
    h.feed(anomaly(R1, 'span.ttft', 'infrastructure', { at: 0, score: 4 }));
    h.c.advanceTo(T0 + 59 * S);
    expect(h.c.incidents()).toEqual([]);
    h.c.advanceTo(T0 + 60 * S);
    expect(h.c.incidents()).toHaveLength(1);
  });

  it('a shift that flickers open and closed adds up its spells toward confirmation', () => {
    const h = harness({ confirmMs: 60 * S, openScore: 10, windowMs: 5 * MIN });
    for (let i = 0; i < 3; i++) {
      const a = anomaly(R2, 'span.confidence', 'confidence', { at: i * 40, direction: 'down', score: 4 });
      h.feed(a);
      h.close(a, i * 40 + 25);
      expect(h.c.incidents()).toHaveLength(i < 2 ? 0 : 1);
    }
    expect(h.c.incidents()[0].anomalies).toHaveLength(3);
  });

  it('events and gaps open at once; a strong shift opens at once; two connected weak shifts corroborate', () => {
    const opens = (...anomalies: Anomaly[]): number => {
      const h = harness({ confirmMs: 60 * S, openScore: 10, corroboratedScore: 6 });
      for (const a of anomalies) h.feed(a);
      return h.c.incidents().length;
    };
    expect(opens(event('gpu:GPU-5', 'gpu.xid', 'XID 79', 0))).toBe(1);
    expect(opens(gap('host:node-1', 0))).toBe(1);
    expect(opens(anomaly(R4, 'span.ttft', 'infrastructure', { at: 0, score: 10 }))).toBe(1);
    expect(opens(anomaly(R4, 'span.ttft', 'infrastructure', { at: 0, score: 9 }))).toBe(0);
    expect(opens(anomaly('gpu:GPU-4', 'gpu.utilization', 'infrastructure', { at: 0, score: 3 }), anomaly(R3, 'span.itl', 'infrastructure', { at: 5, score: 3.5 }))).toBe(1);
    // Not connected: no corroboration.
    expect(opens(anomaly('gpu:GPU-4', 'gpu.utilization', 'infrastructure', { at: 0, score: 3 }), anomaly(R1, 'span.itl', 'infrastructure', { at: 5, score: 3.5 }))).toBe(0);
    // A model version's series echoing its replica's is not independent evidence.
    expect(opens(anomaly(R4, 'span.confidence', 'confidence', { at: 0, score: 4, direction: 'down' }), anomaly('model:qwen@v2', 'span.confidence', 'confidence', { at: 0, score: 4, direction: 'down' }))).toBe(0);
    expect(opens(anomaly(R4, 'span.confidence', 'confidence', { at: 0, score: 4, direction: 'down' }), anomaly(R3, 'span.confidence', 'confidence', { at: 0, score: 4, direction: 'down' }))).toBe(1);
    // Connected but together too weak.
    expect(opens(anomaly('gpu:GPU-4', 'gpu.utilization', 'infrastructure', { at: 0, score: 2 }), anomaly(R3, 'span.itl', 'infrastructure', { at: 5, score: 2 }))).toBe(0);
  });

  it('a pending shift joins an incident it is connected to without confirmation', () => {
    const h = harness();
    h.feed(event('gpu:GPU-1', 'gpu.throttle.reasons', 'hw_thermal', 0));
    h.feed(anomaly(R1, 'span.itl', 'infrastructure', { at: 10, score: 2 }));
    expect(h.c.incidents()[0].anomalies).toHaveLength(2);
  });
});

describe('Correlator: resolution and flapping', () => {
  it('resolves once every anomaly closed and the quiet period passed, in event time', () => {
    const h = harness({ quietMs: 5 * MIN });
    const xid = event('gpu:GPU-5', 'gpu.xid', 'XID 79', 0);
    const err = anomaly(R4, 'span.error_rate', 'infrastructure', { at: 5, score: 25 });
    h.feed(xid);
    h.feed(err);
    h.close(xid, 60);
    h.c.advanceTo(T0 + 100 * S);
    expect(h.c.incidents()[0].status).toBe('open');
    h.close(err, 120);
    h.c.advanceTo(T0 + 120 * S + 5 * MIN - 1);
    expect(h.c.incidents()[0].status).toBe('open');
    h.c.advanceTo(T0 + 120 * S + 5 * MIN);
    const [inc] = h.c.incidents();
    expect(inc).toMatchObject({ status: 'resolved', endMs: T0 + 120 * S });
    expect(h.changes.filter((x) => x.change === 'resolve')).toHaveLength(1);
  });

  it('the same trouble flapping soon after re-opens the incident instead of opening another', () => {
    const h = harness({ quietMs: 2 * MIN, reopenMs: 15 * MIN });
    const first = event('gpu:GPU-1', 'gpu.throttle.reasons', 'hw_thermal', 0);
    h.feed(first);
    h.close(first, 30);
    h.c.advanceTo(T0 + 3 * MIN);
    expect(h.c.incidents()[0].status).toBe('resolved');
    const id = h.c.incidents()[0].id;
    h.feed(event('gpu:GPU-1', 'gpu.throttle.reasons', 'hw_thermal', 6 * 60));
    expect(h.c.incidents()).toHaveLength(1);
    expect(h.c.incidents()[0]).toMatchObject({ id, status: 'open', endMs: null });
    expect(h.changes.map((x) => x.change)).toEqual(['open', 'update', 'resolve', 'update']);
    expect(h.changes.every((x) => x.incident.id === id)).toBe(true);
    // Long after, the same thing is a new incident.
    h.c.advanceTo(T0 + 2 * 60 * MIN);
    h.feed(event('gpu:GPU-1', 'gpu.throttle.reasons', 'hw_thermal', 3 * 60 * 60));
    expect(h.c.incidents()).toHaveLength(2);
  });

  it('plain updates of an anomaly do not storm the sink', () => {
    const h = harness();
    let a = anomaly(R1, 'engine.kv_cache.usage', 'infrastructure', { at: 0, score: 12 });
    h.feed(a);
    const n = h.changes.length;
    for (let i = 1; i <= 50; i++) {
      a = { ...a, lastMs: a.startMs + i * 10 * S, score: 12 + (i % 2) * 0.5 };
      h.feed(a, 'update');
    }
    expect(h.changes.length).toBe(n);
    expect(h.c.incidents()[0].anomalies[0].lastMs).toBe(T0 + 500 * S);
  });

  it('an anomaly never closed by the detector goes stale and the incident resolves', () => {
    const h = harness({ quietMs: MIN, staleMs: 10 * MIN });
    h.feed(event('gpu:GPU-2', 'gpu.xid', 'XID 48', 0));
    h.c.advanceTo(T0 + 10 * MIN);
    expect(h.c.incidents()[0].status).toBe('open');
    h.c.advanceTo(T0 + 12 * MIN);
    expect(h.c.incidents()[0]).toMatchObject({ status: 'resolved', endMs: T0 });
  });
});

describe('Correlator: event time only', () => {
  it('the same anomalies at another epoch give the same incidents, shifted', () => {
    const run = (shift: number): Incident[] => {
      const h = harness();
      const move = (a: Anomaly): Anomaly => ({ ...a, id: `${a.id}+${shift}`, startMs: a.startMs + shift, lastMs: a.lastMs + shift, endMs: a.endMs === null ? null : a.endMs + shift });
      for (const a of THERMAL) h.feed(move(a));
      const closed = THERMAL.map((a) => ({ ...move(a), endMs: a.startMs + shift + MIN, lastMs: a.startMs + shift + MIN }));
      for (const a of closed) h.c.onAnomaly(a, 'close');
      h.c.advanceTo(T0 + shift + 30 * MIN);
      return h.c.incidents();
    };
    const now = run(0);
    const past = run(-20 * 365 * 24 * 60 * MIN);
    expect(now).toHaveLength(1);
    expect(past).toHaveLength(1);
    const shift = -20 * 365 * 24 * 60 * MIN;
    expect(past[0].startMs - now[0].startMs).toBe(shift);
    expect(past[0].endMs! - now[0].endMs!).toBe(shift);
    expect(past[0].status).toBe('resolved');
    expect(past[0].causes.map((c) => [c.entity, c.faultType])).toEqual(now[0].causes.map((c) => [c.entity, c.faultType]));
  });
});

describe('Correlator: gaps, affected requests, bounds', () => {
  it('an incident of gaps only is a gap incident blaming the host; a fault joining it makes it a fault', () => {
    const h = harness();
    h.feed(gap('host:node-3', 0));
    h.feed(gap('gpu:GPU-5', 0, 'gpu.temperature'));
    let [inc] = h.c.incidents();
    expect(inc.kind).toBe('gap');
    expect(inc.causes[0]).toMatchObject({ entity: 'host:node-3', faultType: 'telemetry_outage', layer: 'telemetry' });
    expect(inc.summary).toMatch(/^no telemetry from host node-3 .*since 14:00: a gap in the data, not a fault of what it watches$/);
    expect(inc.affectedRequests).toBe(0);
    h.feed(anomaly(R4, 'span.error_rate', 'infrastructure', { at: 10, score: 25 }));
    [inc] = h.c.incidents();
    expect(h.c.incidents()).toHaveLength(1);
    expect(inc.kind).toBe('fault');
    expect(inc.causes[0]).toMatchObject({ entity: 'gpu:GPU-5', faultType: 'gpu_xid_79' });
  });

  it('counts the requests on the affected replicas during the incident', () => {
    const requests = new RequestCounter({ bucketMs: 1000 });
    const span = (trace: string, replica: string, atS: number): SpanRecord =>
      ({ traceId: trace.padStart(32, '0'), startTimeUnixNano: BigInt(T0 + atS * S) * 1_000_000n, entities: { refs: [{ kind: 'replica', key: replica }], edges: [] } }) as unknown as SpanRecord;
    requests.onSpans([span('1', 'node-1:8001', 70), span('2', 'node-1:8001', 90), span('3', 'node-1:8002', 90), span('4', 'node-1:8001', 10)]);
    const h = harness({ requests });
    for (const a of THERMAL) h.feed(a);
    h.c.advanceTo(T0 + 100 * S);
    const [inc] = h.c.incidents();
    expect(inc.affectedRequests).toBe(2);
    expect(inc.summary).toMatch(/; 2 requests affected$/);
  });

  it('keeps at most maxIncidents, dropping the oldest resolved first', () => {
    const h = harness({ maxIncidents: 2, quietMs: MIN });
    const a = event('gpu:GPU-1', 'gpu.xid', 'XID 48', 0);
    h.feed(a);
    h.close(a, 1);
    h.c.advanceTo(T0 + 5 * MIN);
    h.feed(event('gpu:GPU-3', 'gpu.xid', 'XID 48', 6 * 60));
    h.feed(event('gpu:GPU-5', 'gpu.xid', 'XID 48', 7 * 60));
    const list = h.c.incidents();
    expect(list).toHaveLength(2);
    expect(list.map((i) => i.causes[0].entity)).toEqual(['gpu:GPU-5', 'gpu:GPU-3']);
  });
});
