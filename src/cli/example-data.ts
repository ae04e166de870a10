import { randomBytes } from 'node:crypto';

/**
 * Example GenAI traces for a fresh install with no traffic yet: an agent call, the chat completion
 * it made (OTel GenAI conventions, with messages and a reasoning part) and the engine-side vLLM
 * request span, sent as OTLP/JSON through the receiver like any client would.
 * @returns the number of spans sent.
 */
export async function sendExampleTraces(otlpHttpBase: string, ingestKey?: string, traces = 5): Promise<number> {
  const resourceSpans = [];
  const now = BigInt(Date.now()) * 1_000_000n;
  for (let i = 0; i < traces; i++) {
    const traceId = randomBytes(16).toString('hex');
    const root = randomBytes(8).toString('hex');
    const chat = randomBytes(8).toString('hex');
    const t0 = now - BigInt((traces - i) * 60) * 1_000_000_000n;
    const model = i % 2 ? 'llama-3.1-8b-instruct' : 'qwen2.5-7b-instruct';
    const ns = (ms: number) => String(t0 + BigInt(ms) * 1_000_000n);
    const s = (key: string, v: string) => ({ key, value: { stringValue: v } });
    const n = (key: string, v: number) => ({ key, value: { intValue: String(v) } });
    const d = (key: string, v: number) => ({ key, value: { doubleValue: v } });
    resourceSpans.push(
      {
        resource: { attributes: [s('service.name', 'support-bot'), s('service.instance.id', `support-bot-${i % 2}`), s('host.name', 'app-1')] },
        scopeSpans: [
          {
            scope: { name: 'strata.example', version: '1' },
            spans: [
              { traceId, spanId: root, name: 'invoke_agent support', kind: 2, startTimeUnixNano: ns(0), endTimeUnixNano: ns(1400), attributes: [s('gen_ai.operation.name', 'invoke_agent'), s('gen_ai.agent.name', 'support')], status: {} },
              {
                traceId,
                spanId: chat,
                parentSpanId: root,
                name: `chat ${model}`,
                kind: 3,
                startTimeUnixNano: ns(20),
                endTimeUnixNano: ns(1380),
                attributes: [
                  s('gen_ai.operation.name', 'chat'),
                  s('gen_ai.provider.name', 'openai'),
                  s('gen_ai.request.model', model),
                  s('gen_ai.response.model', model),
                  d('gen_ai.request.temperature', 0.2),
                  n('gen_ai.usage.input_tokens', 180 + i * 7),
                  n('gen_ai.usage.output_tokens', 60 + i * 3),
                  { key: 'gen_ai.response.finish_reasons', value: { arrayValue: { values: [{ stringValue: 'stop' }] } } },
                  s('server.address', `gpu-node-${(i % 2) + 1}`),
                  n('server.port', 8000),
                  s('gen_ai.input.messages', JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `Where is my order #${1000 + i}?` }] }])),
                  s('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', finish_reason: 'stop', parts: [{ type: 'reasoning', content: 'Look up the order status.' }, { type: 'text', content: 'It ships tomorrow.' }] }])),
                ],
                status: { code: i === traces - 1 ? 2 : 1, message: i === traces - 1 ? 'upstream timeout' : '' },
              },
            ],
          },
        ],
      },
      {
        resource: { attributes: [s('service.name', 'vllm'), s('service.instance.id', `gpu-node-${(i % 2) + 1}:8000`), s('host.name', `gpu-node-${(i % 2) + 1}`)] },
        scopeSpans: [
          {
            scope: { name: 'vllm.tracing' },
            spans: [
              {
                traceId,
                spanId: randomBytes(8).toString('hex'),
                parentSpanId: chat,
                name: 'llm_request',
                kind: 2,
                startTimeUnixNano: ns(30),
                endTimeUnixNano: ns(1370),
                attributes: [
                  s('gen_ai.response.model', model),
                  n('gen_ai.usage.prompt_tokens', 180 + i * 7),
                  n('gen_ai.usage.completion_tokens', 60 + i * 3),
                  d('gen_ai.latency.time_in_queue', 0.012),
                  d('gen_ai.latency.time_to_first_token', 0.21),
                  d('gen_ai.latency.e2e', 1.34),
                ],
                status: {},
              },
            ],
          },
        ],
      },
    );
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (ingestKey) headers.authorization = `Bearer ${ingestKey}`;
  const res = await fetch(`${otlpHttpBase}/v1/traces`, { method: 'POST', headers, body: JSON.stringify({ resourceSpans }) });
  if (!res.ok) throw new Error(`example data refused: ${res.status} ${await res.text()}`);
  return traces * 3;
}
