/**
 * GET /metrics: the registry in the Prometheus text format 0.0.4. The query API answers JSON through
 * its Router, so this is a raw handler the API server calls for the one path before routing
 * (`serveMetrics`), and a plain function (`metricsHandler`) for anything that builds its own response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DerivedMetrics } from './registry.js';
import { CONTENT_TYPE } from './text-format.js';

export const METRICS_PATH = '/metrics';

export interface MetricsResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export function renderMetrics(registry: DerivedMetrics): string {
  return registry.render();
}

/** The answer to a request for /metrics: 200 with the exposition for GET and HEAD (HEAD without body), else 405. */
export function metricsHandler(registry: DerivedMetrics): (method?: string) => MetricsResponse {
  return (method = 'GET'): MetricsResponse => {
    if (method !== 'GET' && method !== 'HEAD')
      return { status: 405, headers: { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' }, body: `${method} not allowed on ${METRICS_PATH}\n` };
    const body = renderMetrics(registry);
    return { status: 200, headers: { 'Content-Type': CONTENT_TYPE, 'Cache-Control': 'no-store', 'Content-Length': String(Buffer.byteLength(body)) }, body: method === 'HEAD' ? '' : body };
  };
}

/** Writes the /metrics answer on a node:http response. */
export function serveMetrics(registry: DerivedMetrics, req: IncomingMessage, res: ServerResponse): void {
  const answer = metricsHandler(registry)(req.method);
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}
