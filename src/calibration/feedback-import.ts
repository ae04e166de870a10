/**
 * Batch import of feedback: JSON Lines (one feedback object per line) or CSV with a header row naming
 * the columns (`trace_id, span_id, response_id, correct, score, threshold, source, name, comment, time`,
 * any subset, any order). Every line is validated as `POST /api/feedback` validates an object; a bad
 * line is reported with its line number and reasons, never dropped without a word.
 */
import { FEEDBACK_FIELDS, parseFeedback, type FeedbackDefaults, type FeedbackRecord } from './feedback.js';

/** Source of imported feedback when neither the line nor the request names one. */
export const IMPORT_SOURCE = 'import';

export interface ImportLineError {
  /** 1-based line number in the input (for CSV, the line where the record starts; the header is line 1). */
  readonly line: number;
  readonly errors: readonly string[];
}

export interface ImportResult {
  readonly records: FeedbackRecord[];
  readonly errors: ImportLineError[];
  /** Data lines read (blank lines not counted): records.length + errors.length. */
  readonly lines: number;
}

/** The input as a whole cannot be read (a CSV header that is missing, duplicated or unknown). */
export class ImportFormatError extends Error {
  override readonly name = 'ImportFormatError';
}

/** Import defaults: as for one object, with the source defaulting to `import`. */
function importDefaults(defaults: FeedbackDefaults): FeedbackDefaults {
  return { ...defaults, source: defaults.source ?? IMPORT_SOURCE };
}

/**
 * Reads JSON Lines: one object per line; blank lines are skipped.
 *
 * @example
 * importJsonl('{"response_id":"r1","correct":true}\n{"response_id":"r2"}\n', { threshold: 0.5, nowMs: Date.now() });
 * // records: [r1], errors: [{ line: 2, errors: ['correct or score: one is required …'] }]
 */
export function importJsonl(text: string, defaults: FeedbackDefaults): ImportResult {
  const d = importDefaults(defaults);
  const records: FeedbackRecord[] = [];
  const errors: ImportLineError[] = [];
  let lines = 0;
  const all = stripBom(text).split('\n');
  for (let i = 0; i < all.length; i++) {
    const line = all[i].endsWith('\r') ? all[i].slice(0, -1) : all[i];
    if (line.trim() === '') continue;
    lines++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      errors.push({ line: i + 1, errors: [`invalid JSON: ${(err as Error).message}`] });
      continue;
    }
    const parsed = parseFeedback(value, d);
    if (parsed.ok) records.push(parsed.record);
    else errors.push({ line: i + 1, errors: parsed.errors });
  }
  return { records, errors, lines };
}

const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Reads CSV (RFC 4180: comma-separated, fields in double quotes may hold commas, quotes doubled, and line
 * breaks). The first record is the header. `correct` reads true/false, 1/0 or yes/no; `score`,
 * `threshold` and a numeric `time` read as numbers; an empty cell is absent. Throws
 * {@link ImportFormatError} when the header is unusable, since then no line can be read.
 *
 * @example
 * importCsv('response_id,score\nr1,0.9\nr2,high\n', { threshold: 0.5, nowMs: Date.now() });
 * // records: [r1 (correct)], errors: [{ line: 3, errors: ['score: expected a number, got "high"'] }]
 */
