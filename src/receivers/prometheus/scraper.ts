/**
 * Scrapes Prometheus-format targets on their intervals and hands each scrape to the pipeline as
 * OTLP metrics, with Prometheus' own bookkeeping: `up` (1 answered and parsed, 0 otherwise),
 * `scrape_duration_seconds`, `scrape_samples_scraped`, `scrape_samples_duplicate` (series exposed
 * twice: the first is kept), counter resets, staleness markers and out-of-order drops (series-state.ts).
 *
 * Every target's scrapes carry the resource `service.name` = job, `service.instance.id` = the
 * target's `host:port` (Prometheus' `instance`), `host.name` = the target's host, `server.port`,
 * `strata.scrape.kind`, plus the target's `labels`. For an engine target (vLLM, SGLang, TGI) the
 * instance is the replica: the same `host:port` the gateway records as `server.address:server.port`
 * when it calls that engine, so scraped engine metrics and gateway spans meet on one replica entity.
 */
import { hostname as osHostname } from 'node:os';
import type { Ingest } from '../../pipeline/ingest.js';
import type { Attributes, ExportMetricsRequest, OtlpMetric } from '../otlp/types.js';
import { exportRequest, METRICS } from '../otlp/signals.js';
import { isOpenMetrics, parseExposition } from './parse-text.js';
import type { ScrapeTarget } from './scrape-config.js';
import { SeriesState } from './series-state.js';
import { SCRAPE_SCOPE_NAME, toMetricsRequest } from './to-otlp.js';

/** What Prometheus sends: OpenMetrics preferred, text 0.0.4 accepted. */
export const SCRAPE_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** The health of one target, as the last scrape left it. */
export interface TargetHealth {
  readonly url: string;
  readonly job: string;
  readonly kind: string;
  readonly up: boolean;
  readonly lastScrapeUnixMs: number | null;
  readonly lastDurationMs: number | null;
  readonly lastError: string | null;
  readonly samples: number;
}

export interface ScraperDeps {
  readonly ingest: Ingest;
  readonly retentionDays?: number;
  readonly log?: (message: string) => void;
  /** Wall clock, ms (tests may fix it). */
  readonly now?: () => number;
}

