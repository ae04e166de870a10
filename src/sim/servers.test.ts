import { createServer, type Server } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeFleet, FAKE_MODEL, FAKE_VERSION, type FakeFleet } from '../../test/helpers/fake-fleet.js';
import { listen, closeServer } from '../net.js';
import type { Ingest } from '../pipeline/ingest.js';
import type { ExportMetricsRequest } from '../receivers/otlp/types.js';
import { TargetScraper } from '../receivers/prometheus/scraper.js';
import { startSimServers, type SimServers } from './servers.js';
import type { SimRequest } from './types.js';

let fleet: FakeFleet;
let sim: SimServers;
let clock: number;
let sink: Server;
const posted: { headers: Record<string, unknown>; body: any }[] = [];

/** A stand-in requestsToOtlpJson: per request a client span and the replica's llm_request span. */
function toOtlpJson(requests: readonly SimRequest[]): unknown {
  return {
    resourceSpans: [
      { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'app' } }] }, scopeSpans: [{ scope: { name: 'app' }, spans: requests.map((r) => ({ traceId: r.traceId, spanId: 'c'.repeat(16), name: 'chat', kind: 3 })) }] },
      { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'vllm' } }] }, scopeSpans: [{ scope: { name: 'vllm' }, spans: requests.map((r) => ({ traceId: r.traceId, spanId: r.spanId, parentSpanId: 'c'.repeat(16), name: 'llm_request', kind: 2 })) }] },
    ],
  };
}

beforeAll(async () => {
  sink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posted.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  const sinkPort = await listen(sink, 0, '127.0.0.1');
  fleet = createFakeFleet({ outage: { fromMs: Date.UTC(2025, 0, 1, 12, 1), toMs: Date.UTC(2025, 0, 1, 12, 2) } });
  clock = fleet.startMs;
  sim = await startSimServers(fleet, { now: () => clock, timeFactor: 0, otlp: { url: `http://127.0.0.1:${sinkPort}`, toOtlpJson, key: 'k' }, models: { r1: FAKE_MODEL, r2: FAKE_MODEL } });
});

afterAll(async () => {
  await sim?.stop();
  if (sink) await closeServer(sink, 0);
});

function recordingIngest(): { ingest: Ingest; metrics: ExportMetricsRequest[] } {
  const metrics: ExportMetricsRequest[] = [];
  const ok = { accepted: true as const, count: 1 };
  return { metrics, ingest: { traces: () => ok, logs: () => ok, metrics: (r) => (metrics.push(r), ok) } };
}

function upOf(req: ExportMetricsRequest): number | undefined {
  const m = req.resourceMetrics[0].scopeMetrics[0].metrics.find((x) => x.name === 'up');
  return m?.data.type === 'gauge' ? (m.data.dataPoints[0].value as number) : undefined;
}

