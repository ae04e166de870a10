import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Wal } from './wal.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'strata-wal-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const payload = (s: string) => Buffer.from(`${s}\n`);

describe('Wal', () => {
  it('reads back every appended record after a reopen, in order, with its tables', () => {
    const dir = tempDir();
    const { wal, pending } = Wal.open({ dir, fsync: 'never' });
    expect(pending).toEqual([]);
    const a = wal.append({ spans: payload('a'), entities: payload('e') });
    const b = wal.append({ logs: payload('b') });
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect(a.bytes).toBe(4);
    // no close: as after kill -9, only what write() put in the kernel counts
    const again = Wal.open({ dir, fsync: 'never' });
    expect(again.pending.map((r) => r.seq)).toEqual([1, 2]);
    expect(again.pending[0].tables.spans?.toString()).toBe('a\n');
    expect(again.pending[0].tables.entities?.toString()).toBe('e\n');
    expect(again.pending[1].tables.logs?.toString()).toBe('b\n');
    expect(again.interruptedFlush).toBeNull();
    const c = again.wal.append({ spans: payload('c') });
    expect(c.seq).toBe(3);
  });

  it('does not return committed records and removes segments behind the commit', () => {
    const dir = tempDir();
    const { wal } = Wal.open({ dir, fsync: 'always', segmentBytes: 64 });
    for (let i = 0; i < 10; i++) wal.append({ spans: payload(`record-${i}-${'x'.repeat(40)}`) });
    expect(readdirSync(dir).filter((n) => n.endsWith('.wal')).length).toBeGreaterThan(5);
    wal.beginFlush({ from: 1, to: 7 });
    wal.commit(7);
    const left = readdirSync(dir).filter((n) => n.endsWith('.wal')).length;
    expect(left).toBeLessThanOrEqual(4);
    wal.close();
    const again = Wal.open({ dir, fsync: 'never' });
    expect(again.pending.map((r) => r.seq)).toEqual([8, 9, 10]);
    expect(again.pending[0].tables.spans?.toString()).toMatch(/^record-7-/);
  });

  it('reports a flush that was under way so it can be redone with the same boundaries', () => {
    const dir = tempDir();
    const { wal } = Wal.open({ dir, fsync: 'never' });
    for (let i = 0; i < 5; i++) wal.append({ spans: payload(String(i)) });
    wal.beginFlush({ from: 1, to: 3 });
    const again = Wal.open({ dir, fsync: 'never' });
    expect(again.interruptedFlush).toEqual({ from: 1, to: 3 });
    expect(again.pending.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('discards a torn tail, keeps whole records before it, and warns', () => {
    const dir = tempDir();
    const { wal } = Wal.open({ dir, fsync: 'never' });
    wal.append({ spans: payload('whole') });
    wal.close();
    const segment = readdirSync(dir).find((n) => n.endsWith('.wal'))!;
    appendFileSync(join(dir, segment), Buffer.from([0x4c, 0x52, 0x54, 0x53, 0xff, 0xff, 0, 0, 1, 2]));
    const warnings: string[] = [];
    const again = Wal.open({ dir, fsync: 'never', warn: (m) => warnings.push(m) });
    expect(again.pending.map((r) => r.tables.spans?.toString())).toEqual(['whole\n']);
    expect(warnings.join()).toMatch(/10 bytes after the last whole record discarded/);
    again.wal.append({ spans: payload('next') });
    const third = Wal.open({ dir, fsync: 'never' });
    expect(third.pending.map((r) => r.tables.spans?.toString())).toEqual(['whole\n', 'next\n']);
  });

  it('stops at a record whose checksum does not match', () => {
    const dir = tempDir();
    const { wal } = Wal.open({ dir, fsync: 'never' });
    wal.append({ spans: payload('good') });
    wal.append({ spans: payload('will be corrupted') });
    wal.close();
    const segment = join(dir, readdirSync(dir).find((n) => n.endsWith('.wal'))!);
    const data = readFileSync(segment);
    data[data.length - 3] ^= 0xff;
    writeFileSync(segment, data);
    const again = Wal.open({ dir, fsync: 'never', warn: () => {} });
    expect(again.pending.map((r) => r.tables.spans?.toString())).toEqual(['good\n']);
  });
});

describe('Wal across restarts', () => {
  it('never loses a record that opened a new segment just before a restart (segment names)', () => {
    const dir = tempDir();
    const first = Wal.open({ dir, fsync: 'never', segmentBytes: 150 });
    first.wal.append({ spans: payload('r1-' + 'x'.repeat(100)) });
    first.wal.append({ spans: payload('r2-' + 'x'.repeat(100)) }); // rolls over: a segment starting at seq 2
    const second = Wal.open({ dir, fsync: 'never', segmentBytes: 150 });
    expect(second.pending.map((r) => r.seq)).toEqual([1, 2]);
    const r3 = second.wal.append({ spans: payload('r3') });
    expect(r3.seq).toBe(3);
    second.wal.commit(2);
    const third = Wal.open({ dir, fsync: 'never', segmentBytes: 150 });
    expect(third.pending.map((r) => [r.seq, r.tables.spans?.toString()])).toEqual([[3, 'r3\n']]);
    expect(third.wal.append({ spans: payload('r4') }).seq).toBe(4);
  });

  it('keeps one identity per log directory, and a new directory gets a new one', () => {
    const dir = tempDir();
    const a = Wal.open({ dir, fsync: 'never' }).wal.id;
    expect(a).toMatch(/^wal-[0-9a-f]{16}$/);
    expect(Wal.open({ dir, fsync: 'never' }).wal.id).toBe(a);
    expect(Wal.open({ dir: tempDir(), fsync: 'never' }).wal.id).not.toBe(a);
  });
});

describe('Wal corruption', () => {
  it('skips a corrupt record in the middle of a segment and keeps the records after it', () => {
    const dir = tempDir();
    const { wal } = Wal.open({ dir, fsync: 'never' });
    wal.append({ spans: payload('first') });
    wal.append({ spans: payload('second, to be corrupted') });
    wal.append({ spans: payload('third') });
    wal.close();
    const segment = join(dir, readdirSync(dir).find((n) => n.endsWith('.wal'))!);
    const data = readFileSync(segment);
    const at = data.indexOf('second');
    data[at] ^= 0xff;
    writeFileSync(segment, data);
    const warnings: string[] = [];
    const again = Wal.open({ dir, fsync: 'never', warn: (m) => warnings.push(m) });
    expect(again.pending.map((r) => [r.seq, r.tables.spans?.toString()])).toEqual([
      [1, 'first\n'],
      [3, 'third\n'],
    ]);
    expect(warnings.join()).toMatch(/corrupt bytes skipped/);
  });
});
