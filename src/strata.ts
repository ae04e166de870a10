import { join, resolve } from 'node:path';
import { ApiServer } from './api/server.js';
import { DriftDetector } from './calibration/drift.js';
import { storeSpanLookup } from './calibration/labelled.js';
import { OnlineCalibration } from './calibration/online-map.js';
import type { StrataConfig } from './config/config.js';
import { createIngest, type FeedbackIngest, type Ingest, type IngestListeners } from './pipeline/ingest.js';
import { Wal } from './pipeline/wal.js';
import { StoreWriter } from './pipeline/writer.js';
import { createContentPolicy } from './processors/capture.js';
import { GatewayServer } from './receivers/gateway/server.js';
import { OtlpGrpcReceiver } from './receivers/otlp/grpc.js';
import { ScrapeManager } from './receivers/prometheus/scraper.js';
import { NvidiaSmiPoller } from './receivers/nvidia-smi/poller.js';
import { createProbeRegistry } from './probes/registry.js';
import { ProbeStage } from './probes/stage.js';
import { MonitorStage } from './monitors/stage.js';
import { configuredMonitors } from './monitors/stage-config.js';
import { OtlpHttpReceiver } from './receivers/otlp/http.js';
import { createChdbStore } from './storage/chdb-store.js';
import { createClickHouseStore } from './storage/clickhouse-store.js';
import { applyInsertFsync, applyRetention, migrate } from './storage/migrate.js';
import type { Store } from './storage/types.js';
import { Detector } from './detect/detector.js';
import type { Anomaly, AnomalyChange } from './detect/types.js';
import { StrataMetrics } from './exporters/strata-metrics.js';
import { StreamMetricsFeed } from './exporters/stream-feed.js';
import { createIncidentStage, type IncidentStage } from './incidents/stage.js';
import { getIncident, listIncidents } from './api/incidents.js';
import { createAllocation } from './monitors/allocation/allocator.js';
import { Notifier } from './notifier/dispatcher.js';

export const VERSION = '0.1.0';

/** The bound ports of a running Strata (0 in the config means "any free port"). */
export interface StrataPorts {
  readonly api: number;
  readonly otlpHttp: number;
  readonly otlpGrpc: number;
  /** null when the gateway is disabled. */
  readonly gateway: number | null;
}

/**
 * The composition root: builds every stage from the configuration, starts them in data-flow order
 * (store, WAL replay, writer, receivers, API) and stops them in reverse.
 */
export class Strata {
  private store: Store | null = null;
  private wal: Wal | null = null;
  private writer: StoreWriter | null = null;
  private parts: { stop(): Promise<void> }[] = [];
  private startedPorts: StrataPorts | null = null;
  private scrapes: ScrapeManager | null = null;
  private detector: Detector | null = null;
  private incidentStage: IncidentStage | null = null;
  private ingestSeam: (Ingest & FeedbackIngest) | null = null;

  constructor(
    readonly config: StrataConfig,
    private readonly log: (message: string) => void = (m) => console.error(m),
    private readonly listeners: IngestListeners = {},
  ) {}

