/**
 * A real Prometheus server (Debian's `prometheus` package) scrapes a tiny exporter every second and
 * forwards through `remote_write` to a running Strata's POST /api/v1/write, authenticated with an
 * ingest key; the scraped values are read back through GET /api/metrics with their service and labels.
 * The exporter then stops exposing one series, and Prometheus' stale marker arrives as a point
 * without a value.
 *
 * Needs the `prometheus` binary on PATH: the test fails without it, unless STRATA_SKIP_PROMETHEUS=1.
 * One in-process Strata (one chDB data directory) serves the whole file.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { Strata, type StrataPorts } from '../../src/strata.js';
import { tempDir } from '../helpers/cli.js';
import { getOk } from '../helpers/http.js';
import { pollUntil } from '../helpers/poll.js';

const PROMETHEUS = 'prometheus';
const found = spawnSync(PROMETHEUS, ['--version'], { encoding: 'utf8' });
const available = !found.error && found.status === 0;
const skip = !available && process.env.STRATA_SKIP_PROMETHEUS === '1';

const INGEST_KEY = 'e2e-remote-write-key';
const API_KEY = 'e2e-api-key';
const JOB = 'e2e-exporter';
const POLL = { timeoutMs: 45_000, intervalMs: 500 };

let strata: Strata;
let ports: StrataPorts;
let exporter: Server;
let exporterPort = 0;
let prometheus: ChildProcess | null = null;
let prometheusExited: Promise<void> = Promise.resolve();
let prometheusLog = '';
let cleanup: () => void = () => {};
let scrapes = 0;
let exposeQueueDepth = true;

/** The exposition (text format 0.0.4): gauges, a labelled counter growing by 10 per scrape, a counter without `_total`. */
function exposition(): string {
  scrapes++;
  const lines = [
    '# HELP e2e_temperature_celsius Room temperature.',
    '# TYPE e2e_temperature_celsius gauge',
    'e2e_temperature_celsius{room="kitchen"} 21.5',
    'e2e_temperature_celsius{room="cellar"} 12.25',
    '# HELP e2e_requests_total Requests served.',
    '# TYPE e2e_requests_total counter',
    `e2e_requests_total{code="200",method="get"} ${100 + 10 * scrapes}`,
    'e2e_requests_total{code="500",method="get"} 3',
    '# HELP e2e_jobs_done Jobs finished (a counter without the _total suffix).',
    '# TYPE e2e_jobs_done counter',
    `e2e_jobs_done ${scrapes}`,
  ];
  if (exposeQueueDepth) lines.push('# HELP e2e_queue_depth Items waiting.', '# TYPE e2e_queue_depth gauge', 'e2e_queue_depth 7');
  return lines.join('\n') + '\n';
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

beforeAll(async () => {
  if (!available)
    throw new Error(
      `the '${PROMETHEUS}' binary is not on PATH (${found.error?.message ?? `exit ${found.status}`}): ` +
        'install it (apt-get install prometheus) or set STRATA_SKIP_PROMETHEUS=1 to skip this test',
    );
  const tmp = tempDir('strata-e2e-prom-');
  cleanup = tmp.cleanup;
  const config = loadConfig({
    env: {},
    flags: { 'data-dir': join(tmp.dir, 'strata'), port: '0', 'otlp-http-port': '0', 'otlp-grpc-port': '0', 'gateway-port': '0', 'retention-days': '0', 'ingest-keys': INGEST_KEY, 'api-keys': API_KEY },
  });
  strata = new Strata(config, () => {});
  ports = await strata.start();

  exporter = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(exposition());
  });
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
  exporterPort = (exporter.address() as AddressInfo).port;

  const configFile = join(tmp.dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      `  - job_name: ${JOB}`,
      '    static_configs:',
      `      - targets: ['127.0.0.1:${exporterPort}']`,
      'remote_write:',
      `  - url: http://127.0.0.1:${ports.otlpHttp}/api/v1/write`,
      '    authorization:',
      `      credentials: ${INGEST_KEY}`,
      '    queue_config:',
      '      batch_send_deadline: 500ms',
      '      min_backoff: 100ms',
      '      max_backoff: 1s',
      '    metadata_config:',
      '      send_interval: 1s',
      '',
    ].join('\n'),
  );
  const webPort = await freePort();
  const child = spawn(
    PROMETHEUS,
    [`--config.file=${configFile}`, `--storage.tsdb.path=${join(tmp.dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${webPort}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus = child;
  prometheusExited = new Promise((r) => child.once('exit', () => r()));
  child.stdout!.on('data', (d: Buffer) => (prometheusLog += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (prometheusLog += d.toString()));
});

afterAll(async () => {
  const child = prometheus;
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await prometheusExited;
    clearTimeout(t);
  }
  await new Promise<void>((r) => (exporter ? exporter.close(() => r()) : r()));
  await strata?.stop();
  cleanup();
});

interface Series {
  service: string;
  labels: Record<string, string>;
  type: string;
  fn: string;
  points: { t: number; v: number | null }[];
}

async function series(name: string, extra = ''): Promise<Series[]> {
  const body = await getOk<{ series: Series[] }>(`http://127.0.0.1:${ports.api}/api/metrics?name=${name}${extra}`, { Authorization: `Bearer ${API_KEY}` });
  return body.series;
}

/** Polls until `name` has series, reporting Prometheus' log if it never does. */
async function seriesOf(name: string, ready: (s: Series[]) => boolean = (s) => s.length > 0, extra = ''): Promise<Series[]> {
  try {
    return await pollUntil(async () => {
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited (${prometheus?.exitCode})`);
      const s = await series(name, extra);
      return ready(s) ? s : null;
    }, { ...POLL, what: `${name} from Prometheus remote write` });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- prometheus log (tail) ---\n${prometheusLog.slice(-4000)}`);
  }
}

describe.skipIf(skip)('Prometheus remote write into Strata', () => {
  it('stores scraped gauges with the job as service and the other labels', async () => {
    const s = await seriesOf('e2e_temperature_celsius', (x) => x.length === 2);
    const byRoom = Object.fromEntries(s.map((x) => [x.labels.room, x]));
    for (const room of ['kitchen', 'cellar']) {
      expect(byRoom[room]).toMatchObject({ service: JOB, labels: { room }, type: 'gauge', fn: 'value' });
      expect(byRoom[room].points.length).toBeGreaterThan(0);
    }
    expect(new Set(byRoom.kitchen.points.map((p) => p.v))).toEqual(new Set([21.5]));
    expect(new Set(byRoom.cellar.points.map((p) => p.v))).toEqual(new Set([12.25]));
    const t = byRoom.kitchen.points[0].t;
    expect(Math.abs(t - Date.now())).toBeLessThan(120_000);
  });

  it('stores the counter as a monotonic sum with its labels, values as scraped', async () => {
    const s = await seriesOf('e2e_requests_total', (x) => x.length === 2 && x.every((y) => y.points.length >= 2), '&fn=value');
    const byCode = Object.fromEntries(s.map((x) => [x.labels.code, x]));
    expect(byCode['200']).toMatchObject({ service: JOB, labels: { code: '200', method: 'get' }, type: 'sum' });
    const values = byCode['200'].points.map((p) => p.v!);
    for (const v of values) expect((v - 100) % 10).toBe(0);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    expect(new Set(byCode['500'].points.map((p) => p.v))).toEqual(new Set([3]));
    // Without fn, a monotonic sum answers its per-second rate.
    const rate = await series('e2e_requests_total', '&label.code=200&step=5s');
    expect(rate[0].fn).toBe('rate');
  });

  it('types a counter without the _total suffix from the metadata Prometheus sends apart from the samples', async () => {
    // Samples that arrived before the first metadata request are gauges; those after, sums: so only
    // the last seconds are asked for.
    const s = await seriesOf('e2e_jobs_done', (x) => x.length === 1 && x[0].type === 'sum', '&fn=value&start=-3s');
    expect(s[0]).toMatchObject({ service: JOB, labels: {}, type: 'sum' });
  });

  it("stores Prometheus' own up series for the target, no labels left after job and instance", async () => {
    const s = await seriesOf('up', (x) => x.some((y) => y.service === JOB));
    const up = s.find((y) => y.service === JOB)!;
    expect(up.labels).toEqual({});
    expect(up.points.some((p) => p.v === 1)).toBe(true);
  });

  it('stores the stale marker of a series that disappeared as a point without a value', async () => {
    await seriesOf('e2e_queue_depth', (x) => x.length === 1 && x[0].points.some((p) => p.v === 7));
    exposeQueueDepth = false;
    const s = await seriesOf('e2e_queue_depth', (x) => x[0].points.some((p) => p.v === null));
    const points = s[0].points;
    const staleAt = points.findIndex((p) => p.v === null);
    expect(staleAt).toBeGreaterThan(0);
    expect(points.slice(0, staleAt).every((p) => p.v === 7)).toBe(true);
  });

  it('never had a request refused', () => {
    expect(prometheusLog).not.toMatch(/server returned HTTP status|non-recoverable error|Failed to send batch/i);
  });
});
