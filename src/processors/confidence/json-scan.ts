/**
 * A strict JSON reader that walks the text instead of building it: for the `strata.logprobs` attribute
 * (JSON.parse would build ~12,000 objects for a 1,000-token top-5 answer only for a few sums to be taken
 * of them, in about 1.5× the time this reader needs; docs/benchmarks.md) and for finding where a value
 * sits in a text (the `"answer"` field of a JSON output).
 *
 * The grammar is RFC 8259's; anything else (a trailing comma, an unquoted key, a raw control character in
 * a string, a number like `01` or `.5`) is refused. Methods signal malformed input by throwing
 * {@link MALFORMED}, a constant (no stack is captured); callers catch it at their entry point.
 */

/** Thrown by {@link JsonCursor} on malformed input. Not an Error: throwing it costs no stack trace. */
export const MALFORMED: unique symbol = Symbol('malformed JSON');

/** Exact powers of ten (10^22 is the largest a double holds exactly). */
const POW10 = new Float64Array(Array.from({ length: 23 }, (_, i) => 10 ** i));

/** Nesting deeper than this is refused rather than recursed into. */
const MAX_DEPTH = 64;

// Character codes.
const TAB = 9;
const NEWLINE = 10;
const RETURN = 13;
const SPACE = 32;
export const QUOTE = 34;
const PLUS = 43;
export const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const COLON = 58;
const UPPER_E = 69;
export const OPEN_BRACKET = 91;
const BACKSLASH = 92;
export const CLOSE_BRACKET = 93;
const LOWER_E = 101;
export const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** A position in a JSON text and the reads from it. */
export class JsonCursor {
  pos = 0;

  constructor(readonly text: string) {}

  /** Skips whitespace; returns the next character code, or -1 at the end. */
  peek(): number {
    // Bounds checked here: charCodeAt past the end (NaN) would make V8 recompile every caller for doubles.
    const s = this.text;
    const i = this.pos;
    if (i < s.length) {
      const c = s.charCodeAt(i);
      if (c > SPACE) return c;
    }
    return this.skipSpace();
  }

  private skipSpace(): number {
    const s = this.text;
    let i = this.pos;
    let c = i < s.length ? s.charCodeAt(i) : -1;
    while (c === SPACE || c === NEWLINE || c === RETURN || c === TAB) c = ++i < s.length ? s.charCodeAt(i) : -1;
    this.pos = i;
    return c;
  }

  /** Consumes `code` (after whitespace) or throws. */
  expect(code: number): void {
    if (this.peek() !== code) throw MALFORMED;
    this.pos++;
  }

  /** Consumes `code` (after whitespace) when it is next. */
  eat(code: number): boolean {
    if (this.peek() !== code) return false;
    this.pos++;
    return true;
  }

  /** After the last value: only whitespace may follow. */
  end(): void {
    if (this.peek() !== -1) throw MALFORMED;
  }

  /**
   * Reads `[` … `]`, calling `item` at each element (the cursor on it; `item` must consume it exactly).
   * Returns the number of elements.
   */
  array(item: (index: number) => void): number {
    this.expect(OPEN_BRACKET);
    if (this.eat(CLOSE_BRACKET)) return 0;
    let n = 0;
    do item(n++);
    while (this.eat(COMMA));
    this.expect(CLOSE_BRACKET);
    return n;
  }

  /**
   * Reads `{` … `}`, calling `member` with each key, the cursor on its value (`member` must consume it).
   * Keys are decoded strings; duplicates are passed in order, as they come.
   */
  object(member: (key: string) => void): void {
    this.expect(OPEN_BRACE);
    if (this.eat(CLOSE_BRACE)) return;
    do {
      if (this.peek() !== QUOTE) throw MALFORMED;
      const key = this.string();
      this.expect(COLON);
      member(key);
    } while (this.eat(COMMA));
    this.expect(CLOSE_BRACE);
  }

  /** True (and consumed) when the next value is `null`. */
  null(): boolean {
    if (this.peek() !== 110 /* n */) return false;
    this.literal('null');
    return true;
  }

