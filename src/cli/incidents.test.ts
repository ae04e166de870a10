import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anomaly, event, fleetTopology, MIN, R1, T0 } from '../../test/helpers/incident-fleet.js';
import { getIncident, listIncidents } from '../api/incidents.js';
import { ApiError, Router, toApiRequest, writeJson } from '../api/http.js';
import { Correlator } from '../incidents/correlator.js';
import { duration, incidentsCommand, INCIDENTS_HELP } from './incidents.js';

/** A stand-in API: the real incident handlers over a correlator, behind a key check. */
const correlator = new Correlator(fleetTopology(), { quietMs: MIN }, () => undefined);
const examples = [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) }];
const thermal = event('gpu:GPU-1', 'gpu.throttle.reasons', 'hw_thermal', 0);
const itl = anomaly(R1, 'span.itl', 'infrastructure', { at: 10, score: 8, baseline: 0.02, observed: 0.03, examples });
correlator.onAnomaly(thermal, 'open');
correlator.onAnomaly(itl, 'open');
correlator.onAnomaly({ ...thermal, endMs: T0 + 60_000 }, 'close');
correlator.onAnomaly({ ...itl, endMs: T0 + 125_000 }, 'close');
correlator.advanceTo(T0 + 10 * MIN);
const xid = event('gpu:GPU-3', 'gpu.xid', 'XID 48', 20 * 60);
correlator.onAnomaly(xid, 'open');
correlator.onAnomaly({ ...xid, lastMs: xid.startMs + 5 * MIN }, 'update');
correlator.advanceTo(T0 + 25 * MIN);

const KEY = 'k-123';
let server: Server;
let url: string;
const seen: string[] = [];

beforeAll(async () => {
  const router = new Router().get('/api/incidents', listIncidents(correlator)).get('/api/incidents/:id', getIncident(correlator));
  server = createServer(async (req, res) => {
    seen.push(req.url ?? '');
    try {
      if (req.headers.authorization !== `Bearer ${KEY}`) throw new ApiError(401, 'missing or unknown API key');
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const m = router.match(req.method ?? 'GET', path);
      if (m === null || m === 'method') throw new ApiError(404, `no such endpoint: ${path}`);
      writeJson(res, await m.handler(toApiRequest(req, m.params, new AbortController().signal, true)));
    } catch (err) {
      writeJson(res, { status: (err as ApiError).status ?? 500, body: { error: (err as Error).message } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function run(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await incidentsCommand(argv, { out: (t) => (stdout += t), err: (t) => (stderr += t) }, env);
  return { code, stdout, stderr };
}

describe('strata incidents', () => {
  it('prints a table, newest first', async () => {
    const { code, stdout, stderr } = await run(['--url', url, '--api-key', KEY]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+KIND\s+START \(UTC\)\s+DURATION\s+TOP CAUSE\s+REQUESTS\s+ENTITIES$/);
    expect(lines).toHaveLength(3);
    const [ecc, th] = correlator.incidents();
    expect(lines[1]).toMatch(new RegExp(`^${ecc.id}\\s+open\\s+fault\\s+2026-12-03 14:20:00\\s+5m 00s\\+\\s+gpu_ecc_uncorrectable @ gpu:GPU-3\\s+0\\s+gpu:GPU-3$`));
    expect(lines[2]).toMatch(new RegExp(`^${th.id}\\s+resolved\\s+fault\\s+2026-12-03 14:00:00\\s+2m 05s\\s+gpu_thermal_slowdown @ gpu:GPU-1\\s+0\\s+gpu:GPU-1, replica:node-1:8001$`));
  });

  it('passes --status and --limit to the API, and the key from the environment', async () => {
    seen.length = 0;
    const { code, stdout } = await run(['--url', `${url}/`, '--status', 'resolved', '--limit', '5'], { STRATA_API_KEY: KEY });
    expect(code).toBe(0);
    expect(seen).toEqual(['/api/incidents?limit=5&status=resolved']);
    expect(stdout).toContain('gpu_thermal_slowdown');
    expect(stdout).not.toContain('gpu_ecc_uncorrectable');
  });

  it('--id shows the summary, the ranked causes with evidence, and the mitigation', async () => {
    const th = correlator.incidents()[1];
    const { code, stdout } = await run(['--url', url, '--api-key', KEY, '--id', th.id]);
    expect(code).toBe(0);
    expect(stdout).toContain(`${th.id}  resolved  fault\n  ${th.summary}\n`);
    expect(stdout).toContain('  ended      2026-12-03 14:02:05 UTC (2m 05s)');
    expect(stdout).toContain('    1. gpu_thermal_slowdown on gpu:GPU-1  (infrastructure, score ');
    expect(stdout).toContain('       - 14:00:00 gpu:GPU-1 gpu.throttle.reasons [infrastructure, event] hw_thermal');
    expect(stdout).toContain(`       - 14:00:10 replica:node-1:8001 span.itl [infrastructure, shift]  e.g. trace ${'a'.repeat(32)} span ${'b'.repeat(16)}`);
    expect(stdout).toContain(`  mitigation: ${th.mitigation}`);
  });

  it('--json prints the API answer', async () => {
    const { stdout } = await run(['--url', url, '--api-key', KEY, '--json', '--status', 'open']);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify({ incidents: correlator.incidents().filter((i) => i.status === 'open') })));
  });

  it('API errors exit 1 with the server message', async () => {
    const unknown = await run(['--url', url, '--api-key', KEY, '--id', 'inc-nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('answered 404: no incident "inc-nope"');
    const denied = await run(['--url', url]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('answered 401: missing or unknown API key');
    const down = await run(['--url', 'http://127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach http://127.0.0.1:1');
  });

  it('usage errors exit 2; --help', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, stdout: INCIDENTS_HELP, stderr: '' });
    expect((await run(['--status', 'closed'])).stderr).toContain('--status: expected open or resolved');
    expect((await run(['--url', 'ftp://x'])).code).toBe(2);
    expect((await run(['--limit', '0'])).code).toBe(2);
    expect((await run(['--bogus'])).code).toBe(2);
    expect((await run(['extra'])).code).toBe(2);
  });

  it('formats durations', () => {
    expect([duration(45_000), duration(725_000), duration(3 * 3_600_000 + 120_000)]).toEqual(['45s', '12m 05s', '3h 02m']);
  });
});
