import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../storage/memory-store.js';
import { Wal } from './wal.js';
import { StoreWriter } from './writer.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'strata-writer-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const row = (id: string) => Buffer.from(JSON.stringify({ id }) + '\n');

function setup(options: { maxQueueBytes?: number; maxBatchBytes?: number; lingerMs?: number } = {}) {
  const dir = tempDir();
  const store = createMemoryStore();
  const { wal, pending, interruptedFlush } = Wal.open({ dir: join(dir, 'wal'), fsync: 'never' });
  const writer = new StoreWriter(
    { store, wal, maxQueueBytes: options.maxQueueBytes ?? 1 << 20, maxBatchBytes: options.maxBatchBytes ?? 1 << 20, deadLetterDir: join(dir, 'dead'), lingerMs: options.lingerMs ?? 0 },
    pending,
    interruptedFlush,
  );
  return { dir, store, wal, writer };
}

describe('StoreWriter', () => {
  it('writes offered records to the store, batching those that queued up meanwhile', async () => {
    const { store, writer } = setup();
    store.setDelay(20);
    for (let i = 0; i < 50; i++) expect(writer.offer({ spans: row(`s${i}`) }).ok).toBe(true);
    await writer.flushed();
    expect(store.rows('spans').map((r) => r.id)).toEqual(Array.from({ length: 50 }, (_, i) => `s${i}`));
    // the first insert starts with one record; the other 49 wait and go together
    expect(writer.stats().insertedBatches).toBeLessThan(5);
    expect(writer.stats()).toMatchObject({ queuedRecords: 0, queuedBytes: 0, committedSeq: 50 });
  });

  it('gathers a trickle of small records for the linger time into one insert; flushed() does not wait', async () => {
    const { store, writer } = setup({ lingerMs: 150 });
    for (let i = 0; i < 5; i++) {
      writer.offer({ spans: row(`t${i}`) });
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(store.rows('spans')).toEqual([]);
    await new Promise((r) => setTimeout(r, 250));
    expect(store.rows('spans')).toHaveLength(5);
    expect(writer.stats().insertedBatches).toBe(1);
    writer.offer({ spans: row('now') });
    const t0 = Date.now();
    await writer.flushed();
    expect(Date.now() - t0).toBeLessThan(100);
    expect(store.rows('spans')).toHaveLength(6);
  });

  it('retries a failing store until it recovers, losing nothing', async () => {
    const { store, writer } = setup();
    store.failNext(3);
    writer.offer({ spans: row('a') });
    writer.offer({ logs: row('b') });
    await writer.flushed();
    expect(store.rows('spans')).toEqual([{ id: 'a' }]);
    expect(store.rows('logs')).toEqual([{ id: 'b' }]);
    expect(store.attempts.filter((a) => !a.ok)).toHaveLength(3);
    expect(writer.stats().failedAttempts).toBe(3);
    expect(writer.stats().lastError).toBeNull();
  });

  it('refuses new data with a retry delay once the queue is at its bound, and accepts again after draining', async () => {
    const { store, writer } = setup({ maxQueueBytes: 100, maxBatchBytes: 100 });
    store.failNext(1000);
    const results = Array.from({ length: 20 }, (_, i) => writer.offer({ spans: row(`r${i}`) }));
    const refused = results.filter((r) => !r.ok);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toMatchObject({ ok: false });
    expect((refused[0] as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    expect(writer.stats().queuedBytes).toBeLessThanOrEqual(100);
    store.failNext(0);
    await writer.flushed();
    expect(writer.offer({ spans: row('later') }).ok).toBe(true);
    await writer.flushed();
    const accepted = results.filter((r) => r.ok).length;
    expect(store.rows('spans')).toHaveLength(accepted + 1);
  });

  it('replays acknowledged records after a restart, with the interrupted batch deduplicated', async () => {
    const first = setup();
    first.store.setDelay(50);
    for (let i = 0; i < 3; i++) first.writer.offer({ spans: row(`x${i}`) });
    // simulate a crash mid-flush: the store got the first batch, the WAL was not committed
    await new Promise((r) => setTimeout(r, 80));
    const tokens = first.store.attempts.map((a) => a.token);
    expect(tokens.length).toBeGreaterThan(0);
    // restart on the same directory, same store contents (the store survived; the process did not)
    const { wal, pending, interruptedFlush } = Wal.open({ dir: join(first.dir, 'wal'), fsync: 'never' });
    expect(pending.length).toBeGreaterThan(0);
    const writer = new StoreWriter(
      { store: first.store, wal, maxQueueBytes: 1 << 20, maxBatchBytes: 1 << 20, deadLetterDir: join(first.dir, 'dead'), lingerMs: 0 },
      pending,
      interruptedFlush,
    );
    await writer.flushed();
    await first.writer.flushed();
    const ids = first.store.rows('spans').map((r) => r.id);
    expect([...ids].sort()).toEqual(['x0', 'x1', 'x2']);
  });

  it('sets aside a record the store rejects as malformed and writes the rest', async () => {
    const { dir, store, writer } = setup();
    store.setDelay(10);
    writer.offer({ spans: row('ok1') });
    const badError = Object.assign(new Error('Cannot parse input'), { clickhouseCode: 27 });
    await writer.flushed();
    // the next batch: the first insert (the whole batch) and the first single insert fail as malformed
    store.failNext(2, badError);
    writer.offer({ spans: row('bad') });
    writer.offer({ spans: row('ok2') });
    await writer.flushed();
    const ids = store.rows('spans').map((r) => r.id);
    expect(ids).toContain('ok1');
    expect(ids).toContain('ok2');
    expect(writer.stats().deadLetters).toBe(1);
    expect(ids).not.toContain('bad');
    expect(readFileSync(join(dir, 'dead', 'spans.jsonl'), 'utf8')).toBe('{"id":"bad"}\n');
  });
});

describe('StoreWriter tokens and stuck batches', () => {
  it('retries a failed batch with the same token even when more records arrived meanwhile', async () => {
    const { store, writer, wal } = setup();
    store.failNext(1);
    writer.offer({ logs: row('a') });
    await new Promise((r) => setTimeout(r, 20)); // the first attempt has failed; the retry waits
    writer.offer({ logs: row('b') });
    await writer.flushed();
    const tokens = store.attempts.map((a) => a.token);
    expect(tokens[0]).toBe(`${wal.id}:1-1`);
    expect(tokens[1]).toBe(`${wal.id}:1-1`);
    expect(store.rows('logs').map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('gives two logs sharing one store different tokens', async () => {
    const a = setup();
    const b = setup();
    const shared = a.store;
    const writerB = new StoreWriter(
      { store: shared, wal: b.wal, maxQueueBytes: 1 << 20, maxBatchBytes: 1 << 20, deadLetterDir: join(b.dir, 'dead'), lingerMs: 0 },
    );
    a.writer.offer({ logs: row('from-a') });
    writerB.offer({ logs: row('from-b') });
    await a.writer.flushed();
    await writerB.flushed();
    expect(shared.rows('logs').map((r) => r.id).sort()).toEqual(['from-a', 'from-b']);
  });

  it('sets aside a record the store keeps refusing with an unknown error while it answers queries', async () => {
    const { store, writer } = setup();
    const weird = Object.assign(new Error('refused for a reason nobody listed'), { clickhouseCode: 9999 });
    // the batch fails 3 times, then in isolation the one record fails again: 4 refusals
    store.failNext(4, weird);
    const answering = { ...store, query: async () => [] as never[] };
    Object.assign(store, { query: answering.query });
    writer.offer({ logs: row('poison') });
    await writer.flushed();
    expect(writer.stats().deadLetters).toBe(1);
    writer.offer({ logs: row('after') });
    await writer.flushed();
    expect(store.rows('logs').map((r) => r.id)).toEqual(['after']);
  });

  it('does not hang when the interrupted range has no surviving records', async () => {
    const dir = tempDir();
    const store = createMemoryStore();
    const { wal } = Wal.open({ dir: join(dir, 'wal'), fsync: 'never' });
    const record = wal.append({ logs: row('later') });
    const writer = new StoreWriter(
      { store, wal, maxQueueBytes: 1 << 20, maxBatchBytes: 1 << 20, deadLetterDir: join(dir, 'dead') },
      [record],
      { from: record.seq - 2, to: record.seq - 1 },
    );
    await writer.flushed();
    expect(store.rows('logs')).toEqual([{ id: 'later' }]);
  });
});

describe('StoreWriter bounds', () => {
  it('refuses for good a single request larger than the whole queue', () => {
    const { writer } = setup({ maxQueueBytes: 64, maxBatchBytes: 64 });
    const result = writer.offer({ logs: Buffer.alloc(100, 0x61) });
    expect(result).toEqual({ ok: false, tooLarge: expect.stringMatching(/exceed the ingest queue/) });
    expect(writer.stats().queuedRecords).toBe(0);
  });
});
