/**
 * Reads the propositions an output text states, to compare with what a probe decoded (docs/probes.md,
 * "Extracting propositions").
 *
 * Pattern-based: each pattern is a regular expression with the named groups `subject` and `object`, and
 * every match is one proposition `predicate(subject, object)`. The defaults cover the predicates of the
 * propositional-probes setting (occupations, places, origins, likes) in plain English sentences:
 *
 * | predicate | matches, e.g. |
 * | --- | --- |
 * | `WorksAs` | "Greg works as a nurse", "Greg worked as the chef", "Greg is employed as a nurse" |
 * | `LivesIn` | "Greg lives in Paris", "Greg lived in Peru", "Greg resides in Japan" |
 * | `From` | "Greg is from Italy", "Greg comes from Chile", "Greg was from Spain", "Greg came from Peru" |
 * | `Likes` | "Greg likes sushi", "Greg loves pasta", "Greg enjoys tea" (and their past tenses) |
 *
 * The subject is the run of capitalised words right before the verb ("Greg", "Anna Maria"; not a pronoun
 * such as He, She, They, It, This, Someone); the object
 * runs to the end of the clause: punctuation, a line end, or one of and, but, who, which, where, while,
 * when, because, since, with, at, in, for. Known limits: pronouns and elided subjects ("... and lives in
 * Paris") are not resolved; lists ("likes tea and cake") yield their first item.
 */
import { uniquePropositions, type Proposition } from './propositions.js';

/** A configured pattern: `pattern` is JavaScript regex source with named groups `subject` and `object`. */
export interface PropositionPattern {
  readonly predicate: string;
  readonly pattern: string;
  /** Regex flags besides `g` (always set), e.g. `i` or `u`. */
  readonly flags?: string;
}

/** Reads propositions from text with one set of compiled patterns; build once, use on every span. */
export interface PropositionExtractor {
  /** The propositions stated in `text`, duplicates removed, in order of first appearance per pattern. */
  extract(text: string): Proposition[];
}

export class PropositionPatternError extends Error {
  override readonly name = 'PropositionPatternError';
}

// Capitalised pronouns and determiners start sentences but name no one.
const NOT_A_NAME = String.raw`(?!(?:He|She|It|They|We|I|You|This|That|These|Those|There|Who|Everyone|Someone|Nobody|One)(?![\p{L}\p{N}]))`;
const SUBJECT = String.raw`(?<![\p{L}\p{N}])${NOT_A_NAME}(?<subject>\p{Lu}[\p{L}\p{N}'’-]*(?:[ \t]+\p{Lu}[\p{L}\p{N}'’-]*)*)`;
const OBJECT = String.raw`(?<object>[^.,;:!?\n]+?)(?=\s*[.,;:!?\n]|\s*$|\s+(?:and|but|who|which|where|while|when|because|since|with|at|in|for)(?![\p{L}\p{N}]))`;
const ARTICLE = String.raw`(?:(?:an?|the)\s+)?`;

/** The default patterns (see the table above). */
export const DEFAULT_PROPOSITION_PATTERNS: readonly PropositionPattern[] = [
  { predicate: 'WorksAs', pattern: String.raw`${SUBJECT}\s+(?:works|worked|is working|was working|is employed|was employed)\s+as\s+${ARTICLE}${OBJECT}`, flags: 'u' },
  { predicate: 'LivesIn', pattern: String.raw`${SUBJECT}\s+(?:lives|lived|is living|was living|resides|resided)\s+in\s+${OBJECT}`, flags: 'u' },
  { predicate: 'From', pattern: String.raw`${SUBJECT}\s+(?:is|was|comes|came)\s+from\s+${OBJECT}`, flags: 'u' },
  { predicate: 'Likes', pattern: String.raw`${SUBJECT}\s+(?:likes|liked|loves|loved|enjoys|enjoyed)\s+${OBJECT}`, flags: 'u' },
];

interface Compiled {
  readonly predicate: string;
  readonly re: RegExp;
}

/**
 * Compiles one pattern; throws {@link PropositionPatternError} prefixed with `where` (e.g.
 * `probes.consistency.patterns[1]`) when it does not compile or lacks a named group.
 */
export function compilePattern(p: PropositionPattern, where = 'pattern'): RegExp {
  if (typeof p.predicate !== 'string' || p.predicate.trim() === '') throw new PropositionPatternError(`${where}.predicate: expected a non-empty string`);
  const flags = (p.flags ?? '').replaceAll('g', '');
  let re: RegExp;
  try {
    re = new RegExp(p.pattern, `g${flags}`);
  } catch (err) {
    throw new PropositionPatternError(`${where}.pattern: ${(err as Error).message}`);
  }
  for (const group of ['subject', 'object'])
    if (!p.pattern.includes(`(?<${group}>`)) throw new PropositionPatternError(`${where}.pattern: needs a named group (?<${group}>...)`);
  return re;
}

/**
 * Builds an extractor from patterns (default {@link DEFAULT_PROPOSITION_PATTERNS}); throws
 * {@link PropositionPatternError} naming `patterns[i]` for a bad one.
 *
 * @example
 * createPropositionExtractor().extract('Greg works as a nurse. He lives in Paris, and Greg likes tea.')
 * // [WorksAs(Greg, nurse), Likes(Greg, tea)]  (pronouns are not resolved)
 */
export function createPropositionExtractor(patterns: readonly PropositionPattern[] = DEFAULT_PROPOSITION_PATTERNS): PropositionExtractor {
  const compiled: Compiled[] = patterns.map((p, i) => ({ predicate: p.predicate, re: compilePattern(p, `patterns[${i}]`) }));
  return {
    extract(text: string): Proposition[] {
      if (text === '') return [];
      const out: Proposition[] = [];
      for (const { predicate, re } of compiled) {
        for (const m of text.matchAll(re)) {
          const subject = m.groups?.subject?.trim();
          const object = m.groups?.object?.trim();
          if (subject && object) out.push({ predicate, subject, object });
        }
      }
      return uniquePropositions(out);
    },
  };
}
