import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ingest } from '../../pipeline/ingest.js';
import type { ExportMetricsRequest, NumberDataPoint, OtlpMetric } from '../otlp/types.js';
import { parseScrapeConfig } from './scrape-config.js';
import { FLAG_NO_RECORDED_VALUE } from './series-state.js';
import { targetResource, TargetScraper } from './scraper.js';

const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/prometheus/${name}`, import.meta.url), 'utf8');

let body = '';
let status = 200;
let contentType = 'text/plain; version=0.0.4';
let delayMs = 0;
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((_req, res) => {
    setTimeout(() => {
      res.writeHead(status, { 'content-type': contentType });
      res.end(body);
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function recorder(): { ingest: Ingest; requests: ExportMetricsRequest[] } {
  const requests: ExportMetricsRequest[] = [];
  return {
    requests,
    ingest: {
      traces: () => ({ accepted: true, count: 0 }),
      metrics: (req) => {
        requests.push(req);
        return { accepted: true, count: 0 };
      },
      logs: () => ({ accepted: true, count: 0 }),
    },
  };
}

function metrics(req: ExportMetricsRequest): OtlpMetric[] {
  return req.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
}

function value(req: ExportMetricsRequest, name: string): number {
  const m = metrics(req).find((x) => x.name === name)!;
  return (m.data as { dataPoints: NumberDataPoint[] }).dataPoints[0].value;
}

let clock = 1_764_000_000_000;
function scraper(kind = 'vllm', extra: Record<string, unknown> = {}): { s: TargetScraper; requests: ExportMetricsRequest[] } {
  const rec = recorder();
  const [target] = parseScrapeConfig([{ url: `${base}/metrics`, kind, interval: '1s', timeout: '300ms', ...extra }]);
  return { s: new TargetScraper(target, { ingest: rec.ingest, now: () => (clock += 1000) }), requests: rec.requests };
}

describe('TargetScraper', () => {
  it('scrapes every sample of the recorded vLLM, SGLang and DCGM expositions with up = 1', async () => {
    for (const [file, kind, samples] of [['vllm_metrics.txt', 'vllm', 185], ['sglang_metrics.txt', 'sglang', 43], ['dcgm_metrics.txt', 'dcgm', 38]] as const) {
      body = fixture(file);
      status = 200;
      const { s, requests } = scraper(kind);
      const health = await s.scrapeOnce();
      expect(health).toMatchObject({ up: true, samples, lastError: null });
      expect(value(requests[0], 'up')).toBe(1);
      expect(value(requests[0], 'scrape_samples_scraped')).toBe(samples);
      expect(requests[0].resourceMetrics[0].resource.attributes).toMatchObject({ 'service.name': kind, 'strata.scrape.kind': kind, 'service.instance.id': new URL(base).host });
    }
  });

  it('moves the start time of a counter that went down (a restart) and keeps it otherwise', async () => {
    status = 200;
    const { s, requests } = scraper('generic');
    const counter = (v: number): string => `# TYPE reqs_total counter\nreqs_total{code="200"} ${v}\n`;
    const startOf = (r: ExportMetricsRequest): bigint => (metrics(r).find((m) => m.name === 'reqs_total')!.data as { dataPoints: NumberDataPoint[] }).dataPoints[0].startTimeUnixNano;
    body = counter(10);
    await s.scrapeOnce();
    body = counter(15);
    await s.scrapeOnce();
    body = counter(3);
    await s.scrapeOnce();
    expect(startOf(requests[1])).toBe(startOf(requests[0]));
    const t1 = (metrics(requests[1]).find((m) => m.name === 'reqs_total')!.data as { dataPoints: NumberDataPoint[] }).dataPoints[0].timeUnixNano;
    expect(startOf(requests[2])).toBe(t1 + 1n);
  });

  it('marks series stale when they disappear and when the target stops answering, with up = 0', async () => {
    status = 200;
    body = '# TYPE temp gauge\ntemp{gpu="0"} 50\ntemp{gpu="1"} 51\n';
    const { s, requests } = scraper('dcgm');
    await s.scrapeOnce();
    body = '# TYPE temp gauge\ntemp{gpu="0"} 52\n';
    await s.scrapeOnce();
    const second = metrics(requests[1]).filter((m) => m.name === 'temp').flatMap((m) => (m.data as { dataPoints: NumberDataPoint[] }).dataPoints);
    expect(second.find((p) => p.attributes.gpu === '1')?.flags).toBe(FLAG_NO_RECORDED_VALUE);
    expect(second.find((p) => p.attributes.gpu === '0')?.value).toBe(52);
    status = 500;
    const health = await s.scrapeOnce();
    expect(health).toMatchObject({ up: false, lastError: 'HTTP 500' });
    expect(value(requests[2], 'up')).toBe(0);
    const third = metrics(requests[2]).filter((m) => m.name === 'temp').flatMap((m) => (m.data as { dataPoints: NumberDataPoint[] }).dataPoints);
    expect(third.map((p) => [p.attributes.gpu, p.flags])).toEqual([['0', FLAG_NO_RECORDED_VALUE]]);
  });

  it('fails the scrape on a syntax error, a timeout or an oversized body, and counts duplicate series', async () => {
    status = 200;
    body = 'ok_metric 1\nbroken{ 2\n';
    const a = scraper();
    expect(await a.s.scrapeOnce()).toMatchObject({ up: false });
    expect(a.s.health.lastError).toContain('line 2');
    body = 'x 1\n';
    delayMs = 600;
    const b = scraper();
    expect((await b.s.scrapeOnce()).lastError).toContain('timed out');
    delayMs = 0;
    body = 'x 1\n'.repeat(100);
    const c = scraper('generic', { body_limit: 50 });
    expect((await c.s.scrapeOnce()).lastError).toContain('larger than 50');
    body = 'dup{a="1"} 1\ndup{a="1"} 2\n';
    const d = scraper();
    await d.s.scrapeOnce();
    expect(value(d.requests[0], 'scrape_samples_duplicate')).toBe(1);
    expect(value(d.requests[0], 'dup')).toBe(1);
  });

  it('drops points not newer than the last one of their series', async () => {
    status = 200;
    body = 'ts_metric 1 1700000000000\n';
    const { s, requests } = scraper();
    await s.scrapeOnce();
    await s.scrapeOnce();
    expect(metrics(requests[0]).some((m) => m.name === 'ts_metric')).toBe(true);
    const again = metrics(requests[1]).find((m) => m.name === 'ts_metric');
    expect(again === undefined || (again.data as { dataPoints: unknown[] }).dataPoints.length === 0).toBe(true);
  });

  it('parses OpenMetrics when the target says so', async () => {
    status = 200;
    contentType = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
    body = '# TYPE jobs counter\njobs_total 4\njobs_created 1700000000.5\n# EOF\n';
    const { s, requests } = scraper();
    expect((await s.scrapeOnce()).up).toBe(true);
    const p = (metrics(requests[0]).find((m) => m.name === 'jobs_total')!.data as { dataPoints: NumberDataPoint[] }).dataPoints[0];
    expect(p.startTimeUnixNano).toBe(1_700_000_000_500_000_000n);
    contentType = 'text/plain; version=0.0.4';
  });
});

