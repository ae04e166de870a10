/**
 * Redaction of prompt and completion text. A rule is either a built-in detector, named, or a
 * regular expression; every match becomes `[REDACTED]`.
 *
 * Built-ins are hand-written scanners rather than regular expressions because they run on every
 * content string at ingest: each first looks for its trigger (an `@`, a run of digits, a key prefix)
 * and does nothing more on text without one.
 * - `email`: local@domain.tld
 * - `card_number`: 13 to 19 digits, optionally grouped by single spaces or dashes, passing the Luhn check
 * - `api_key`: a token starting `sk-`, `pk-`, `rk-`, `api-`, `key-` (or with `_`) followed by 16+ key characters
 */

export const REDACTED = '[REDACTED]';

export type Redactor = (text: string) => string;

export const BUILTIN_REDACTORS: Readonly<Record<string, Redactor>> = {
  email: redactEmails,
  card_number: redactCardNumbers,
  api_key: redactApiKeys,
};

/** One redactor applying every rule in turn; null when there are none. Throws on an invalid regex. */
export function createRedactor(rules: readonly string[]): Redactor | null {
  const steps: Redactor[] = rules.map((rule) => {
    const builtin = BUILTIN_REDACTORS[rule];
    if (builtin) return builtin;
    const re = new RegExp(rule, 'g');
    return (s) => s.replace(re, REDACTED);
  });
  if (steps.length === 0) return null;
  return (text) => {
    let out = text;
    for (const step of steps) out = step(out);
    return out;
  };
}

const isLocalChar = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
const isDomainChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 45;
const isLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
const isDigit = (c: number) => c >= 48 && c <= 57;
const isKeyChar = (c: number) => isLetter(c) || isDigit(c) || c === 95 || c === 45;

/** Replaces the [start, end) ranges of `text`, which are sorted and disjoint. */
function replaceRanges(text: string, ranges: number[]): string {
  if (ranges.length === 0) return text;
  let out = '';
  let last = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    out += text.slice(last, ranges[i]) + REDACTED;
    last = ranges[i + 1];
  }
  return out + text.slice(last);
}

function redactEmails(text: string): string {
  let at = text.indexOf('@');
  if (at === -1) return text;
  const ranges: number[] = [];
  let floor = 0;
  while (at !== -1) {
    let start = at;
    while (start > floor && isLocalChar(text.charCodeAt(start - 1))) start--;
    let end = at + 1;
    while (end < text.length && isDomainChar(text.charCodeAt(end))) end++;
    // trim trailing dots and dashes, then require ".tld" of two or more letters
    while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
    let tld = 0;
    while (tld < end - at - 1 && isLetter(text.charCodeAt(end - 1 - tld))) tld++;
    const dot = end - 1 - tld;
    if (start < at && tld >= 2 && dot > at + 1 && text.charCodeAt(dot) === 46) {
      ranges.push(start, end);
      floor = end;
    }
    at = text.indexOf('@', Math.max(at + 1, floor));
  }
  return replaceRanges(text, ranges);
}

function luhn(digits: number[]): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits[i];
    if (double) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Finds the next digit (a regular expression scans far faster than a loop over char codes). */
const NEXT_DIGIT = /\d/g;
/** Finds the next '-' or '_'. */
const NEXT_SEPARATOR = /[-_]/g;

function redactCardNumbers(text: string): string {
  const ranges: number[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    NEXT_DIGIT.lastIndex = i;
    const next = NEXT_DIGIT.exec(text);
    if (next === null) break;
    i = next.index;
    if (i > 0 && (isDigit(text.charCodeAt(i - 1)) || isLetter(text.charCodeAt(i - 1)))) {
      i++;
      continue;
    }
    const digits: number[] = [];
    let j = i;
    let end = i;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (isDigit(c)) {
        digits.push(c - 48);
        end = ++j;
      } else if ((c === 32 || c === 45) && j + 1 < n && isDigit(text.charCodeAt(j + 1)) && isDigit(text.charCodeAt(j - 1))) {
        j++;
      } else break;
      if (digits.length > 19) break;
    }
    const after = end < n ? text.charCodeAt(end) : 0;
    if (digits.length >= 13 && digits.length <= 19 && !isLetter(after) && !isDigit(after) && luhn(digits)) ranges.push(i, end);
    i = end > i ? end : i + 1;
  }
  return replaceRanges(text, ranges);
}

const KEY_PREFIXES = ['sk', 'pk', 'rk', 'api', 'key'];
const KEY_MIN_BODY = 16;

function redactApiKeys(text: string): string {
  const ranges: number[] = [];
  for (let i = 0; i < text.length; i++) {
    NEXT_SEPARATOR.lastIndex = i;
    const next = NEXT_SEPARATOR.exec(text);
    if (next === null) break;
    i = next.index;
    let prefix = '';
    for (const p of KEY_PREFIXES) {
      const s = i - p.length;
      if (s >= 0 && text.startsWith(p, s) && (s === 0 || !isKeyChar(text.charCodeAt(s - 1)))) {
        prefix = p;
        break;
      }
    }
    if (!prefix) continue;
    let end = i + 1;
    while (end < text.length && isKeyChar(text.charCodeAt(end))) end++;
    if (end - i - 1 >= KEY_MIN_BODY) {
      const start = i - prefix.length;
      if (ranges.length && ranges[ranges.length - 1] > start) continue;
      ranges.push(start, end);
      i = end;
    }
  }
  return replaceRanges(text, ranges);
}
