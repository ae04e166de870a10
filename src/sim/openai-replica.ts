/**
 * A model replica that answers the OpenAI API the way vLLM does: chat completions and completions,
 * whole or streamed (one token per chunk, `data: [DONE]` at the end, a usage-only final chunk when
 * `stream_options.include_usage` is set), token logprobs with top-k alternatives when asked and
 * `"logprobs":null` when not, `reasoning_content` for reasoning models, embeddings, responses and
 * `/v1/models`, and a vLLM-format `/metrics` (requests running and waiting, KV-cache usage, token and
 * request counters). Deterministic: the same request gets the same bytes. Used as the upstream in the
 * gateway's tests and benchmark, and as the simulator's replica.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen } from '../net.js';

export interface ReplicaBehaviour {
  /** Served model name. */
  readonly model: string;
  /** Reasoning tokens before the answer (sent as `reasoning_content`), none by default. */
  readonly reasoning?: readonly string[];
  /** The answer's tokens. */
  readonly answer?: readonly string[];
  /** Delay before each streamed token, ms (0: as fast as possible). */
  readonly tokenDelayMs?: number;
  /** Delay before the response headers, ms. */
  readonly headerDelayMs?: number;
  /** Destroy the connection after this many streamed tokens (an upstream that dies mid-stream). */
  readonly dieAfterTokens?: number;
}

export const DEFAULT_ANSWER = ['The', ' answer', ' is', ' 42', '.'];

/** What the replica received, for tests. */
export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
  /** True when the client went away before the response ended. */
  aborted: boolean;
}

const CREATED = 1_700_000_000;

/** A deterministic logprob for token i (and its alternatives). */
function logprobOf(token: string, i: number, rank = 0): number {
  const h = createHash('sha1').update(`${token}:${i}:${rank}`).digest();
  return -(rank * 1.5 + (h[0] / 255) * (rank === 0 ? 0.7 : 1.2));
}

function chatLogprobs(tokens: readonly string[], top: number): unknown {
  return {
    content: tokens.map((t, i) => ({
      token: t,
      logprob: logprobOf(t, i),
      bytes: [...Buffer.from(t)],
      top_logprobs: Array.from({ length: top }, (_, r) => {
        const alt = r === 0 ? t : `${t.trim() || '_'}~${r}`;
        return { token: alt, logprob: logprobOf(t, i, r), bytes: [...Buffer.from(alt)] };
      }),
    })),
  };
}

function completionLogprobs(tokens: readonly string[], top: number, offset = 0): unknown {
  let at = offset;
  return {
    text_offset: tokens.map((t) => {
      const o = at;
      at += t.length;
      return o;
    }),
    token_logprobs: tokens.map((t, i) => logprobOf(t, i)),
    tokens: [...tokens],
    top_logprobs: tokens.map((t, i) => Object.fromEntries(Array.from({ length: Math.max(top, 1) }, (_, r) => [r === 0 ? t : `${t}~${r}`, logprobOf(t, i, r)]))),
  };
}

export class OpenAiReplica {
  private server: Server | null = null;
  readonly received: ReceivedRequest[] = [];
  /** Engine counters served on /metrics. */
  private readonly counters = { running: 0, promptTokens: 0, generationTokens: 0, success: 0 };
  behaviour: ReplicaBehaviour;

