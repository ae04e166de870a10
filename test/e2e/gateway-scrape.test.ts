/**
 * The join, end to end through `strata serve`: requests through the gateway to a vLLM-like replica,
 * and the same replica's /metrics scraped, land on one replica entity — the key every later layer
 * joins on.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiReplica } from '../../src/sim/openai-replica.js';
import { startCli, tempDir, type RunningServer } from '../helpers/cli.js';
import { getOk } from '../helpers/http.js';
import { pollUntil } from '../helpers/poll.js';

const replica = new OpenAiReplica({ model: 'llama-3-8b', reasoning: ['Hmm', '.'], tokenDelayMs: 2 });
let server: RunningServer;
let gatewayUrl: string;
let replicaPort: number;
let cleanup: () => void;

beforeAll(async () => {
  replicaPort = await replica.start();
  const tmp = tempDir('strata-e2e-gateway-');
  cleanup = tmp.cleanup;
  const config = join(tmp.dir, 'strata.yaml');
  writeFileSync(
    config,
    [
      'gateway:',
      '  routes:',
      '    - model: "llama-*"',
      `      upstreams: ["http://127.0.0.1:${replicaPort}/v1"]`,
      'scrape:',
      `  - url: http://127.0.0.1:${replicaPort}/metrics`,
      '    kind: vllm',
      '    interval: 500ms',
      '',
    ].join('\n'),
  );
  server = await startCli(join(tmp.dir, 'data'), ['--config', config]);
  const m = /strata: gateway\s+http:\/\/\S+?:(\d+)\/v1/.exec(server.stdout());
  expect(m).not.toBeNull();
  gatewayUrl = `http://127.0.0.1:${m![1]}/v1`;
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await replica.stop();
  cleanup?.();
});

describe('gateway and scrape through strata serve', () => {
  it('stores gateway spans and scraped engine metrics on the same replica entity', async () => {
    const client = new OpenAI({ baseURL: gatewayUrl, apiKey: 'none', maxRetries: 0 });
    for (let i = 0; i < 3; i++) {
      let text = '';
      for await (const c of await client.chat.completions.create({ model: 'llama-3-8b', stream: true, messages: [{ role: 'user', content: `q${i}` }] })) text += c.choices[0]?.delta?.content ?? '';
      expect(text).toBe('The answer is 42.');
    }
    const replicaId = `replica:127.0.0.1:${replicaPort}`;
    const traces = await pollUntil(async () => {
      const r = await getOk<{ traces: { traceId: string }[] }>(`${server.apiUrl}/api/traces?model=llama-3-8b&limit=10`);
      return r.traces.length === 3 ? r.traces : null;
    }, { timeoutMs: 20_000 });
    const trace = await getOk<{ spans: { entities: string[]; attributes: Record<string, unknown>; messages?: unknown }[] }>(`${server.apiUrl}/api/traces/${traces[0].traceId}`);
    const span = trace.spans[0];
    expect(span.entities).toContain(replicaId);
    expect(span.entities).toContain('model:llama-3-8b');
    expect(typeof span.attributes['gen_ai.response.time_to_first_chunk']).toBe('number');
    expect(span.attributes['strata.gateway.inter_token_gaps_us']).toHaveLength(6);
    const series = await pollUntil(async () => {
      const r = await getOk<{ series: { points: { v: number | null }[] }[] }>(`${server.apiUrl}/api/metrics?name=${encodeURIComponent('vllm:request_success_total')}&fn=value`);
      const last = r.series[0]?.points.at(-1)?.v;
      return last !== undefined && last !== null && last >= 3 ? r.series : null;
    }, { timeoutMs: 20_000 });
    expect(series).toHaveLength(1);
    const entities = await getOk<{ entities: { id: string; kind: string }[]; edges: { from: string; relation: string; to: string }[] }>(`${server.apiUrl}/api/entities?kind=replica`);
    expect(entities.entities.map((e) => e.id)).toEqual([replicaId]);
    expect(entities.edges).toEqual(expect.arrayContaining([{ from: replicaId, relation: 'serves', to: 'model:llama-3-8b' }]));
    const up = await getOk<{ series: { points: { v: number }[] }[] }>(`${server.apiUrl}/api/metrics?name=up`);
    expect(up.series[0].points.at(-1)?.v).toBe(1);
  }, 60_000);
});
