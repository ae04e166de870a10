/**
 * The gateway end to end with the official `openai` client against a vLLM-like stand-in upstream:
 * the bytes the client receives are identical with and without the gateway, and the span holds
 * TTFT, inter-token gaps, usage, logprobs and reasoning. Faults: refused, timeout, mid-stream death,
 * client disconnect; and bad input.
 */
import { createServer } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ingest } from '../../pipeline/ingest.js';
import { normalizeTraces } from '../../processors/index.js';
import { OpenAiReplica } from '../../sim/openai-replica.js';
import type { OtlpSpan } from '../otlp/types.js';
import { parseGatewayConfig } from './config.js';
import { unpackFloat32 } from '../../processors/confidence/packed.js';
import { GatewayServer } from './server.js';
import { SPAN_FLUSH_MS } from './span-sink.js';

const spans: OtlpSpan[] = [];
const ingest: Ingest = {
  traces: (req) => {
    for (const rs of req.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
    return { accepted: true, count: 0 };
  },
  metrics: () => ({ accepted: true, count: 0 }),
  logs: () => ({ accepted: true, count: 0 }),
};

const replica = new OpenAiReplica({ model: 'llama-3-8b', reasoning: ['Let', ' me', ' think', '.'], answer: ['The', ' answer', ' is', ' 42', '.'] });
const second = new OpenAiReplica({ model: 'llama-3-8b' });
const slow = new OpenAiReplica({ model: 'slow-model', headerDelayMs: 2000 });
const dying = new OpenAiReplica({ model: 'dying-model', tokenDelayMs: 5, dieAfterTokens: 2 });
const trickle = new OpenAiReplica({ model: 'trickle-model', tokenDelayMs: 50, answer: Array.from({ length: 100 }, (_, i) => ` t${i}`) });
let gateway: GatewayServer;
let keyed: GatewayServer;
let direct: string;
let viaGateway: string;
let viaKeyed: string;
let replicaPort: number;
let deadPort: number;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

beforeAll(async () => {
  replicaPort = await replica.start();
  const secondPort = await second.start();
  const slowPort = await slow.start();
  const dyingPort = await dying.start();
  const tricklePort = await trickle.start();
  deadPort = await freePort();
  const config = parseGatewayConfig({
    port: 0,
    routes: [
      { model: 'llama-*', upstreams: [`http://127.0.0.1:${replicaPort}/v1`], logprobs: { top: 3 } },
      { model: 'balanced', upstreams: [`http://127.0.0.1:${replicaPort}/v1`, `http://127.0.0.1:${secondPort}/v1`] },
      { model: 'failover', upstreams: [`http://127.0.0.1:${deadPort}/v1`] },
      { model: 'slow-*', upstreams: [`http://127.0.0.1:${slowPort}/v1`], timeout: '300ms' },
      { model: 'dying-*', upstreams: [`http://127.0.0.1:${dyingPort}/v1`] },
      { model: 'trickle-*', upstreams: [`http://127.0.0.1:${tricklePort}/v1`] },
      { model: 'private-*', upstreams: [`http://127.0.0.1:${replicaPort}/v1`], capture: false },
      { model: 'named-*', upstreams: [{ url: `http://127.0.0.1:${replicaPort}/v1`, replica: 'gpu-node-9:8001' }] },
    ],
  });
  gateway = new GatewayServer({ host: '127.0.0.1', port: 0, config, keys: [], version: 'test' }, ingest);
  viaGateway = `http://127.0.0.1:${await gateway.start()}/v1`;
  keyed = new GatewayServer(
    { host: '127.0.0.1', port: 0, config: parseGatewayConfig({ routes: [{ model: '*', upstreams: [`http://127.0.0.1:${replicaPort}/v1`], api_key_env: 'UPSTREAM_KEY' }] }), keys: ['gw-key'], version: 'test', env: { UPSTREAM_KEY: 'upstream-secret' } },
    ingest,
  );
  viaKeyed = `http://127.0.0.1:${await keyed.start()}/v1`;
  direct = `http://127.0.0.1:${replicaPort}/v1`;
});

afterAll(async () => {
  await gateway?.stop();
  await keyed?.stop();
  for (const r of [replica, second, slow, dying, trickle]) await r.stop();
});

/** An openai client whose received body bytes are recorded. */
function recordingClient(baseURL: string, apiKey = 'sk-test'): { client: OpenAI; bodies: Buffer[]; done: () => Promise<unknown> } {
  const bodies: Buffer[] = [];
  const reads: Promise<unknown>[] = [];
  const client = new OpenAI({
    baseURL,
    apiKey,
    maxRetries: 0,
    fetch: async (input: string | URL | Request, init?: RequestInit) => {
      const res = await fetch(input, init);
      const copy = res.clone();
      reads.push(copy.arrayBuffer().then((b) => bodies.push(Buffer.from(b))));
      return res;
    },
  });
  return { client, bodies, done: () => Promise.all(reads) };
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, SPAN_FLUSH_MS + 50));
}

