/**
 * Two reference paths for `bench:gateway`, each run as a child process between the client and the
 * upstream, to tell the gateway's own cost from what any Node.js proxy pays on the machine:
 *
 * - `relay`: a bare node:http pass-through (keep-alive agent upstream, bytes relayed as they come,
 *   nothing parsed, nothing added): the floor for a proxy hop in Node on this machine.
 * - `gateway-only`: Strata's `GatewayServer` with the same route as `strata serve` gets, but its
 *   spans handed to an Ingest that counts and discards them: the relay path without the storage
 *   pipeline (no normalisation, WAL or chDB in the process).
 *
 * `node dist/bench/lib/gateway-proxies.js --mode relay|gateway-only --upstream http://127.0.0.1:P/v1 [--model m]`
 */
import { request as httpRequest, Agent, createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Ingest } from '../../src/pipeline/ingest.js';
import { parseGatewayConfig } from '../../src/receivers/gateway/config.js';
import { GatewayServer } from '../../src/receivers/gateway/server.js';
import { argValue, serveAsChild, startBenchChild, type BenchChild } from './gateway-child.js';
import { DEFAULT_UPSTREAM_MODEL } from './gateway-upstream.js';

export type ProxyMode = 'relay' | 'gateway-only';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'proxy-connection']);

function without(headers: IncomingHttpHeaders, drop: ReadonlySet<string>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !drop.has(k)) out[k] = v;
  return out;
}

/** The bare pass-through: `upstream` is `http://host:port/v1`; the client's path is forwarded as is. */
function createRelay(upstream: URL): Server {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' });
  return createServer({ noDelay: true, keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    const up = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: without(req.headers, HOP_BY_HOP), agent },
      (upRes) => {
        const headers = without(upRes.headers, HOP_BY_HOP);
        res.writeHead(upRes.statusCode ?? 502, headers);
        res.flushHeaders();
        upRes.on('data', (c: Buffer) => {
          if (!res.write(c)) upRes.pause();
        });
        res.on('drain', () => upRes.resume());
        upRes.on('end', () => res.end());
        upRes.on('error', () => res.destroy());
      },
    );
    up.on('error', (err) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(err.message);
      } else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  });
}

/** Counts the spans the gateway hands over and drops them. */
function discardingIngest(counter: { spans: number }): Ingest {
  return {
    traces: (r) => {
      const n = r.resourceSpans.reduce((a, rs) => a + rs.scopeSpans.reduce((b, ss) => b + ss.spans.length, 0), 0);
      counter.spans += n;
      return { accepted: true, count: n };
    },
    metrics: () => ({ accepted: true, count: 0 }),
    logs: () => ({ accepted: true, count: 0 }),
  };
}

/** Runs this file as a child process in `mode`; resolves once it listens. */
export function startProxyChild(mode: ProxyMode, upstreamBase: string, route: RouteOptions, model = DEFAULT_UPSTREAM_MODEL): Promise<BenchChild> {
  const args = ['--mode', mode, '--upstream', upstreamBase, '--model', model, '--logprobs', String(route.topLogprobs ?? -1), '--capture', String(route.capture)];
  return startBenchChild(`gateway bench ${mode}`, fileURLToPath(import.meta.url), args);
}

/** The route settings the benchmark may vary (the rest are the gateway's defaults). */
export interface RouteOptions {
  /** Alternatives per token the gateway asks for; null: logprobs off. */
  readonly topLogprobs: number | null;
  readonly capture: boolean;
}

/** The route as it appears under `gateway.routes` in the YAML configuration. */
export function routeYaml(model: string, upstreamBase: string, route: RouteOptions): string {
  return [
    `    - model: ${JSON.stringify(model)}`,
    `      upstreams: [${JSON.stringify(upstreamBase)}]`,
    '      provider: vllm',
    `      logprobs: ${route.topLogprobs === null ? 'false' : `{ top: ${route.topLogprobs} }`}`,
    `      capture: ${route.capture}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const mode = argValue('mode', 'relay') as ProxyMode;
  const upstream = argValue('upstream', '');
  const model = argValue('model', DEFAULT_UPSTREAM_MODEL);
  if (!upstream) throw new Error('--upstream http://host:port/v1 is required');
  if (mode === 'relay') return serveAsChild('gateway-relay', createRelay(new URL(upstream)));
  if (mode !== 'gateway-only') throw new Error(`--mode: relay or gateway-only, got ${mode}`);
  const counter = { spans: 0 };
  const top = Number(argValue('logprobs', '5'));
  const route = { model, upstreams: [upstream], provider: 'vllm', logprobs: top < 0 ? false : { top }, capture: argValue('capture', 'true') === 'true' };
  const config = parseGatewayConfig({ port: 0, routes: [route] });
  const gateway = new GatewayServer({ host: '127.0.0.1', port: 0, config, keys: [], version: 'bench', log: (m) => process.stderr.write(`${m}\n`) }, discardingIngest(counter));
  const port = await gateway.start();
  process.stdout.write(`gateway-only: listening on ${port}\n`);
  const stop = (): void =>
    void gateway.stop().then(() => {
      process.stderr.write(`GatewayServer only: built and discarded ${counter.spans} spans\n`);
      process.exit(0);
    });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
