/**
 * `strata demo`, a short accelerated run: traffic flows through the gateway, the gateway's spans and
 * the replicas' own llm_request spans are stored in one trace on one replica entity, the engines and
 * GPUs are scraped onto the same entities, and everything stops cleanly at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoCommand, DEMO_HELP } from './demo.js';
import { DEMO_FAULT_EVERY_MS, DEMO_FAULT_MS, DEMO_FIRST_FAULT_MS, demoFaults, demoScenario } from './demo-scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function poll<T>(what: string, f: () => Promise<T | null>, timeoutMs = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f().catch(() => null);
    if (v !== null) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the demo scenario', () => {
  it('cycles its faults: the first a minute in, three minutes each, a new one every four', () => {
    const faults = demoFaults(20 * 60_000);
    expect(faults.map((f) => [f.type, f.start, f.duration])).toEqual([
      ['gpu_thermal_slowdown', '60s', '180s'],
      ['bad_rollout', '300s', '180s'],
      ['kv_cache_exhaustion', '540s', '180s'],
      ['gpu_ecc_uncorrectable', '780s', '180s'],
      ['gpu_thermal_slowdown', '1020s', '180s'],
    ]);
    // The second round moves the fault to another target; nothing runs past the end.
    expect(faults[4].target).not.toBe(faults[0].target);
    expect(DEMO_FIRST_FAULT_MS + 4 * DEMO_FAULT_EVERY_MS + DEMO_FAULT_MS).toBe(20 * 60_000);
    expect(demoFaults(20 * 60_000 - 1)).toHaveLength(4);
    const s = demoScenario(Date.UTC(2026, 5, 1), 3);
    expect(s.startMs).toBe(Date.UTC(2026, 5, 1));
    expect(s.hosts.map((h) => h.gpus.length)).toEqual([2, 2]);
    expect(s.replicas).toHaveLength(3);
    expect(s.workload.reasoning).toBe(true);
    // Later rounds move each fault type to another target.
    const targets = s.faults.filter((f) => f.type === 'bad_rollout').slice(0, 3).map((f) => f.target);
    expect(new Set(targets).size).toBe(3);
  });
});

describe('strata demo', () => {
  it('prints its help and refuses unknown flags', async () => {
    let out = '';
    let err = '';
    expect(await demoCommand(['--help'], { out: (t) => (out += t), err: (t) => (err += t) })).toBe(0);
    expect(out).toBe(DEMO_HELP);
    expect(await demoCommand(['--bogus'], { out: (t) => (out += t), err: (t) => (err += t) })).toBe(2);
    expect(await demoCommand(['--speed', '0'], { out: (t) => (out += t), err: (t) => (err += t) })).toBe(2);
    expect(err).toContain('--speed');
  });

  it('runs fleet, gateway traffic and Strata together, joins the three views of a request, and stops cleanly', async () => {
    let out = '';
    let err = '';
    const argv = ['--data-dir', join(dir, 'data'), '--port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--gateway-port', '0', '--duration', '5s', '--speed', '4', '--status-every', '1s'];
    const done = demoCommand(argv, { out: (t) => (out += t), err: (t) => (err += t) });
    const api = await poll('the API line', async () => /strata demo: API\s+(http:\/\/\S+?)\/api\/health/.exec(out)?.[1].replace('localhost', '127.0.0.1') ?? null);
    expect(out).toMatch(/gateway\s+http:\/\/localhost:\d+\/v1/);
    expect(out).toContain('/api/incidents');

    // Gateway spans (service strata-gateway) and the replicas' llm_request spans, in the same traces.
    const traceId = await poll('a trace with both views', async () => {
      const list = await getJson<{ traces: { traceId: string; services: string[] }[] }>(`${api}/api/traces?limit=50`);
      return list.traces.find((t) => t.services.includes('strata-gateway') && t.services.length >= 2)?.traceId ?? null;
    });
    const trace = await getJson<{ spans: { name: string; kind: string; spanId: string; parentSpanId: string; entities: string[] }[] }>(`${api}/api/traces/${traceId}`);
    const gatewaySpan = trace.spans.find((s) => s.kind === 'client')!;
    const replicaSpan = trace.spans.find((s) => s.name === 'llm_request')!;
    expect(replicaSpan.parentSpanId).toBe(gatewaySpan.spanId);
    const replicaOf = (e: readonly string[]) => e.filter((x) => x.startsWith('replica:'));
    expect(replicaOf(gatewaySpan.entities)).toHaveLength(1);
    expect(replicaOf(gatewaySpan.entities)).toEqual(replicaOf(replicaSpan.entities));
    expect(replicaOf(gatewaySpan.entities)[0]).toMatch(/^replica:gpu-node-[12]:800[12]$/);

    // The scrapes land on the same replicas, and the DCGM exporters on the hosts' GPUs.
    const entities = await poll('scraped replicas and GPUs', async () => {
      const e = await getJson<{ entities: { id: string }[]; edges: { from: string; relation: string; to: string }[] }>(`${api}/api/entities`);
      const ids = e.entities.map((x) => x.id);
      return ids.filter((i) => i.startsWith('gpu:')).length === 4 && ids.filter((i) => i.startsWith('replica:')).length === 3 ? e : null;
    });
    expect(entities.entities.map((x) => x.id).filter((i) => i.startsWith('replica:')).sort()).toEqual(['replica:gpu-node-1:8001', 'replica:gpu-node-1:8002', 'replica:gpu-node-2:8001']);
    expect(entities.edges).toEqual(expect.arrayContaining([{ from: 'replica:gpu-node-2:8001', relation: 'runs_on', to: 'host:gpu-node-2' }]));

    expect(await done).toBe(0);
    expect(out).toMatch(/strata demo: \d\d:\d\d:\d\d {2}requests \d+ sent/);
    expect(out).toMatch(/strata demo: stopping \(duration\)/);
    const final = /strata demo: stopped; (\d+) requests sent through the gateway, (\d+) served/.exec(out);
    expect(Number(final?.[1])).toBeGreaterThan(0);
    expect(Number(final?.[2])).toBeGreaterThan(0);
    // Stopped: the API no longer answers.
    await expect(fetch(`${api}/api/health`)).rejects.toThrow();
  }, 60_000);
});