async function spanFor(model: string, after: number, where: (s: OtlpSpan) => boolean = () => true): Promise<OtlpSpan> {
  for (let i = 0; i < 40; i++) {
    const s = spans.slice(after).find((x) => x.attributes['gen_ai.request.model'] === model && where(x));
    if (s) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no span for ${model}`);
}

describe('gateway with the openai client', () => {
  it('returns byte-identical non-streamed answers and records logprobs, usage and reasoning', async () => {
    const d = recordingClient(direct);
    const g = recordingClient(viaGateway);
    const params = { model: 'llama-3-8b', messages: [{ role: 'user' as const, content: 'What is 6 x 7? mail me at a@b.example' }] };
    const before = spans.length;
    const a = await d.client.chat.completions.create(params);
    const b = await g.client.chat.completions.create(params);
    await settle();
    await Promise.all([g.done(), d.done()]);
    expect(b).toEqual(a);
    expect(Buffer.compare(g.bodies[0], d.bodies[0])).toBe(0);
    expect(b.choices[0].logprobs).toBeNull();
    const upstreamSaw = replica.received[replica.received.length - 1].body;
    expect(upstreamSaw).toMatchObject({ logprobs: true, top_logprobs: 3 });
    const span = await spanFor('llama-3-8b', before);
    expect(span.kind).toBe(3);
    expect(span.name).toBe('chat llama-3-8b');
    expect(span.attributes['gen_ai.usage.output_tokens']).toEqual({ int: 9n });
    expect(span.attributes['server.port']).toEqual({ int: BigInt(replicaPort) });
    const lp = JSON.parse(span.attributes['strata.logprobs'] as string);
    const values = unpackFloat32(lp.logprobs_f32)!;
    expect(values).toHaveLength(5);
    expect(lp.top_k).toBe(3);
    expect(unpackFloat32(lp.top_logprobs_f32)).toHaveLength(15);
    // The packed values are the upstream's, to float32 precision; the first alternative is the token itself.
    const upstreamLogprob = unpackFloat32(lp.top_logprobs_f32)![0];
    expect(Math.abs(values[0] - upstreamLogprob)).toBeLessThan(1e-6);
    expect(lp.top_tokens[0]).toHaveLength(3);
    expect(lp.top_tokens[0][0]).toBe(lp.tokens[0]);
    // The default redactors blank the e-mail address in the prompt; the answer had nothing to redact, so tokens are kept.
    expect(span.attributes['gen_ai.input.messages']).toContain('[REDACTED]');
    expect(span.attributes['gen_ai.input.messages']).not.toContain('a@b.example');
    expect(lp.tokens).toEqual(['The', ' answer', ' is', ' 42', '.']);
    const [rec] = normalizeTraces({ resourceSpans: [{ resource: { attributes: {}, droppedAttributesCount: 0 }, scopeSpans: [{ scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, spans: [span], schemaUrl: '' }], schemaUrl: '' }] }, { content: true });
    const out = rec.genai.outputMessages[0];
    expect(out.parts.map((p) => p.type)).toEqual(['reasoning', 'text']);
    expect(rec.genai.requestModel).toBe('llama-3-8b');
    expect(rec.entities.refs.map((r) => `${r.kind}:${r.key}`)).toContain(`replica:127.0.0.1:${replicaPort}`);
  });

  it('returns byte-identical streams, strips the usage chunk it asked for, and measures TTFT and gaps', async () => {
    const d = recordingClient(direct);
    const g = recordingClient(viaGateway);
    const params = { model: 'llama-3-8b', stream: true as const, messages: [{ role: 'user' as const, content: 'stream please' }] };
    const collect = async (c: OpenAI): Promise<string[]> => {
      const out: string[] = [];
      for await (const chunk of await c.chat.completions.create(params)) out.push(JSON.stringify(chunk));
      return out;
    };
    const before = spans.length;
    const a = await collect(d.client);
    const b = await collect(g.client);
    await settle();
    await Promise.all([g.done(), d.done()]);
    expect(b).toEqual(a);
    expect(g.bodies[0].toString()).toBe(d.bodies[0].toString());
    expect(g.bodies[0].toString()).not.toContain('"usage"');
    expect(replica.received[replica.received.length - 1].body).toMatchObject({ stream_options: { include_usage: true }, logprobs: true });
    const span = await spanFor('llama-3-8b', before);
    expect(span.attributes['gen_ai.request.stream']).toBe(true);
    expect(typeof span.attributes['gen_ai.response.time_to_first_chunk']).toBe('number');
    expect(span.attributes['strata.gateway.inter_token_gaps_us']).toHaveLength(8);
    expect(span.attributes['gen_ai.usage.output_tokens']).toEqual({ int: 9n });
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(JSON.parse(span.attributes['strata.logprobs'] as string).tokens).toEqual(['The', ' answer', ' is', ' 42', '.']);
    expect(span.attributes['gen_ai.output.messages']).toContain('Let me think.');
  });

  it("passes the client's own logprobs request through and keeps them in the answer", async () => {
    const g = recordingClient(viaGateway);
    const r = await g.client.chat.completions.create({ model: 'llama-3-8b', logprobs: true, top_logprobs: 2, messages: [{ role: 'user', content: 'x' }] });
    expect(r.choices[0].logprobs?.content).toHaveLength(5);
    expect(r.choices[0].logprobs?.content?.[0].top_logprobs).toHaveLength(2);
  });

  it('handles completions (streamed, identical bytes), embeddings, responses and models', async () => {
    const d = recordingClient(direct);
    const g = recordingClient(viaGateway);
    const collect = async (c: OpenAI): Promise<string> => {
      let s = '';
      for await (const chunk of await c.completions.create({ model: 'llama-3-8b', prompt: 'Say', stream: true })) s += chunk.choices[0]?.text ?? '';
      return s;
    };
    expect(await collect(g.client)).toBe(await collect(d.client));
    await Promise.all([g.done(), d.done()]);
    expect(g.bodies[0].toString()).toBe(d.bodies[0].toString());
    const before = spans.length;
    const e = await g.client.embeddings.create({ model: 'llama-3-8b', input: ['a', 'b'] });
    expect(e.data).toHaveLength(2);
    const resp = await g.client.responses.create({ model: 'llama-3-8b', input: 'hi' });
    expect(resp.output_text).toBe('The answer is 42.');
    const models = await g.client.models.list();
    // The union of every upstream's list, each model once (two routes share the first replica).
    expect(models.data.map((m) => m.id).sort()).toEqual(['dying-model', 'llama-3-8b', 'slow-model', 'trickle-model']);
    await settle();
    const ops = spans.slice(before).map((s) => s.attributes['gen_ai.operation.name']);
    expect(ops).toEqual(expect.arrayContaining(['embeddings', 'chat']));
  });

  it('links to the caller trace and forwards trace context upstream', async () => {
    const before = spans.length;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${viaGateway}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ model: 'llama-3-8b', messages: [{ role: 'user', content: 'trace me' }] }),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const span = await spanFor('llama-3-8b', before, (s) => s.traceId === traceId);
    expect(span.parentSpanId).toBe('00f067aa0ba902b7');
    expect(replica.received[replica.received.length - 1].headers.traceparent).toBe(`00-${traceId}-${span.spanId}-01`);
  });

  it('balances over upstreams and reports an unreachable one as 502 with an OpenAI error', async () => {
    const n1 = replica.received.length;
    const n2 = second.received.length;
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${viaGateway}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'balanced', messages: [] }) });
      await r.arrayBuffer();
    }
    expect(replica.received.length - n1).toBe(2);
    expect(second.received.length - n2).toBe(2);
    const g = recordingClient(viaGateway);
    const err = await g.client.chat.completions.create({ model: 'failover', messages: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_unreachable');
  });

  it('answers 504 when the upstream is too slow, and records it', async () => {
    const before = spans.length;
    const res = await fetch(`${viaGateway}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'slow-model', messages: [] }) });
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('timeout_error');
    const span = await spanFor('slow-model', before);
    expect(span.attributes['error.type']).toBe('timeout');
    expect(span.status.code).toBe(2);
  });

  it('ends the client stream with an error event when the upstream dies mid-stream', async () => {
    const before = spans.length;
    const g = recordingClient(viaGateway);
    const got: string[] = [];
    const err = await (async () => {
      for await (const c of await g.client.chat.completions.create({ model: 'dying-model', stream: true, messages: [] })) got.push(c.choices[0]?.delta?.content ?? '');
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).toContain('mid-stream');
    expect(got.join('')).toBe('The answer');
    const span = await spanFor('dying-model', before);
    expect(span.attributes['error.type']).toBe('upstream_disconnected');
  });

  it('aborts the upstream request when the client disconnects', async () => {
    const before = spans.length;
    const ac = new AbortController();
    const res = await fetch(`${viaGateway}/chat/completions`, { method: 'POST', signal: ac.signal, body: JSON.stringify({ model: 'trickle-model', stream: true, messages: [] }) });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    const rec = trickle.received[trickle.received.length - 1];
    for (let i = 0; i < 40 && !rec.aborted; i++) await new Promise((r) => setTimeout(r, 25));
    expect(rec.aborted).toBe(true);
    const span = await spanFor('trickle-model', before);
    expect(span.attributes['error.type']).toBe('client_disconnected');
  });

  it('keeps no content when the route does not capture, but still the numbers', async () => {
    const before = spans.length;
    replica.behaviour = { ...replica.behaviour, model: 'private-x' };
    const r = await fetch(`${viaGateway}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'private-x', messages: [{ role: 'user', content: 'secret' }] }) });
    await r.arrayBuffer();
    replica.behaviour = { ...replica.behaviour, model: 'llama-3-8b' };
    const span = await spanFor('private-x', before);
    expect(span.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(span.attributes['gen_ai.output.messages']).toBeUndefined();
    const lp = JSON.parse(span.attributes['strata.logprobs'] as string);
    expect(lp.tokens.every((t: string) => t === '')).toBe(true);
    expect([...unpackFloat32(lp.logprobs_f32)!].every((v) => v < 0)).toBe(true);
  });

  it('names the replica an upstream was configured with, and that is its replica entity', async () => {
    const before = spans.length;
    replica.behaviour = { ...replica.behaviour, model: 'named-x' };
    const r = await fetch(`${viaGateway}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'named-x', messages: [{ role: 'user', content: 'hi' }] }) });
    await r.arrayBuffer();
    replica.behaviour = { ...replica.behaviour, model: 'llama-3-8b' };
    const span = await spanFor('named-x', before);
    expect(span.attributes['strata.gateway.replica']).toBe('gpu-node-9:8001');
    expect(span.attributes['server.port']).toEqual({ int: BigInt(replicaPort) });
    const [rec] = normalizeTraces({ resourceSpans: [{ resource: { attributes: {}, droppedAttributesCount: 0 }, scopeSpans: [{ scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, spans: [span], schemaUrl: '' }], schemaUrl: '' }] }, { content: true });
    expect(rec.entities.refs.map((x) => `${x.kind}:${x.key}`)).toContain('replica:gpu-node-9:8001');
    // Upstreams given as plain URLs carry no name.
    expect((await spanFor('llama-3-8b', 0)).attributes['strata.gateway.replica']).toBeUndefined();
  });

  it('requires a gateway key when keys are configured and sends the upstream key instead', async () => {
    const bad = await fetch(`${viaKeyed}/chat/completions`, { method: 'POST', body: '{}' });
    expect(bad.status).toBe(401);
    const ok = recordingClient(viaKeyed, 'gw-key');
    await ok.client.chat.completions.create({ model: 'llama-3-8b', messages: [{ role: 'user', content: 'k' }] });
    expect(replica.received[replica.received.length - 1].headers.authorization).toBe('Bearer upstream-secret');
  });
});

describe('gateway bad input', () => {
  const post = (path: string, body: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`${viaGateway}${path}`, { method: 'POST', body, headers });
  it('answers clear OpenAI-style errors and keeps serving', async () => {
    const cases: [Promise<Response>, number, string][] = [
      [post('/chat/completions', '{not json'), 400, 'invalid_json'],
      [post('/chat/completions', '[1,2]'), 400, 'invalid_json'],
      [post('/chat/completions', '{"messages":[]}'), 400, 'missing_model'],
      [post('/chat/completions', '{"model":"nobody-serves-this"}'), 404, 'model_not_found'],
      [post('/nope', '{}'), 404, 'unknown_url'],
      [fetch(`${viaGateway}/chat/completions`), 405, 'method_not_allowed'],
      [post('/chat/completions', ' '.repeat(33 * 1024 * 1024)), 413, 'request_too_large'],
    ];
    for (const [p, status, code] of cases) {
      const res = await p;
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    const ok = await post('/chat/completions', JSON.stringify({ model: 'llama-3-8b', messages: [] }));
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });
});
