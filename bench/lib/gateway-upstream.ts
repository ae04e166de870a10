/**
 * A bench-only streaming upstream for `bench:gateway`: answers `POST /v1/chat/completions` with
 * `stream: true` the way vLLM's OpenAI server does (a role chunk, one chunk per token, the last with
 * `finish_reason: "stop"`, a usage-only chunk when `stream_options.include_usage`, token logprobs
 * with `top_logprobs` alternatives when `logprobs: true`, `data: [DONE]`), plus one extra top-level
 * member per chunk, `"bench":{"seq":i,"sent_ns":T}`: the chunk's sequence number (-1 the role chunk,
 * 0..n-1 the tokens, n the usage chunk) and the monotonic clock (`process.hrtime.bigint()`,
 * CLOCK_MONOTONIC, shared by every process on the machine) read just before the chunk is written.
 *
 * Per request: `max_tokens` tokens (default 16); `x-bench-token-delay-ms` milliseconds before each
 * token (default 0: one token per event-loop turn, as fast as the socket takes them).
 * Chunks are assembled from pre-serialised pieces so the upstream's own CPU per chunk stays small.
 *
 * Run as a child process: `node dist/bench/lib/gateway-upstream.js [--model m]` prints
 * `gateway-upstream: listening on <port>` and serves until SIGTERM. `startUpstreamChild` does that
 * from the benchmark.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { argValue, serveAsChild, startBenchChild, type BenchChild } from './gateway-child.js';

export const DEFAULT_UPSTREAM_MODEL = 'bench-model';
/** Request header: milliseconds before each token. */
export const TOKEN_DELAY_HEADER = 'x-bench-token-delay-ms';
export const DEFAULT_MAX_TOKENS = 16;
const CREATED = 1_764_720_000;
/** Marker the client looks for in each chunk. */
export const BENCH_MARK = '"bench":{"seq":';

/** Short tokens as an LLM tokenizer cuts English (ASCII, ~4 characters). */
const VOCAB = [
  ' The', ' answer', ' is', ' that', ' the', ' model', ' returned', ' a', ' response', ' with', ' high', ' confidence',
  ',', ' and', ' it', ' was', ' based', ' on', ' three', ' retrieved', ' passages', '.', ' However', ' latency',
  ' increased', ' after', ' deployment', ' of', ' new', ' version', ' to', ' production', ' cluster', ' in', ' Europe',
  ' which', ' uses', ' larger', ' batch', ' size', ' for', ' prefill', ' Overall', ' results', ' look', ' good', ' so',
  ' far', ' We', ' recommend', ' monitoring', ' GPU', ' memory', ' usage', ' closely', ' during', ' peak', ' hours',
  ' next', ' week', ' Thanks', '!', ' Let', ' me',
];