describe('sim servers', () => {
  it('serves one replica server per vLLM target and one exporter per host, named after the fleet', () => {
    expect(sim.replicas.map((r) => [r.id, r.entity, r.name])).toEqual([
      ['r1', 'replica:node-a:8001', 'node-a:8001'],
      ['r2', 'replica:node-a:8002', 'node-a:8002'],
    ]);
    expect(sim.scrapes.map((s) => s.target.id)).toEqual(['r1', 'r2', 'node-a']);
    expect(new Set(sim.scrapes.map((s) => s.url)).size).toBe(3);
  });

  it('scrapes through the real scraper on the given clock; an outage drops the connection and the target is down', async () => {
    const host = sim.scrapes.find((s) => s.target.kind === 'dcgm')!;
    const { ingest, metrics } = recordingIngest();
    const scraper = new TargetScraper(
      { url: host.url, kind: 'dcgm', job: 'dcgm', intervalMs: 10_000, timeoutMs: 2_000, labels: host.target.labels, bodyLimit: 1 << 20 },
      { ingest, now: () => clock },
    );
    expect((await scraper.scrapeOnce()).up).toBe(true);
    clock = Date.UTC(2025, 0, 1, 12, 1, 30);
    fleet.advance(clock);
    const down = await scraper.scrapeOnce();
    expect(down.up).toBe(false);
    clock = Date.UTC(2025, 0, 1, 12, 2);
    fleet.advance(clock);
    expect((await scraper.scrapeOnce()).up).toBe(true);
    expect(metrics.map(upOf)).toEqual([1, 0, 1]);
    // Scrape timestamps are the clock's, and the target's labels are on the resource.
    const last = metrics[2].resourceMetrics[0];
    expect(last.resource.attributes['host.name']).toBe('node-a');
    const sm = last.scopeMetrics[0].metrics.find((m) => m.name === 'DCGM_FI_DEV_SM_CLOCK')!;
    expect(sm.data.type === 'gauge' && sm.data.dataPoints[0].timeUnixNano).toBe(BigInt(clock) * 1_000_000n);
  });

  it('answers the OpenAI API from fleet.serve: streamed with reasoning, logprobs only when asked, usage when asked', async () => {
    const r1 = sim.replicas[0];
    const client = new OpenAI({ baseURL: r1.baseUrl, apiKey: 'none', maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([FAKE_MODEL]);
    const n = fleet.served.length;
    const stream = await client.chat.completions.create({ model: FAKE_MODEL, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'q' }] });
    let content = '';
    let reasoning = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let logprobs = 0;
    for await (const c of stream) {
      const delta = c.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
      content += delta?.content ?? '';
      reasoning += delta?.reasoning_content ?? '';
      if (c.choices[0]?.logprobs) logprobs++;
      if (c.usage) usage = c.usage;
      expect(c.model).toBe(FAKE_VERSION);
    }
    const served = fleet.served[n];
    expect(served.replica).toBe('r1');
    expect(content).toBe(served.answer);
    expect(reasoning).toBe(served.reasoning);
    expect(logprobs).toBe(0);
    expect(usage?.completion_tokens).toBe(served.outputTokens);

    const whole = await client.chat.completions.create({ model: FAKE_MODEL, logprobs: true, top_logprobs: 2, messages: [{ role: 'user', content: 'q' }] });
    const lp = whole.choices[0].logprobs!.content!;
    expect(lp.map((t) => t.token)).toEqual(fleet.served[n + 1].tokens.map((t) => t.token));
    expect(lp.every((t) => t.top_logprobs.length === 2)).toBe(true);
  });

  it('keys requests by the caller’s header, else its trace; the same key gets the same request', async () => {
    const url = `${sim.replicas[1].baseUrl}/chat/completions`;
    const body = JSON.stringify({ model: FAKE_MODEL, messages: [] });
    const n = fleet.served.length;
    await (await fetch(url, { method: 'POST', body, headers: { 'x-strata-sim-key': 'abc' } })).json();
    await (await fetch(url, { method: 'POST', body, headers: { traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` } })).json();
    const again = createFakeFleet();
    expect(fleet.served[n].traceId).toBe(again.serve('r2', 0, 'abc').traceId);
    expect(fleet.served[n + 1].traceId).toBe(again.serve('r2', 0, 'ab'.repeat(16)).traceId);
  });

  it('posts each served request’s llm_request span only, in the caller’s trace under the caller’s span', async () => {
    await sim.spans!.flush();
    posted.length = 0;
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await fetch(`${sim.replicas[0].baseUrl}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: FAKE_MODEL, messages: [] }),
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    });
    await res.json();
    await sim.spans!.flush();
    expect(posted).toHaveLength(1);
    expect(posted[0].headers.authorization).toBe('Bearer k');
    const rs = posted[0].body.resourceSpans;
    expect(rs).toHaveLength(1);
    const spans = rs[0].scopeSpans[0].spans;
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ name: 'llm_request', traceId, parentSpanId: 'b7ad6b7169203331', spanId: fleet.served.at(-1)!.spanId });
  });

  it('answers a failed request with its error status', async () => {
    const failing = createFakeFleet({ error: 'engine dead' });
    const s = await startSimServers(failing, { now: () => failing.startMs, timeFactor: 0 });
    try {
      const res = await fetch(`${s.replicas[0].baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: FAKE_MODEL, stream: true, messages: [] }) });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ object: 'error', message: 'engine dead' });
      expect(s.stats.served).toBe(1);
      const bad = await fetch(`${s.replicas[0].baseUrl}/chat/completions`, { method: 'POST', body: '{' });
      expect(bad.status).toBe(400);
      expect((await fetch(`${s.replicas[0].baseUrl}/embeddings`, { method: 'POST', body: '{}' })).status).toBe(404);
    } finally {
      await s.stop();
      await s.stop();
    }
  });
});
