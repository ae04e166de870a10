/**
 * Parser for the Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text.
 *
 * Hand-written single pass over the lines; it never throws. A line that cannot be read becomes an
 * entry in `errors` (with its 1-based line number) and parsing goes on with the next line.
 * It is deliberately lenient where real exporters are sloppy: blanks and tabs between tokens,
 * empty lines, CRLF line ends, a missing final newline, a trailing comma in a label set, every
 * metric type in both formats, `# UNIT` in text 0.0.4.
 *
 * Format rules that differ between the two (facts from the two specifications):
 * - timestamps: text 0.0.4 integer milliseconds, OpenMetrics float seconds;
 * - exemplars (`... # {trace_id="..."} 0.67 1520879607.789`) and `# EOF` exist only in OpenMetrics;
 * - a family with no TYPE is `untyped` in text 0.0.4 and `unknown` in OpenMetrics.
 */

/** A metric family type as written after `# TYPE`. */
export type MetricType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'summary'
  | 'untyped'
  | 'info'
  | 'stateset'
  | 'gaugehistogram'
  | 'unknown';

/** An OpenMetrics exemplar attached to a sample. */
export interface ParsedExemplar {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Unix milliseconds (sub-microsecond digits are dropped), or null when absent. */
  readonly timestampMs: number | null;
}

/** One sample line: the name as exposed (with any `_total`, `_bucket`, ... suffix). */
export interface Sample {
  readonly name: string;
  /** Labels in the order written. */
  readonly labels: Readonly<Record<string, string>>;
  /** The value; NaN, +Inf and -Inf are kept as such. */
  readonly value: number;
  /** Unix milliseconds, or null when the line carried no timestamp (the scrape time applies). */
  readonly timestampMs: number | null;
  readonly exemplar?: ParsedExemplar;
}

/** A metric family: its metadata and the samples grouped under it, in exposition order. */
export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  /** HELP text, unescaped ('' when absent). */
  readonly help: string;
  /** OpenMetrics UNIT ('' when absent). */
  readonly unit: string;
  readonly samples: readonly Sample[];
}

/** A line that could not be read. */
export interface ParseError {
  /** 1-based line number. */
  readonly line: number;
  readonly message: string;
}

/** The result of {@link parseExposition}. */
export interface ParsedExposition {
  readonly families: readonly MetricFamily[];
  readonly errors: readonly ParseError[];
  /** Samples dropped because the same series (name + label set) already appeared; the first is kept. */
  readonly duplicates: number;
  /** Samples kept, over all families. */
  readonly sampleCount: number;
  /** True when an OpenMetrics `# EOF` line was seen (always false in text 0.0.4 mode). */
  readonly eof: boolean;
}

/** Options of {@link parseExposition}. */
export interface ParseOptions {
  /** Parse as OpenMetrics 1.0 (see {@link isOpenMetrics}) rather than text 0.0.4. */
  readonly openMetrics: boolean;
  /**
   * When the scrape was taken (unix ms). Samples without a timestamp keep `timestampMs: null`
   * rather than this value, so that "no timestamp" stays visible to the caller.
   */
  readonly scrapeTimeMs: number;
}

/**
 * True when a scrape's Content-Type announces OpenMetrics text.
 * @example isOpenMetrics('application/openmetrics-text; version=1.0.0; charset=utf-8') // true
 */
export function isOpenMetrics(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semi = contentType.indexOf(';');
  const mediaType = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return mediaType === 'application/openmetrics-text';
}

/**
 * Parses one exposition. Never throws: unreadable lines are reported in `errors`.
 * @example
 * const parsed = parseExposition('# TYPE up gauge\nup{job="a"} 1\n', { openMetrics: false, scrapeTimeMs: Date.now() });
 * parsed.families[0]; // { name: 'up', type: 'gauge', help: '', unit: '', samples: [{ name: 'up', labels: { job: 'a' }, value: 1, timestampMs: null }] }
 */
export function parseExposition(text: string, options: ParseOptions): ParsedExposition {
  const parser = new Parser(options.openMetrics);
  try {
    parser.run(text);
  } catch (err) {
    // Not expected; kept so that a bug here can never take a scrape loop down.
    parser.error(`internal parser error: ${String(err)}`);
  }
  return parser.result();
}

