import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { IngestOutcome } from '../../pipeline/ingest.js';
import { canonicalSignal } from '../../processors/metric-signals/index.js';
import type { ExportMetricsRequest } from '../otlp/types.js';
import { NvidiaSmiPoller, type NvidiaSmiIngest, type NvidiaSmiPollerOptions } from './poller.js';

/**
 * The poller against stand-in `nvidia-smi` shell scripts: each test writes one into its own
 * temporary directory. The scripts log their arguments to `calls.log` beside them.
 */
const root = mkdtempSync(join(tmpdir(), 'strata-nvidia-smi-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CSV = [
  '0, GPU-aaaa, NVIDIA H100 80GB HBM3, 34, 87, 12, 1024, 81559, 312.45, 1980, 0x0000000000000048',
  '1, GPU-bbbb, NVIDIA H100 80GB HBM3, [N/A], [Not Supported], N/A, 0, 81559, [N/A], 345, 0x0000000000000001',
].join('\n');

let dirs = 0;
/** Writes an executable `nvidia-smi` running `body` (sh) into a fresh directory. */
function standIn(body: string): { dir: string; path: string; calls: () => string[] } {
  const dir = join(root, `stand-in-${dirs++}`);
  const path = join(dir, 'nvidia-smi');
  const log = join(dir, 'calls.log');
  mkdirSync(dir);
  writeFileSync(path, `#!/bin/sh\necho "$*" >> '${log}'\n${body}\n`);
  chmodSync(path, 0o755);
  return { dir, path, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

const PRINT_CSV = `cat <<'EOF'\n${CSV}\nEOF`;
const OLD_DRIVER = `case "$*" in\n  *clocks_event_reasons.active*) echo 'Field "clocks_event_reasons.active" is not a valid field to query.'; exit 2;;\nesac\n${PRINT_CSV}`;

/** An ingest that keeps every request (or throws, when told to). */
function sink(behaviour: { throws?: boolean } = {}): NvidiaSmiIngest & { requests: ExportMetricsRequest[] } {
  const requests: ExportMetricsRequest[] = [];
  return {
    requests,
    metrics(req: ExportMetricsRequest): IngestOutcome {
      requests.push(req);
      if (behaviour.throws) throw new Error('ingest exploded');
      return { accepted: true, count: 1 };
    },
  };
}

/** The request as {metric name: [[attributes, value], …]}, plus its resource. */
function summary(req: ExportMetricsRequest) {
  const [rm] = req.resourceMetrics;
  const metrics: Record<string, { unit: string; points: [Record<string, unknown>, number][] }> = {};
  for (const m of rm.scopeMetrics[0].metrics) {
    if (m.data.type !== 'gauge') throw new Error(`${m.name}: not a gauge`);
    metrics[m.name] = { unit: m.unit, points: m.data.dataPoints.map((p) => [p.attributes, p.value]) };
  }
  return { resource: rm.resource.attributes, metrics };
}

const pollers: NvidiaSmiPoller[] = [];
function poller(options: NvidiaSmiPollerOptions, ingest: NvidiaSmiIngest, logs: string[] = []): NvidiaSmiPoller {
  const p = new NvidiaSmiPoller({ hostName: 'gpu-host-1', log: (m) => logs.push(m), ...options }, ingest);
  pollers.push(p);
  return p;
}
afterEach(async () => {
  for (const p of pollers.splice(0)) await p.stop();
});

const gpu0 = { 'gpu.uuid': 'GPU-aaaa', 'gpu.index': { int: 0n }, 'gpu.name': 'NVIDIA H100 80GB HBM3' };
const gpu1 = { 'gpu.uuid': 'GPU-bbbb', 'gpu.index': { int: 1n }, 'gpu.name': 'NVIDIA H100 80GB HBM3' };

describe('NvidiaSmiPoller', () => {
  it('reports each GPU\'s fields as gauges, leaving out what nvidia-smi cannot read', async () => {
    const smi = standIn(PRINT_CSV);
    const ingest = sink();
    const before = BigInt(Date.now()) * 1_000_000n;
    expect(await poller({ binary: smi.path }, ingest).pollOnce()).toEqual({ up: true, gpus: 2 });
    expect(ingest.requests).toHaveLength(1);
    expect(summary(ingest.requests[0])).toEqual({
      resource: { 'host.name': 'gpu-host-1', 'service.name': 'nvidia-smi' },
      metrics: {
        'nvidia_smi.temperature.gpu': { unit: 'Cel', points: [[gpu0, 34]] },
        'nvidia_smi.utilization.gpu': { unit: '%', points: [[gpu0, 87]] },
        'nvidia_smi.utilization.memory': { unit: '%', points: [[gpu0, 12]] },
        'nvidia_smi.memory.used': { unit: 'MiB', points: [[gpu0, 1024], [gpu1, 0]] },
        'nvidia_smi.memory.total': { unit: 'MiB', points: [[gpu0, 81559], [gpu1, 81559]] },
        'nvidia_smi.power.draw': { unit: 'W', points: [[gpu0, 312.45]] },
        'nvidia_smi.clocks.sm': { unit: 'MHz', points: [[gpu0, 1980], [gpu1, 345]] },
        'nvidia_smi.clocks_event_reasons.active': { unit: '1', points: [[gpu0, 72], [gpu1, 1]] },
        'nvidia_smi.up': { unit: '1', points: [[{}, 1]] },
      },
    });
    const points = ingest.requests[0].resourceMetrics[0].scopeMetrics[0].metrics.flatMap((m) => (m.data.type === 'gauge' ? m.data.dataPoints : []));
    for (const p of points) expect(p.timeUnixNano).toBeGreaterThanOrEqual(before);
    expect(smi.calls()).toEqual([
      '--query-gpu=index,uuid,name,temperature.gpu,utilization.gpu,utilization.memory,memory.used,memory.total,power.draw,clocks.sm,clocks_event_reasons.active --format=csv,noheader,nounits',
    ]);
  });

  it('every gauge it emits has a canonical signal', async () => {
    const ingest = sink();
    await poller({ binary: standIn(PRINT_CSV).path }, ingest).pollOnce();
    for (const m of ingest.requests[0].resourceMetrics[0].scopeMetrics[0].metrics) {
      expect(canonicalSignal({ name: m.name, value: 1, attributes: {} }), m.name).not.toBeNull();
    }
  });

  it('falls back once to clocks_throttle_reasons.active on an older driver, and remembers it', async () => {
    const smi = standIn(OLD_DRIVER);
    const ingest = sink();
    const logs: string[] = [];
    const p = poller({ binary: smi.path }, ingest, logs);
    expect(await p.pollOnce()).toEqual({ up: true, gpus: 2 });
    expect(await p.pollOnce()).toEqual({ up: true, gpus: 2 });
    expect(smi.calls().map((c) => /clocks_\w+_reasons\.active/.exec(c)?.[0])).toEqual([
      'clocks_event_reasons.active',
      'clocks_throttle_reasons.active',
      'clocks_throttle_reasons.active',
    ]);
    const { metrics } = summary(ingest.requests[1]);
    expect(metrics['nvidia_smi.clocks_throttle_reasons.active']).toEqual({ unit: '1', points: [[gpu0, 72], [gpu1, 1]] });
    expect(metrics['nvidia_smi.clocks_event_reasons.active']).toBeUndefined();
    expect(logs.filter((l) => l.includes('clocks_throttle_reasons.active'))).toHaveLength(1);
  });

  it('runs `nvidia-smi` from PATH by default', async () => {
    const smi = standIn(PRINT_CSV);
    const saved = process.env.PATH;
    process.env.PATH = `${smi.dir}${delimiter}${saved ?? ''}`;
    try {
      const ingest = sink();
      expect(await poller({}, ingest).pollOnce()).toEqual({ up: true, gpus: 2 });
      expect(smi.calls()).toHaveLength(1);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('reports up = 0 on a non-zero exit, logging once per change of state', async () => {
    const smi = standIn(`echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2\nexit 9`);
    const ingest = sink();
    const logs: string[] = [];
    const p = poller({ binary: smi.path }, ingest, logs);
    const first = await p.pollOnce();
    expect(first.up).toBe(false);
    expect(first.error).toMatch(/exited with status 9: NVIDIA-SMI has failed/);
    await p.pollOnce();
    expect(ingest.requests.map((r) => summary(r).metrics)).toEqual([
      { 'nvidia_smi.up': { unit: '1', points: [[{}, 0]] } },
      { 'nvidia_smi.up': { unit: '1', points: [[{}, 0]] } },
    ]);
    expect(logs).toEqual([`nvidia-smi: ${smi.path} exited with status 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.; reporting nvidia_smi.up = 0`]);
    // The driver comes back.
    writeFileSync(smi.path, `#!/bin/sh\n${PRINT_CSV}\n`);
    expect(await p.pollOnce()).toEqual({ up: true, gpus: 2 });
    expect(logs.slice(1)).toEqual(['nvidia-smi: answering again (2 GPU(s))']);
  });

  it('reports up = 0 when the binary is missing or prints garbage', async () => {
    const missing = sink();
    const logs: string[] = [];
    const r = await poller({ binary: join(root, 'no-such-dir', 'nvidia-smi') }, missing, logs).pollOnce();
    expect(r).toMatchObject({ up: false, gpus: 0 });
    expect(logs[0]).toMatch(/nvidia-smi not found/);
    expect(summary(missing.requests[0]).metrics).toEqual({ 'nvidia_smi.up': { unit: '1', points: [[{}, 0]] } });

    const garbage = sink();
    const g = await poller({ binary: standIn('echo "hello, world"').path }, garbage).pollOnce();
    expect(g.up).toBe(false);
    expect(g.error).toMatch(/unreadable output \(line 1: 2 columns where 11 were queried/);
    expect(summary(garbage.requests[0]).metrics).toEqual({ 'nvidia_smi.up': { unit: '1', points: [[{}, 0]] } });
  });

  it('kills a run that passes the timeout and reports up = 0', async () => {
    const smi = standIn('exec sleep 30');
    const ingest = sink();
    const started = Date.now();
    const r = await poller({ binary: smi.path, timeoutMs: 200 }, ingest).pollOnce();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r).toEqual({ up: false, gpus: 0, error: `${smi.path} did not answer within 200 ms` });
    expect(summary(ingest.requests[0]).metrics['nvidia_smi.up'].points).toEqual([[{}, 0]]);
  });

  it('polls on its interval after start(), survives a throwing ingest, and stops for good', async () => {
    const ingest = sink({ throws: true });
    const logs: string[] = [];
    const p = poller({ binary: standIn(PRINT_CSV).path, intervalMs: 20 }, ingest, logs);
    await p.stop(); // safe before start
    await p.start();
    const deadline = Date.now() + 10_000;
    while (ingest.requests.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(ingest.requests.length).toBeGreaterThanOrEqual(3);
    expect(logs.filter((l) => l.includes('ingest exploded'))).toEqual(['nvidia-smi: the pipeline did not take a reading (error: ingest exploded)']);
    await p.stop();
    await p.stop();
    const count = ingest.requests.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(ingest.requests.length).toBe(count);
  });

  it('stop() kills a run in flight and hands nothing over', async () => {
    const ingest = sink();
    const p = poller({ binary: standIn('exec sleep 30').path, timeoutMs: 20_000 }, ingest);
    await p.start();
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await p.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(ingest.requests).toEqual([]);
  });

  it('refuses bad configuration, naming the field', () => {
    const ingest = sink();
    expect(() => new NvidiaSmiPoller({ intervalMs: 0 }, ingest)).toThrow(/intervalMs/);
    expect(() => new NvidiaSmiPoller({ timeoutMs: 1.5 }, ingest)).toThrow(/timeoutMs/);
    expect(() => new NvidiaSmiPoller({ binary: ' ' }, ingest)).toThrow(/binary/);
  });
});
