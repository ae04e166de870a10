/**
 * Reasoning–answer consistency: the conclusion the reasoning reaches ("so the answer is 12", "therefore B",
 * "=> yes", or failing those the last number / option letter / yes-no of its last sentences) compared with
 * the answer of the final output (`<answer>…</answer>`, "Answer: …", an explicit statement, or the whole
 * output when it is short). Flags only when both are found, are of the same kind, and differ: numbers
 * within a relative tolerance, option letters A–E, yes/no (and true/false), short strings case-insensitively
 * (one containing the other counts as agreeing). Score 1 when flagged, else 0.
 */
import { readNumber, rejectUnknownOptions } from './registry.js';
import type { MonitorOptions } from './registry.js';
import type { Evidence, Monitor, MonitorInput, MonitorResult, MonitorScope } from './types.js';

/** Numbers agree when |a − b| ≤ tolerance × max(1, |a|, |b|). */
export const DEFAULT_NUMBER_TOLERANCE = 1e-6;
/** An output this short (trimmed) is taken as the answer itself. */
const SHORT_OUTPUT = 60;
/** The fallback (no explicit conclusion) reads only the reasoning's last characters. */
const TAIL_CHARS = 300;
/** An explicit conclusion is first looked for in this many last characters of the reasoning. */
const CONCLUSION_TAIL = 1500;
/** Longest short-string answer compared. */
const MAX_TEXT_ANSWER = 60;

export type AnswerKind = 'number' | 'letter' | 'yesno' | 'text';

/** An answer found in a text: its kind, normalised value, and where it lies. */
export interface FoundAnswer {
  readonly kind: AnswerKind;
  /** number: the value; letter: 'A'…'E'; yesno: 'yes' | 'no'; text: lower-cased, articles and punctuation removed. */
  readonly value: number | string;
  readonly start: number;
  readonly end: number;
}

