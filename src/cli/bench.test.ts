import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFakeFleet, FAKE_START_MS } from '../../test/helpers/fake-fleet.js';
import type { SimFeedback, SimRequest } from '../sim/types.js';
import type { BenchSim } from '../bench/sim-kit.js';
import { benchCommand, BENCH_HELP, defaultScenarioFiles, packageRoot } from './bench.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ns = (ms: number): string => (BigInt(ms) * 1_000_000n).toString();

/** Two fake scenarios: a control, and a telemetry outage of the host exporter. */
const sim: BenchSim = {
  fleetOf: (file, seed) => {
    const f = createFakeFleet({ durationMs: 60_000, outage: file.includes('outage') ? { fromMs: FAKE_START_MS + 20_000, toMs: FAKE_START_MS + 40_000 } : null });
    return { ...f, name: file.includes('outage') ? 'fake-outage' : 'fake-control', seed: seed ?? f.seed };
  },
  encoders: {
    requestsToOtlpJson: (_fleet, requests: readonly SimRequest[]) => ({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'app' } }] },
          scopeSpans: [{ scope: { name: 'app' }, spans: requests.map((r) => ({ traceId: r.traceId, spanId: r.spanId, name: 'chat', kind: 3, startTimeUnixNano: ns(r.arrivalMs), endTimeUnixNano: ns(r.arrivalMs + r.e2eMs) })) }],
        },
      ],
    }),
    feedbackToJson: (items: readonly SimFeedback[]) => items.map((f) => ({ trace_id: f.traceId, correct: f.correct })),
  },
};

async function run(argv: readonly string[], deps: { sim?: BenchSim } = {}): Promise<{ code: number; stdout: string; stderr: string; progress: string }> {
  let stdout = '';
  let stderr = '';
  let progress = '';
  const code = await benchCommand(argv, { io: { out: (t) => (stdout += t), err: (t) => (stderr += t) }, progress: { isTTY: false, write: (t: string) => (progress += t) }, dataRoot: join(dir, 'runs'), ...deps });
  return { code, stdout, stderr, progress };
}

describe('strata bench', () => {
  it('prints its help, and refuses bad flags with exit code 2', async () => {
    expect(await run(['--help'])).toMatchObject({ code: 0, stdout: BENCH_HELP });
    expect((await run(['--nope'])).code).toBe(2);
    const bad = await run(['x.yaml', '--storage', 'disk']);
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toContain('--storage');
    expect((await run(['x.yaml', '--seed', '-1'])).stderr).toContain('--seed');
  });

  it('names the file and the field of an unusable scenario, before running anything (exit 1)', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'name: broken\nduration: 10m\ntopology: {hosts: []}\nworkload: {rate: 1}\n');
    const r = await run([file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain('topology.hosts');
    expect((await run([join(dir, 'missing.yaml')])).stderr).toMatch(/missing\.yaml: cannot read/);
  });

  it('finds the scenarios of the checkout by default', () => {
    expect(packageRoot()).not.toBeNull();
    // The suite may not exist yet while it is written; when it does, its files are listed in order.
    try {
      const files = defaultScenarioFiles();
      expect(files).toEqual([...files].sort());
      expect(files.every((f) => f.endsWith('.yaml') || f.endsWith('.yml'))).toBe(true);
    } catch (err) {
      expect((err as Error).message).toContain('scenarios/');
    }
  });

  it('runs each scenario against a fresh Strata and prints one JSON object; --out writes it too; --seed overrides', async () => {
    const out = join(dir, 'report.json');
    const r = await run(['outage.yaml', '--json', '--seed', '42', '--out', out], { sim });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(report);
    expect(Object.keys(report)).toEqual(['summary', 'scenarios', 'by_fault_type']);
    for (const k of ['detection_accuracy', 'false_positive_rate', 'localization_top1', 'localization_top3', 'rca_accuracy', 'ttd_median_s', 'ttl_median_s']) expect(report.summary).toHaveProperty(k);
    expect(report.summary).toMatchObject({ scenarios: 1, controls: 0, faults: 1, seed: 42, engine: 'chdb' });
    expect(report.scenarios.map((s: { name: string; seed: number }) => [s.name, s.seed])).toEqual([['fake-outage', 42]]);
    const outage = report.scenarios[0];
    expect(outage.truth).toEqual([expect.objectContaining({ type: 'telemetry_outage', entity: 'host:node-a', start: new Date(FAKE_START_MS + 20_000).toISOString() })]);
    expect(outage.counts).toMatchObject({ scrapes: 21, scrapesDown: 2 });
    expect(outage.scores.faults[0]).toMatchObject({ type: 'telemetry_outage', entity: 'host:node-a' });
    expect(report.by_fault_type).toHaveProperty('telemetry_outage');
    // A plain line per scenario on a non-terminal stderr.
    expect(r.progress.split('\n').filter((l) => l.startsWith('bench: '))).toEqual([expect.stringMatching(/^bench: 1\/1 fake-outage: (detected|missed), [\d.]+ s$/)]);
  }, 60_000);

  it('prints a table without --json', async () => {
    const r = await run(['control.yaml', '--quiet'], { sim });
    expect(r.code, r.stderr).toBe(0);
    expect(r.progress).toBe('');
    expect(r.stdout.split('\n')[0]).toMatch(/^scenario\s+fault\s+right/);
    expect(r.stdout).toMatch(/^fake-control\s+control\s+/m);
    expect(r.stdout).toContain('detection accuracy');
  }, 60_000);
});
