/**
 * Scored responses from JSON Lines text, as `strata calibrate` reads them: one JSON object a line with
 * `correct` (true/false or 0/1) and either a numeric `confidence` or an `output` text holding a verbalized
 * confidence.
 */
import { normalizeConfidence, parseVerbalizedConfidence, type VerbalizedOptions } from '../processors/confidence/verbalized.js';

export interface ScoredLines {
  readonly confidence: number[];
  readonly correct: (0 | 1)[];
  /** Lines whose `output` held no usable confidence: kept, at confidence 0 (the RLCR convention). */
  readonly formatFailures: number;
  /** Lines left out, with their 1-based line number and the reason. */
  readonly bad: { readonly line: number; readonly reason: string }[];
}

/**
 * Reads every line. A line is used when it is a JSON object with a valid `correct` and either
 * - `confidence`: a number, in [0, 1] as is or in (1, 100] as a percentage (anything else makes the line bad;
 *   there is no fallback to `output`), or
 * - `confidence` absent or null and `output`: a string parsed by `parseVerbalizedConfidence` (tag, JSON
 *   field, then `options.regex`); when it holds no usable confidence the line still counts, at 0, as a
 *   format failure.
 * Blank lines are ignored; a UTF-8 byte-order mark at the start is dropped.
 *
 * @example
 * readScoredLines('{"correct": true, "confidence": 0.9}\n{"correct": 0, "output": "<confidence>70</confidence>"}\n');
 * // { confidence: [0.9, 0.7], correct: [1, 0], formatFailures: 0, bad: [] }
 */
export function readScoredLines(text: string, options: VerbalizedOptions = {}): ScoredLines {
  const confidence: number[] = [];
  const correct: (0 | 1)[] = [];
  const bad: { line: number; reason: string }[] = [];
  let formatFailures = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const row = readLine(lines[i], options);
    if ('reason' in row) {
      bad.push({ line: i + 1, reason: row.reason });
      continue;
    }
    confidence.push(row.confidence);
    correct.push(row.correct);
    if (!row.formatOk) formatFailures++;
  }
  return { confidence, correct, formatFailures, bad };
}

type LineResult = { readonly confidence: number; readonly correct: 0 | 1; readonly formatOk: boolean } | { readonly reason: string };

function readLine(line: string, options: VerbalizedOptions): LineResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { reason: 'invalid JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { reason: 'expected a JSON object' };
  const record = value as Record<string, unknown>;
  const correct = record.correct === true || record.correct === 1 ? 1 : record.correct === false || record.correct === 0 ? 0 : undefined;
  if (correct === undefined) {
    return { reason: record.correct === undefined ? 'no "correct"' : `"correct" must be true, false, 0 or 1, got ${JSON.stringify(record.correct)}` };
  }
  if (record.confidence !== undefined && record.confidence !== null) {
    const c = typeof record.confidence === 'number' ? normalizeConfidence(record.confidence) : null;
    if (c === null) return { reason: `"confidence" must be a number in [0, 1] or a percentage in (1, 100], got ${JSON.stringify(record.confidence)}` };
    return { confidence: c, correct, formatOk: true };
  }
  if (typeof record.output === 'string') {
    const parsed = parseVerbalizedConfidence(record.output, options);
    return { confidence: parsed.value, correct, formatOk: parsed.formatOk };
  }
  return { reason: record.output === undefined ? 'no "confidence" and no "output"' : '"output" must be a string' };
}