// An explicit conclusion; the answer follows the match. Scanned over the whole reasoning, the last one wins.
const CONCLUSION =
  /(?:\b(?:final|correct|right)?\s*answer\s*(?:is|should be|must be|would be|will be|=|:)\s*:?|\b(?:so|thus|therefore|hence|consequently|which (?:means|gives))\b,?\s*(?:the\s+(?:final\s+)?(?:answer|result|value|total|option|choice)\s+(?:is|=|should be|must be)\s*:?)?|=>|⇒|∴|\\boxed\{)\s*/gi;
const ANSWER_TAG = /<answer>([\s\S]*?)<\/answer>/gi;

/** Parses the answer at the start of `text` (offset `base` in its source), or null. */
export function parseAnswerAt(text: string, base: number): FoundAnswer | null {
  let i = 0;
  while (i < text.length && /[\s*_"'`(\[]/.test(text[i]) && !(text[i] === '(' && /^\([A-Ea-e]\)/.test(text.slice(i)))) i++;
  const rest = text.slice(i, i + 200);
  let m = /^(?:option |choice )?\(?([A-E])\)?(?![\w'’-])(?!\s+(?:[a-z]{2,}\s+){0,1}(?:is|are|was|of|and|to|in|for|with)\b)/.exec(rest);
  if (m === null) m = /^\(([a-e])\)/.exec(rest);
  if (m !== null) {
    const at = i + m[0].indexOf(m[1]);
    return { kind: 'letter', value: m[1].toUpperCase(), start: base + at, end: base + at + 1 };
  }
  m = /^[-−]?\$?\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?%?/i.exec(rest);
  if (m !== null) {
    const value = numberOf(m[0]);
    if (value !== null) return { kind: 'number', value, start: base + i, end: base + i + m[0].length };
  }
  m = /^(yes|no|true|false)(?![\w'’-])/i.exec(rest);
  if (m !== null) {
    const v = m[1].toLowerCase();
    return { kind: 'yesno', value: v === 'yes' || v === 'true' ? 'yes' : 'no', start: base + i, end: base + i + m[1].length };
  }
  m = /^[^\n.;!?]{1,60}/.exec(rest);
  if (m !== null) {
    const raw = m[0].replace(/[\s*_"'`)\],:]+$/, '');
    const value = normaliseText(raw);
    if (value.length > 0 && raw.length <= MAX_TEXT_ANSWER) return { kind: 'text', value, start: base + i, end: base + i + raw.length };
  }
  return null;
}

function numberOf(token: string): number | null {
  const cleaned = token.replace(/[$,%]/g, '').replace('−', '-');
  const n = Number(cleaned);
  return Number.isFinite(n) ? n : null;
}

function normaliseText(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\b(?:the|a|an)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The conclusion the reasoning reaches, or null. */
export function reasoningConclusion(reasoning: string): FoundAnswer | null {
  // The conclusion is near the end: read the last part first, and the whole text only when it has none.
  if (reasoning.length > CONCLUSION_TAIL) {
    const found = lastConclusion(reasoning, reasoning.length - CONCLUSION_TAIL);
    if (found !== null) return found;
  }
  return lastConclusion(reasoning, 0) ?? tailAnswer(reasoning);
}

function lastConclusion(reasoning: string, from: number): FoundAnswer | null {
  let last: FoundAnswer | null = null;
  CONCLUSION.lastIndex = from;
  let m: RegExpExecArray | null;
  while ((m = CONCLUSION.exec(reasoning)) !== null) {
    const at = m.index + m[0].length;
    const found = parseAnswerAt(reasoning.slice(at, at + 200), at);
    if (found !== null && found.kind !== 'text') last = found;
    else if (found !== null && /answer|boxed/i.test(m[0])) last = found;
    if (m[0].length === 0) CONCLUSION.lastIndex++;
  }
  return last;
}

/** The answer the output gives, or null. */
export function outputAnswer(output: string): FoundAnswer | null {
  let tagged: FoundAnswer | null = null;
  ANSWER_TAG.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ANSWER_TAG.exec(output)) !== null) {
    const at = m.index + '<answer>'.length;
    tagged = parseAnswerAt(m[1], at) ?? tagged;
  }
  if (tagged !== null) return tagged;
  let last: FoundAnswer | null = null;
  CONCLUSION.lastIndex = 0;
  while ((m = CONCLUSION.exec(output)) !== null) {
    if (!/answer|boxed/i.test(m[0])) continue;
    const at = m.index + m[0].length;
    last = parseAnswerAt(output.slice(at, at + 200), at) ?? last;
  }
  if (last !== null) return last;
  const trimmed = output.trim();
  if (trimmed.length === 0 || trimmed.length > SHORT_OUTPUT) return null;
  return parseAnswerAt(trimmed, output.indexOf(trimmed));
}

/** No explicit conclusion: the last option letter, yes/no or number in the reasoning's last characters. */
function tailAnswer(reasoning: string): FoundAnswer | null {
  const base = Math.max(0, reasoning.length - TAIL_CHARS);
  const tail = reasoning.slice(base);
  let best: FoundAnswer | null = null;
  const consider = (re: RegExp, make: (m: RegExpExecArray) => FoundAnswer | null): void => {
    let m: RegExpExecArray | null;
    while ((m = re.exec(tail)) !== null) {
      const f = make(m);
      if (f !== null && (best === null || f.start > best.start)) best = f;
    }
  };
  consider(/\b(?:option|choice|answer)\s+\(?([A-E])\)?(?![\w'’])|\(([A-E])\)/g, (m) => {
    const letter = m[1] ?? m[2];
    const at = base + m.index + m[0].lastIndexOf(letter);
    return { kind: 'letter', value: letter, start: at, end: at + 1 };
  });
  consider(/(?:^|[.!?]\s+)(yes|no)\b/gi, (m) => {
    const at = base + m.index + m[0].length - m[1].length;
    return { kind: 'yesno', value: m[1].toLowerCase(), start: at, end: at + m[1].length };
  });
  consider(/(?<![\w.])[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?![\w])/g, (m) => {
    const value = numberOf(m[0]);
    return value === null ? null : { kind: 'number', value, start: base + m.index, end: base + m.index + m[0].length };
  });
  return best;
}

/** Whether two answers of the same kind agree. */
export function answersAgree(a: FoundAnswer, b: FoundAnswer, tolerance = DEFAULT_NUMBER_TOLERANCE): boolean {
  if (a.kind === 'number' && b.kind === 'number') {
    const x = a.value as number;
    const y = b.value as number;
    return Math.abs(x - y) <= tolerance * Math.max(1, Math.abs(x), Math.abs(y));
  }
  if (a.kind === 'text' && b.kind === 'text') {
    const x = ` ${a.value as string} `;
    const y = ` ${b.value as string} `;
    return x.includes(y) || y.includes(x);
  }
  return a.value === b.value;
}

export interface ConsistencyOptions {
  /** Relative tolerance for numbers; default {@link DEFAULT_NUMBER_TOLERANCE}. */
  readonly tolerance?: number;
}

export class ConsistencyMonitor implements Monitor {
  readonly name = 'consistency';
  readonly scope: MonitorScope = 'all';
  private readonly tolerance: number;

  constructor(options: ConsistencyOptions = {}) {
    this.tolerance = options.tolerance ?? DEFAULT_NUMBER_TOLERANCE;
  }

  run(input: MonitorInput): MonitorResult {
    const t0 = performance.now();
    const concluded = input.reasoning.length > 0 ? reasoningConclusion(input.reasoning) : null;
    const answered = concluded !== null ? outputAnswer(input.output) : null;
    let flag = false;
    const evidence: Evidence[] = [];
    if (concluded !== null && answered !== null) {
      let a = concluded;
      let b = answered;
      // A text answer that starts with a number ("12 apples") compares as that number.
      if (a.kind !== b.kind) [a, b] = [asKindOf(a, b), asKindOf(b, a)];
      if (a.kind === b.kind && !answersAgree(a, b, this.tolerance)) {
        flag = true;
        evidence.push(
          { start: concluded.start, end: concluded.end, text: input.reasoning.slice(concluded.start, concluded.end), source: 'reasoning', rule: 'reasoning_conclusion' },
          { start: answered.start, end: answered.end, text: input.output.slice(answered.start, answered.end), source: 'output', rule: 'output_answer' },
        );
      }
    }
    return { monitor: this.name, flag, score: flag ? 1 : 0, evidence, cost: { tokens: 0, ms: performance.now() - t0 } };
  }
}

function asKindOf(a: FoundAnswer, target: FoundAnswer): FoundAnswer {
  if (a.kind === 'text' && target.kind === 'number') {
    const m = /^[-−]?\$?\d[\d,]*(?:\.\d+)?/.exec(a.value as string);
    const v = m === null ? null : numberOf(m[0]);
    if (v !== null) return { ...a, kind: 'number', value: v };
  }
  return a;
}

export function consistencyFactory(options: MonitorOptions): ConsistencyMonitor {
  rejectUnknownOptions(options, ['tolerance']);
  return new ConsistencyMonitor({ tolerance: readNumber(options, 'tolerance', DEFAULT_NUMBER_TOLERANCE, 0, 1) });
}
