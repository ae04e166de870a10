/**
 * Verbalized confidence: the number a model states about its own answer, read from its output text.
 *
 * The RLCR rules (Damani et al., arXiv 2507.16806; docs/calibration.md lists every edge case):
 * - the LAST `<confidence>…</confidence>` (exact lower-case tags; the content may span lines);
 * - if the whole content, trimmed, is a plain number (the grammar of Python's `float()`: sign, `.5`, `5.`,
 *   exponents, `_` between digits; `inf`/`nan` count as numbers that are out of range), it is used:
 *   in [0, 1] as is, in (1, 100] divided by 100, anything else is a format failure, with no second try;
 * - otherwise the first `-?digits(.digits)?` inside the content is used, with the same range rule
 *   (so `85%` is 0.85, `about 0.7` is 0.7, `-0.2` fails);
 * - nothing usable: a format failure, confidence 0.
 */

/** Where a parsed confidence came from; `none` when nothing was found at all. */
export type ConfidenceSource = 'tag' | 'json' | 'regex' | 'none';

export interface ParsedConfidence {
  /** In [0, 1]; 0 on a format failure. */
  readonly value: number;
  /** False on a format failure (RLCR counts those with confidence 0). */
  readonly formatOk: boolean;
  /** The source that gave the value; on a failure the first source that was present but unusable. */
  readonly source: ConfidenceSource;
}

export interface VerbalizedOptions {
  /**
   * A JavaScript regular expression (source text, no flags) whose first capture group holds the number,
   * e.g. `Confidence:\s*([\d.]+%?)`. The last match is used; the group's text follows the tag-content rules.
   */
  readonly regex?: string;
}

const TAG = /<confidence>([\s\S]*?)<\/confidence>/g;
// Python float() literals: digits may be separated by single underscores.
const DIGITS = String.raw`\d(?:_?\d)*`;
const PLAIN_NUMBER = new RegExp(String.raw`^[+-]?(?:(?:${DIGITS})?\.${DIGITS}|${DIGITS}\.?)(?:[eE][+-]?${DIGITS})?$`);
const PLAIN_SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;
const FIRST_NUMBER = /-?\d+(?:\.\d+)?/;

const FAILED = { value: 0, formatOk: false } as const;

/**
 * The range rule shared by tags, JSON fields and the CLI's numeric `confidence`: a value in [0, 1] is used
 * as is, a value in (1, 100] is a percentage; anything else (negative, above 100, NaN, ±Infinity) is null.
 */
export function normalizeConfidence(x: number): number | null {
  if (x >= 0 && x <= 1) return x === 0 ? 0 : x; // -0 becomes 0
  if (x > 1 && x <= 100) return x / 100;
  return null;
}

/**
 * The content of a confidence tag (or a JSON string, or a regex group) to a confidence, by the RLCR rules:
 * a plain number decides alone; otherwise the first number inside the text. Null when nothing is usable.
 */
export function confidenceFromText(content: string): number | null {
  const trimmed = content.trim();
  if (PLAIN_SPECIAL.test(trimmed)) return null; // inf and nan parse as floats, then fail the range check
  if (PLAIN_NUMBER.test(trimmed)) return normalizeConfidence(Number(trimmed.replaceAll('_', '')));
  const first = FIRST_NUMBER.exec(content);
  return first ? normalizeConfidence(Number(first[0])) : null;
}

/**
 * The RLCR parser: only the last `<confidence>` tag counts.
 *
 * @example
 * parseConfidenceTag('<answer>Paris</answer><confidence>0.85</confidence>'); // { value: 0.85, formatOk: true }
 * parseConfidenceTag('<confidence>85%</confidence>'); // { value: 0.85, formatOk: true }
 * parseConfidenceTag('<confidence>high</confidence>'); // { value: 0, formatOk: false }
 */
export function parseConfidenceTag(text: string): { readonly value: number; readonly formatOk: boolean } {
  const content = lastTagContent(text);
  if (content === undefined || content === '') return FAILED;
  const value = confidenceFromText(content);
  return value === null ? FAILED : { value, formatOk: true };
}

/**
 * Verbalized confidence from any of three sources, tried in order: the `<confidence>` tag (RLCR rules),
 * a JSON `confidence` field, then `options.regex`. The first source that yields a usable value wins.
 *
 * @example
 * parseVerbalizedConfidence('{"answer":"x","confidence":0.8}'); // { value: 0.8, formatOk: true, source: 'json' }
 * parseVerbalizedConfidence('I am 70% sure', { regex: String.raw`(\d+)% sure` }); // 0.7 from 'regex'
 */
