import { describe, expect, it } from 'vitest';
import { anomaly, event, fleetTopology, gap, MIN, R1, T0 } from '../../test/helpers/incident-fleet.js';
import { Correlator } from '../incidents/correlator.js';
import type { Incident } from '../incidents/types.js';
import { ApiError, Router, type ApiRequest, type ApiResponse, type Handler } from './http.js';
import { getIncident, listIncidents } from './incidents.js';

/** A correlator holding three incidents: a resolved thermal one, an open ECC one, an open gap. */
function source(): Correlator {
  const c = new Correlator(fleetTopology(), { quietMs: MIN }, () => undefined);
  const thermal = event('gpu:GPU-1', 'gpu.throttle.reasons', 'hw_thermal', 0);
  c.onAnomaly(thermal, 'open');
  c.onAnomaly(anomaly(R1, 'span.itl', 'infrastructure', { at: 10, score: 8 }), 'open');
  c.onAnomaly({ ...thermal, endMs: T0 + 60_000, lastMs: T0 + 60_000 }, 'close');
  c.onAnomaly({ ...anomaly(R1, 'span.itl', 'infrastructure', { at: 10, score: 8 }), endMs: T0 + 90_000 }, 'close');
  c.advanceTo(T0 + 10 * MIN);
  c.onAnomaly(event('gpu:GPU-3', 'gpu.xid', 'XID 48', 20 * 60), 'open');
  c.onAnomaly(gap('host:node-3', 30 * 60), 'open');
  return c;
}

const router = (c: Correlator): Router => new Router().get('/api/incidents', listIncidents(c)).get('/api/incidents/:id', getIncident(c));

async function call(r: Router, path: string): Promise<ApiResponse> {
  const url = new URL(path, 'http://x');
  const m = r.match('GET', url.pathname);
  if (m === null || m === 'method') throw new Error(`no route for ${path}`);
  const req: ApiRequest = { method: 'GET', path: url.pathname, query: url.searchParams, params: m.params, signal: new AbortController().signal, authorized: true };
  try {
    return await (m.handler as Handler)(req);
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, body: { error: err.message } };
    throw err;
  }
}

const ids = (res: ApiResponse): string[] => (res.body as { incidents: Incident[] }).incidents.map((i) => i.causes[0].faultType);

describe('GET /api/incidents', () => {
  const c = source();
  const r = router(c);

  it('lists incidents newest first', async () => {
    const res = await call(r, '/api/incidents');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body as object)).toEqual(['incidents']);
    expect(ids(res)).toEqual(['telemetry_outage', 'gpu_ecc_uncorrectable', 'gpu_thermal_slowdown']);
    expect((res.body as { incidents: Incident[] }).incidents).toEqual(c.incidents());
  });

  it('filters by status, kind, entity, time range and limit', async () => {
    expect(ids(await call(r, '/api/incidents?status=open'))).toEqual(['telemetry_outage', 'gpu_ecc_uncorrectable']);
    expect(ids(await call(r, '/api/incidents?status=resolved'))).toEqual(['gpu_thermal_slowdown']);
    expect(ids(await call(r, '/api/incidents?kind=gap'))).toEqual(['telemetry_outage']);
    expect(ids(await call(r, `/api/incidents?entity=${encodeURIComponent(R1)}`))).toEqual(['gpu_thermal_slowdown']);
    expect(ids(await call(r, '/api/incidents?limit=1'))).toEqual(['telemetry_outage']);
    // Overlapping [from, to]: the thermal incident ran 14:00-14:01:30.
    expect(ids(await call(r, `/api/incidents?from=${T0 + 5 * MIN}&to=${T0 + 25 * MIN}`))).toEqual(['gpu_ecc_uncorrectable']);
    expect(ids(await call(r, '/api/incidents?to=2026-12-03T14:01:00Z'))).toEqual(['gpu_thermal_slowdown']);
    expect(ids(await call(r, '/api/incidents?from=2026-12-03T14:25:00Z'))).toEqual(['telemetry_outage', 'gpu_ecc_uncorrectable']);
  });

  it('refuses bad parameters naming them', async () => {
    expect(await call(r, '/api/incidents?status=closed')).toEqual({ status: 400, body: { error: 'status: expected one of open, resolved, got "closed"' } });
    expect((await call(r, '/api/incidents?limit=0')).status).toBe(400);
    expect(((await call(r, '/api/incidents?from=yesterday')).body as { error: string }).error).toMatch(/^from: /);
    expect(((await call(r, `/api/incidents?from=${T0 + 1000}&to=${T0}`)).body as { error: string }).error).toMatch(/^to: /);
  });
});

describe('GET /api/incidents/:id', () => {
  const c = source();
  const r = router(c);

  it('answers one incident', async () => {
    const inc = c.incidents()[1];
    const res = await call(r, `/api/incidents/${inc.id}`);
    expect(res).toEqual({ status: 200, body: inc });
  });

  it('404 with a clear error when unknown', async () => {
    const res = await call(r, '/api/incidents/inc-nope');
    expect(res.status).toBe(404);
    expect((res.body as { error: string }).error).toContain('no incident "inc-nope"');
  });
});