/** The resource attributes of everything scraped from `target`. */
export function targetResource(target: ScrapeTarget): Attributes {
  const u = new URL(target.url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const local = host === 'localhost' || host === '127.0.0.1' || host === '::1';
  return {
    'service.name': target.job,
    'service.instance.id': `${u.hostname}:${port}`,
    'host.name': local ? osHostname() : host,
    'server.port': port,
    'strata.scrape.kind': target.kind,
    'strata.scrape.url': target.url,
    ...target.labels,
  };
}

function gauge(name: string, value: number, timeNs: bigint, attributes: Attributes = {}): OtlpMetric {
  return {
    name,
    description: '',
    unit: '',
    metadata: {},
    data: { type: 'gauge', dataPoints: [{ attributes, startTimeUnixNano: 0n, timeUnixNano: timeNs, exemplars: [], flags: 0, value, isInt: Number.isInteger(value) }] },
  };
}

/** One target: fetch, parse, convert, track series, ingest. */
export class TargetScraper {
  private readonly series = new SeriesState();
  private readonly resource: Attributes;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: AbortController | null = null;
  private stopped = true;
  private lastErrorLogged: string | null = null;
  health: TargetHealth;

  constructor(readonly target: ScrapeTarget, private readonly deps: ScraperDeps) {
    this.resource = targetResource(target);
    this.health = { url: target.url, job: target.job, kind: target.kind, up: false, lastScrapeUnixMs: null, lastDurationMs: null, lastError: null, samples: 0 };
  }

  /** Starts scraping: the first scrape after a per-target offset within the interval, then every interval. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    let h = 0;
    for (const c of this.target.url) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    this.schedule(Math.min(h % this.target.intervalMs, 1000));
  }

  /** Stops the loop and aborts a scrape in flight. Idempotent. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight?.abort();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const began = Date.now();
      void this.scrapeOnce().finally(() => this.schedule(Math.max(0, this.target.intervalMs - (Date.now() - began))));
    }, delayMs);
    this.timer.unref?.();
  }

  /** One scrape, start to ingest. Never throws; the outcome is in `health` and in the `up` series. */
  async scrapeOnce(): Promise<TargetHealth> {
    const now = this.deps.now ?? Date.now;
    const startMs = now();
    const startNs = BigInt(Math.round(startMs)) * 1_000_000n;
    const t0 = performance.now();
    let req: ExportMetricsRequest;
    let error: string | null = null;
    let samples = 0;
    let duplicates = 0;
    try {
      const { text, contentType } = await this.fetchBody();
      const parsed = parseExposition(text, { openMetrics: isOpenMetrics(contentType), scrapeTimeMs: startMs });
      // As Prometheus: a syntax error fails the whole scrape (up = 0) rather than storing part of it.
      if (parsed.errors.length > 0) throw new Error(`line ${parsed.errors[0].line}: ${parsed.errors[0].message}${parsed.errors.length > 1 ? ` (+${parsed.errors.length - 1} more)` : ''}`);
      req = toMetricsRequest(parsed, this.resource, startMs);
      samples = parsed.sampleCount;
      duplicates = parsed.duplicates;
      this.series.apply(req, startNs);
    } catch (err) {
      error = (err as Error).name === 'AbortError' || (err as Error).name === 'TimeoutError' ? `timed out after ${this.target.timeoutMs} ms` : (err as Error).message;
      req = { resourceMetrics: [{ resource: { attributes: this.resource, droppedAttributesCount: 0 }, scopeMetrics: [{ scope: { name: SCRAPE_SCOPE_NAME, version: '', attributes: {}, droppedAttributesCount: 0 }, metrics: [], schemaUrl: '' }], schemaUrl: '' }] };
      this.series.allStale(req, startNs);
    }
    const durationMs = performance.now() - t0;
    const bookkeeping = req.resourceMetrics[0].scopeMetrics[0].metrics;
    bookkeeping.push(
      gauge('up', error === null ? 1 : 0, startNs),
      gauge('scrape_duration_seconds', durationMs / 1000, startNs),
      gauge('scrape_samples_scraped', samples, startNs),
      gauge('scrape_samples_duplicate', duplicates, startNs),
    );
    const result = exportRequest(METRICS, this.deps.ingest, req, this.deps.retentionDays ?? 0);
    if (result.kind === 'busy' || result.kind === 'too_large') error ??= `not stored: ${result.kind === 'busy' ? 'pipeline busy' : result.message}`;
    if (error !== this.lastErrorLogged) {
      this.deps.log?.(error === null ? `scrape: ${this.target.url} is up` : `scrape: ${this.target.url}: ${error}`);
      this.lastErrorLogged = error;
    }
    this.health = { ...this.health, up: error === null, lastScrapeUnixMs: startMs, lastDurationMs: durationMs, lastError: error, samples };
    return this.health;
  }

  private async fetchBody(): Promise<{ text: string; contentType: string | undefined }> {
    const ac = new AbortController();
    this.inFlight = ac;
    const timer = setTimeout(() => ac.abort(), this.target.timeoutMs);
    try {
      const res = await fetch(this.target.url, {
        headers: { accept: SCRAPE_ACCEPT, 'x-prometheus-scrape-timeout-seconds': String(this.target.timeoutMs / 1000), 'user-agent': 'strata-scraper' },
        signal: ac.signal,
      });
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += c.length;
        if (size > this.target.bodyLimit) {
          ac.abort();
          throw new Error(`body larger than ${this.target.bodyLimit} bytes`);
        }
        chunks.push(c);
      }
      return { text: Buffer.concat(chunks).toString('utf8'), contentType: res.headers.get('content-type') ?? undefined };
    } finally {
      clearTimeout(timer);
      if (this.inFlight === ac) this.inFlight = null;
    }
  }
}

/** Every configured target, started and stopped together. */
export class ScrapeManager {
  readonly scrapers: readonly TargetScraper[];

  constructor(targets: readonly ScrapeTarget[], deps: ScraperDeps) {
    this.scrapers = targets.map((t) => new TargetScraper(t, deps));
  }

  start(): void {
    for (const s of this.scrapers) s.start();
  }

  async stop(): Promise<void> {
    for (const s of this.scrapers) s.stop();
  }

  health(): TargetHealth[] {
    return this.scrapers.map((s) => s.health);
  }
}
