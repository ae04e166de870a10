/**
 * Byte-exact edits of JSON text. The gateway removes what it asked the upstream for on the
 * client's behalf (logprobs, the usage chunk) without re-serialising: everything else the client
 * receives is the upstream's own bytes, whatever its serializer's spacing and number formatting.
 */

/** One replacement of `text.slice(start, end)`. */
export interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Where one member of an object sits: key start, value start and end (exclusive). */
export interface MemberRange {
  readonly keyStart: number;
  readonly valueStart: number;
  readonly valueEnd: number;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** The index just past the string starting at `i` (which holds the opening quote). */
function skipString(text: string, i: number): number {
  i++;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  throw new SyntaxError('unterminated string');
}

/** The index just past the JSON value starting at `i`. Throws SyntaxError on malformed text. */
export function skipValue(text: string, i: number): number {
  i = skipSpace(text, i);
  const c = text.charCodeAt(i);
  if (c === 0x22) return skipString(text, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (d === 0x22) {
        i = skipString(text, i);
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new SyntaxError('unterminated container');
  }
  const start = i;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 0x2c || d === 0x7d || d === 0x5d || isSpace(d)) break;
    i++;
  }
  if (i === start) throw new SyntaxError(`unexpected character at ${i}`);
  return i;
}

/** The members of the object starting at `i` (at `{`, after optional spaces), by key, in order. */
export function objectMembers(text: string, i: number): Map<string, MemberRange> {
  const out = new Map<string, MemberRange>();
  i = skipSpace(text, i);
  if (text.charCodeAt(i) !== 0x7b) throw new SyntaxError('expected an object');
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === 0x7d) return out;
  for (;;) {
    if (text.charCodeAt(i) !== 0x22) throw new SyntaxError('expected a key');
    const keyStart = i;
    const keyEnd = skipString(text, i);
    // Keys without escapes are their raw text: no JSON.parse on the per-chunk path.
    const raw = text.slice(keyStart + 1, keyEnd - 1);
    const key = raw.includes('\\') ? (JSON.parse(text.slice(keyStart, keyEnd)) as string) : raw;
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== 0x3a) throw new SyntaxError('expected :');
    const valueStart = skipSpace(text, i + 1);
    const valueEnd = skipValue(text, valueStart);
    out.set(key, { keyStart, valueStart, valueEnd });
    i = skipSpace(text, valueEnd);
    const c = text.charCodeAt(i);
    if (c === 0x7d) return out;
    if (c !== 0x2c) throw new SyntaxError('expected , or }');
    i = skipSpace(text, i + 1);
  }
}

/** The start index of each element of the array starting at `i` (at `[`). */
export function arrayElements(text: string, i: number): number[] {
  const out: number[] = [];
  i = skipSpace(text, i);
  if (text.charCodeAt(i) !== 0x5b) throw new SyntaxError('expected an array');
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === 0x5d) return out;
  for (;;) {
    out.push(i);
    i = skipSpace(text, skipValue(text, i));
    const c = text.charCodeAt(i);
    if (c === 0x5d) return out;
    if (c !== 0x2c) throw new SyntaxError('expected , or ]');
    i = skipSpace(text, i + 1);
  }
}

/**
 * The splice that removes one member (with the comma that separated it) from an object whose
 * members are `members`: the comma before it when it has a predecessor, else the one after.
 */
export function removeMember(text: string, members: Map<string, MemberRange>, key: string): Splice | null {
  const target = members.get(key);
  if (!target) return null;
  let previous: MemberRange | null = null;
  let next: MemberRange | null = null;
  let seen = false;
  for (const m of members.values()) {
    if (m === target) seen = true;
    else if (!seen) previous = m;
    else if (next === null) next = m;
  }
  if (previous) return { start: previous.valueEnd, end: target.valueEnd, text: '' };
  if (next) return { start: target.keyStart, end: next.keyStart, text: '' };
  return { start: target.keyStart, end: target.valueEnd, text: '' };
}

/** Applies non-overlapping splices (any order). */
export function applySplices(text: string, splices: readonly Splice[]): string {
  if (splices.length === 0) return text;
  const sorted = [...splices].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const s of sorted) {
    out += text.slice(at, s.start) + s.text;
    at = s.end;
  }
  return out + text.slice(at);
}