export function parseVerbalizedConfidence(text: string, options: VerbalizedOptions = {}): ParsedConfidence {
  const regex = options.regex === undefined ? undefined : cachedRegex(options.regex);
  let firstPresent: ConfidenceSource = 'none';
  const attempts: [ConfidenceSource, () => number | null | undefined][] = [
    ['tag', () => {
      const content = lastTagContent(text);
      return content === undefined ? undefined : content === '' ? null : confidenceFromText(content);
    }],
    ['json', () => jsonConfidence(text)],
    ['regex', () => (regex === undefined ? undefined : regexConfidence(text, regex))],
  ];
  for (const [source, attempt] of attempts) {
    const value = attempt(); // undefined: the source is absent; null: present but unusable
    if (value === undefined) continue;
    if (value !== null) return { value, formatOk: true, source };
    if (firstPresent === 'none') firstPresent = source;
  }
  return { ...FAILED, source: firstPresent };
}

/**
 * Compiles a confidence regex, refusing one that does not compile or has no capture group.
 * The error names the `regex` option.
 */
export function compileConfidenceRegex(source: string): RegExp {
  let re: RegExp;
  try {
    re = new RegExp(source, 'g');
  } catch (err) {
    throw new SyntaxError(`regex: ${(err as Error).message}`);
  }
  const groups = new RegExp(`${source}|`).exec('')!.length - 1;
  if (groups < 1) throw new SyntaxError(`regex: ${JSON.stringify(source)} has no capture group for the number`);
  return re;
}

// Callers parse many outputs with the same option (a JSONL file): compile it once.
let lastCompiled: { readonly source: string; readonly re: RegExp } | undefined;
function cachedRegex(source: string): RegExp {
  if (lastCompiled?.source !== source) lastCompiled = { source, re: compileConfidenceRegex(source) };
  return lastCompiled.re;
}

function lastTagContent(text: string): string | undefined {
  let last: string | undefined;
  for (const m of text.matchAll(TAG)) last = m[1];
  return last;
}

function regexConfidence(text: string, re: RegExp): number | null | undefined {
  let group: string | undefined;
  let matched = false;
  for (const m of text.matchAll(re)) {
    matched = true;
    group = m[1];
  }
  if (!matched) return undefined;
  return group === undefined ? null : confidenceFromText(group);
}

/**
 * The `confidence` field of the last JSON value in the text that has one: the whole text if it parses,
 * else each balanced `{…}` that parses. The field is searched breadth-first through nested objects and
 * arrays. A number follows the range rule, a string the tag-content rules, anything else is unusable.
 */
function jsonConfidence(text: string): number | null | undefined {
  if (!text.includes('"confidence"')) return undefined;
  let found: { value: unknown } | undefined;
  const whole = tryParse(text.trim());
  if (whole !== undefined) {
    found = findConfidenceField(whole.value);
  } else {
    for (const candidate of jsonObjectsIn(text)) found = findConfidenceField(candidate) ?? found;
  }
  if (found === undefined) return undefined;
  const v = found.value;
  if (typeof v === 'number') return normalizeConfidence(v);
  if (typeof v === 'string') return confidenceFromText(v);
  return null;
}

function tryParse(s: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(s) as unknown };
  } catch {
    return undefined;
  }
}

function findConfidenceField(root: unknown): { value: unknown } | undefined {
  const queue: unknown[] = [root];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    if (Array.isArray(node)) {
      queue.push(...node);
    } else if (node !== null && typeof node === 'object') {
      if (Object.hasOwn(node, 'confidence')) return { value: (node as Record<string, unknown>).confidence };
      queue.push(...Object.values(node));
    }
  }
  return undefined;
}

// Scanning for braces is quadratic on adversarial text ("{{{{…" with no closing brace): bound the work.
const JSON_SCAN_BUDGET = 4_000_000;

/** Every outermost balanced `{…}` in the text that parses as JSON, left to right (within the scan budget). */
function* jsonObjectsIn(text: string): Generator<unknown> {
  const budget = { steps: JSON_SCAN_BUDGET };
  let from = 0;
  while (budget.steps > 0) {
    const start = text.indexOf('{', from);
    if (start === -1) return;
    const end = balancedEnd(text, start, budget);
    const parsed = end === -1 ? undefined : tryParse(text.slice(start, end + 1));
    if (parsed !== undefined) {
      yield parsed.value;
      from = end + 1;
    } else {
      from = start + 1;
    }
  }
}

/** The index of the `}` closing the `{` at `start`, skipping JSON strings; -1 if it never closes. */
function balancedEnd(text: string, start: number, budget: { steps: number }): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    if (--budget.steps < 0) return -1;
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (ch === '{') {
      depth++;
    } else if (ch === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
