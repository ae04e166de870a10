import { createServer, type Server } from 'node:http';
import { closeServer, listen } from '../net.js';
import { createKeyCheck, keyFromHeaders } from '../auth/keys.js';
import type { Store } from '../storage/types.js';
import { ApiError, ok, Router, toApiRequest, writeJson } from './http.js';
import { listEntities } from './entities.js';
import { listLogs } from './logs.js';
import { queryMetrics } from './metrics.js';
import { getTrace, listTraces } from './traces.js';

export interface ApiServerOptions {
  readonly host: string;
  readonly port: number;
  readonly apiKeys: readonly string[];
  readonly store: Store;
  readonly db: string;
  /** What /api/health reports beyond the store: queue depth, ports, version. */
  readonly health: () => Record<string, unknown>;
  readonly log?: (message: string) => void;
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
      .get('/api/entities', listEntities(store, db));
    const checkKey = createKeyCheck(this.options.apiKeys);

    const server = createServer(async (req, res) => {
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      try {
        const path = new URL(req.url ?? '/', 'http://localhost').pathname;
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
