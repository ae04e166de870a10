/**
 * The live fleet behind a real gateway: the traffic driver's requests pass through Strata's gateway to
 * the simulated replicas, and the three views of one request — the gateway's client span, the
 * replica's own llm_request span and the feedback about it — name the same trace and the same replica.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../net.js';
import type { Ingest } from '../pipeline/ingest.js';
import { normalizeTraces } from '../processors/index.js';
import { parseGatewayConfig } from '../receivers/gateway/config.js';
import { GatewayServer } from '../receivers/gateway/server.js';
import type { OtlpSpan } from '../receivers/otlp/types.js';
import { LiveFleet } from './live.js';
import { loadScenario } from './scenario.js';
import { strataSectionsFor } from './strata-sections.js';
import type { SimFeedback, SimRequest } from './types.js';

const SCENARIO = `
name: live-test
duration: 30m
scrape_interval: 10s
topology:
  hosts:
    - name: node-1
      gpus: [{uuid: GPU-11111111-1111-4111-8111-111111111111}, {uuid: GPU-22222222-2222-4222-8222-222222222222}]
  replicas:
    - {id: a, host: node-1, port: 8001, gpus: [GPU-11111111-1111-4111-8111-111111111111], model: m1}
    - {id: b, host: node-1, port: 8002, gpus: [GPU-22222222-2222-4222-8222-222222222222], model: m1}
workload: {rate: 2, burstiness: 0, output_tokens: 24, prompt_tokens: 50}
feedback: {fraction: 1, late_fraction: 0, delay: 1s}
`;

const gatewaySpans: OtlpSpan[] = [];
const ingest: Ingest = {
  traces: (req) => {
    for (const rs of req.resourceSpans) for (const ss of rs.scopeSpans) gatewaySpans.push(...ss.spans);
    return { accepted: true, count: 0 };
  },
  metrics: () => ({ accepted: true, count: 0 }),
  logs: () => ({ accepted: true, count: 0 }),
};

/** What the OTLP and feedback sink received. */
const replicaSpans: Record<string, unknown>[] = [];
const feedback: { trace_id: string; correct: boolean }[] = [];
let sink: Server;
let gateway: GatewayServer;
let live: LiveFleet;

const toOtlpJson = (_fleet: unknown, requests: readonly SimRequest[]) => ({
  resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'vllm' }, spans: requests.map((r) => ({ traceId: r.traceId, spanId: r.spanId, name: 'llm_request', kind: 2, replica: r.replica })) }] }],
});
const feedbackJson = (items: readonly SimFeedback[]) => items.map((f) => ({ trace_id: f.traceId, correct: f.correct }));

beforeAll(async () => {
  sink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (req.url === '/v1/traces') for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) replicaSpans.push(...ss.spans);
      else feedback.push(...body);
      res.writeHead(req.url === '/v1/traces' ? 200 : 202, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  const sinkUrl = `http://127.0.0.1:${await listen(sink, 0, '127.0.0.1')}`;
  live = await LiveFleet.start({ scenario: loadScenario(SCENARIO, 'live-test.yaml'), speed: 5, otlp: { url: sinkUrl }, requestsToOtlpJson: toOtlpJson, feedbackToJson: feedbackJson });
  const sections = strataSectionsFor(live.scenario, live.servers);
  gateway = new GatewayServer({ host: '127.0.0.1', port: 0, config: parseGatewayConfig({ port: 0, routes: sections.gateway.routes }), keys: [], version: 'test' }, ingest);
  const port = await gateway.start();
  live.startTraffic(`http://127.0.0.1:${port}/v1`);
  live.startFeedback(sinkUrl);
});

afterAll(async () => {
  await live?.stop();
  await gateway?.stop();
  if (sink) await closeServer(sink, 0);
});

async function until(ok: () => boolean, state: () => string, timeoutMs = 8000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out: ${state()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a live fleet behind the gateway', () => {
  it('describes itself to Strata: routes to named replicas, scrape targets with the fleet’s labels', () => {
    const sections = strataSectionsFor(live.scenario, live.servers);
    expect(sections.gateway.routes).toEqual([
      {
        model: 'm1',
        balance: 'least_outstanding',
        upstreams: [
          { url: live.servers.replicas[0].baseUrl, replica: 'node-1:8001' },
          { url: live.servers.replicas[1].baseUrl, replica: 'node-1:8002' },
        ],
      },
    ]);
    expect(sections.scrape.map((s) => [s.kind, s.interval, s.labels])).toEqual([
      ['vllm', '10000ms', { 'service.instance.id': 'node-1:8001', 'host.name': 'node-1' }],
      ['vllm', '10000ms', { 'service.instance.id': 'node-1:8002', 'host.name': 'node-1' }],
      ['dcgm', '10000ms', { 'host.name': 'node-1' }],
    ]);
  });

  it('sends the workload through the gateway; gateway span, replica span and feedback meet on one trace and replica', async () => {
    await until(() => feedback.length >= 3 && replicaSpans.length >= 3 && gatewaySpans.length >= 3, () => JSON.stringify({ traffic: live.trafficStats, feedback: live.feedbackStats, served: live.servers.stats }));
    const stats = live.trafficStats!;
    expect(stats.ok).toBeGreaterThanOrEqual(3);
    expect(stats.failed).toBe(0);
    const byTrace = new Map(gatewaySpans.map((s) => [s.traceId, s]));
    for (const r of replicaSpans.slice(0, 3)) {
      const g = byTrace.get(String(r.traceId));
      expect(g, 'the replica span joins the gateway span’s trace').toBeDefined();
      expect(r.parentSpanId).toBe(g!.spanId);
      const replica = live.servers.replicas.find((x) => x.id === r.replica)!;
      expect(g!.attributes['strata.gateway.replica']).toBe(replica.name);
      const [rec] = normalizeTraces({ resourceSpans: [{ resource: { attributes: {}, droppedAttributesCount: 0 }, scopeSpans: [{ scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, spans: [g!], schemaUrl: '' }], schemaUrl: '' }] }, { content: false });
      expect(rec.entities.refs.map((x) => `${x.kind}:${x.key}`)).toContain(replica.entity);
    }
    // Feedback may be posted before the gateway's batch with its span has left: wait for those spans.
    const labelled = feedback.slice(0, 3).map((f) => f.trace_id);
    await until(() => labelled.every((t) => gatewaySpans.some((s) => s.traceId === t)), () => `feedback for ${labelled.join(', ')}`);
    // The gateway asked for logprobs and usage; the replicas answered with them.
    const g = gatewaySpans[0];
    expect(typeof g.attributes['strata.logprobs']).toBe('string');
    expect((g.attributes['gen_ai.usage.output_tokens'] as { int: bigint }).int).toBeGreaterThan(0n);
  });
});
