/**
 * The attribute-key scan behind GenAI extraction.
 */
import type { Attributes } from '../../receivers/otlp/types.js';
import * as A from './aliases.js';

/** What one pass over the attribute keys found. */
export interface KeyScan {
  /** Some key starts with `gen_ai.`. */
  genai: boolean;
  /** Some key starts with `llm.`. */
  llm: boolean;
  /** Keys starting with `gen_ai.latency.` (null: none; the same for the lists below). */
  latency: string[] | null;
  /** Keys starting with `gen_ai.prompt.`. */
  prompt: string[] | null;
  /** Keys starting with `gen_ai.completion.`. */
  completion: string[] | null;
  /** Keys starting with `llm.input_messages.`. */
  oiInput: string[] | null;
  /** Keys starting with `llm.output_messages.`. */
  oiOutput: string[] | null;
}

/**
 * One pass over the attribute keys with first-character and prefix tests (no regex): whether
 * any `gen_ai.` / `llm.` key exists, and the keys of the prefixed families read later.
 */
export function scanKeys(attrs: Attributes): KeyScan {
  const s: KeyScan = {
    genai: false,
    llm: false,
    latency: null,
    prompt: null,
    completion: null,
    oiInput: null,
    oiOutput: null,
  };
  for (const k in attrs) {
    const c0 = k.charCodeAt(0);
    if (c0 === 103 /* g */) {
      if (!k.startsWith('gen_ai.')) continue;
      s.genai = true;
      const c7 = k.charCodeAt(7);
      if (c7 === 108 /* l */) {
        if (k.startsWith(A.LATENCY_PREFIX)) (s.latency ??= []).push(k);
      } else if (c7 === 112 /* p */) {
        if (k.startsWith(A.LEGACY_PROMPT_PREFIX)) (s.prompt ??= []).push(k);
      } else if (c7 === 99 /* c */) {
        if (k.startsWith(A.LEGACY_COMPLETION_PREFIX)) (s.completion ??= []).push(k);
      }
    } else if (c0 === 108 /* l */) {
      if (!k.startsWith('llm.')) continue;
      s.llm = true;
      const c4 = k.charCodeAt(4);
      if (c4 === 105 /* i */) {
        if (k.startsWith(A.OI_INPUT_MESSAGES_PREFIX)) (s.oiInput ??= []).push(k);
      } else if (c4 === 111 /* o */) {
        if (k.startsWith(A.OI_OUTPUT_MESSAGES_PREFIX)) (s.oiOutput ??= []).push(k);
      }
    }
  }
  return s;
}
