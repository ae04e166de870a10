import { describe, expect, it } from 'vitest';
import { compilePattern, createPropositionExtractor, PropositionPatternError } from './extract.js';

const P = (predicate: string, subject: string, object: string) => ({ predicate, subject, object });

describe('the default patterns', () => {
  const x = createPropositionExtractor();

  it('WorksAs, LivesIn, From, Likes in plain sentences', () => {
    expect(x.extract('Greg works as a nurse.')).toEqual([P('WorksAs', 'Greg', 'nurse')]);
    expect(x.extract('Anna Maria is employed as an air traffic controller')).toEqual([P('WorksAs', 'Anna Maria', 'air traffic controller')]);
    expect(x.extract('Greg lives in New York City, close to work.')).toEqual([P('LivesIn', 'Greg', 'New York City')]);
    expect(x.extract('Greg resides in Japan')).toEqual([P('LivesIn', 'Greg', 'Japan')]);
    expect(x.extract('Laura is from Italy; Tom comes from Chile.')).toEqual([P('From', 'Laura', 'Italy'), P('From', 'Tom', 'Chile')]);
    expect(x.extract('Greg likes sushi! Tom loved pasta')).toEqual([P('Likes', 'Greg', 'sushi'), P('Likes', 'Tom', 'pasta')]);
  });

  it('the object ends at a clause word; several propositions in one text', () => {
    const text = 'Greg works as a nurse in Paris and Greg lives in France while Laura is from Peru.\nTom likes tea with milk';
    expect(x.extract(text)).toEqual([
      P('WorksAs', 'Greg', 'nurse'),
      P('LivesIn', 'Greg', 'France'),
      P('From', 'Laura', 'Peru'),
      P('Likes', 'Tom', 'tea'),
    ]);
  });

  it('no subject name, no proposition; repeats collapse', () => {
    expect(x.extract('He works as a nurse. the nurse lives in Paris.')).toEqual([]);
    expect(x.extract('')).toEqual([]);
    expect(x.extract('Greg likes tea. Greg likes tea.')).toEqual([P('Likes', 'Greg', 'tea')]);
  });
});

describe('custom patterns', () => {
  it('named groups subject and object give predicate(subject, object)', () => {
    const x = createPropositionExtractor([{ predicate: 'Speaks', pattern: String.raw`(?<subject>[A-Z]\w+) speaks (?<object>\w+)` }]);
    expect(x.extract('Greg speaks French and Ana speaks Quechua. Greg works as a nurse.')).toEqual([
      P('Speaks', 'Greg', 'French'),
      P('Speaks', 'Ana', 'Quechua'),
    ]);
  });

  it('flags apply (g is always set)', () => {
    const x = createPropositionExtractor([{ predicate: 'Owns', pattern: String.raw`(?<subject>\w+) owns an? (?<object>\w+)`, flags: 'i' }]);
    expect(x.extract('GREG OWNS A Dog. ana owns an owl')).toEqual([P('Owns', 'GREG', 'Dog'), P('Owns', 'ana', 'owl')]);
  });

  it('a pattern without the named groups, or that does not compile, is refused naming it', () => {
    expect(() => createPropositionExtractor([{ predicate: 'A', pattern: '(?<subject>\\w+) x (\\w+)' }])).toThrow('patterns[0].pattern: needs a named group (?<object>...)');
    expect(() => compilePattern({ predicate: 'A', pattern: '(?<subject>' }, 'here')).toThrow(PropositionPatternError);
    expect(() => compilePattern({ predicate: '', pattern: '(?<subject>a)(?<object>b)' }, 'here')).toThrow('here.predicate: expected a non-empty string');
  });
});

describe('pronouns', () => {
  it('are not subjects (the documented example)', () => {
    expect(createPropositionExtractor().extract('Greg works as a nurse. He lives in Paris, and Greg likes tea.')).toEqual([P('WorksAs', 'Greg', 'nurse'), P('Likes', 'Greg', 'tea')]);
  });
});
