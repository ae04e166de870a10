/**
 * A small, bounds-checked protobuf wire-format reader over one Uint8Array.
 *
 * Every read checks against the end of the buffer and throws {@link OtlpDecodeError} on
 * truncated or malformed input; nothing is allocated from a length that was not first
 * checked against the bytes that remain. Message decoders check after each message that
 * its fields ended exactly at the message's declared end.
 */
import { OtlpDecodeError } from '../types.js';
import { internedString, KEY_CACHE_MAX, spanIdHex, traceIdHex, VALUE_CACHE_MAX, type NativeSlices } from './strings.js';

/** Wire types of the protobuf encoding. */
export const WT_VARINT = 0;
export const WT_I64 = 1;
export const WT_LEN = 2;
export const WT_SGROUP = 3;
export const WT_EGROUP = 4;
export const WT_I32 = 5;

const TWO_32 = 4294967296;
const MAX_GROUP_DEPTH = 64;

/** Raises an {@link OtlpDecodeError} with the given message. */
export function fail(message: string): never {
  throw new OtlpDecodeError(`invalid OTLP protobuf: ${message}`);
}

/** Reader state: the buffer, the read position, and typed views for fixed-width values. */
export class ProtoReader {
  readonly buf: Uint8Array;
  readonly len: number;
  pos = 0;
  private readonly view: DataView;
  private readonly native: NativeSlices;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.len = buf.length;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const node = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.native = node as unknown as NativeSlices;
  }

  /** Reads a varint and returns its low 32 bits as an unsigned number (tags, uint32, enums). */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos + 10 > this.len) return this.uint32Checked();
    let b = buf[pos++];
    let v = b & 0x7f;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    b = buf[pos++];
    v |= (b & 0x7f) << 7;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    b = buf[pos++];
    v |= (b & 0x7f) << 14;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    b = buf[pos++];
    v |= (b & 0x7f) << 21;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    b = buf[pos++];
    v |= (b & 0x0f) << 28;
    // Bytes 6..10 only carry bits above 32 (sign extension of negative int32s): skip them.
    for (let i = 0; b >= 0x80; i++) {
      if (i === 5) fail(`varint longer than 10 bytes at offset ${this.pos}`);
      b = buf[pos++];
    }
    this.pos = pos;
    return v >>> 0;
  }

  /** {@link uint32} near the end of the buffer, checking each byte. */
  private uint32Checked(): number {
    const buf = this.buf;
    const len = this.len;
    const start = this.pos;
    let pos = start;
    let v = 0;
    for (let i = 0; ; i++) {
      if (pos >= len) fail(`truncated varint at offset ${start}`);
      if (i === 10) fail(`varint longer than 10 bytes at offset ${start}`);
      const b = buf[pos++];
      if (i < 4) v |= (b & 0x7f) << (7 * i);
      else if (i === 4) v |= (b & 0x0f) << 28;
      if (b < 0x80) break;
    }
    this.pos = pos;
    return v >>> 0;
  }

  /** Reads an int32/enum varint (negative values arrive sign-extended to 64 bits). */
  int32(): number {
    return this.uint32() | 0;
  }

  /** Reads a zigzag-encoded sint32. */
  sint32(): number {
    const v = this.uint32();
    return (v >>> 1) ^ -(v & 1);
  }

  /** Reads a bool varint (any non-zero value is true). */
  bool(): boolean {
    const buf = this.buf;
    const pos = this.pos;
    if (pos < this.len && buf[pos] < 0x80) {
      this.pos = pos + 1;
      return buf[pos] !== 0;
    }
    const lo = this.pos;
    this.skipVarint();
    for (let i = lo; i < this.pos; i++) if ((buf[i] & 0x7f) !== 0) return true;
    return false;
  }

  /** Reads a 64-bit varint as two 32-bit halves, returned through {@link hi}; returns the low half. */
  private varint64(): number {
    const buf = this.buf;
    const len = this.len;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= len) fail(`truncated varint at offset ${start}`);
      b = buf[pos++];
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) {
        this.pos = pos;
        this.hi = hi >>> 0;
        return lo >>> 0;
      }
    }
    return fail(`varint longer than 10 bytes at offset ${start}`);
  }

  /** High 32 bits of the last {@link varint64} read. */
  private hi = 0;

  /** Reads an int64 varint as a bigint (two's complement, so negative values come back negative). */
  int64(): bigint {
    const lo = this.varint64();
    const hi = this.hi;
    if (hi === 0) return BigInt(lo);
    if (hi < 0x200000) return BigInt(hi * TWO_32 + lo);
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  /** Reads a uint64 varint as a number (exact up to 2^53). */
  uint64Number(): number {
    const lo = this.varint64();
    return this.hi * TWO_32 + lo;
  }

  /** Skips a varint of at most 10 bytes. */
  skipVarint(): void {
    const buf = this.buf;
    const len = this.len;
    const start = this.pos;
    let pos = start;
    for (let i = 0; ; i++) {
      if (pos >= len) fail(`truncated varint at offset ${start}`);
      if (i === 10) fail(`varint longer than 10 bytes at offset ${start}`);
      if (buf[pos++] < 0x80) break;
    }
    this.pos = pos;
  }

  /** Checks that n more bytes are available and returns the current position. */
  private take(n: number): number {
    const pos = this.pos;
    if (pos + n > this.len) fail(`truncated ${n}-byte value at offset ${pos}`);
    this.pos = pos + n;
    return pos;
  }

  /** Reads a fixed32 as an unsigned number. */
  fixed32(): number {
    return this.view.getUint32(this.take(4), true);
  }

  /** Reads a fixed64 as a bigint (times in unix nanoseconds). */
  fixed64(): bigint {
    return this.view.getBigUint64(this.take(8), true);
  }

  /** Reads a fixed64 as a number (counts; exact up to 2^53). */
  fixed64Number(): number {
    const pos = this.take(8);
    return this.view.getUint32(pos + 4, true) * TWO_32 + this.view.getUint32(pos, true);
  }

  /** Reads an sfixed64 as a number (exact up to 2^53 in magnitude). */
  sfixed64Number(): number {
    const pos = this.take(8);
    return this.view.getInt32(pos + 4, true) * TWO_32 + this.view.getUint32(pos, true);
  }

  /** Reads a little-endian double. */
  double(): number {
    return this.view.getFloat64(this.take(8), true);
  }

  /**
   * Reads the length prefix of a length-delimited field and returns the end offset of its
   * payload, after checking that the payload lies inside the buffer.
   */
  end(): number {
    const start = this.pos;
    const buf = this.buf;
    let n: number;
    if (start < this.len && buf[start] < 0x80) {
      n = buf[start];
      this.pos = start + 1;
    } else {
      // A length is at most 5 varint bytes; the 5th carries bits 28..34.
      let pos = start;
      n = 0;
      for (let shift = 0; ; shift += 7) {
        if (pos >= this.len) fail(`truncated length at offset ${start}`);
        if (shift === 35) fail(`length varint too long at offset ${start}`);
        const b = buf[pos++];
        n += shift < 28 ? (b & 0x7f) << shift : (b & 0x7f) * 0x10000000;
        if (b < 0x80) break;
      }
      this.pos = pos;
    }
    const end = this.pos + n;
    if (end > this.len) fail(`length ${n} at offset ${start} runs past the end of the buffer (${this.len} bytes)`);
    return end;
  }

  /** Reads a length-delimited UTF-8 string (invalid sequences become U+FFFD). */
  string(): string {
    const end = this.end();
    const start = this.pos;
    this.pos = end;
    const n = end - start;
    if (n === 0) return '';
    if (n <= VALUE_CACHE_MAX) return internedString(this.buf, this.view, this.native, start, end);
    return this.native.utf8Slice(start, end);
  }

  /** Like {@link string}, for strings that usually repeat (attribute keys, names): interned up to 64 bytes. */
  key(): string {
    const end = this.end();
    const start = this.pos;
    this.pos = end;
    const n = end - start;
    if (n === 0) return '';
    if (n <= KEY_CACHE_MAX) return internedString(this.buf, this.view, this.native, start, end);
    return this.native.utf8Slice(start, end);
  }

  /** Reads a length-delimited bytes field into a fresh copy. */
  bytes(): Uint8Array {
    const end = this.end();
    const out = new Uint8Array(end - this.pos);
    out.set(this.buf.subarray(this.pos, end));
    this.pos = end;
    return out;
  }

  /**
   * Reads a trace id (`size` 16) or span id (`size` 8): '' when empty, else exactly `size`
   * bytes as lowercase hex.
   * Any other length is an error naming `field`.
   */
  id(size: number, field: string): string {
    const end = this.end();
    const start = this.pos;
    const n = end - start;
    this.pos = end;
    if (n === 0) return '';
    if (n !== size) fail(`${field} must be ${size} bytes, got ${n}`);
    return size === 8 ? spanIdHex(this.buf, start) : traceIdHex(this.buf, this.view, start);
  }

  /**
   * Handles a field the message decoder did not match: a known field number with a wrong wire
   * type is an error, anything else is skipped (forward compatibility).
   */
  unknown(tag: number, fields: Readonly<Record<number, string>>, message: string): void {
    const field = tag >>> 3;
    const wt = tag & 7;
    const name = fields[field];
    if (name !== undefined) fail(`${message}.${name} (field ${field}) has wrong wire type ${wt}`);
    this.skip(field, wt);
  }

  /** Skips one field's payload of the given wire type. */
  skip(field: number, wt: number): void {
    if (field === 0) fail(`field number 0 at offset ${this.pos}`);
    switch (wt) {
      case WT_VARINT:
        this.skipVarint();
        return;
      case WT_I64:
        this.take(8);
        return;
      case WT_LEN:
        this.pos = this.end();
        return;
      case WT_I32:
        this.take(4);
        return;
      case WT_SGROUP:
        this.skipGroup(field);
        return;
      case WT_EGROUP:
        return fail(`unexpected end-group tag for field ${field}`);
      default:
        fail(`invalid wire type ${wt} for field ${field}`);
    }
  }

  /** Skips a (deprecated) group up to its matching end tag, nesting at most 64 deep. */
  private skipGroup(field: number): void {
    const open: number[] = [field];
    while (open.length > 0) {
      if (this.pos >= this.len) fail(`unterminated group for field ${open[open.length - 1]}`);
      const tag = this.uint32();
      const f = tag >>> 3;
      const wt = tag & 7;
      if (f === 0) fail(`field number 0 at offset ${this.pos}`);
      if (wt === WT_EGROUP) {
        if (open.pop() !== f) fail(`mismatched end-group tag for field ${f}`);
      } else if (wt === WT_SGROUP) {
        if (open.length >= MAX_GROUP_DEPTH) fail('groups nested too deeply');
        open.push(f);
      } else {
        this.skip(f, wt);
      }
    }
  }

  /** Checks that a message's fields ended exactly at its declared end. */
  finish(end: number, message: string): void {
    if (this.pos !== end) fail(`a field of ${message} runs past the end of the message`);
  }
}
