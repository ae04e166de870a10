/**
 * What the gateway measures of one response, fed the upstream's JSON as it passes: the time of
 * every chunk that carried output (first token, inter-token gaps), text and reasoning, tool calls,
 * token logprobs of the first choice, usage, finish reasons, response id and model. Understands
 * chat completions, completions and responses (whole or streamed) and embeddings.
 */
import type { Endpoint } from './request-plan.js';

/** One position of the output with its log probability and the top alternatives. */
export interface TokenLogprob {
  readonly token: string;
  readonly logprob: number;
  readonly top: readonly (readonly [string, number])[];
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
  reasoningTokens: number | null;
  cachedInputTokens: number | null;
}

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export class ResponseMeter {
  /** Monotonic times (ns) of chunks that carried output. */
  readonly tokenTimes: bigint[] = [];
  text = '';
  reasoning = '';
  readonly toolCalls: ToolCall[] = [];
  readonly logprobs: TokenLogprob[] = [];
  readonly finishReasons: string[] = [];
  readonly usage: Usage = { inputTokens: null, outputTokens: null, reasoningTokens: null, cachedInputTokens: null };
  responseId = '';
  responseModel = '';
  /** An error object the upstream sent inside a 200 stream. */
  upstreamError: string | null = null;
  chunks = 0;

  constructor(private readonly endpoint: Endpoint) {}

  /** One whole (non-streamed) response body. */
  onResponse(body: unknown, at: bigint): void {
    if (!isRecord(body)) return;
    this.common(body);
    if (this.endpoint === 'responses') this.responsesObject(body);
    else if (this.endpoint === 'embeddings') this.usageOf(body.usage);
    else this.choices(body.choices, false);
    if (this.text !== '' || this.reasoning !== '' || this.toolCalls.length > 0) this.tokenTimes.push(at);
  }

  /** One stream event's parsed data; `event` is the SSE event name (responses API). */
  onChunk(data: unknown, event: string, at: bigint): void {
    if (!isRecord(data)) return;
    this.chunks++;
    if (isRecord(data.error)) {
      this.upstreamError = str(data.error.message) || JSON.stringify(data.error);
      return;
    }
    if (this.endpoint === 'responses') {
      this.responsesEvent(str(data.type) || event, data, at);
      return;
    }
    this.common(data);
    if (this.choices(data.choices, true)) this.tokenTimes.push(at);
  }

  private common(body: Json): void {
    if (typeof body.id === 'string' && this.responseId === '') this.responseId = body.id;
    if (typeof body.model === 'string' && this.responseModel === '') this.responseModel = body.model;
    if (isRecord(body.usage)) this.usageOf(body.usage);
  }

  private usageOf(u: unknown): void {
    if (!isRecord(u)) return;
    this.usage.inputTokens = num(u.prompt_tokens) ?? num(u.input_tokens) ?? this.usage.inputTokens;
    this.usage.outputTokens = num(u.completion_tokens) ?? num(u.output_tokens) ?? this.usage.outputTokens;
    const out = isRecord(u.completion_tokens_details) ? u.completion_tokens_details : isRecord(u.output_tokens_details) ? u.output_tokens_details : null;
    if (out) this.usage.reasoningTokens = num(out.reasoning_tokens) ?? this.usage.reasoningTokens;
    const inp = isRecord(u.prompt_tokens_details) ? u.prompt_tokens_details : isRecord(u.input_tokens_details) ? u.input_tokens_details : null;
    if (inp) this.usage.cachedInputTokens = num(inp.cached_tokens) ?? this.usage.cachedInputTokens;
  }

  /** Reads choices; answers whether any carried output. */
  private choices(choices: unknown, streamed: boolean): boolean {
    if (!Array.isArray(choices)) return false;
    let output = false;
    for (const c of choices) {
      if (!isRecord(c)) continue;
      const first = (num(c.index) ?? 0) === 0;
      if (typeof c.finish_reason === 'string' && c.finish_reason !== '') this.finishReasons.push(c.finish_reason);
      const msg = isRecord(streamed ? c.delta : c.message) ? ((streamed ? c.delta : c.message) as Json) : null;
      let piece = '';
      let thought = '';
      if (msg) {
        piece = str(msg.content);
        thought = str(msg.reasoning_content) || str(msg.reasoning);
        if (first && Array.isArray(msg.tool_calls)) this.toolCallsOf(msg.tool_calls);
        if (Array.isArray(msg.tool_calls) && msg.tool_calls.length > 0) output = true;
      } else piece = str(c.text);
      if (piece !== '' || thought !== '') output = true;
      if (!first) continue;
      this.text += piece;
      this.reasoning += thought;
      this.logprobsOf(c.logprobs);
    }
    return output;
  }

  private toolCallsOf(calls: unknown[]): void {
    for (const tc of calls) {
      if (!isRecord(tc)) continue;
      const fn = isRecord(tc.function) ? tc.function : {};
      const index = num(tc.index);
      const existing = index !== null ? this.toolCalls[index] : undefined;
      if (existing) {
        existing.arguments += str(fn.arguments);
        if (str(fn.name)) existing.name = str(fn.name);
      } else this.toolCalls.push({ id: str(tc.id), name: str(fn.name), arguments: str(fn.arguments) });
    }
  }

  /** Chat (`{content: [{token, logprob, top_logprobs}]}`) and completions (`{tokens, token_logprobs, top_logprobs}`) forms. */
  private logprobsOf(lp: unknown): void {
    if (!isRecord(lp)) return;
    if (Array.isArray(lp.content)) {
      for (const t of lp.content) {
        if (!isRecord(t)) continue;
        const top: [string, number][] = [];
        if (Array.isArray(t.top_logprobs))
          for (const a of t.top_logprobs) if (isRecord(a)) top.push([str(a.token), num(a.logprob) ?? -Infinity]);
        this.logprobs.push({ token: str(t.token), logprob: num(t.logprob) ?? -Infinity, top });
      }
      return;
    }
    if (Array.isArray(lp.tokens) && Array.isArray(lp.token_logprobs)) {
      const tops = Array.isArray(lp.top_logprobs) ? lp.top_logprobs : [];
      lp.tokens.forEach((tok, i) => {
        const alt = tops[i];
        const top: [string, number][] = isRecord(alt) ? Object.entries(alt).map(([k, v]) => [k, num(v) ?? -Infinity]) : [];
        this.logprobs.push({ token: str(tok), logprob: num((lp.token_logprobs as unknown[])[i]) ?? -Infinity, top });
      });
    }
  }

  private responsesEvent(type: string, data: Json, at: bigint): void {
    if (type === 'response.output_text.delta') {
      this.text += str(data.delta);
      this.tokenTimes.push(at);
      if (Array.isArray(data.logprobs)) this.logprobsOf({ content: data.logprobs });
    } else if (type === 'response.reasoning_text.delta' || type === 'response.reasoning_summary_text.delta') {
      this.reasoning += str(data.delta);
      this.tokenTimes.push(at);
    } else if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') {
      if (isRecord(data.response)) {
        const r = data.response;
        if (typeof r.id === 'string') this.responseId = r.id;
        if (typeof r.model === 'string') this.responseModel = r.model;
        this.usageOf(r.usage);
        const status = str(r.status);
        if (status) this.finishReasons.push(status);
        if (isRecord(r.error)) this.upstreamError = str(r.error.message) || 'response failed';
      }
    } else if (type === 'response.created' && isRecord(data.response)) {
      if (typeof data.response.id === 'string') this.responseId = data.response.id;
      if (typeof data.response.model === 'string') this.responseModel = data.response.model;
    }
  }

  private responsesObject(r: Json): void {
    this.usageOf(r.usage);
    const status = str(r.status);
    if (status) this.finishReasons.push(status);
    if (!Array.isArray(r.output)) return;
    for (const item of r.output) {
      if (!isRecord(item)) continue;
      const parts = Array.isArray(item.content) ? item.content : Array.isArray(item.summary) ? item.summary : [];
      for (const p of parts) {
        if (!isRecord(p)) continue;
        if (item.type === 'reasoning') this.reasoning += str(p.text);
        else if (p.type === 'output_text') {
          this.text += str(p.text);
          if (Array.isArray(p.logprobs)) this.logprobsOf({ content: p.logprobs });
        }
      }
      if (item.type === 'function_call') this.toolCalls.push({ id: str(item.call_id), name: str(item.name), arguments: str(item.arguments) });
    }
  }

  /** Time to the first output chunk, ns from `startNs`; null when none came. */
  ttftNs(startNs: bigint): bigint | null {
    return this.tokenTimes.length > 0 ? this.tokenTimes[0] - startNs : null;
  }

  /** Gaps between successive output chunks, in microseconds. */
  gapsUs(): number[] {
    const out: number[] = [];
    for (let i = 1; i < this.tokenTimes.length; i++) out.push(Number((this.tokenTimes[i] - this.tokenTimes[i - 1]) / 1000n));
    return out;
  }
}