const TYPES: ReadonlySet<string> = new Set<MetricType>([
  'counter', 'gauge', 'histogram', 'summary', 'untyped', 'info', 'stateset', 'gaugehistogram', 'unknown',
]);

/** The suffixes by which a sample name extends its family's name, per type ('' = the name itself). */
const SUFFIXES: Readonly<Record<MetricType, readonly string[]>> = {
  counter: ['_total', '', '_created'],
  gauge: [''],
  untyped: [''],
  unknown: [''],
  stateset: [''],
  info: ['_info', ''],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['', '_count', '_sum', '_created'],
};

const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** Reads a sample value: decimal or exponent notation, NaN, [+-]Inf, [+-]Infinity (any case). */
function parseNumber(token: string): number | undefined {
  if (FLOAT.test(token)) return Number(token);
  switch (token.toLowerCase()) {
    case 'nan':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    default:
      return undefined;
  }
}

/** Sets a key even when it is `__proto__`, which a plain assignment would swallow. */
export function setKey<T, V extends T>(target: Record<string, T>, key: string, value: V): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** [a-zA-Z_] plus ':' when `colon`, and digits when not `first`. */
function isNameChar(c: number, first: boolean, colon: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (colon && c === 58) || (!first && c >= 48 && c <= 57);
}

function skipBlanks(s: string, i: number): number {
  while (i < s.length && isBlank(s.charCodeAt(i))) i++;
  return i;
}

function scanName(s: string, i: number, colon: boolean): number {
  if (i >= s.length || !isNameChar(s.charCodeAt(i), true, colon)) return i;
  i++;
  while (i < s.length && isNameChar(s.charCodeAt(i), false, colon)) i++;
  return i;
}

function scanToken(s: string, i: number): number {
  while (i < s.length && !isBlank(s.charCodeAt(i))) i++;
  return i;
}

/** Undoes `\\`, `\n` and (when `quotes`) `\"`; any other backslash is kept as written. */
function unescape(s: string, quotes: boolean): string {
  if (s.indexOf('\\') === -1) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const next = s[i + 1];
    if (ch === '\\' && (next === '\\' || next === 'n' || (quotes && next === '"'))) {
      out += next === 'n' ? '\n' : next;
      i++;
    } else out += ch;
  }
  return out;
}

/** Thrown inside a line and caught by the line loop: the message becomes a ParseError. */
class LineError extends Error {}

interface FamilyBuilder {
  name: string;
  type: MetricType;
  help: string;
  unit: string;
  samples: Sample[];
}

class Parser {
  readonly families: FamilyBuilder[] = [];
  readonly errors: ParseError[] = [];
  private readonly seen = new Set<string>();
  private current: FamilyBuilder | undefined;
  private duplicates = 0;
  private sampleCount = 0;
  private eof = false;
  private lineNo = 0;

  constructor(private readonly openMetrics: boolean) {}

  run(text: string): void {
    let pos = 0;
    while (pos < text.length) {
      let end = text.indexOf('\n', pos);
      if (end === -1) end = text.length;
      const stop = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      this.lineNo++;
      const line = text.slice(pos, stop);
      pos = end + 1;
      if (this.eof) {
        if (line.trim() !== '') {
          this.error('content after # EOF');
          return;
        }
        continue;
      }
      try {
        this.line(line);
      } catch (err) {
        if (err instanceof LineError) this.error(err.message);
        else throw err;
      }
    }
    if (this.openMetrics && !this.eof) {
      this.lineNo++;
      this.error('missing # EOF at the end of an OpenMetrics exposition');
    }
  }

  error(message: string): void {
    this.errors.push({ line: this.lineNo, message });
  }

  result(): ParsedExposition {
    return { families: this.families, errors: this.errors, duplicates: this.duplicates, sampleCount: this.sampleCount, eof: this.eof };
  }

  private line(s: string): void {
    const i = skipBlanks(s, 0);
    if (i === s.length) return;
    if (s.charCodeAt(i) === 35 /* # */) this.comment(s, i + 1);
    else this.sample(s, i);
  }