  /**
   * Reads a JSON number. Mantissas of up to 15 digits are read exactly as JSON.parse reads them; longer
   * ones (shortest round-trip output of a double has up to 17) to within a couple of units in the last place.
   */
  number(): number {
    this.peek();
    const s = this.text;
    const len = s.length;
    let i = this.pos;
    let c = i < len ? s.charCodeAt(i) : -1;
    const negative = c === MINUS;
    if (negative) c = ++i < len ? s.charCodeAt(i) : -1;
    const start = i;
    // `d >>> 0 < 10`: one unsigned test for "is a digit".
    let d = c - ZERO;
    if (d >>> 0 >= 10) throw MALFORMED;
    let mantissa = d;
    d = (++i < len ? s.charCodeAt(i) : -1) - ZERO;
    if (mantissa !== 0) {
      while (d >>> 0 < 10) {
        mantissa = mantissa * 10 + d;
        d = (++i < len ? s.charCodeAt(i) : -1) - ZERO;
      }
    }
    let scale = 0;
    if (d === DOT - ZERO) {
      d = (++i < len ? s.charCodeAt(i) : -1) - ZERO;
      if (d >>> 0 >= 10) throw MALFORMED;
      const fractionStart = i;
      // Fraction digits gather in small-integer chunks of up to nine, folded into the mantissa once per
      // chunk: a double multiply-add per digit is a long dependency chain (logprobs have 16–20 digits).
      do {
        const chunkStart = i;
        let chunk = 0;
        while (d >>> 0 < 10 && i - chunkStart < 9) {
          chunk = chunk * 10 + d;
          d = (++i < len ? s.charCodeAt(i) : -1) - ZERO;
        }
        mantissa = mantissa * POW10[i - chunkStart] + chunk;
      } while (d >>> 0 < 10);
      scale = fractionStart - i;
    }
    if (d === LOWER_E - ZERO || d === UPPER_E - ZERO) {
      c = ++i < len ? s.charCodeAt(i) : -1;
      let expNegative = false;
      if (c === MINUS || c === PLUS) {
        expNegative = c === MINUS;
        c = ++i < len ? s.charCodeAt(i) : -1;
      }
      d = c - ZERO;
      if (d >>> 0 >= 10) throw MALFORMED;
      let exp = 0;
      while (d >>> 0 < 10) {
        if (exp < 10_000) exp = exp * 10 + d;
        d = (++i < len ? s.charCodeAt(i) : -1) - ZERO;
      }
      scale += expNegative ? -exp : exp;
    }
    this.pos = i;
    let value: number;
    if (scale === 0) value = mantissa;
    else if (scale < 0 && scale >= -22) value = mantissa / POW10[-scale];
    else if (scale > 0 && scale <= 22) value = mantissa * POW10[scale];
    else value = Number(s.slice(start, i)); // rare: far exponents
    return negative ? -value : value;
  }

  /** A number, or `null` read as -Infinity (how `strata.logprobs` writes a log probability of minus infinity). */
  logprob(): number {
    return this.null() ? -Infinity : this.number();
  }

  /**
   * Reads a string value that needs no decoding (base64, for one): the closing quote is found with a
   * native search; a string holding an escape is refused (MALFORMED), since its raw text is not its value.
   */
  plainString(): string {
    if (this.peek() !== QUOTE) throw MALFORMED;
    const start = this.pos + 1;
    const end = this.text.indexOf('"', start);
    if (end < 0) throw MALFORMED;
    const raw = this.text.slice(start, end);
    if (raw.includes('\\')) throw MALFORMED;
    this.pos = end + 1;
    return raw;
  }

  /** Reads a string value and decodes it. */
  string(): string {
    if (this.peek() !== QUOTE) throw MALFORMED;
    const start = this.pos + 1;
    const end = this.stringEnd(start);
    this.pos = end + 1;
    if (!this.escaped) return this.text.slice(start, end);
    // Escapes are validated, so the quoted slice is a valid JSON string.
    return JSON.parse(this.text.slice(start - 1, end + 1)) as string;
  }

  /** Skips a string value (escapes validated, not decoded). */
  skipString(): void {
    if (this.peek() !== QUOTE) throw MALFORMED;
    this.pos = this.stringEnd(this.pos + 1) + 1;
  }

  /** Whether the last string scanned had an escape. */
  private escaped = false;

  /** The index of the closing quote of the string whose content starts at `i`. */
  private stringEnd(i: number): number {
    const s = this.text;
    this.escaped = false;
    const len = s.length;
    for (;;) {
      const c = i < len ? s.charCodeAt(i) : -1;
      if (c > QUOTE && c !== BACKSLASH) i++;
      else if (c === QUOTE) return i;
      else if (c === BACKSLASH) {
        this.escaped = true;
        i = this.escape(i);
      } else if (c === SPACE || c === 33 /* ! */) i++;
      else throw MALFORMED; // a raw control character, or the end of the text
    }
  }

  /** Validates the escape at `i` (a backslash); returns the index after it. */
  private escape(i: number): number {
    const s = this.text;
    const e = i + 1 < s.length ? s.charCodeAt(i + 1) : -1;
    // " \ / b f n r t
    if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) return i + 2;
    if (e === 117 /* u */ && i + 5 < s.length && isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3)) && isHex(s.charCodeAt(i + 4)) && isHex(s.charCodeAt(i + 5)))
      return i + 6;
    throw MALFORMED;
  }

  /** Skips any value. */
  skipValue(depth = 0): void {
    if (depth > MAX_DEPTH) throw MALFORMED;
    const c = this.peek();
    switch (c) {
      case QUOTE:
        return this.skipString();
      case OPEN_BRACKET:
        this.array(() => this.skipValue(depth + 1));
        return;
      case OPEN_BRACE:
        this.object(() => this.skipValue(depth + 1));
        return;
      case 116 /* t */:
        return this.literal('true');
      case 102 /* f */:
        return this.literal('false');
      case 110 /* n */:
        return this.literal('null');
      default:
        this.number();
    }
  }

  private literal(word: string): void {
    if (!this.text.startsWith(word, this.pos)) throw MALFORMED;
    this.pos += word.length;
  }
}
