import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseGatewayConfig } from '../receivers/gateway/config.js';
import { parseScrapeConfig } from '../receivers/prometheus/scrape-config.js';
import { simCommand, SIM_HELP, untilStopped } from './sim.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCENARIO = `
name: sim-cli
duration: 30m
topology:
  hosts:
    - name: node-1
      gpus: [{uuid: GPU-11111111-1111-4111-8111-111111111111}]
  replicas:
    - {id: a, host: node-1, port: 8001, gpus: [GPU-11111111-1111-4111-8111-111111111111], model: m1}
workload: {rate: 1}
faults:
  - {type: telemetry_outage, target: node-1, start: 5m, duration: 2m}
`;

async function run(argv: readonly string[], during?: (stdout: () => string) => Promise<void>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const p = simCommand(argv, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  if (during) await during(() => stdout);
  return { code: await p, stdout, stderr };
}

describe('strata sim', () => {
  it('prints its help; refuses a missing scenario, bad flags (2) and an unusable file (1)', async () => {
    expect(await run(['--help'])).toMatchObject({ code: 0, stdout: SIM_HELP });
    expect((await run([])).stderr).toContain('SCENARIO is missing');
    expect((await run(['x.yaml', '--speed', 'fast'])).code).toBe(2);
    expect((await run(['x.yaml', '--gateway', 'ftp://x'])).stderr).toContain('--gateway');
    expect((await run(['x.yaml', '--duration', 'soon'])).stderr).toContain('--duration');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nduration: 10m\n');
    const r = await run([bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('topology');
  });

  it('serves the fleet, prints its URLs and a Strata configuration for it, and stops after --duration', async () => {
    const file = join(dir, 'ok.yaml');
    const config = join(dir, 'strata.yaml');
    writeFileSync(file, SCENARIO);
    const r = await run([file, '--duration', '2s', '--speed', '50', '--strata-config', config], async (stdout) => {
      for (let i = 0; i < 50 && !stdout().includes('running'); i++) await new Promise((res) => setTimeout(res, 20));
      const base = /replica node-1:8001\s+(http:\/\/\S+\/v1)/.exec(stdout())![1];
      const res = await fetch(`${base}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] }) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0].message.content.length).toBeGreaterThan(0);
      const metrics = /scrape {2}dcgm\s+node-1\s+(http:\/\/\S+)/.exec(stdout())![1];
      expect(await (await fetch(metrics)).text()).toContain('DCGM_FI_DEV_SM_CLOCK');
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('fault   telemetry_outage on host:node-1 at +300s for 120s');
    expect(r.stdout).toMatch(/stopped \(duration\); 1 request\(s\) served/);
    const doc = parseYaml(readFileSync(config, 'utf8')) as { gateway: unknown; scrape: unknown };
    const gateway = parseGatewayConfig(doc.gateway);
    expect(gateway.routes[0]).toMatchObject({ model: 'm1', replicas: ['node-1:8001'] });
    // Scrape interval in real time: the scenario's 10 s at 50x speed.
    expect(parseScrapeConfig(doc.scrape).map((t) => [t.kind, t.intervalMs, t.labels['service.instance.id'] ?? null])).toEqual([
      ['vllm', 200, 'node-1:8001'],
      ['dcgm', 200, null],
    ]);
  });

  it('stops on SIGINT and SIGTERM, and leaves no handler behind', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const p = untilStopped(null);
    expect(process.listenerCount('SIGINT')).toBe(before[0] + 1);
    process.emit('SIGINT');
    expect(await p).toBe('SIGINT');
    const q = untilStopped(60_000);
    process.emit('SIGTERM');
    expect(await q).toBe('SIGTERM');
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
});
