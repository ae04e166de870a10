import { describe, expect, it } from 'vitest';
import type { FeedbackDefaults } from './feedback.js';
import { importCsv, importJsonl, ImportFormatError } from './feedback-import.js';

const NOW = Date.parse('2026-12-03T14:00:00Z');
const D: FeedbackDefaults = { threshold: 0.5, nowMs: NOW };
const TRACE = '5b8efff798038103d269b633813fc60c';

describe('importJsonl', () => {
  it('reads good lines and reports each bad one by number', () => {
    const text = [
      '{"response_id":"r1","correct":true}',
      '',
      '{"response_id":"r2","score":0.2,"source":"labelers"}',
      '{"response_id":"r3",',
      '{"score":0.9}',
      '  ',
      '[1]',
      '{"trace_id":"' + TRACE + '","correct":false}\r',
    ].join('\n');
    const r = importJsonl(text, D);
    expect(r.lines).toBe(6);
    expect(r.records.map((x) => [x.responseId || x.traceId, x.correct, x.source])).toEqual([
      ['r1', true, 'import'],
      ['r2', false, 'labelers'],
      [TRACE, false, 'import'],
    ]);
    expect(r.errors.map((e) => e.line)).toEqual([4, 5, 7]);
    expect(r.errors[0].errors[0]).toMatch(/^invalid JSON: /);
    expect(r.errors[1].errors).toEqual(['trace_id, span_id or response_id: at least one is required to say which response the feedback is about']);
    expect(r.errors[2].errors).toEqual(['expected a JSON object, got [1]']);
  });

  it('skips a byte-order mark and reads an empty input as nothing', () => {
    expect(importJsonl('\ufeff{"response_id":"r1","correct":true}', D).records).toHaveLength(1);
    expect(importJsonl('', D)).toEqual({ records: [], errors: [], lines: 0 });
  });
});

describe('importCsv', () => {
  it('reads quoted fields with commas, quotes and line breaks, and counts lines from the header', () => {
    const text = [
      'response_id,correct,score,comment,name',
      'r1,true,,"short, but right",exact',
      'r2,,0.7,"said ""42""',
      'over two lines",judge',
      'r3,no,,,',
    ].join('\r\n');
    const r = importCsv(text + '\r\n', D);
    expect(r.errors).toEqual([]);
    expect(r.lines).toBe(3);
    expect(r.records.map((x) => [x.responseId, x.correct, x.score, x.comment, x.name, x.source])).toEqual([
      ['r1', true, null, 'short, but right', 'exact', 'import'],
      ['r2', true, 0.7, 'said "42"\r\nover two lines', 'judge', 'import'],
      ['r3', false, null, '', '', 'import'],
    ]);
  });

  it('reports bad lines with their line number and reasons', () => {
    const text = [
      'trace_id,correct,score,threshold',
      `${TRACE},maybe,,`, // 2
      `${TRACE},,high,`, // 3
      `${TRACE},,0.4,0.3`, // 4: fine
      `${TRACE},1`, // 5: too few fields
      `abc,0,,`, // 6
      `,,,`, // 7: no id, no verdict
      `${TRACE},"1"x,,`, // 8
      '',
      `${TRACE},0,,`, // 10: fine
    ].join('\n');
    const r = importCsv(text, D);
    expect(r.records.map((x) => x.correct)).toEqual([true, false]);
    expect(r.errors).toEqual([
      { line: 2, errors: ['correct: expected true/false, 1/0 or yes/no, got "maybe"'] },
      { line: 3, errors: ['score: expected a number, got "high"'] },
      { line: 5, errors: ['expected 4 fields (as in the header), got 2'] },
      { line: 6, errors: ['trace_id: expected 32 hex characters, got "abc"'] },
      {
        line: 7,
        errors: ['trace_id, span_id or response_id: at least one is required to say which response the feedback is about', 'correct or score: one is required (correct: true/false, or score in [0, 1])'],
      },
      { line: 8, errors: ['text after a closing quote (a quote inside a field must be doubled: "")'] },
    ]);
    expect(r.lines).toBe(8);
  });

  it('reports an unterminated quote on the line where its record starts', () => {
    const r = importCsv('response_id,correct\nr1,true\n"r2,false\nr3,true\n', D);
    expect(r.records).toHaveLength(1);
    expect(r.errors).toEqual([{ line: 3, errors: ['a quoted field is not closed before the end of the input'] }]);
  });

  it('refuses a header it cannot use, naming the column', () => {
    expect(() => importCsv('', D)).toThrow(ImportFormatError);
    expect(() => importCsv('response_id,corect\n', D)).toThrow('header: unknown column "corect"');
    expect(() => importCsv('response_id,correct,Correct\n', D)).toThrow('appears twice');
    expect(() => importCsv('correct,comment\n', D)).toThrow('needs a trace_id, span_id or response_id column');
    expect(() => importCsv('response_id,comment\n', D)).toThrow('needs a correct or a score column');
  });
});
