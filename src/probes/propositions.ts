/**
 * Propositions and their agreement (docs/probes.md, "Consistency").
 *
 * A proposition is `Predicate(subject, object)`, e.g. WorksAs(Greg, nurse): what a propositional probe
 * decodes from the model's activations (Feng, Russell, Steinhardt, ICLR 2025) and what the extractor reads
 * from the output text. Two sets are compared after normalisation by their Jaccard similarity; a low
 * agreement means the model's output no longer says what its internal state holds, which is the alarm.
 */

/** One proposition as received or extracted; compare them with {@link propositionKey}. */
export interface Proposition {
  readonly predicate: string;
  readonly subject: string;
  readonly object: string;
}

/** Answer of {@link parsePropositions}: the propositions, or why the payload was refused. */
export type ParsedPropositions =
  | { readonly ok: true; readonly propositions: readonly Proposition[] }
  | { readonly ok: false; readonly reason: string };

const ARTICLES = /^(?:the|a|an)\s+/;
// Quotes, brackets and punctuation around a value are not part of it ("Paris." or "'nurse'").
const EDGE_PUNCTUATION = /^[\s"'`“”‘’()[\]{}.,;:!?]+|[\s"'`“”‘’()[\]{}.,;:!?]+$/gu;

/**
 * A value (subject or object) in comparable form: Unicode NFKC, lower case, whitespace collapsed,
 * surrounding quotes and punctuation removed, and one leading article (`the`, `a`, `an`) dropped.
 *
 * @example normalizeValue('  The  Nurse. ') // 'nurse'
 */
export function normalizeValue(value: string): string {
  const s = value.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').replace(EDGE_PUNCTUATION, '');
  return s.replace(ARTICLES, '').trim();
}

/**
 * A predicate in comparable form: lower case with everything but letters and digits removed, so
 * `WorksAs`, `works_as` and `works as` are one predicate.
 */
export function normalizePredicate(predicate: string): string {
  return predicate.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** The key two propositions share exactly when they are the same after normalisation. */
export function propositionKey(p: Proposition): string {
  // A NUL separator keeps the three parts apart (no value is expected to contain one).
  return `${normalizePredicate(p.predicate)}\u0000${normalizeValue(p.subject)}\u0000${normalizeValue(p.object)}`;
}

/**
 * The Jaccard similarity |A ∩ B| / |A ∪ B| of two proposition sets, compared by {@link propositionKey}
 * (so duplicates within a list count once). Two empty sets agree completely: 1. One empty and one
 * non-empty: 0.
 *
 * @example jaccard([{predicate: 'WorksAs', subject: 'Greg', object: 'nurse'}], []) // 0
 */
export function jaccard(a: readonly Proposition[], b: readonly Proposition[]): number {
  const left = new Set(a.map(propositionKey));
  const right = new Set(b.map(propositionKey));
  if (left.size === 0 && right.size === 0) return 1;
  let both = 0;
  for (const k of left) if (right.has(k)) both++;
  return both / (left.size + right.size - both);
}

/** The list without duplicates (by {@link propositionKey}), first occurrence kept, order kept. */
export function uniquePropositions(list: readonly Proposition[]): Proposition[] {
  const seen = new Set<string>();
  const out: Proposition[] = [];
  for (const p of list) {
    const k = propositionKey(p);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(p);
  }
  return out;
}

/**
 * Reads `strata.probe.propositions`: a JSON array of `{"predicate", "subject", "object"}` objects, each
 * a non-empty string (extra fields are ignored). Never throws: a malformed payload gives a reason naming
 * the entry at fault.
 *
 * @example parsePropositions('[{"predicate":"LivesIn","subject":"Greg","object":"Paris"}]')
 */
export function parsePropositions(json: string): ParsedPropositions {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    return { ok: false, reason: `not valid JSON (${(err as Error).message})` };
  }
  if (!Array.isArray(raw)) return { ok: false, reason: `expected a JSON array, got ${raw === null ? 'null' : typeof raw}` };
  const out: Proposition[] = [];
  for (let i = 0; i < raw.length; i++) {
    const e: unknown = raw[i];
    if (e === null || typeof e !== 'object' || Array.isArray(e)) return { ok: false, reason: `[${i}]: expected an object with predicate, subject, object` };
    const o = e as Record<string, unknown>;
    for (const field of ['predicate', 'subject', 'object'] as const) {
      const v = o[field];
      if (typeof v !== 'string' || v.trim() === '') return { ok: false, reason: `[${i}].${field}: expected a non-empty string, got ${JSON.stringify(v)}` };
    }
    out.push({ predicate: o.predicate as string, subject: o.subject as string, object: o.object as string });
  }
  return { ok: true, propositions: out };
}
