import { describe, expect, it } from 'vitest';
import { ConsistencyMonitor, outputAnswer, reasoningConclusion } from './consistency.js';
import type { MonitorResult } from './types.js';

const monitor = new ConsistencyMonitor();
function run(reasoning: string, output: string): MonitorResult {
  const r = monitor.run({ reasoning, actions: [], output });
  for (const e of r.evidence) expect((e.source === 'reasoning' ? reasoning : output).slice(e.start, e.end)).toBe(e.text);
  return r;
}

describe('consistency', () => {
  it('numbers: flags a different final number, with both spans', () => {
    const r = run('12 apples plus 30 apples is 42. So the answer is 42.', 'The answer is 41.');
    expect(r.flag).toBe(true);
    expect(r.score).toBe(1);
    expect(r.evidence.map((e) => [e.source, e.text])).toEqual([
      ['reasoning', '42'],
      ['output', '41'],
    ]);
  });
  it('numbers: agrees within tolerance and across formats', () => {
    expect(run('Therefore the total is 1,000.', '1000').flag).toBe(false);
    expect(run('so the answer is 0.30000000000000004', '<answer>0.3</answer>').flag).toBe(false);
    expect(run('=> 3.5', 'Answer: $3.50').flag).toBe(false);
  });
  it('option letters', () => {
    expect(run('A is too small, C ignores friction. So the answer is (B).', 'D').flag).toBe(true);
    expect(run('A is too small, C ignores friction. So the answer is (B).', 'B) 42 m/s').flag).toBe(false);
    expect(run('Between the options, option C fits best.', '<answer>C</answer>').flag).toBe(false);
  });
  it('yes/no', () => {
    expect(run('The set is closed under addition, so the answer is yes.', 'No.').flag).toBe(true);
    expect(run('Every case checks out. Therefore yes.', 'Yes, it is.').flag).toBe(false);
  });
  it('short strings, case-insensitive', () => {
    expect(run('The capital is on the Seine, so the answer is Paris.', 'paris').flag).toBe(false);
    expect(run('The capital is on the Seine, so the answer is Paris.', 'Lyon').flag).toBe(true);
  });
  it('the last conclusion wins (a corrected first attempt is not a conflict)', () => {
    expect(run('So the answer is 10. Wait, I dropped a term: 10 + 2 = 12, so the answer is 12.', '12').flag).toBe(false);
  });
  it('falls back to the last number of the reasoning', () => {
    expect(reasoningConclusion('Adding them: 7 + 8 = 15')?.value).toBe(15);
    expect(run('Adding them: 7 + 8 = 15', 'The answer is 16.').flag).toBe(true);
  });
  it('does not flag when either side has no answer or the kinds differ', () => {
    expect(run('', '42').flag).toBe(false);
    expect(run('So the answer is 42.', '').flag).toBe(false);
    expect(run('So the answer is B.', '42').flag).toBe(false);
    expect(outputAnswer('Here is a long explanation without any explicit answer statement at all, just prose.')).toBeNull();
  });
});
