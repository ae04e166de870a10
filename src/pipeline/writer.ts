import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Store, TableName } from '../storage/types.js';
import { TABLES } from '../storage/types.js';
import { INSERT_FORMATS } from './encode.js';
import type { FlushRange, Wal, WalRecord } from './wal.js';

/**
 * The store writer: drains acknowledged records (already in the WAL) into the store in large
 * batches, one insert per table per batch, and commits the WAL behind them.
 *
 * Memory is bounded by `maxQueueBytes`: when the store is slower than ingest, `offer` refuses and the
 * receivers answer "retry later". A store that fails is retried with backoff; a batch the store
 * rejects as malformed is split record by record, and a record it still rejects is set aside in the
 * dead-letter directory rather than blocking everything behind it.
 */

export interface WriterOptions {
  readonly store: Store;
  readonly wal: Wal;
  /** Acknowledged-but-unwritten bytes allowed in memory before ingest is refused. */
  readonly maxQueueBytes: number;
  /** Largest batch handed to the store at once. */
  readonly maxBatchBytes: number;
  /** Where records the store rejects as malformed are kept. */
  readonly deadLetterDir: string;
  readonly log?: (message: string) => void;
  /** How long a small queue waits for more before it is written; 0 writes at once. Default {@link DEFAULT_LINGER_MS}. */
  readonly lingerMs?: number;
}

/**
 * A store insert has a fixed cost (tens of ms of chDB CPU) whatever its size, so a trickle of small
 * requests is gathered for this long before it is written. Acknowledged data is in the WAL already;
 * only its queryability waits. Queues of a quarter batch or more, `flushed()` and `stop()` do not wait.
 */
export const DEFAULT_LINGER_MS = 1000;

const RETRY_MIN_MS = 100;
/** Consecutive failures of one batch after which its records are tried one by one. */
const ISOLATE_AFTER_FAILURES = 3;
const RETRY_MAX_MS = 5000;

/** ClickHouse error codes that mean "this data is bad", not "try again". */
const DATA_ERROR_CODES = new Set([6, 25, 26, 27, 38, 41, 53, 69, 70, 72, 117, 131]);

export type OfferResult =
  | { readonly ok: true; readonly seq: number }
  | { readonly ok: false; readonly retryAfterSeconds: number }
  | { readonly ok: false; readonly tooLarge: string };

export interface WriterStats {
  readonly queuedRecords: number;
  readonly queuedBytes: number;
  readonly committedSeq: number;
  readonly insertedBatches: number;
  readonly failedAttempts: number;
  readonly deadLetters: number;
  readonly lastError: string | null;
}

export class StoreWriter {
  private readonly queue: WalRecord[] = [];
  private queuedBytes = 0;
  private committedSeq = 0;
  private running: Promise<void> | null = null;
  private stopped = false;
  private interrupted: FlushRange | null;
  private waiters: { seq: number; resolve: () => void }[] = [];
  private insertedBatches = 0;
  private failedAttempts = 0;
  private deadLetters = 0;
  private lastError: string | null = null;
  private wake: (() => void) | null = null;
  private linger: NodeJS.Timeout | null = null;

  constructor(private readonly options: WriterOptions, pending: WalRecord[] = [], interrupted: FlushRange | null = null) {
    this.interrupted = interrupted;
    for (const r of pending) this.enqueue(r);
    if (pending.length > 0) this.committedSeq = pending[0].seq - 1;
    this.kick();
  }

  /** Logs `tables` in the WAL and queues them for the store; refuses when memory is at its bound. */
  offer(tables: Partial<Record<TableName, Buffer>>): OfferResult {
    if (this.stopped) return { ok: false, retryAfterSeconds: 1 };
    let bytes = 0;
    for (const t of TABLES) bytes += tables[t]?.length ?? 0;
    if (bytes > this.options.maxQueueBytes)
      return { ok: false, tooLarge: `the request's rows (${bytes} bytes) exceed the ingest queue (${this.options.maxQueueBytes} bytes)` };
    if (this.queuedBytes > 0 && this.queuedBytes + bytes > this.options.maxQueueBytes) {
      return { ok: false, retryAfterSeconds: this.lastError ? 5 : 1 };
    }
    const record = this.options.wal.append(tables);
    this.enqueue(record);
    this.kick();
    return { ok: true, seq: record.seq };
  }

