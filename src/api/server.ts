import { createServer, type Server } from 'node:http';
import { closeServer, listen } from '../net.js';
import { createKeyCheck, keyFromHeaders } from '../auth/keys.js';
import type { DriftDetector } from '../calibration/drift.js';
import type { OnlineCalibration } from '../calibration/online-map.js';
import type { FeedbackIngest } from '../pipeline/ingest.js';
import type { CalibrationConfig } from '../processors/confidence/config.js';
import type { Store } from '../storage/types.js';
import { getCalibration, getDrift, getMaps, postFit } from './calibration.js';
import { importFeedback, postFeedback } from './feedback.js';
import { ApiError, ok, Router, toApiRequest, writeJson } from './http.js';
import { listEntities } from './entities.js';
import { monitorRates, monitorResults, probeRates } from './behaviour.js';
import { listLogs } from './logs.js';
import { queryMetrics } from './metrics.js';
import { getTrace, listTraces } from './traces.js';
import type { Handler } from './http.js';
import { getConfigView } from './ui-config.js';
import type { StrataConfig } from '../config/config.js';
import type { DerivedMetrics } from '../exporters/registry.js';
import { METRICS_PATH, serveMetrics } from '../exporters/prometheus.js';
import { serveUi } from '../web/serve.js';

export interface ApiServerOptions {
  readonly host: string;
  readonly port: number;
  readonly apiKeys: readonly string[];
  readonly store: Store;
  readonly db: string;
  /** What /api/health reports beyond the store: queue depth, ports, version. */
  readonly health: () => Record<string, unknown>;
  readonly log?: (message: string) => void;
  /** Feedback intake and the calibration endpoints (api/feedback.ts, api/calibration.ts); absent: not served. */
  readonly calibration?: {
    readonly ingest: FeedbackIngest;
    readonly config: CalibrationConfig;
    readonly retentionDays: number;
    readonly drift?: DriftDetector;
    readonly maps?: OnlineCalibration;
  };
  /** The configuration, shown (secrets redacted) at GET /api/config for the UI's Settings page. */
  readonly config?: { readonly config: StrataConfig; readonly ports: () => Record<string, number | null> };
  /** Strata's derived signals, served in the Prometheus text format at GET /metrics. */
  readonly metrics?: DerivedMetrics;
  /** More JSON endpoints (incidents): `[path, handler]`, GET. */
  readonly routes?: readonly (readonly [string, Handler])[];
  /** Serve the web UI at / (default true). */
  readonly ui?: boolean;
}

/** The query API: JSON over HTTP, documented in docs/api.md. */
export class ApiServer {
  private server: Server | null = null;

  constructor(private readonly options: ApiServerOptions) {}

  async start(): Promise<number> {
    const { store, db } = this.options;
    const router = new Router()
      // Open to all for liveness checks; the details (queue, last store error) only with a key.
      .get('/api/health', async (req) => ok(req.authorized ? { status: 'ok', store: store.kind, ...this.options.health() } : { status: 'ok' }))
      .get('/api/traces', listTraces(store, db))
      .get('/api/traces/:traceId', getTrace(store, db))
      .get('/api/metrics', queryMetrics(store, db))
      .get('/api/logs', listLogs(store, db))
      .get('/api/entities', listEntities(store, db))
      .get('/api/monitors', monitorRates(store, db))
      .get('/api/monitors/results', monitorResults(store, db))
      .get('/api/probes', probeRates(store, db));
    const calibration = this.options.calibration;
    if (calibration) {
      const feedback = { ingest: calibration.ingest, threshold: calibration.config.feedbackThreshold, retentionDays: calibration.retentionDays };
      const deps = { store, db, config: calibration.config, drift: calibration.drift, maps: calibration.maps };
      router
        .post('/api/feedback', postFeedback(feedback))
        .post('/api/feedback/import', importFeedback(feedback))
        .get('/api/calibration', getCalibration(deps))
        .get('/api/calibration/drift', getDrift(deps))
        .get('/api/calibration/maps', getMaps(deps))
        .post('/api/calibration/fit', postFit(deps));
    }
    if (this.options.config) router.get('/api/config', getConfigView(this.options.config.config, this.options.config.ports));
    for (const [path, handler] of this.options.routes ?? []) router.get(path, handler);
    const checkKey = createKeyCheck(this.options.apiKeys);
    const metrics = this.options.metrics;
    const ui = this.options.ui !== false;

    const server = createServer(async (req, res) => {
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      try {
        // The UI's files hold no data: they load without a key and ask for one when the API needs it.
        if (ui && serveUi(req, res)) return;
        const path = new URL(req.url ?? '/', 'http://localhost').pathname;
        if (path === METRICS_PATH && metrics) {
          // Label values name models and replicas: behind the API keys when there are any.
          if (!checkKey(keyFromHeaders(header(req.headers.authorization), header(req.headers['x-api-key']))))
            throw new ApiError(401, 'missing or unknown API key (Authorization: Bearer <key>)');
          return serveMetrics(metrics, req, res);
        }
        const route = router.match(req.method ?? 'GET', path);
        if (route === null) throw new ApiError(404, `no such endpoint: ${path}`);
        if (route === 'method') throw new ApiError(405, `${req.method} not allowed on ${path}`);
        const authorized = checkKey(keyFromHeaders(header(req.headers.authorization), header(req.headers['x-api-key'])));
        if (!authorized && path !== '/api/health') throw new ApiError(401, 'missing or unknown API key (Authorization: Bearer <key>)');
        writeJson(res, await route.handler(toApiRequest(req, route.params, abort.signal, authorized)));
      } catch (err) {
        if (res.headersSent) return void res.destroy();
        if (err instanceof ApiError) return writeJson(res, { status: err.status, body: { error: err.message } });
        this.options.log?.(`api: ${(err as Error).stack ?? err}`);
        writeJson(res, { status: 500, body: { error: 'internal error; see the server log' } });
      }
    });
    this.server = server;
    return listen(server, this.options.port, this.options.host);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await closeServer(server);
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
