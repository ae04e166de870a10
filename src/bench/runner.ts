/**
 * Runs one simulated fleet against a fresh in-process Strata in scenario time. The clock moves in
 * steps of the scrape interval; at each step the requests that arrived are POSTed as OTLP/JSON to
 * Strata's OTLP/HTTP receiver, due feedback to `/api/feedback`, and every target is scraped from the
 * simulator's HTTP servers by Strata's own scraper with the scenario clock: every byte enters through
 * the ingest paths live data takes. Then the pipeline is drained and Strata asked for its incidents
 * and each layer's metric. The cost of each part (simulator vs Strata) is measured.
 */
import { rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { DEFAULT_CONFIG, type StrataConfig } from '../config/config.js';
import type { Incident } from '../incidents/types.js';
import { DEFAULT_SCRAPE_BODY_LIMIT } from '../receivers/prometheus/scrape-config.js';
import { TargetScraper } from '../receivers/prometheus/scraper.js';
import { createWorkMeter, startSimServers } from '../sim/servers.js';
import type { Fleet, GroundTruth, SimFeedback, SimRequest } from '../sim/types.js';
import type { MemoryStore } from '../storage/memory-store.js';
import { Strata } from '../strata.js';
import { confusionOf, eceOf, jaccardOf, monitorScore, NO_CONFUSION, type LayerScores, type MonitorScore } from './layers.js';

/** Where the run's Strata keeps its data. */
export type BenchEngine = 'chdb' | 'memory';

/** How the simulator's output becomes request bodies (sim/otlp-spans.ts), and which requests truly reasoned badly. */
export interface SimEncoders {
  readonly requestsToOtlpJson: (fleet: Fleet, requests: readonly SimRequest[]) => unknown;
  readonly feedbackToJson: (items: readonly SimFeedback[]) => unknown;
  /** True when the simulator injected bad reasoning into the request; absent: the monitors are not scored. */
  readonly badReasoning?: (fleet: Fleet, request: SimRequest) => boolean;
}

export interface RunOptions {
  /** A directory this run may use; a bench reuses one for every run (chDB binds one data directory per process). */
  readonly dataDir: string;
  /** Database of this run (one per run, so runs never see each other's data). */
  readonly database: string;
  readonly engine?: BenchEngine;
  /** Called after each step with the step number, from 1. */
  readonly onStep?: (step: number, steps: number) => void;
  /** Strata's own log lines (default: dropped). */
  readonly log?: (message: string) => void;
}

/** Where the time of one run went, ms of wall clock. */
export interface RunCost {
  readonly wallMs: number;
  /** Start of Strata (store, migrations, WAL, listeners). */
  readonly setupMs: number;
  /** The simulator's own work: fleet steps, span/feedback JSON, expositions. */
  readonly simMs: number;
  /** Everything else during the steps: HTTP, Strata's receivers, processors, detection, the scraper. */
  readonly strataMs: number;
  /** Drain of the pipeline after the last step. */
  readonly drainMs: number;
  /** Questions to the API afterwards and the stop. */
  readonly answerMs: number;
}

export interface FleetRun {
  readonly name: string;
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly steps: number;
  readonly truth: readonly GroundTruth[];
  readonly incidents: readonly Incident[];
  /**
   * Scenario-clock ms of the step after which `GET /api/incidents` first listed each incident: when
   * Strata's answer could first be read (fault scenarios only; controls are not polled).
   */
  readonly firstListedMs: Readonly<Record<string, number>>;
  readonly layers: LayerScores;
  readonly counts: { readonly requests: number; readonly feedback: number; readonly scrapes: number; readonly scrapesDown: number };
  readonly cost: RunCost;
  /** Things the run could not measure, and why. */
  readonly notes: readonly string[];
}

/** The Strata configuration of a bench run: loopback, free ports, no gateway, data of any age accepted. */
export function benchConfig(dataDir: string, database: string, engine: BenchEngine): StrataConfig {
  const storage = { ...DEFAULT_CONFIG.storage, dataDir, database, retentionDays: 0 };
  if (engine === 'memory') {
    if (!('engine' in DEFAULT_CONFIG.storage)) throw new Error('this Strata has no memory storage engine (storage.engine)');
    Object.assign(storage, { engine: 'memory' });
  }
  return {
    ...DEFAULT_CONFIG,
    host: '127.0.0.1',
    api: { port: 0 },
    otlp: { ...DEFAULT_CONFIG.otlp, httpPort: 0, grpcPort: 0 },
    gateway: { ...DEFAULT_CONFIG.gateway, port: null },
    storage,
    ingest: { ...DEFAULT_CONFIG.ingest, fsync: 'never' },
    scrape: [],
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One keep-alive connection pool for the run's POSTs (node:http costs a fraction of fetch's CPU per request). */
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function postOnce(url: string, text: string): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** POSTs JSON text; a busy answer (429/503) is retried after its Retry-After (at most 1 s here). */
async function postJson(url: string, text: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const res = await postOnce(url, text);
    if (res.status >= 200 && res.status < 300) return;
    if ((res.status === 503 || res.status === 429) && attempt < 50) {
      await sleep(Math.min(1000, 1000 * Number(res.retryAfter ?? '0.1')));
      continue;
    }
    throw new Error(`POST ${url}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  }
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}

const INCIDENTS_LIMIT = 1000;

/** Every incident Strata holds (newest first, as the API answers). */
async function fetchIncidents(api: string, notes: string[]): Promise<Incident[]> {
  let r = await getJson(`${api}/api/incidents?limit=${INCIDENTS_LIMIT}`);
  if (r.status === 400) r = await getJson(`${api}/api/incidents`);
  if (r.status === 404) {
    notes.push('GET /api/incidents is not served by this Strata: no incidents scored');
    return [];
  }
  if (r.status !== 200) throw new Error(`GET /api/incidents: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return ((r.body as { incidents?: Incident[] }).incidents ?? []).slice();
}

/** The ids of the incidents Strata lists now ([] while it serves no incidents). */
async function listedIncidents(api: string): Promise<string[]> {
  const r = await getJson(`${api}/api/incidents?limit=${INCIDENTS_LIMIT}`);
  if (r.status !== 200) return [];
  return ((r.body as { incidents?: { id: string }[] }).incidents ?? []).map((i) => i.id);
}

/** Trace ids some monitor flagged, read from the store (the API answers per trace only). */
async function flaggedTraces(strata: Strata, database: string): Promise<Set<string>> {
  const store = strata.storage;
  if (store === null) return new Set();
  if (store.kind === 'memory') {
    const rows = (store as MemoryStore).rows('monitor_results');
    return new Set(rows.filter((r) => r.flag === true || r.flag === 1).map((r) => String(r.trace_id)));
  }
  const rows = await store.query<{ trace_id: string }>(`SELECT DISTINCT trace_id FROM ${database}.monitor_results WHERE flag`);
  return new Set(rows.map((r) => r.trace_id));
}

/** What Strata answered about a finished run: its incidents and each layer's metric. */
async function askStrata(strata: Strata, api: string, fleet: Fleet, encoders: SimEncoders, classified: readonly { traceId: string; bad: boolean }[], database: string): Promise<{ incidents: Incident[]; layers: LayerScores; notes: string[] }> {
  const notes: string[] = [];
  const incidents = await fetchIncidents(api, notes);
  const range = `from=${fleet.startMs}&to=${fleet.endMs + 1}`;
  const calibration = await getJson(`${api}/api/calibration?${range}&resamples=0`);
  const ece = calibration.status === 200 ? eceOf(calibration.body) : { ece: null, n: 0 };
  if (calibration.status !== 200) notes.push(`GET /api/calibration: HTTP ${calibration.status} (no ECE)`);
  const probes = await getJson(`${api}/api/probes?${range}`);
  const jaccard = probes.status === 200 ? jaccardOf(probes.body) : { jaccard: null, n: 0 };
  if (probes.status !== 200) notes.push(`GET /api/probes: HTTP ${probes.status} (no Jaccard)`);
  let monitors: MonitorScore;
  if (!encoders.badReasoning) monitors = monitorScore(NO_CONFUSION, 'the simulator does not say which requests had injected bad reasoning');
  else {
    try {
      monitors = monitorScore(confusionOf(classified, await flaggedTraces(strata, database)));
    } catch (err) {
      monitors = monitorScore(NO_CONFUSION, `monitor results not readable: ${(err as Error).message}`);
    }
  }
  return { incidents, layers: { ece: ece.ece, eceN: ece.n, monitors, jaccard: jaccard.jaccard, jaccardN: jaccard.n }, notes };
}

/** Runs the fleet from its start to its end and answers what Strata made of it. */
export async function runFleet(fleet: Fleet, encoders: SimEncoders, options: RunOptions): Promise<FleetRun> {
  const began = performance.now();
  const engine = options.engine ?? 'chdb';
  for (const sub of ['wal', 'dead-letter', 'insert-spool']) rmSync(join(options.dataDir, sub), { recursive: true, force: true });
  const strata = new Strata(benchConfig(options.dataDir, options.database, engine), options.log ?? (() => {}));
  let clock = fleet.startMs;
  const meter = createWorkMeter();
  const servers = await startSimServers(fleet, { now: () => clock, timeFactor: 0 });
  const counts = { requests: 0, feedback: 0, scrapes: 0, scrapesDown: 0 };
  const classified: { traceId: string; bad: boolean }[] = [];
  const firstListedMs: Record<string, number> = {};
  try {
    const ports = await strata.start();
    const ingest = strata.ingest;
    if (ingest === null) throw new Error('Strata started without an ingest seam');
    const setupMs = performance.now() - began;
    const otlp = `http://127.0.0.1:${ports.otlpHttp}`;
    const api = `http://127.0.0.1:${ports.api}`;
    const scrapers = servers.scrapes.map(
      (s) =>
        new TargetScraper(
          { url: s.url, kind: s.target.kind, job: s.target.kind, intervalMs: fleet.scrapeIntervalMs, timeoutMs: 5_000, labels: s.target.labels, bodyLimit: DEFAULT_SCRAPE_BODY_LIMIT },
          { ingest, retentionDays: 0, now: () => clock, log: options.log },
        ),
    );
    const interval = fleet.scrapeIntervalMs;
    const steps = Math.floor((fleet.endMs - fleet.startMs) / interval) + 1;
    const loopStart = performance.now();
    for (let i = 0; i < steps; i++) {
      clock = fleet.startMs + i * interval;
      const requests = meter.measure(() => fleet.advance(clock));
      if (requests.length > 0) {
        counts.requests += requests.length;
        if (encoders.badReasoning) for (const r of requests) classified.push({ traceId: r.traceId, bad: meter.measure(() => encoders.badReasoning!(fleet, r)) });
        await postJson(`${otlp}/v1/traces`, meter.measure(() => JSON.stringify(encoders.requestsToOtlpJson(fleet, requests))));
      }
      const feedback = meter.measure(() => fleet.feedbackDue(clock));
      if (feedback.length > 0) {
        counts.feedback += feedback.length;
        await postJson(`${api}/api/feedback`, meter.measure(() => JSON.stringify(encoders.feedbackToJson(feedback))));
      }
      const health = await Promise.all(scrapers.map((s) => s.scrapeOnce()));
      counts.scrapes += health.length;
      counts.scrapesDown += health.filter((h) => !h.up).length;
      if (fleet.truth.length > 0) for (const id of await listedIncidents(api)) firstListedMs[id] ??= clock;
      options.onStep?.(i + 1, steps);
    }
    const loopMs = performance.now() - loopStart;
    await strata.flushed();
    const drainMs = performance.now() - loopStart - loopMs;

    const answerStart = performance.now();
    const answer = await askStrata(strata, api, fleet, encoders, classified, options.database);
    if (engine === 'chdb') await strata.storage?.exec(`DROP DATABASE IF EXISTS ${options.database} SYNC`).catch(() => {});
    await strata.stop();
    await servers.stop();
    const end = performance.now();
    const simMs = meter.ms + servers.work.ms;
    return {
      name: fleet.name,
      seed: fleet.seed,
      startMs: fleet.startMs,
      endMs: fleet.endMs,
      steps,
      truth: fleet.truth,
      ...answer,
      firstListedMs,
      counts,
      cost: { wallMs: end - began, setupMs, simMs, strataMs: Math.max(0, loopMs - simMs), drainMs, answerMs: end - answerStart },
    };
  } finally {
    await strata.stop();
    await servers.stop();
  }
}