/** A deterministic pseudo-random logprob in (-scale, 0], printed at full double precision like vLLM. */
function logprob(token: number, rank: number, scale: number): number {
  let h = Math.imul(token + 1, 0x9e3779b1) ^ Math.imul(rank + 7, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 12;
  return -((h >>> 0) / 0xffffffff) * scale - rank * 1.25;
}

function bytesOf(s: string): string {
  return JSON.stringify([...Buffer.from(s, 'utf8')]);
}

/** vLLM's chat logprobs object for one token with `top` alternatives, serialised once per (token, top). */
const logprobsCache = new Map<string, string>();
function chatLogprobsJson(t: number, top: number): string {
  const key = `${t}:${top}`;
  let s = logprobsCache.get(key);
  if (s !== undefined) return s;
  const tok = VOCAB[t];
  const alts: string[] = [];
  for (let r = 0; r < top; r++) {
    const alt = r === 0 ? tok : VOCAB[(t + r * 7) % VOCAB.length];
    alts.push(`{"token":${JSON.stringify(alt)},"logprob":${logprob(t, r, r === 0 ? 0.4 : 2)},"bytes":${bytesOf(alt)}}`);
  }
  s = `{"content":[{"token":${JSON.stringify(tok)},"logprob":${logprob(t, 0, 0.4)},"bytes":${bytesOf(tok)},"top_logprobs":[${alts.join(',')}]}]}`;
  logprobsCache.set(key, s);
  return s;
}

let nextId = 1;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function immediate(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

function fail(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ object: 'error', message, type: 'BadRequestError', param: null, code: status });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  try {
    const v: unknown = JSON.parse(Buffer.concat(parts).toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

async function chat(req: IncomingMessage, res: ServerResponse, model: string): Promise<void> {
  const body = await readJson(req);
  if (!body) return fail(res, 400, 'invalid JSON');
  if (body.model !== model) return fail(res, 404, `The model \`${String(body.model)}\` does not exist.`);
  if (body.stream !== true) return fail(res, 400, 'the bench upstream only streams (stream: true)');
  const tokens = typeof body.max_tokens === 'number' && body.max_tokens > 0 ? Math.floor(body.max_tokens) : DEFAULT_MAX_TOKENS;
  const delayMs = Number(req.headers[TOKEN_DELAY_HEADER] ?? 0) || 0;
  const top = body.logprobs === true ? (typeof body.top_logprobs === 'number' ? body.top_logprobs : 0) : -1;
  const so = body.stream_options;
  const includeUsage = so !== null && typeof so === 'object' && (so as Record<string, unknown>).include_usage === true;
  const head = `data: {"id":"chatcmpl-bench${nextId++}","object":"chat.completion.chunk","created":${CREATED},"model":${JSON.stringify(model)},`;
  const mark = (seq: number): string => `,${BENCH_MARK}${seq},"sent_ns":${process.hrtime.bigint()}}}\n\n`;
  let gone = false;
  res.once('close', () => (gone = !res.writableFinished));
  const write = async (text: string): Promise<void> => {
    if (!res.write(text)) await new Promise<void>((r) => res.once('drain', r));
  };

  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  await write(`${head}"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${mark(-1)}`);
  for (let i = 0; i < tokens; i++) {
    if (delayMs > 0) await sleep(delayMs);
    else await immediate();
    if (gone || res.destroyed) return;
    const t = (i * 13 + 5) % VOCAB.length;
    const lp = top >= 0 ? chatLogprobsJson(t, top) : 'null';
    const last = i === tokens - 1;
    const choice = `{"index":0,"delta":{"content":${JSON.stringify(VOCAB[t])}},"logprobs":${lp},"finish_reason":${last ? '"stop","stop_reason":null' : 'null'}}`;
    await write(`${head}"choices":[${choice}]${mark(i)}`);
  }
  if (includeUsage) {
    const prompt = Math.max(1, Math.ceil(JSON.stringify(body.messages ?? '').length / 4));
    await write(`${head}"choices":[],"usage":{"prompt_tokens":${prompt},"total_tokens":${prompt + tokens},"completion_tokens":${tokens},"prompt_tokens_details":null}${mark(tokens)}`);
  }
  res.end('data: [DONE]\n\n');
}

/** The upstream's HTTP server (not yet listening). */
export function createUpstream(model = DEFAULT_UPSTREAM_MODEL): Server {
  return createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      const body = JSON.stringify({ object: 'list', data: [{ id: model, object: 'model', created: CREATED, owned_by: 'vllm', root: model, parent: null, max_model_len: 8192 }] });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      chat(req, res, model).catch((err: unknown) => {
        if (!res.headersSent) fail(res, 500, String(err));
        else res.destroy();
      });
      return;
    }
    req.resume();
    fail(res, 404, 'Not Found');
  });
}

/** Runs this file as a child process (built: dist/bench/lib/gateway-upstream.js); resolves once it listens. */
export function startUpstreamChild(model = DEFAULT_UPSTREAM_MODEL): Promise<BenchChild> {
  return startBenchChild('gateway upstream', fileURLToPath(import.meta.url), ['--model', model]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  serveAsChild('gateway-upstream', createUpstream(argValue('model', DEFAULT_UPSTREAM_MODEL))).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