export function importCsv(text: string, defaults: FeedbackDefaults): ImportResult {
  const d = importDefaults(defaults);
  const rows = csvRecords(stripBom(text));
  const header = rows.next();
  if (header.done || header.value.error !== null) {
    throw new ImportFormatError(header.done ? 'the CSV is empty: expected a header row naming the columns' : `line ${header.value.line}: ${header.value.error}`);
  }
  const columns = header.value.cells.map((c) => c.trim().toLowerCase());
  columns.forEach((c, i) => {
    if (!(FEEDBACK_FIELDS as readonly string[]).includes(c)) throw new ImportFormatError(`header: unknown column ${JSON.stringify(c)} (known: ${FEEDBACK_FIELDS.join(', ')})`);
    if (columns.indexOf(c) !== i) throw new ImportFormatError(`header: column ${JSON.stringify(c)} appears twice`);
  });
  if (!columns.some((c) => c === 'trace_id' || c === 'span_id' || c === 'response_id'))
    throw new ImportFormatError('header: needs a trace_id, span_id or response_id column to say which response each line is about');
  if (!columns.includes('correct') && !columns.includes('score')) throw new ImportFormatError('header: needs a correct or a score column');

  const records: FeedbackRecord[] = [];
  const errors: ImportLineError[] = [];
  let lines = 0;
  for (const row of rows) {
    if (row.cells.length === 1 && row.cells[0] === '' && row.error === null) continue; // blank line
    lines++;
    if (row.error !== null) {
      errors.push({ line: row.line, errors: [row.error] });
      continue;
    }
    if (row.cells.length !== columns.length) {
      errors.push({ line: row.line, errors: [`expected ${columns.length} fields (as in the header), got ${row.cells.length}`] });
      continue;
    }
    const cellErrors: string[] = [];
    const obj: Record<string, unknown> = {};
    columns.forEach((column, i) => {
      const cell = row.cells[i];
      if (cell === '') return;
      obj[column] = cellValue(column, cell, cellErrors);
    });
    const parsed = parseFeedback(obj, d);
    if (parsed.ok && cellErrors.length === 0) records.push(parsed.record);
    else errors.push({ line: row.line, errors: [...cellErrors, ...(parsed.ok ? [] : parsed.errors.filter((e) => !cellErrors.some((c) => c.startsWith(`${e.split(':')[0]}:`))))] });
  }
  return { records, errors, lines };
}

/** A CSV cell as the JSON value the same field would have; a cell that cannot be read adds an error (and is kept as text). */
function cellValue(column: string, cell: string, errors: string[]): unknown {
  const t = cell.trim();
  switch (column) {
    case 'correct': {
      const b = BOOLEANS[t.toLowerCase()];
      if (b !== undefined) return b;
      errors.push(`correct: expected true/false, 1/0 or yes/no, got ${JSON.stringify(cell)}`);
      return cell; // kept, so the line is not also reported as lacking a verdict

    }
    case 'score':
    case 'threshold':
      if (NUMBER.test(t)) return Number(t);
      errors.push(`${column}: expected a number, got ${JSON.stringify(cell)}`);
      return cell;
    case 'time':
      return NUMBER.test(t) ? Number(t) : t;
    case 'trace_id':
    case 'span_id':
      return t;
    default:
      return cell;
  }
}

interface CsvRecord {
  readonly line: number;
  readonly cells: string[];
  /** Why the record could not be read (an unterminated quote, text after a closing quote). */
  readonly error: string | null;
}

/** RFC 4180 records with the line each starts on; LF and CRLF line ends. */
function* csvRecords(text: string): Generator<CsvRecord> {
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    let error: string | null = null;
    for (;;) {
      let cell = '';
      if (text[i] === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const ch = text[i];
          if (ch === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (ch === '\n') line++;
          cell += ch;
          i++;
        }
        if (!closed) error = 'a quoted field is not closed before the end of the input';
        else if (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          error ??= 'text after a closing quote (a quote inside a field must be doubled: "")';
          while (i < n && text[i] !== ',' && text[i] !== '\n') i++;
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n') cell += text[i++];
        if (cell.endsWith('\r') && (i >= n || text[i] === '\n')) cell = cell.slice(0, -1);
      }
      cells.push(cell);
      if (i < n && text[i] === '\r' && text[i + 1] === '\n') i++;
      if (i >= n) break;
      if (text[i] === ',') {
        i++;
        continue;
      }
      // a line break ends the record
      i++;
      line++;
      break;
    }
    yield { line: start, cells, error };
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