  constructor(behaviour: ReplicaBehaviour) {
    this.behaviour = behaviour;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<number> {
    const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (req, res) => void this.handle(req, res));
    this.server = server;
    return listen(server, port, host);
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await closeServer(s, 100);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      return void res.end(this.exposition());
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return json(res, 200, { object: 'list', data: [{ id: this.behaviour.model, object: 'model', created: CREATED, owned_by: 'vllm', root: this.behaviour.model, parent: null, max_model_len: 8192 }] });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return json(res, 400, { object: 'error', message: 'invalid JSON', type: 'BadRequestError', param: null, code: 400 });
    }
    const record: ReceivedRequest = { path, headers: req.headers, body, aborted: false };
    this.received.push(record);
    this.counters.running++;
    res.once('close', () => {
      this.counters.running--;
      if (!res.writableFinished) record.aborted = true;
      else if (res.statusCode < 400) this.counters.success++;
    });
    if (body.model !== this.behaviour.model)
      return json(res, 404, { object: 'error', message: `The model \`${String(body.model)}\` does not exist.`, type: 'NotFoundError', param: null, code: 404 });
    if (this.behaviour.headerDelayMs) await sleep(this.behaviour.headerDelayMs);
    if (path === '/v1/chat/completions') return this.chat(body, res);
    if (path === '/v1/completions') return this.completions(body, res);
    if (path === '/v1/embeddings') return this.embeddings(body, res);
    if (path === '/v1/responses') return this.responses(body, res);
    return json(res, 404, { object: 'error', message: 'Not Found', type: 'NotFoundError', param: null, code: 404 });
  }

  private ids(body: Record<string, unknown>, prefix: string): string {
    const h = createHash('sha1').update(JSON.stringify(body.messages ?? body.prompt ?? body.input ?? '')).digest('hex').slice(0, 24);
    return `${prefix}-${h}`;
  }

  /** The vLLM `/metrics` exposition of this replica now. */
  exposition(): string {
    const m = `model_name="${this.behaviour.model}",engine="0"`;
    const c = this.counters;
    return [
      '# HELP vllm:num_requests_running Number of requests in model execution batches.',
      '# TYPE vllm:num_requests_running gauge',
      `vllm:num_requests_running{${m}} ${c.running}`,
      '# HELP vllm:num_requests_waiting Number of requests waiting to be processed.',
      '# TYPE vllm:num_requests_waiting gauge',
      `vllm:num_requests_waiting{${m}} 0`,
      '# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.',
      '# TYPE vllm:kv_cache_usage_perc gauge',
      `vllm:kv_cache_usage_perc{${m}} ${Math.min(1, c.running * 0.05)}`,
      '# HELP vllm:prompt_tokens_total Number of prefill tokens processed.',
      '# TYPE vllm:prompt_tokens_total counter',
      `vllm:prompt_tokens_total{${m}} ${c.promptTokens}`,
      '# HELP vllm:generation_tokens_total Number of generation tokens processed.',
      '# TYPE vllm:generation_tokens_total counter',
      `vllm:generation_tokens_total{${m}} ${c.generationTokens}`,
      '# HELP vllm:request_success_total Count of successfully processed requests.',
      '# TYPE vllm:request_success_total counter',
      `vllm:request_success_total{${m},finished_reason="stop"} ${c.success}`,
      '',
    ].join('\n');
  }

  private usage(body: Record<string, unknown>, completion: number): Record<string, unknown> {
    const prompt = Math.max(1, Math.ceil(JSON.stringify(body.messages ?? body.prompt ?? body.input ?? '').length / 4));
    this.counters.promptTokens += prompt;
    this.counters.generationTokens += completion;
    return { prompt_tokens: prompt, total_tokens: prompt + completion, completion_tokens: completion, prompt_tokens_details: null };
  }

  private async chat(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const b = this.behaviour;
    const reasoning = b.reasoning ?? [];
    const answer = b.answer ?? DEFAULT_ANSWER;
    const top = body.logprobs === true ? (typeof body.top_logprobs === 'number' ? body.top_logprobs : 0) : -1;
    const id = this.ids(body, 'chatcmpl');
    const total = reasoning.length + answer.length;
    if (body.stream !== true) {
      const message: Record<string, unknown> = { role: 'assistant', reasoning_content: reasoning.length ? reasoning.join('') : null, content: answer.join(''), tool_calls: [] };
      return json(res, 200, {
        id,
        object: 'chat.completion',
        created: CREATED,
        model: b.model,
        choices: [{ index: 0, message, logprobs: top >= 0 ? chatLogprobs(answer, top) : null, finish_reason: 'stop', stop_reason: null }],
        usage: this.usage(body, total),
        prompt_logprobs: null,
      });
    }
    const includeUsage = (body.stream_options as Record<string, unknown> | undefined)?.include_usage === true;
    const head = { id, object: 'chat.completion.chunk', created: CREATED, model: b.model };
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    res.write(sse({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] }));
    let sent = 0;
    const tokens: [string, 'reasoning_content' | 'content'][] = [...reasoning.map((t) => [t, 'reasoning_content'] as [string, 'reasoning_content']), ...answer.map((t) => [t, 'content'] as [string, 'content'])];
    for (const [tok, field] of tokens) {
      if (b.tokenDelayMs) await sleep(b.tokenDelayMs);
      if (res.destroyed) return;
      if (b.dieAfterTokens !== undefined && sent >= b.dieAfterTokens) {
        res.socket?.destroy();
        return;
      }
      const lp = field === 'content' && top >= 0 ? { content: (chatLogprobs([tok], top) as { content: unknown[] }).content.map((c) => ({ ...(c as object) })) } : null;
      const last = sent === total - 1;
      res.write(sse({ ...head, choices: [{ index: 0, delta: { [field]: tok }, logprobs: lp, finish_reason: last ? 'stop' : null, ...(last ? { stop_reason: null } : {}) }] }));
      sent++;
    }
    if (includeUsage) res.write(sse({ ...head, choices: [], usage: this.usage(body, total) }));
    res.end('data: [DONE]\n\n');
  }

  private async completions(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const b = this.behaviour;
    const answer = b.answer ?? DEFAULT_ANSWER;
    const top = typeof body.logprobs === 'number' ? body.logprobs : -1;
    const id = this.ids(body, 'cmpl');
    if (body.stream !== true) {
      return json(res, 200, {
        id,
        object: 'text_completion',
        created: CREATED,
        model: b.model,
        choices: [{ index: 0, text: answer.join(''), logprobs: top >= 0 ? completionLogprobs(answer, top) : null, finish_reason: 'stop', stop_reason: null, prompt_logprobs: null }],
        usage: this.usage(body, answer.length),
      });
    }
    const includeUsage = (body.stream_options as Record<string, unknown> | undefined)?.include_usage === true;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    let offset = 0;
    for (let i = 0; i < answer.length; i++) {
      if (b.tokenDelayMs) await sleep(b.tokenDelayMs);
      if (res.destroyed) return;
      if (b.dieAfterTokens !== undefined && i >= b.dieAfterTokens) {
        res.socket?.destroy();
        return;
      }
      const last = i === answer.length - 1;
      const lp = top >= 0 ? completionLogprobs([answer[i]], top, offset) : null;
      offset += answer[i].length;
      res.write(sse({ id, object: 'text_completion', created: CREATED, model: b.model, choices: [{ index: 0, text: answer[i], logprobs: lp, finish_reason: last ? 'stop' : null, stop_reason: null }] }));
    }
    if (includeUsage) res.write(sse({ id, object: 'text_completion', created: CREATED, model: b.model, choices: [], usage: this.usage(body, answer.length) }));
    res.end('data: [DONE]\n\n');
  }

  private embeddings(body: Record<string, unknown>, res: ServerResponse): void {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const data = inputs.map((inp, index) => {
      const h = createHash('sha1').update(String(inp)).digest();
      return { index, object: 'embedding', embedding: Array.from({ length: 8 }, (_, k) => (h[k] - 128) / 128) };
    });
    const prompt = inputs.reduce((n: number, i) => n + Math.ceil(String(i).length / 4), 0);
    json(res, 200, { id: this.ids(body, 'embd'), object: 'list', created: CREATED, model: this.behaviour.model, data, usage: { prompt_tokens: prompt, total_tokens: prompt, completion_tokens: 0, prompt_tokens_details: null } });
  }

  private async responses(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const b = this.behaviour;
    const answer = b.answer ?? DEFAULT_ANSWER;
    const id = this.ids(body, 'resp');
    const u = this.usage(body, answer.length);
    const usage = { input_tokens: u.prompt_tokens, output_tokens: answer.length, total_tokens: u.total_tokens, output_tokens_details: { reasoning_tokens: 0 } };
    const response = {
      id,
      object: 'response',
      created_at: CREATED,
      model: b.model,
      status: 'completed',
      output: [{ id: `msg-${id}`, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: answer.join(''), annotations: [] }] }],
      usage,
    };
    if (body.stream !== true) return json(res, 200, response);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    res.write(`event: response.created\ndata: ${JSON.stringify({ type: 'response.created', response: { ...response, status: 'in_progress', output: [] } })}\n\n`);
    for (const tok of answer) {
      if (b.tokenDelayMs) await sleep(b.tokenDelayMs);
      if (res.destroyed) return;
      res.write(`event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', item_id: `msg-${id}`, output_index: 0, content_index: 0, delta: tok })}\n\n`);
    }
    res.end(`event: response.completed\ndata: ${JSON.stringify({ type: 'response.completed', response })}\n\n`);
  }
}

function sse(obj: unknown): string {
  return `data: ${JSON.stringify(obj)}\n\n`;
}

function json(res: ServerResponse, status: number, obj: unknown): void {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