  async start(): Promise<StrataPorts> {
    const { config, log } = this;
    const dataDir = resolve(config.storage.dataDir);
    const db = config.storage.database;
    const store = config.storage.clickhouseUrl
      ? createClickHouseStore({ url: config.storage.clickhouseUrl, db })
      : createChdbStore(dataDir, db);
    this.store = store;
    const applied = await migrate(store, db);
    if (applied.length) log(`storage: applied migrations ${applied.join(', ')} (${store.kind})`);
    await applyRetention(store, db, config.storage.retentionDays);
    await applyInsertFsync(store, db, config.ingest.fsync === 'always');

    const { wal, pending, interruptedFlush } = Wal.open({ dir: join(dataDir, 'wal'), fsync: config.ingest.fsync, warn: log });
    this.wal = wal;
    if (pending.length) log(`wal: replaying ${pending.length} acknowledged record(s) not yet in the store`);
    const writer = new StoreWriter(
      { store, wal, maxQueueBytes: config.ingest.maxQueueBytes, maxBatchBytes: config.ingest.maxBatchBytes, deadLetterDir: join(dataDir, 'dead-letter'), log },
      pending,
      interruptedFlush,
    );
    this.writer = writer;
    // Ground truth: fitted recalibration maps are loaded before any span is taken in, so each new response
    // carries its raw and calibrated confidence; accepted feedback feeds the drift detector on the stream.
    // Strata's derived signals, exported at GET /metrics (exporters/).
    const metrics = new StrataMetrics();
    const feed = new StreamMetricsFeed(metrics);
    const maps = new OnlineCalibration({ config: config.calibration, store, db, offer: (payloads) => writer.offer(payloads), log });
    await maps.start();
    this.parts.push(maps);
    const drift = new DriftDetector(
      { ...config.calibration.drift, bins: config.calibration.bins },
      {
        lookup: storeSpanLookup(store, db),
        onLabelled: maps.noteLabelled,
        onSignal: (s) => {
          // Drift is reported (GET /api/calibration/drift, /metrics) but does not open anomalies by itself:
          // on the scenario suite's no-fault controls, windows of a few dozen labels drifted by chance.
          feed.onDriftStates(drift.states());
          log(`calibration: ${s.entity} ${s.drifting ? 'drifts' : 'no longer drifts'}: ECE ${s.currentEce.toFixed(4)} over the last ${s.currentN} vs baseline ${s.baselineEce.toFixed(4)}`);
        },
        log,
      },
    );
    this.parts.push(drift);
    // Where judgements leave: notifications on incident changes, and /metrics for Prometheus.
    const notifier = new Notifier({ config: config.alerting, deadLetterDir: config.alerting.deadLetterDir ?? join(dataDir, 'alerting'), onOutcome: metrics.countNotification, log });
    metrics.declareReceivers(notifier.receivers);
    await notifier.start();
    this.parts.push(notifier);
    // Layer 4 on the stream: adaptive baselines and event rules per entity and signal (detect/), anomalies
    // grouped into incidents with ranked causes (incidents/), all in the data's own time.
    const incidentGauges = metrics.incidentSink();
    const incidentStage: IncidentStage | null = config.detection.enabled && config.incidents.enabled
      ? createIncidentStage(config.incidents, (incident, change) => {
          notifier.notify(incident, change);
          incidentGauges(incident, change);
        })
      : null;
    this.incidentStage = incidentStage;
    const anomalyGauges = metrics.anomalySink();
    const anomalous = new Map<string, number>();
    const detector = config.detection.enabled
      ? new Detector({ ...config.detection, log }, (a: Anomaly, change: AnomalyChange) => {
          anomalous.set(a.entity, (anomalous.get(a.entity) ?? 0) + (change === 'open' ? 1 : change === 'close' ? -1 : 0));
          if ((anomalous.get(a.entity) ?? 0) <= 0) anomalous.delete(a.entity);
          anomalyGauges(a, change);
          incidentStage?.onAnomaly(a, change);
        })
      : null;
    this.detector = detector;
    const advance = (): void => {
      const t = detector ? detector.stats().eventTimeMs : null;
      if (t !== null) incidentStage?.advanceTo(t);
    };
    // Expensive monitors and linear probes within budget, riskiest first (monitors/allocation/).
    const allocation = createAllocation(config.monitors.budget ?? null, { hasOpenAnomaly: (ids) => ids.some((id) => anomalous.has(id)) });
    // Layer 1 on the stream: probe readings and propositional consistency of every accepted span.
    const probes = new ProbeStage(createProbeRegistry(config.probes), (payloads) => writer.offer(payloads), log, allocation);
    probes.alarmListener = (span, reading) => {
      feed.onProbeReading(span, reading);
      detector?.onProbeAlarm(span, reading);
    };
    this.parts.push(probes);
    // Layer 3 on the stream: the configured monitors read each span's reasoning, actions and answer.
    const monitors = new MonitorStage(configuredMonitors(config.monitors), (payloads) => writer.offer(payloads), log, allocation);
    monitors.resultListener = (span, result) => {
      feed.onMonitorResult(span, result);
      detector?.onMonitorResult(span, result);
    };
    this.parts.push(monitors);
    const listeners: IngestListeners = {
      ...this.listeners,
      spans: (spans) => {
        this.listeners.spans?.(spans);
        feed.onSpans(spans);
        incidentStage?.onSpans(spans);
        detector?.onSpans(spans);
        probes.onSpans(spans);
        monitors.onSpans(spans);
        advance();
      },
      metricPoints: (points) => {
        this.listeners.metricPoints?.(points);
        feed.onMetricPoints(points);
        incidentStage?.onMetricPoints(points);
        detector?.onMetricPoints(points);
        probes.onMetricPoints(points);
        advance();
      },
      feedback: (records) => {
        this.listeners.feedback?.(records);
        drift.accept(records);
      },
    };
    const ingest = createIngest({
      offer: (payloads) => writer.offer(payloads),
      content: createContentPolicy({ capture: config.capture.content, redact: config.capture.redact }),
      listeners,
      calibration: config.calibration,
      calibrationMap: maps.lookup,
      feedbackThreshold: config.calibration.feedbackThreshold,
    });

    this.ingestSeam = ingest;

    const otlpOptions = {
      host: config.host,
      maxBodyBytes: config.otlp.maxBodyBytes,
      ingestKeys: config.auth.ingestKeys,
      retentionDays: config.storage.retentionDays,
      log,
    };
    const http = new OtlpHttpReceiver({ ...otlpOptions, port: config.otlp.httpPort }, ingest);
    const grpc = new OtlpGrpcReceiver({ ...otlpOptions, port: config.otlp.grpcPort }, ingest);
    const api = new ApiServer({
      host: config.host,
      port: config.api.port,
      apiKeys: config.auth.apiKeys,
      store,
      db,
      log,
      calibration: { ingest, config: config.calibration, retentionDays: config.storage.retentionDays, drift, maps },
      metrics: metrics.registry,
      config: { config, ports: () => ({ ...(this.startedPorts ?? {}) }) },
      routes: incidentStage ? [['/api/incidents', listIncidents(incidentStage.correlator)], ['/api/incidents/:id', getIncident(incidentStage.correlator)]] : [],
      health: () => ({ version: VERSION, ingest: writer.stats(), walBytes: wal.diskBytes(), scrapeTargets: this.scrapes?.health() ?? [] }),
    });
    const otlpHttp = await http.start();
    this.parts.push(http);
    const otlpGrpc = await grpc.start();
    this.parts.push(grpc);
    let gatewayPort: number | null = null;
    if (config.gateway.port !== null) {
      const gateway = new GatewayServer(
        { host: config.host, port: config.gateway.port, config: config.gateway, keys: config.auth.ingestKeys, version: VERSION, log },
        ingest,
      );
      gatewayPort = await gateway.start();
      this.parts.push(gateway);
    }
    if (config.scrape.length > 0) {
      const scrapes = new ScrapeManager(config.scrape, { ingest, retentionDays: config.storage.retentionDays, log });
      scrapes.start();
      this.parts.push(scrapes);
      this.scrapes = scrapes;
    }
    if (config.nvidiaSmi) {
      const poller = new NvidiaSmiPoller({ ...config.nvidiaSmi, log }, ingest);
      await poller.start();
      this.parts.push(poller);
    }
    const apiPort = await api.start();
    this.parts.push(api);
    this.startedPorts = { api: apiPort, otlpHttp, otlpGrpc, gateway: gatewayPort };
    return this.startedPorts;
  }

  /** The store while running (null before start and after stop): for tools and tests that read it directly. */
  get storage(): Store | null {
    return this.store;
  }

  /** The seam receivers hand data to, while running: for in-process receivers such as `strata bench`'s scrapers. */
  get ingest(): (Ingest & FeedbackIngest) | null {
    return this.ingestSeam;
  }

  get ports(): StrataPorts | null {
    return this.startedPorts;
  }

  /** Resolves when everything acknowledged so far is queryable. */
  async flushed(): Promise<void> {
    await this.writer?.flushed();
  }

  /** Stops receivers first, drains the writer, then closes the WAL and the store. Idempotent. */
  async stop(): Promise<void> {
    const parts = this.parts.reverse();
    this.parts = [];
    for (const p of parts) await p.stop();
    await this.writer?.stop();
    this.writer = null;
    this.wal?.close();
    this.wal = null;
    await this.store?.close();
    this.store = null;
    this.ingestSeam = null;
  }
}
