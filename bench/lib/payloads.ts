/**
 * A pool of pre-encoded GenAI OTLP trace requests (from bench/genai-payload.ts) that can be sent
 * many times with distinct trace ids: the byte offsets of every trace id are recorded, and each send
 * overwrites the first four bytes of each id with a per-request number (a copy of the bytes, so
 * concurrent senders never share a buffer).
 */
import { decodeTraceRequest } from '../../src/receivers/otlp/decode-protobuf.js';
import { encodeTraceRequestWithProtobufjs } from '../../src/receivers/otlp/encode-protobufjs.js';
import type { ExportTraceRequest } from '../../src/receivers/otlp/types.js';
import { makeTraceRequest, makeTraceRequestBytes } from '../genai-payload.js';

export interface PoolPayload {
  readonly bytes: Buffer;
  readonly spans: number;
  /** Offsets of every trace id (16 bytes) in `bytes`. */
  readonly traceIdOffsets: readonly number[];
  /** Offset of the first trace id and the number of spans of that trace (for spot checks). */
  readonly firstTrace: { readonly offset: number; readonly spans: number };
}

export interface PoolOptions {
  readonly size: number;
  readonly minSpans: number;
  readonly maxSpans: number;
  /** First seed; payload i uses seed + i. */
  readonly seed: number;
  /**
   * Move the spans' times to the last minutes (live traffic lands in one day partition). Without it
   * the generator's times (early 2025, spread over ~12 days) are kept as they are.
   */
  readonly shiftToNow: boolean;
  /** Share of spans carrying message events (see genai-payload.ts). */
  readonly contentShare?: number;
}

function shiftTimes(req: ExportTraceRequest, targetStart: bigint): void {
  let min = -1n;
  for (const rs of req.resourceSpans)
    for (const ss of rs.scopeSpans) for (const s of ss.spans) if (min < 0n || s.startTimeUnixNano < min) min = s.startTimeUnixNano;
  const delta = targetStart - min;
  for (const rs of req.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const s of ss.spans) {
        s.startTimeUnixNano += delta;
        s.endTimeUnixNano += delta;
        for (const e of s.events) e.timeUnixNano += delta;
      }
}

function indexOfAll(hay: Buffer, needle: Buffer): number[] {
  const out: number[] = [];
  let at = hay.indexOf(needle);
  while (at >= 0) {
    out.push(at);
    at = hay.indexOf(needle, at + 1);
  }
  return out;
}

/** Builds the pool (not timed). */
export function buildPool(o: PoolOptions): PoolPayload[] {
  const pool: PoolPayload[] = [];
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  for (let i = 0; i < o.size; i++) {
    const seed = o.seed + i;
    // Deterministic span count per payload in [minSpans, maxSpans].
    const spans = o.minSpans + ((seed * 2654435761) >>> 0) % (o.maxSpans - o.minSpans + 1);
    let bytes: Buffer;
    if (o.shiftToNow) {
      const req = makeTraceRequest({ spans, seed, contentShare: o.contentShare });
      // Spread the pool over the last ~10 minutes, ending a few minutes ago.
      shiftTimes(req, nowNs - 15n * 60_000_000_000n + BigInt(i % 600) * 1_000_000_000n);
      bytes = Buffer.from(encodeTraceRequestWithProtobufjs(req));
    } else {
      bytes = Buffer.from(makeTraceRequestBytes({ spans, seed, contentShare: o.contentShare }));
    }
    const decoded = decodeTraceRequest(bytes);
    const perTrace = new Map<string, number>();
    for (const rs of decoded.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) perTrace.set(s.traceId, (perTrace.get(s.traceId) ?? 0) + 1);
    const offsets: number[] = [];
    let first: { offset: number; spans: number } | null = null;
    for (const [id, n] of perTrace) {
      const at = indexOfAll(bytes, Buffer.from(id, 'hex'));
      if (at.length === 0) throw new Error(`payload ${i}: trace id ${id} not found in its bytes`);
      offsets.push(...at);
      first ??= { offset: at[0], spans: n };
    }
    let total = 0;
    for (const n of perTrace.values()) total += n;
    pool.push({ bytes, spans: total, traceIdOffsets: offsets, firstTrace: first! });
  }
  return pool;
}

/** A copy of `p`'s bytes whose trace ids all start with `requestNo` (big-endian u32). */
export function withRequestNo(p: PoolPayload, requestNo: number): Buffer {
  const copy = Buffer.allocUnsafe(p.bytes.length);
  p.bytes.copy(copy);
  for (const off of p.traceIdOffsets) copy.writeUInt32BE(requestNo >>> 0, off);
  return copy;
}

/** The hex trace id of the first trace in a patched copy. */
export function firstTraceId(p: PoolPayload, body: Buffer): string {
  return body.subarray(p.firstTrace.offset, p.firstTrace.offset + 16).toString('hex');
}
