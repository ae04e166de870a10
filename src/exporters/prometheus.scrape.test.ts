/**
 * A real Prometheus server (Debian's `prometheus` package) scrapes GET /metrics served by
 * `serveMetrics` every second; its query API must return the values with their labels, escaped
 * label values included, and the target must be healthy (a single bad line fails a whole scrape).
 * Debian's `promtool check metrics` lints the same exposition.
 *
 * Skipped when the `prometheus` binary is not installed (CI installs it: .ci/run).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/cli.js';
import { pollUntil } from '../../test/helpers/poll.js';
import { METRICS_PATH, renderMetrics, serveMetrics } from './prometheus.js';
import { StrataMetrics } from './strata-metrics.js';

const found = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
const available = !found.error && found.status === 0;
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const promtoolAvailable = !promtool.error && promtool.status === 0;

const JOB = 'strata';
const ODD_REPLICA = 'replica:"quoted" back\\slash\nnew line';

const metrics = new StrataMetrics();
metrics.setConfidenceMean('qwen2.5-7b', 'replica:gpu-node-1:8001', 0.8125);
metrics.setConfidenceMean('qwen2.5-7b', ODD_REPLICA, 0.5);
metrics.setCalibrationEce('qwen2.5-7b', 'replica:gpu-node-1:8001', 0.0625);
metrics.setIncidentsOpen('gpu_thermal_slowdown', 'infrastructure', 2);
metrics.addIngestSpans(1234);
metrics.declareReceivers(['ops']);
metrics.countNotification('ops', 'sent');

let exporter: Server;
let prometheus: ChildProcess | null = null;
let exited: Promise<void> = Promise.resolve();
let log = '';
let webPort = 0;
let cleanup = (): void => {};

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(promql: string): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${webPort}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: Sample[] } };
  if (body.status !== 'success') throw new Error(`query ${promql}: ${JSON.stringify(body)}`);
  return body.data.result;
}

/** Polls Prometheus until `promql` has `n` samples; reports its log if it never does. */
async function samples(promql: string, n = 1): Promise<Sample[]> {
  try {
    return await pollUntil(
      async () => {
        if (prometheus?.exitCode !== null) throw new Error(`prometheus exited (${prometheus?.exitCode})`);
        const r = await query(promql);
        return r.length >= n ? r : null;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: `${promql} from Prometheus` },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- prometheus log (tail) ---\n${log.slice(-3000)}`);
  }
}

beforeAll(async () => {
  if (!available) return;
  const tmp = tempDir('strata-metrics-prom-');
  cleanup = tmp.cleanup;
  exporter = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === METRICS_PATH) return serveMetrics(metrics.registry, req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
  const exporterPort = (exporter.address() as AddressInfo).port;
  const configFile = join(tmp.dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    ['global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', 'scrape_configs:', `  - job_name: ${JOB}`, '    static_configs:', `      - targets: ['127.0.0.1:${exporterPort}']`, ''].join('\n'),
  );
  webPort = await freePort();
  const child = spawn('prometheus', [`--config.file=${configFile}`, `--storage.tsdb.path=${join(tmp.dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${webPort}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prometheus = child;
  exited = new Promise((r) => child.once('exit', () => r()));
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
});

afterAll(async () => {
  const child = prometheus;
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
  if (exporter) await new Promise<void>((r) => exporter.close(() => r()));
  cleanup();
});

describe.skipIf(!available)('GET /metrics scraped by Prometheus', () => {
  it('is read with its labels and values, an escaped label value included', async () => {
    const s = await samples('strata_confidence_mean', 2);
    const byReplica = Object.fromEntries(s.map((x) => [x.metric.replica, x]));
    expect(byReplica['replica:gpu-node-1:8001'].metric).toEqual({
      __name__: 'strata_confidence_mean',
      job: JOB,
      instance: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      model: 'qwen2.5-7b',
      replica: 'replica:gpu-node-1:8001',
    });
    expect(Number(byReplica['replica:gpu-node-1:8001'].value[1])).toBe(0.8125);
    expect(Number(byReplica[ODD_REPLICA].value[1])).toBe(0.5);
  });

  it('reads the counters, the incident gauge and strata_up', async () => {
    const [spans] = await samples('strata_ingest_spans_total');
    expect(Number(spans.value[1])).toBe(1234);
    const [incidents] = await samples('strata_incidents_open');
    expect(incidents.metric).toMatchObject({ fault_type: 'gpu_thermal_slowdown', layer: 'infrastructure' });
    expect(Number(incidents.value[1])).toBe(2);
    const sent = await samples('strata_notifications_total{receiver="ops"}', 4);
    expect(Object.fromEntries(sent.map((x) => [x.metric.outcome, Number(x.value[1])]))).toEqual({ sent: 1, retry: 0, failed: 0, dropped: 0 });
    const [up] = await samples(`strata_up{job="${JOB}"}`);
    expect(Number(up.value[1])).toBe(1);
  });

  it('keeps the target healthy: every scrape parsed', async () => {
    const [up] = await samples(`up{job="${JOB}"}`);
    expect(Number(up.value[1])).toBe(1);
    const res = await fetch(`http://127.0.0.1:${webPort}/api/v1/targets`);
    const body = (await res.json()) as { data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] } };
    const target = body.data.activeTargets.find((t) => t.labels.job === JOB)!;
    expect(target).toMatchObject({ health: 'up', lastError: '' });
  });
});

describe.skipIf(!promtoolAvailable)('GET /metrics linted by promtool', () => {
  it('passes `promtool check metrics`', () => {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: renderMetrics(metrics.registry), encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
  });
});
