/**
 * A served request as the fleet hands it out: the `SimRequest` fields, plus what the OTLP encoder needs
 * (the prompt, the compact answer tokens, whether bad reasoning was injected). `tokens` (objects with
 * their top-5 alternatives) is built on first read: the encoder packs the compact numbers instead, so a
 * benchmark never pays for the objects. `toJSON` gives the plain `SimRequest` fields, tokens included.
 */
import { materializeTokens, type AnswerTokens, type SimToken } from './tokens.js';
import type { SimRequest } from './types.js';

export type SimRequestFields = Omit<SimRequest, 'tokens'>;

const NO_TOKENS: AnswerTokens = { pieces: [], logprobs: new Float64Array(0) };

export class ServedRequest implements SimRequest {
  readonly traceId: string;
  readonly spanId: string;
  readonly replica: string;
  readonly model: string;
  readonly modelVersion: string;
  readonly task: string;
  readonly arrivalMs: number;
  readonly queueMs: number;
  readonly ttftMs: number;
  readonly e2eMs: number;
  readonly interTokenUs: readonly number[];
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly reasoning: string;
  readonly answer: string;
  readonly correct: boolean;
  readonly probes: SimRequest['probes'];
  readonly error: string | null;
  readonly finishReason: SimRequest['finishReason'];
  private built: SimToken[] | null = null;

  constructor(
    f: SimRequestFields,
    /** The user's message. */
    readonly prompt: string,
    /** The answer's tokens and log probabilities, compact. */
    readonly answerTokens: AnswerTokens = NO_TOKENS,
    /** The reasoning carries injected reward-hacking intent (reasoning_regression). */
    readonly badReasoning = false,
  ) {
    this.traceId = f.traceId;
    this.spanId = f.spanId;
    this.replica = f.replica;
    this.model = f.model;
    this.modelVersion = f.modelVersion;
    this.task = f.task;
    this.arrivalMs = f.arrivalMs;
    this.queueMs = f.queueMs;
    this.ttftMs = f.ttftMs;
    this.e2eMs = f.e2eMs;
    this.interTokenUs = f.interTokenUs;
    this.inputTokens = f.inputTokens;
    this.outputTokens = f.outputTokens;
    this.reasoning = f.reasoning;
    this.answer = f.answer;
    this.correct = f.correct;
    this.probes = f.probes;
    this.error = f.error;
    this.finishReason = f.finishReason;
  }

  get tokens(): readonly SimToken[] {
    return (this.built ??= materializeTokens(this.answerTokens));
  }

  toJSON(): SimRequest {
    const { built: _built, prompt: _prompt, answerTokens: _tokens, badReasoning: _bad, ...fields } = this;
    return { ...fields, tokens: this.tokens };
  }
}