describe('scrape configuration', () => {
  it('validates and names the field', () => {
    expect(parseScrapeConfig([{ url: 'http://gpu-node-1:9400/metrics', kind: 'dcgm', interval: '10s' }])[0]).toMatchObject({ intervalMs: 10_000, timeoutMs: 10_000, job: 'dcgm' });
    expect(() => parseScrapeConfig([{ url: 'gpu-node-1' }])).toThrow('scrape[0].url');
    expect(() => parseScrapeConfig([{ url: 'http://x/metrics', kind: 'nvml' }])).toThrow('scrape[0].kind');
    expect(() => parseScrapeConfig([{ url: 'http://x/metrics', interval: 'often' }])).toThrow('scrape[0].interval');
    expect(() => parseScrapeConfig([{ url: 'http://x/metrics', every: '1s' }])).toThrow('scrape[0].every');
  });

  it('names the engine replica host:port as the gateway does', () => {
    const [t] = parseScrapeConfig([{ url: 'http://gpu-node-1:8000/metrics', kind: 'vllm', labels: { 'gpu.uuids': 'GPU-a,GPU-b' } }]);
    expect(targetResource(t)).toMatchObject({ 'service.instance.id': 'gpu-node-1:8000', 'host.name': 'gpu-node-1', 'server.port': '8000', 'gpu.uuids': 'GPU-a,GPU-b' });
  });
});
