import { describe, expect, it } from 'vitest';
import { jaccard, normalizePredicate, normalizeValue, parsePropositions, propositionKey, type Proposition } from './propositions.js';

const P = (predicate: string, subject: string, object: string): Proposition => ({ predicate, subject, object });

describe('normalisation', () => {
  it('values: case, whitespace, one leading article, surrounding punctuation and quotes', () => {
    expect(normalizeValue('  The  Nurse. ')).toBe('nurse');
    expect(normalizeValue('a chef')).toBe('chef');
    expect(normalizeValue('"New   York City"')).toBe('new york city');
    expect(normalizeValue('an\tengineer!')).toBe('engineer');
    // only a leading article goes; one inside the value stays
    expect(normalizeValue('the south of the country')).toBe('south of the country');
    // a word that merely starts like an article is kept
    expect(normalizeValue('Anna')).toBe('anna');
    expect(normalizeValue('Theo')).toBe('theo');
  });

  it('predicates: case and separators', () => {
    expect(normalizePredicate('WorksAs')).toBe('worksas');
    expect(normalizePredicate('works_as')).toBe('worksas');
    expect(normalizePredicate('Works As')).toBe('worksas');
    expect(propositionKey(P('works_as', ' greg ', 'The Nurse.'))).toBe(propositionKey(P('WorksAs', 'Greg', 'nurse')));
    expect(propositionKey(P('WorksAs', 'Greg', 'nurse'))).not.toBe(propositionKey(P('LivesIn', 'Greg', 'nurse')));
  });
});

describe('jaccard', () => {
  const w = P('WorksAs', 'Greg', 'nurse');
  const l = P('LivesIn', 'Greg', 'Paris');
  const f = P('From', 'Greg', 'Italy');
  const r = P('LivesIn', 'Greg', 'Rome');

  it('hand-computed values', () => {
    expect(jaccard([w, l, f], [w, r])).toBe(1 / 4); // ∩ {w}, ∪ {w, l, f, r}
    expect(jaccard([w, l], [l, w])).toBe(1);
    expect(jaccard([w, l], [w])).toBe(1 / 2);
    expect(jaccard([w], [r])).toBe(0);
    expect(jaccard([w, l, f], [w, l, r])).toBe(2 / 4);
  });

  it('duplicates count once', () => {
    expect(jaccard([w, w, l], [w])).toBe(1 / 2);
    expect(jaccard([w, P('works as', 'GREG', 'a nurse')], [w])).toBe(1);
  });

  it('empty sets: both empty agree completely (1); one empty gives 0', () => {
    expect(jaccard([], [])).toBe(1);
    expect(jaccard([w], [])).toBe(0);
    expect(jaccard([], [w, l])).toBe(0);
  });

  it('compares after normalisation', () => {
    expect(jaccard([P('WorksAs', 'Greg', 'Nurse')], [P('works_as', 'greg', 'the nurse')])).toBe(1);
  });
});

describe('parsePropositions', () => {
  it('reads an array of {predicate, subject, object}, ignoring extra fields', () => {
    expect(parsePropositions('[{"predicate":"LivesIn","subject":"Greg","object":"Paris","p":0.9}]')).toEqual({
      ok: true,
      propositions: [P('LivesIn', 'Greg', 'Paris')],
    });
    expect(parsePropositions('[]')).toEqual({ ok: true, propositions: [] });
  });

  it('refuses malformed payloads with a reason', () => {
    expect(parsePropositions('[{"predicate":"LivesIn"')).toMatchObject({ ok: false, reason: expect.stringContaining('not valid JSON') });
    expect(parsePropositions('{"predicate":"LivesIn"}')).toEqual({ ok: false, reason: 'expected a JSON array, got object' });
    expect(parsePropositions('null')).toEqual({ ok: false, reason: 'expected a JSON array, got null' });
    expect(parsePropositions('[{"predicate":"A","subject":"b","object":"c"}, 3]')).toEqual({ ok: false, reason: '[1]: expected an object with predicate, subject, object' });
    expect(parsePropositions('[{"predicate":"A","subject":"b"}]')).toEqual({ ok: false, reason: '[0].object: expected a non-empty string, got undefined' });
    expect(parsePropositions('[{"predicate":"A","subject":" ","object":"c"}]')).toEqual({ ok: false, reason: '[0].subject: expected a non-empty string, got " "' });
  });
});
