import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

function stream(isTTY: boolean) {
  let text = '';
  return { isTTY, columns: 200, write: (t: string) => (text += t), text: () => text };
}

const frames = (text: string): string[] => text.split('\r\x1b[2K').filter((f) => f !== '');

describe('progress', () => {
  it('writes one plain line per finished scenario when stderr is not a terminal', () => {
    const s = stream(false);
    const p = createProgress(s, 2);
    p.start(0, 'thermal-1', 180);
    for (let i = 1; i <= 180; i++) p.step(0, i);
    p.done(0, 'detected, 3.2 s');
    p.start(1, 'control-1', 90);
    p.done(1, 'no incident (right), 1.0 s');
    p.close();
    expect(s.text()).toBe('bench: 1/2 thermal-1: detected, 3.2 s\nbench: 2/2 control-1: no incident (right), 1.0 s\n');
  });

  it('redraws one bar in place on a terminal, at most every 100 ms, with every scenario running', () => {
    const s = stream(true);
    let now = 0;
    const p = createProgress(s, 4, { now: () => now });
    p.start(1, 'ecc-2', 10);
    now = 10;
    p.start(2, 'kv-1', 20);
    p.step(1, 4); // within 100 ms of the last draw: skipped
    now = 150;
    p.step(2, 10);
    expect(frames(s.text())).toEqual([
      'bench [........................] 0/4 done  ecc-2 [..........] 0/10',
      'bench [........................] 0/4 done  ecc-2 [..........] 0/10  kv-1 [..........] 0/20',
      'bench [#####...................] 0/4 done  ecc-2 [####......] 4/10  kv-1 [#####.....] 10/20',
    ]);
    p.done(1, 'missed, 2.0 s');
    expect(s.text()).toContain('\r\x1b[2Kbench: 2/4 ecc-2: missed, 2.0 s\n');
    expect(frames(s.text()).at(-1)).toBe('bench [#########...............] 1/4 done  kv-1 [#####.....] 10/20');
    p.close();
    expect(s.text().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('says nothing when quiet', () => {
    const s = stream(true);
    const p = createProgress(s, 1, { quiet: true });
    p.start(0, 'x', 1);
    p.step(0, 1);
    p.done(0, 'ok');
    p.close();
    expect(s.text()).toBe('');
  });
});