  private comment(s: string, start: number): void {
    let i = skipBlanks(s, start);
    const keywordEnd = scanToken(s, i);
    const keyword = s.slice(i, keywordEnd);
    if (keyword === 'EOF' && this.openMetrics && skipBlanks(s, keywordEnd) === s.length) {
      this.eof = true;
      return;
    }
    if (keyword !== 'HELP' && keyword !== 'TYPE' && keyword !== 'UNIT') return; // a plain comment
    i = skipBlanks(s, keywordEnd);
    let name: string;
    if (s.charCodeAt(i) === 34 /* " */) {
      const q = this.quoted(s, i);
      name = q.value;
      i = q.end;
    } else {
      const nameEnd = scanName(s, i, true);
      if (nameEnd === i) throw new LineError(`${keyword} line without a valid metric name`);
      name = s.slice(i, nameEnd);
      i = nameEnd;
    }
    if (i < s.length && !isBlank(s.charCodeAt(i))) throw new LineError(`invalid character in metric name of ${keyword} line`);
    const rest = s.slice(skipBlanks(s, i));
    if (keyword === 'TYPE') {
      const type = rest.trim();
      if (!TYPES.has(type)) throw new LineError(`unknown metric type "${type}"`);
      this.familyForMetadata(name).type = type as MetricType;
    } else if (keyword === 'HELP') {
      this.familyForMetadata(name).help = unescape(rest, this.openMetrics);
    } else {
      this.familyForMetadata(name).unit = rest.trim();
    }
  }

  /** Metadata lines describe the current family until it has samples; otherwise they open a new one. */
  private familyForMetadata(name: string): FamilyBuilder {
    const cur = this.current;
    if (cur !== undefined && cur.name === name && cur.samples.length === 0) return cur;
    return this.open(name);
  }

  private open(name: string): FamilyBuilder {
    const family: FamilyBuilder = { name, type: this.openMetrics ? 'unknown' : 'untyped', help: '', unit: '', samples: [] };
    this.families.push(family);
    this.current = family;
    return family;
  }

  /** The current family when `name` extends its name with a suffix its type allows, else a new untyped one. */
  private familyForSample(name: string): FamilyBuilder {
    const cur = this.current;
    if (cur !== undefined && name.startsWith(cur.name) && SUFFIXES[cur.type].includes(name.slice(cur.name.length))) return cur;
    return this.open(name);
  }

  private sample(s: string, start: number): void {
    let i = start;
    let name = '';
    if (s.charCodeAt(i) !== 123 /* { */) {
      i = scanName(s, i, true);
      if (i === start) throw new LineError('expected a metric name');
      name = s.slice(start, i);
      if (i < s.length && !isBlank(s.charCodeAt(i)) && s.charCodeAt(i) !== 123) throw new LineError('invalid character in metric name');
      i = skipBlanks(s, i);
    }
    const labels: Record<string, string> = {};
    if (s.charCodeAt(i) === 123) {
      const set = this.labelSet(s, i, labels, name === '');
      if (set.name !== undefined) name = set.name;
      i = skipBlanks(s, set.end);
    }
    if (name === '') throw new LineError('sample without a metric name');
    const valueEnd = scanToken(s, i);
    if (valueEnd === i) throw new LineError('missing sample value');
    const value = parseNumber(s.slice(i, valueEnd));
    if (value === undefined) throw new LineError(`invalid sample value "${s.slice(i, valueEnd)}"`);
    i = skipBlanks(s, valueEnd);
    let timestampMs: number | null = null;
    if (i < s.length && s.charCodeAt(i) !== 35) {
      const end = scanToken(s, i);
      timestampMs = this.timestamp(s.slice(i, end));
      i = skipBlanks(s, end);
    }
    let exemplar: ParsedExemplar | undefined;
    if (i < s.length) {
      if (!this.openMetrics || s.charCodeAt(i) !== 35) throw new LineError('unexpected text after the sample value');
      exemplar = this.exemplar(s, i + 1);
    }
    if (!this.firstOfSeries(name, labels)) {
      this.duplicates++;
      return;
    }
    const family = this.familyForSample(name);
    const sample: Sample = exemplar === undefined ? { name, labels, value, timestampMs } : { name, labels, value, timestampMs, exemplar };
    family.samples.push(sample);
    this.sampleCount++;
  }

