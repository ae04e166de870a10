/**
 * A simulated request (SimRequest) rendered as vLLM renders an OpenAI answer: the chat completion or
 * text completion body, or its stream of chunks with the delay before each, carrying reasoning as
 * `reasoning_content`, token logprobs with top-k alternatives only when asked (`"logprobs": null`
 * otherwise), and usage (always when whole, in a final usage-only chunk when the stream asked for it).
 * Pure: the replica server (replica-server.ts) sends and times what this builds.
 */
import type { SimRequest } from './types.js';

export type Endpoint = 'chat' | 'completions';

/** What the client asked for that shapes the answer. */
export interface AnswerAsk {
  readonly endpoint: Endpoint;
  readonly stream: boolean;
  /** Alternatives per token; -1 when no logprobs were asked. */
  readonly topLogprobs: number;
  readonly includeUsage: boolean;
}

/** One stream event and the delay before it, ms of simulated time. */
export interface TimedChunk {
  readonly delayMs: number;
  readonly data: string;
}

export const CREATED = 1_700_000_000;

type Body = Record<string, unknown>;

function isRecord(v: unknown): v is Body {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reads what shapes the answer from the request body, as vLLM reads it. */
export function askOf(endpoint: Endpoint, body: Body): AnswerAsk {
  const stream = body.stream === true;
  const includeUsage = stream && isRecord(body.stream_options) && body.stream_options.include_usage === true;
  let topLogprobs = -1;
  if (endpoint === 'chat') {
    if (body.logprobs === true) topLogprobs = typeof body.top_logprobs === 'number' ? Math.max(0, Math.floor(body.top_logprobs)) : 0;
  } else if (typeof body.logprobs === 'number') {
    topLogprobs = Math.max(0, Math.floor(body.logprobs));
  }
  return { endpoint, stream, topLogprobs, includeUsage };
}

/** One output piece: reasoning or answer text, with its logprob data when it is an answer token. */
interface Piece {
  readonly field: 'reasoning_content' | 'content';
  readonly text: string;
  readonly token: SimRequest['tokens'][number] | null;
}

/** Splits reasoning text into word-sized pieces (a word with its leading space), as a tokenizer would roughly. */
export function splitWords(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/**
 * The output in streaming order: reasoning pieces, then the answer's tokens. The answer is its logprob
 * tokens when they spell it; otherwise its words (then with the tokens' logprobs by position).
 */
export function piecesOf(req: SimRequest): Piece[] {
  const reasoning = splitWords(req.reasoning).map((text): Piece => ({ field: 'reasoning_content', text, token: null }));
  const spelled = req.tokens.length > 0 && req.tokens.map((t) => t.token).join('') === req.answer;
  const answer = spelled
    ? req.tokens.map((t): Piece => ({ field: 'content', text: t.token, token: t }))
    : splitWords(req.answer).map((text, i): Piece => ({ field: 'content', text, token: req.tokens[i] ?? null }));
  return [...reasoning, ...answer];
}

function tokenLogprob(p: Piece, top: number): Body {
  const t = p.token;
  const logprob = t?.logprob ?? 0;
  const alts = (t?.top ?? [[p.text, logprob] as const]).slice(0, top);
  const bytes = (s: string): number[] => [...Buffer.from(s)];
  return { token: p.text, logprob, bytes: bytes(p.text), top_logprobs: alts.map(([token, lp]) => ({ token, logprob: lp, bytes: bytes(token) })) };
}

function chatLogprobs(pieces: readonly Piece[], top: number): Body | null {
  if (top < 0) return null;
  return { content: pieces.filter((p) => p.field === 'content').map((p) => tokenLogprob(p, top)) };
}

function completionLogprobs(pieces: readonly Piece[], top: number, offset: number): Body | null {
  if (top < 0) return null;
  let at = offset;
  const answer = pieces.filter((p) => p.field === 'content');
  return {
    text_offset: answer.map((p) => {
      const o = at;
      at += p.text.length;
      return o;
    }),
    token_logprobs: answer.map((p) => p.token?.logprob ?? 0),
    tokens: answer.map((p) => p.text),
    top_logprobs: answer.map((p) => Object.fromEntries((p.token?.top ?? [[p.text, p.token?.logprob ?? 0] as const]).slice(0, Math.max(1, top)))),
  };
}

function usage(req: SimRequest): Body {
  return { prompt_tokens: req.inputTokens, total_tokens: req.inputTokens + req.outputTokens, completion_tokens: req.outputTokens, prompt_tokens_details: null };
}

function responseId(req: SimRequest, endpoint: Endpoint): string {
  return `${endpoint === 'chat' ? 'chatcmpl' : 'cmpl'}-${req.traceId.slice(0, 24)}`;
}

function finishReason(req: SimRequest): string {
  return req.finishReason === 'length' ? 'length' : 'stop';
}

/** The whole (non-streamed) answer body. */
export function wholeBody(req: SimRequest, ask: AnswerAsk): Body {
  const pieces = piecesOf(req);
  const id = responseId(req, ask.endpoint);
  if (ask.endpoint === 'completions') {
    return {
      id,
      object: 'text_completion',
      created: CREATED,
      model: req.modelVersion,
      choices: [{ index: 0, text: req.answer, logprobs: completionLogprobs(pieces, ask.topLogprobs, 0), finish_reason: finishReason(req), stop_reason: null, prompt_logprobs: null }],
      usage: usage(req),
    };
  }
  const message = { role: 'assistant', reasoning_content: req.reasoning === '' ? null : req.reasoning, content: req.answer, tool_calls: [] };
  return {
    id,
    object: 'chat.completion',
    created: CREATED,
    model: req.modelVersion,
    choices: [{ index: 0, message, logprobs: chatLogprobs(pieces, ask.topLogprobs), finish_reason: finishReason(req), stop_reason: null }],
    usage: usage(req),
    prompt_logprobs: null,
  };
}

/** The simulated gap before output piece i (i ≥ 1), ms: the request's inter-token gaps, the last repeated. */
function gapMs(req: SimRequest, i: number): number {
  const gaps = req.interTokenUs;
  if (gaps.length === 0) return 0;
  return gaps[Math.min(i - 1, gaps.length - 1)] / 1000;
}

const sse = (obj: unknown): string => `data: ${JSON.stringify(obj)}\n\n`;

/**
 * The stream: the first piece after the time to first token, each next one after its inter-token gap,
 * then (when asked) the usage chunk and `[DONE]`.
 */
export function streamChunks(req: SimRequest, ask: AnswerAsk): TimedChunk[] {
  const pieces = piecesOf(req);
  const id = responseId(req, ask.endpoint);
  const out: TimedChunk[] = [];
  const last = pieces.length - 1;
  if (ask.endpoint === 'chat') {
    const head = { id, object: 'chat.completion.chunk', created: CREATED, model: req.modelVersion };
    out.push({ delayMs: req.ttftMs, data: sse({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] }) });
    pieces.forEach((p, i) => {
      const lp = p.field === 'content' ? chatLogprobs([p], ask.topLogprobs) : null;
      const done = i === last;
      out.push({
        delayMs: i === 0 ? 0 : gapMs(req, i),
        data: sse({ ...head, choices: [{ index: 0, delta: { [p.field]: p.text }, logprobs: lp, finish_reason: done ? finishReason(req) : null, ...(done ? { stop_reason: null } : {}) }] }),
      });
    });
    if (ask.includeUsage) out.push({ delayMs: 0, data: sse({ ...head, choices: [], usage: usage(req) }) });
  } else {
    const head = { id, object: 'text_completion', created: CREATED, model: req.modelVersion };
    let offset = 0;
    const answer = pieces.filter((p) => p.field === 'content');
    answer.forEach((p, i) => {
      const lp = completionLogprobs([p], ask.topLogprobs, offset);
      offset += p.text.length;
      const done = i === answer.length - 1;
      out.push({ delayMs: i === 0 ? req.ttftMs : gapMs(req, i), data: sse({ ...head, choices: [{ index: 0, text: p.text, logprobs: lp, finish_reason: done ? finishReason(req) : null, stop_reason: null }] }) });
    });
    if (ask.includeUsage) out.push({ delayMs: 0, data: sse({ ...head, choices: [], usage: usage(req) }) });
  }
  out.push({ delayMs: 0, data: 'data: [DONE]\n\n' });
  return out;
}

/** The status and OpenAI-style body of a failed request (vLLM answers errors as `{object: "error", ...}`). */
export function errorAnswer(req: SimRequest): { status: number; body: Body } {
  const status = /dead|unavailable|off the bus/i.test(req.error ?? '') ? 503 : 500;
  return { status, body: { object: 'error', message: req.error ?? 'error', type: status === 503 ? 'ServiceUnavailableError' : 'InternalServerError', param: null, code: status } };
}
