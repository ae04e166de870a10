/**
 * Where the answer is in a response's output text, and how probable the tokens that wrote it were.
 * docs/confidence.md states the rules.
 */
import { JsonCursor, OPEN_BRACE, QUOTE } from './json-scan.js';

/** Which rule found the answer. */
export type AnswerRule = 'answer_tag' | 'json' | 'after_think';

/** A located answer: characters [start, end) of the text, whitespace trimmed off both ends. */
export interface AnswerSpan {
  readonly start: number;
  readonly end: number;
  readonly rule: AnswerRule;
}

const OPEN_TAG = '<answer>';
const CLOSE_TAG = '</answer>';
const THINK_END = '</think>';

/**
 * The answer's character range in `text`, by the first rule that applies:
 * 1. the content of the last `<answer>…</answer>` pair (the RLCR output format
 *    `<think>…</think><answer>…</answer><analysis>…</analysis><confidence>…</confidence>`);
 * 2. when the whole text (optionally inside one Markdown code fence) is a JSON object with a top-level
 *    `"answer"` member: that member's value (the last one if repeated) — a string's characters between
 *    its quotes, any other value's JSON text;
 * 3. everything after the last `</think>`;
 * otherwise null. The range is trimmed of whitespace; an answer that is empty after trimming is null
 * (and so is an empty rule-1 or rule-2 answer: the later rules are not tried once one has applied).
 */
export function locateAnswer(text: string): AnswerSpan | null {
  const close = text.lastIndexOf(CLOSE_TAG);
  if (close >= OPEN_TAG.length) {
    const open = text.lastIndexOf(OPEN_TAG, close - OPEN_TAG.length);
    if (open >= 0) return trimmed(text, open + OPEN_TAG.length, close, 'answer_tag');
  }
  const json = jsonAnswer(text);
  if (json !== undefined) return json;
  const think = text.lastIndexOf(THINK_END);
  if (think >= 0) return trimmed(text, think + THINK_END.length, text.length, 'after_think');
  return null;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function trimmed(text: string, start: number, end: number, rule: AnswerRule): AnswerSpan | null {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return start < end ? { start, end, rule } : null;
}

/** One Markdown code fence around the whole text: the opening line, then the body. */
const FENCE = /^(\s*```[A-Za-z]*[ \t]*\r?\n)([\s\S]*?)\r?\n[ \t]*```\s*$/;

/**
 * Rule 2. Undefined when the text is not a JSON object with an `"answer"` member (the next rule is then
 * tried); null when it has one whose value is empty.
 */
function jsonAnswer(text: string): AnswerSpan | null | undefined {
  if (!text.includes('"answer"')) return undefined;
  let offset = 0;
  let body = text;
  const fence = FENCE.exec(text);
  if (fence) {
    offset = fence[1].length;
    body = fence[2];
  }
  const c = new JsonCursor(body);
  if (c.peek() !== OPEN_BRACE) return undefined;
  let found: { start: number; end: number } | undefined;
  try {
    c.object((key) => {
      const isString = c.peek() === QUOTE;
      const start = c.pos;
      c.skipValue();
      if (key === 'answer') found = isString ? { start: start + 1, end: c.pos - 1 } : { start, end: c.pos };
    });
    c.end();
  } catch {
    return undefined;
  }
  if (found === undefined) return undefined;
  const { start, end } = found as { start: number; end: number };
  return trimmed(text, offset + start, offset + end, 'json');
}

/**
 * exp of the sum of the log probabilities of the tokens that overlap characters [start, end) of the
 * tokens' concatenation. A token counts whole as soon as any of its characters is inside the range (it
 * starts before `end` and ends after `start`): the probability is that of writing the answer together
 * with the token pieces that share a token with it (`>Paris` in `<answer>Paris`). Null when no token
 * overlaps.
 */
export function answerProbability(tokens: readonly string[], logprobs: Float64Array, start: number, end: number): number | null {
  let pos = 0;
  let sum = 0;
  let any = false;
  for (let i = 0; i < tokens.length && pos < end; i++) {
    const next = pos + tokens[i].length;
    if (pos < end && next > start) {
      sum += logprobs[i];
      any = true;
    }
    pos = next;
  }
  return any ? Math.exp(sum) : null;
}