  /** `# {labels} value [timestamp]` after a sample; `start` is just past the `#`. */
  private exemplar(s: string, start: number): ParsedExemplar {
    let i = skipBlanks(s, start);
    if (s.charCodeAt(i) !== 123) throw new LineError('exemplar without a label set');
    const labels: Record<string, string> = {};
    i = skipBlanks(s, this.labelSet(s, i, labels, false).end);
    const valueEnd = scanToken(s, i);
    const value = parseNumber(s.slice(i, valueEnd));
    if (value === undefined) throw new LineError('invalid exemplar value');
    i = skipBlanks(s, valueEnd);
    let timestampMs: number | null = null;
    if (i < s.length) {
      const end = scanToken(s, i);
      timestampMs = this.timestamp(s.slice(i, end));
      if (skipBlanks(s, end) !== s.length) throw new LineError('unexpected text after the exemplar');
    }
    return { labels, value, timestampMs };
  }

  private timestamp(token: string): number {
    if (!this.openMetrics) {
      if (!INTEGER.test(token)) throw new LineError(`invalid timestamp "${token}" (integer milliseconds expected)`);
      return Number(token);
    }
    const seconds = parseNumber(token);
    if (seconds === undefined || !Number.isFinite(seconds)) throw new LineError(`invalid timestamp "${token}" (seconds expected)`);
    return Math.round(seconds * 1e6) / 1e3;
  }

  /**
   * Reads `{...}` at `start` into `out`. With `allowName`, a first item that is a bare quoted
   * string is the metric name (`{"my.metric", a="b"}`).
   */
  private labelSet(s: string, start: number, out: Record<string, string>, allowName: boolean): { end: number; name?: string } {
    let i = start + 1;
    let name: string | undefined;
    for (let first = true; ; first = false) {
      i = skipBlanks(s, i);
      if (i >= s.length) throw new LineError('unterminated label set');
      if (s.charCodeAt(i) === 125 /* } */) return { end: i + 1, name };
      let key: string;
      let quotedKey = false;
      if (s.charCodeAt(i) === 34) {
        const q = this.quoted(s, i);
        key = q.value;
        i = q.end;
        quotedKey = true;
      } else {
        const end = scanName(s, i, false);
        if (end === i) throw new LineError('invalid label name');
        key = s.slice(i, end);
        i = end;
      }
      i = skipBlanks(s, i);
      if (s.charCodeAt(i) === 61 /* = */) {
        i = skipBlanks(s, i + 1);
        if (s.charCodeAt(i) !== 34) throw new LineError(`label "${key}" without a quoted value`);
        const q = this.quoted(s, i);
        if (Object.prototype.hasOwnProperty.call(out, key)) throw new LineError(`duplicate label "${key}"`);
        setKey(out, key, q.value);
        i = skipBlanks(s, q.end);
      } else if (quotedKey && first && allowName) {
        name = key;
      } else {
        throw new LineError(`expected "=" after label name "${key}"`);
      }
      if (s.charCodeAt(i) === 44 /* , */) i++;
      else if (s.charCodeAt(i) !== 125) throw new LineError('expected "," or "}" in label set');
    }
  }

  /** Reads a double-quoted string at `start` (label values, quoted names). */
  private quoted(s: string, start: number): { value: string; end: number } {
    let i = start + 1;
    let escaped = false;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 92 /* \ */) {
        escaped = true;
        i += 2;
      } else if (c === 34) {
        const raw = s.slice(start + 1, i);
        return { value: escaped ? unescape(raw, true) : raw, end: i + 1 };
      } else i++;
    }
    throw new LineError('unterminated quoted string');
  }

  /** Records the series; false when it already appeared in this exposition. */
  private firstOfSeries(name: string, labels: Record<string, string>): boolean {
    const keys = Object.keys(labels);
    if (keys.length > 1) keys.sort();
    let key = name;
    for (const k of keys) key += `\u0000${k}\u0001${labels[k]}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
}
