import { closeSync, fsync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { TABLES, type TableName } from '../storage/types.js';

/**
 * Write-ahead log: what the receivers acknowledged, on disk before the acknowledgement.
 *
 * A record is appended with a synchronous write, so once `append` returns the bytes are in the
 * kernel and survive a crash of the process (kill -9). `fsync` decides when they also reach the
 * disk: on every append ('always'), every `fsyncIntervalMs` ('interval') or when the OS decides ('never').
 *
 * The checkpoint is replaced atomically (write, rename), which a crash of the process cannot tear; it is
 * fsynced only under 'always'. After a power loss under 'interval' or 'never', a stale checkpoint can
 * replay records the store already has (duplicates, never loss of what the log kept).
 *
 * Records carry a sequence number. The writer reports progress with `beginFlush` / `commit`; a
 * checkpoint file remembers the newest committed sequence and the range being flushed, so a restart
 * replays exactly the uncommitted records, re-flushing an interrupted range with the same
 * boundaries (and therefore the same deduplication token).
 */

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface WalOptions {
  readonly dir: string;
  readonly fsync: FsyncPolicy;
  readonly fsyncIntervalMs?: number;
  /** A segment is closed and a new one started past this size. */
  readonly segmentBytes?: number;
  /** Receives warnings (a torn tail, a corrupt record). */
  readonly warn?: (message: string) => void;
}

export interface WalRecord {
  readonly seq: number;
  readonly tables: Partial<Record<TableName, Buffer>>;
  /** Bytes of payload, for queue accounting. */
  readonly bytes: number;
}

/** A range being flushed when the process stopped: replay it first, with the same boundaries. */
export interface FlushRange {
  readonly from: number;
  readonly to: number;
}

export interface WalOpenResult {
  readonly wal: Wal;
  /** Acknowledged records not yet committed to the store, in order. */
  readonly pending: WalRecord[];
  readonly interruptedFlush: FlushRange | null;
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_FSYNC_INTERVAL_MS = 1000;

const MAGIC = 0x5354524c; // 'STRL'
const HEADER_BYTES = 20; // magic u32, body length u32, crc32 u32, seq u64

interface Segment {
  readonly name: string;
  lastSeq: number;
}

interface Checkpoint {
  /** This log's identity: part of every deduplication token, so two logs (two instances sharing a
   * ClickHouse server, or a log started afresh) never reuse each other's tokens. */
  id: string;
  committed: number;
  flushing: FlushRange | null;
}

export class Wal {
  private fd = -1;
  private segmentSize = 0;
  private readonly segments: Segment[] = [];
  private nextSeq: number;
  private checkpoint: Checkpoint;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private syncing = false;

  private constructor(private readonly options: WalOptions, segments: Segment[], nextSeq: number, checkpoint: Checkpoint) {
    this.segments = segments;
    this.nextSeq = nextSeq;
    this.checkpoint = checkpoint;
    this.openNewSegment();
    if (options.fsync === 'interval') {
      this.timer = setInterval(() => this.syncInBackground(), options.fsyncIntervalMs ?? DEFAULT_FSYNC_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** Opens (or creates) the log in `options.dir` and reads back what was not committed. */
  static open(options: WalOptions): WalOpenResult {
    mkdirSync(options.dir, { recursive: true });
    const checkpoint = readCheckpoint(options.dir);
    const names = readdirSync(options.dir).filter((n) => /^\d{12}(-[0-9a-f]{6})?\.wal$/.test(n)).sort();
    const segments: Segment[] = [];
    const pending: WalRecord[] = [];
    let lastSeq = checkpoint.committed;
    for (const name of names) {
      const path = join(options.dir, name);
      const { records, validBytes, totalBytes, skipped } = readSegment(path);
      if (skipped > 0) options.warn?.(`wal: ${name}: ${skipped} corrupt bytes skipped; the whole records around them were kept`);
      if (validBytes < totalBytes) {
        options.warn?.(`wal: ${name}: ${totalBytes - validBytes} bytes after the last whole record discarded (torn or corrupt write)`);
        truncateSync(path, validBytes);
      }
      let segmentLast = 0;
      for (const r of records) {
        segmentLast = Math.max(segmentLast, r.seq);
        lastSeq = Math.max(lastSeq, r.seq);
        if (r.seq > checkpoint.committed) pending.push(r);
      }
      if (segmentLast > checkpoint.committed) segments.push({ name, lastSeq: segmentLast });
      else rmSync(path, { force: true });
    }
    pending.sort((a, b) => a.seq - b.seq);
    const interrupted = checkpoint.flushing && checkpoint.flushing.from > checkpoint.committed ? checkpoint.flushing : null;
    const wal = new Wal(options, segments, lastSeq + 1, { id: checkpoint.id, committed: checkpoint.committed, flushing: null });
    return { wal, pending, interruptedFlush: interrupted };
  }

  /** The log's identity (see Checkpoint.id). */
  get id(): string {
    return this.checkpoint.id;
  }

  /** Appends one record; returns it once its bytes are written (and synced, under 'always'). */
  append(tables: Partial<Record<TableName, Buffer>>): WalRecord {
    const seq = this.nextSeq++;
    const parts: Buffer[] = [];
    let bytes = 0;
    for (const table of TABLES) {
      const payload = tables[table];
      if (!payload || payload.length === 0) continue;
      const head = Buffer.allocUnsafe(5);
      head.writeUInt8(TABLES.indexOf(table), 0);
      head.writeUInt32LE(payload.length, 1);
      parts.push(head, payload);
      bytes += payload.length;
    }
    // The checksum runs over the parts in turn and they are written with one writev: no copy.
    let crc = 0;
    let bodyLength = 0;
    for (const p of parts) {
      crc = crc32(p, crc);
      bodyLength += p.length;
    }
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(bodyLength, 4);
    header.writeUInt32LE(crc, 8);
    header.writeBigUInt64LE(BigInt(seq), 12);
    const frameLength = HEADER_BYTES + bodyLength;
    if (this.segmentSize > 0 && this.segmentSize + frameLength > (this.options.segmentBytes ?? DEFAULT_SEGMENT_BYTES)) {
      this.openNewSegment(seq);
    }
    writeAll(this.fd, [header, ...parts], frameLength);
    this.segmentSize += frameLength;
    this.segments[this.segments.length - 1].lastSeq = seq;
    if (this.options.fsync === 'always') fsyncSync(this.fd);
    else this.dirty = true;
    return { seq, tables, bytes };
  }

  /** Records that records `from..to` are being written to the store (before the write starts). */
  beginFlush(range: FlushRange): void {
    this.checkpoint = { ...this.checkpoint, flushing: range };
    writeCheckpoint(this.options.dir, this.checkpoint, this.options.fsync === 'always');
  }

  /** Records that every record up to `seq` is in the store; whole segments behind it are deleted. */
  commit(seq: number): void {
    this.checkpoint = { ...this.checkpoint, committed: Math.max(seq, this.checkpoint.committed), flushing: null };
    writeCheckpoint(this.options.dir, this.checkpoint, this.options.fsync === 'always');
    while (this.segments.length > 1 && this.segments[0].lastSeq <= this.checkpoint.committed) {
      const done = this.segments.shift()!;
      rmSync(join(this.options.dir, done.name), { force: true });
    }
  }

  /** Bytes of log on disk. */
  diskBytes(): number {
    let total = 0;
    for (const s of this.segments) {
      try {
        total += statSync(join(this.options.dir, s.name)).size;
      } catch {
        // deleted meanwhile
      }
    }
    return total;
  }

  /** The 'interval' sync: on the thread pool, so the event loop does not wait on the disk. */
  private syncInBackground(): void {
    if (!this.dirty || this.fd < 0 || this.syncing) return;
    this.dirty = false;
    this.syncing = true;
    // An error (the segment was closed and synced meanwhile) changes nothing: the next tick tries again.
    fsync(this.fd, (err) => {
      this.syncing = false;
      if (err) this.dirty = true;
    });
  }

  sync(): void {
    if (this.dirty && this.fd >= 0) {
      fsyncSync(this.fd);
      this.dirty = false;
    }
  }

  /** Syncs and closes. Idempotent. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.fd >= 0) {
      this.sync();
      closeSync(this.fd);
      this.fd = -1;
    }
  }

  /** Starts a segment named after the first sequence number it will hold (`firstSeq`). */
  private openNewSegment(firstSeq: number = this.nextSeq): void {
    if (this.fd >= 0) {
      fsyncSync(this.fd);
      closeSync(this.fd);
    }
    let name = `${String(firstSeq).padStart(12, '0')}.wal`;
    // Never reopen a segment that is still listed: committing its records would delete it under us.
    if (this.segments.some((s) => s.name === name)) name = `${String(firstSeq).padStart(12, '0')}-${randomBytes(3).toString('hex')}.wal`;
    this.fd = openSync(join(this.options.dir, name), 'a');
    this.segmentSize = 0;
    this.segments.push({ name, lastSeq: firstSeq - 1 });
  }
}

/** writev until every byte is written (a short write continues where it stopped). */
function writeAll(fd: number, buffers: Buffer[], total: number): void {
  let written = writevSync(fd, buffers);
  while (written < total) {
    let skip = written;
    const rest: Buffer[] = [];
    for (const b of buffers) {
      if (skip >= b.length) skip -= b.length;
      else {
        rest.push(skip ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    written += writevSync(fd, rest);
  }
}

/**
 * The whole records of a segment. A frame that does not check out (bad magic, length past the end,
 * checksum) is skipped by searching for the next frame that does, so one corrupt record does not hide
 * the ones after it; `validBytes` is where the last whole record ends (what follows is a torn tail).
 */
function readSegment(path: string): { records: WalRecord[]; validBytes: number; totalBytes: number; skipped: number } {
  const data = readFileSync(path);
  const records: WalRecord[] = [];
  let off = 0;
  let validBytes = 0;
  let skipped = 0;
  while (off + HEADER_BYTES <= data.length) {
    const end = frameEnd(data, off);
    if (end === -1) {
      const next = nextFrame(data, off + 1);
      if (next === -1) break;
      skipped += next - off;
      off = next;
      continue;
    }
    records.push(parseFrame(data, off, end));
    off = validBytes = end;
  }
  return { records, validBytes, totalBytes: data.length, skipped };
}

/** End offset of the whole, checksummed frame at `off`, or -1. */
function frameEnd(data: Buffer, off: number): number {
  if (off + HEADER_BYTES > data.length || data.readUInt32LE(off) !== MAGIC) return -1;
  const end = off + HEADER_BYTES + data.readUInt32LE(off + 4);
  if (end > data.length) return -1;
  return crc32(data.subarray(off + HEADER_BYTES, end)) === data.readUInt32LE(off + 8) ? end : -1;
}

/** Offset of the next whole frame at or after `from`, or -1. */
function nextFrame(data: Buffer, from: number): number {
  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(MAGIC, 0);
  for (let at = data.indexOf(magic, from); at !== -1; at = data.indexOf(magic, at + 1)) {
    if (frameEnd(data, at) !== -1) return at;
  }
  return -1;
}

function parseFrame(data: Buffer, off: number, end: number): WalRecord {
  const body = data.subarray(off + HEADER_BYTES, end);
  const seq = Number(data.readBigUInt64LE(off + 12));
  const tables: Partial<Record<TableName, Buffer>> = {};
  let bytes = 0;
  let p = 0;
  while (p + 5 <= body.length) {
    const table = TABLES[body.readUInt8(p)];
    const n = body.readUInt32LE(p + 1);
    const payload = Buffer.from(body.subarray(p + 5, p + 5 + n));
    if (table) tables[table] = payload;
    bytes += n;
    p += 5 + n;
  }
  return { seq, tables, bytes };
}

const CHECKPOINT_FILE = 'checkpoint.json';

function readCheckpoint(dir: string): Checkpoint {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, CHECKPOINT_FILE), 'utf8')) as Partial<Checkpoint>;
    if (typeof parsed.id === 'string' && parsed.id) return { id: parsed.id, committed: Number(parsed.committed) || 0, flushing: parsed.flushing ?? null };
  } catch {
    // no checkpoint yet
  }
  const fresh = { id: `wal-${randomBytes(8).toString('hex')}`, committed: 0, flushing: null };
  writeCheckpoint(dir, fresh, true);
  return fresh;
}

function writeCheckpoint(dir: string, checkpoint: Checkpoint, durable: boolean): void {
  const tmp = join(dir, `${CHECKPOINT_FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(checkpoint));
  if (durable) {
    const fd = openSync(tmp, 'r+');
    fsyncSync(fd);
    closeSync(fd);
  }
  renameSync(tmp, join(dir, CHECKPOINT_FILE));
}
