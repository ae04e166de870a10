/**
 * Reasoning, from every form it arrives in, and what behavioural monitors read of a span:
 * - `reasoning` parts of GenAI output messages (also what `reasoning_content` / `reasoning` fields of
 *   OpenAI-compatible responses become: vLLM, SGLang, DeepSeek, and the gateway);
 * - `<think>…</think>` blocks inside text parts (and text before a lone `</think>`);
 * - Anthropic thinking blocks kept as parts: `{type: "thinking", thinking}`; `{type:
 *   "redacted_thinking"}` is reasoning that exists but cannot be read;
 * - reasoning tokens counted (`gen_ai.usage.reasoning.output_tokens`) with no visible reasoning, or the
 *   gateway's `strata.reasoning.hidden`: hidden reasoning, itself a signal.
 * The answer is the text parts with think blocks removed; actions are the output's tool calls.
 */
import type { MessagePart, SpanRecord } from '../../model/span.js';
import { splitThink } from './think.js';

export type ReasoningSource = 'reasoning_part' | 'think_block' | 'anthropic_thinking';

export interface ReasoningCapture {
  /** The visible reasoning, pieces joined by blank lines; '' when none. */
  readonly reasoning: string;
  readonly sources: readonly ReasoningSource[];
  /** Reasoning happened but none is visible (tokens counted without text, redacted thinking, gateway flag). */
  readonly hidden: boolean;
  readonly reasoningTokens: number | null;
  /** The answer: output text parts without think blocks. */
  readonly output: string;
  /** Tool calls the output made. */
  readonly actions: readonly { readonly name: string; readonly arguments: string }[];
  /** The last user message's text: the task the reasoning is about. */
  readonly task: string;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function partText(p: MessagePart): string {
  return str(p.content) || str((p as { text?: unknown }).text);
}

/** What a span says about its reasoning (see the module comment). Cheap when the span has no output. */
export function captureReasoning(span: SpanRecord): ReasoningCapture {
  const g = span.genai;
  const pieces: string[] = [];
  const sources = new Set<ReasoningSource>();
  const answers: string[] = [];
  const actions: { name: string; arguments: string }[] = [];
  let redacted = false;
  for (const m of g.outputMessages) {
    for (const p of m.parts) {
      switch (p.type) {
        case 'reasoning': {
          const t = partText(p);
          if (t) {
            pieces.push(t);
            sources.add('reasoning_part');
          }
          break;
        }
        case 'thinking': {
          const t = str((p as { thinking?: unknown }).thinking) || partText(p);
          if (t) {
            pieces.push(t);
            sources.add('anthropic_thinking');
          }
          break;
        }
        case 'redacted_thinking':
          redacted = true;
          break;
        case 'text': {
          const t = partText(p);
          const { reasoning, answer } = splitThink(t);
          if (reasoning) {
            pieces.push(reasoning);
            sources.add('think_block');
          }
          if (answer) answers.push(answer);
          break;
        }
        case 'tool_call': {
          const args = (p as { arguments?: unknown }).arguments;
          actions.push({ name: str((p as { name?: unknown }).name), arguments: typeof args === 'string' ? args : args === undefined || args === null ? '' : JSON.stringify(args) });
          break;
        }
        default:
          break;
      }
    }
  }
  let task = '';
  for (let i = g.inputMessages.length - 1; i >= 0 && task === ''; i--) {
    const m = g.inputMessages[i];
    if (m.role === 'user') task = m.parts.map(partText).filter(Boolean).join('\n');
  }
  const reasoning = pieces.join('\n\n');
  const tokens = g.reasoningOutputTokens;
  const flagged = span.attributes['strata.reasoning.hidden'] === true;
  return {
    reasoning,
    sources: [...sources],
    hidden: flagged || redacted || (reasoning === '' && tokens !== null && tokens > 0),
    reasoningTokens: tokens,
    output: answers.join('\n'),
    actions,
    task,
  };
}