  /** Resolves once every record offered so far is in the store. */
  flushed(): Promise<void> {
    const last = this.queue.length ? this.queue[this.queue.length - 1].seq : 0;
    if (last === 0 || last <= this.committedSeq) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push({ seq: last, resolve }));
    this.kick(true);
    return done;
  }

  stats(): WriterStats {
    return {
      queuedRecords: this.queue.length,
      queuedBytes: this.queuedBytes,
      committedSeq: this.committedSeq,
      insertedBatches: this.insertedBatches,
      failedAttempts: this.failedAttempts,
      deadLetters: this.deadLetters,
      lastError: this.lastError,
    };
  }

  /** Stops accepting, writes what is queued (up to `timeoutMs`), then returns. Idempotent. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopped = true;
    this.kick(true);
    this.wake?.(); // a retry wait ends now; the drain sees `stopped` and returns
    const drained = this.running ?? Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  private enqueue(record: WalRecord): void {
    this.queue.push(record);
    this.queuedBytes += record.bytes;
  }

  private kick(now = false): void {
    if (this.running || this.queue.length === 0) return;
    const lingerMs = this.options.lingerMs ?? DEFAULT_LINGER_MS;
    const small = this.queuedBytes < this.options.maxBatchBytes / 4;
    if (!now && !this.stopped && lingerMs > 0 && small && this.waiters.length === 0) {
      this.linger ??= setTimeout(() => {
        this.linger = null;
        this.kick(true);
      }, lingerMs);
      return;
    }
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.queue.length > 0 && !(this.stopped && this.lastError)) this.kick();
    });
  }

  private async drain(): Promise<void> {
    let delay = RETRY_MIN_MS;
    let failuresOfThisBatch = 0;
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) break;
      const range = { from: batch[0].seq, to: batch[batch.length - 1].seq };
      try {
        this.options.wal.beginFlush(range);
        // A batch that keeps failing while the store answers may hold a record the store refuses
        // with an error not known as a data error: isolate it rather than retry forever.
        const suspect = failuresOfThisBatch >= ISOLATE_AFTER_FAILURES && (await this.storeAnswers());
        if (suspect) await this.insertIsolating(batch);
        else await this.insertBatch(batch, range);
        delay = RETRY_MIN_MS;
        failuresOfThisBatch = 0;
        this.lastError = null;
      } catch (err) {
        this.failedAttempts++;
        failuresOfThisBatch++;
        // Retry exactly this range: its token must not change, whatever arrives meanwhile.
        this.interrupted = range;
        this.lastError = err instanceof Error ? err.message : String(err);
        this.options.log?.(`store write failed (will retry in ${delay} ms): ${this.lastError}`);
        if (this.stopped) return;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = null;
        delay = Math.min(delay * 2, RETRY_MAX_MS);
        continue;
      }
      this.interrupted = null;
      this.options.wal.commit(range.to);
      this.queue.splice(0, batch.length);
      for (const r of batch) this.queuedBytes -= r.bytes;
      this.committedSeq = range.to;
      this.insertedBatches++;
      this.resolveWaiters();
    }
  }

  /** The head of the queue up to the batch size; an interrupted flush is redone with its exact boundaries. */
  private takeBatch(): WalRecord[] {
    if (this.interrupted) {
      const { to } = this.interrupted;
      const end = this.queue.findIndex((r) => r.seq > to);
      const batch = this.queue.slice(0, end === -1 ? this.queue.length : end);
      if (batch.length > 0) return batch;
      this.interrupted = null; // nothing of that range survived (a torn tail): carry on normally
    }
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && (n === 0 || bytes + this.queue[n].bytes <= this.options.maxBatchBytes)) {
      bytes += this.queue[n].bytes;
      n++;
    }
    return this.queue.slice(0, n);
  }

  private async insertBatch(batch: WalRecord[], range: FlushRange): Promise<void> {
    for (const table of TABLES) {
      const parts: Buffer[] = [];
      for (const r of batch) {
        const p = r.tables[table];
        if (p) parts.push(p);
      }
      if (parts.length === 0) continue;
      try {
        await this.options.store.insert(table, parts, INSERT_FORMATS[table], `${this.options.wal.id}:${range.from}-${range.to}`);
      } catch (err) {
        if (!isDataError(err)) throw err;
        await this.insertOneByOne(table, batch);
      }
    }
  }

  /** Every table of the batch, record by record: a record the store refuses while it answers otherwise is set aside. */
  private async insertIsolating(batch: WalRecord[]): Promise<void> {
    for (const table of TABLES) await this.insertOneByOne(table, batch, true);
  }

  /** Whether the store answers a trivial query (so a failing insert is about its data). */
  private async storeAnswers(): Promise<boolean> {
    try {
      await this.options.store.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Isolates the records the store rejects as malformed (or, with `anyRefusal`, any record it refuses
   * while answering a trivial query); everything else is written.
   */
  private async insertOneByOne(table: TableName, batch: WalRecord[], anyRefusal = false): Promise<void> {
    for (const r of batch) {
      const payload = r.tables[table];
      if (!payload) continue;
      try {
        await this.options.store.insert(table, [payload], INSERT_FORMATS[table], `${this.options.wal.id}:${r.seq}:single`);
      } catch (err) {
        if (!isDataError(err) && !(anyRefusal && (await this.storeAnswers()))) throw err;
        this.deadLetters++;
        mkdirSync(this.options.deadLetterDir, { recursive: true });
        appendFileSync(join(this.options.deadLetterDir, `${table}.jsonl`), payload);
        this.options.log?.(`store rejected WAL record ${r.seq} for ${table}; kept in ${this.options.deadLetterDir}: ${String(err)}`);
      }
    }
  }

  private resolveWaiters(): void {
    const still: typeof this.waiters = [];
    for (const w of this.waiters) (w.seq <= this.committedSeq ? w.resolve() : still.push(w));
    this.waiters = still;
  }
}

function isDataError(err: unknown): boolean {
  const e = err as { clickhouseCode?: number; code?: string | number };
  const code = Number(e?.clickhouseCode ?? e?.code);
  return DATA_ERROR_CODES.has(code);
}
