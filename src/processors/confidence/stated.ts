/**
 * Verbalized confidence: the number the model stated in its output text, read with the RLCR parser
 * (./verbalized.ts), on the spans whose output shows a sign of one.
 */
import { compileConfidenceRegex, parseVerbalizedConfidence } from './verbalized.js';
import type { Message } from '../../model/span.js';

/** What was read: the value in [0, 1] (0 on a format failure) and whether the format was right. */
export interface StatedConfidence {
  readonly value: number;
  readonly formatOk: boolean;
}

/**
 * The text the model answered with: the `text` parts of the first output message (the first choice, the
 * one `strata.logprobs` describes), joined by newlines. Reasoning parts are not part of it. '' when none.
 */
export function outputText(messages: readonly Message[]): string {
  if (messages.length === 0) return '';
  const parts = messages[0].parts;
  let text: string | null = null;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.type !== 'text' || typeof p.content !== 'string') continue;
    text = text === null ? p.content : text + '\n' + p.content;
  }
  return text ?? '';
}

/** Reads stated confidences with one configuration; built once, used on every span. */
export interface StatedConfidenceReader {
  /** Null when the text shows no sign of a stated confidence (nothing is parsed then). */
  read(text: string): StatedConfidence | null;
}

/**
 * `regex` is `calibration.verbalized_regex` (its first group holds the number), or null.
 * Throws (naming the setting) when the regex has no capture group.
 */
export function createStatedConfidenceReader(regex: string | null): StatedConfidenceReader {
  let marker: RegExp | null = null;
  if (regex !== null) {
    try {
      compileConfidenceRegex(regex);
    } catch (err) {
      throw new SyntaxError(`calibration.verbalized_regex: ${(err as Error).message}`);
    }
    marker = new RegExp(regex); // not global: test() must not carry lastIndex between spans
  }
  const options = regex === null ? {} : { regex };
  return {
    read(text) {
      if (text === '') return null;
      const tag = text.includes('<confidence');
      if (!tag && !text.includes('"confidence"') && !(marker !== null && marker.test(text))) return null;
      let parsed;
      try {
        parsed = parseVerbalizedConfidence(text, options);
      } catch {
        parsed = null;
      }
      // A tag that was started but cannot be read is a format failure (RLCR counts it as confidence 0).
      // A quoted "confidence" in prose, with no JSON field behind it, is no attempt: nothing is recorded.
      if (parsed === null) return tag ? { value: 0, formatOk: false } : null;
      if (parsed.source === 'none' && !tag) return null;
      return { value: parsed.value, formatOk: parsed.formatOk };
    },
  };
}
