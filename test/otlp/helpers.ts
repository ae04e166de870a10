/**
 * Test support for the OTLP decoders: a minimal protobuf writer for hand-built (and malformed)
 * payloads, OTLP/JSON -> protobuf conversion through protobufjs, and fixture loading.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { otlpProtobufType } from '../../src/receivers/otlp/protobufjs-schema.js';

/** Wire types. */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const SGROUP = 3;
export const EGROUP = 4;
export const I32 = 5;

/** Builds protobuf bytes field by field, with no schema: for tests that need exact wire control. */
export class Pb {
  private readonly out: number[] = [];

  /** Raw bytes, as given. */
  raw(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.out.push(bytes[i]);
    return this;
  }

  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.out.push(Number(x));
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  /** A varint field. */
  uint(field: number, v: number | bigint): this {
    return this.tag(field, VARINT).varint(v);
  }

  /** A fixed64 / sfixed64 field (little endian, two's complement). */
  fixed64(field: number, v: bigint): this {
    this.tag(field, I64);
    let x = BigInt.asUintN(64, v);
    for (let i = 0; i < 8; i++) {
      this.out.push(Number(x & 0xffn));
      x >>= 8n;
    }
    return this;
  }

  fixed32(field: number, v: number): this {
    this.tag(field, I32);
    for (let i = 0; i < 4; i++) this.out.push((v >>> (8 * i)) & 0xff);
    return this;
  }

  double(field: number, v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return this.tag(field, I64).raw(b);
  }

  /** A length-delimited field holding bytes, a string (UTF-8) or a nested message. */
  len(field: number, payload: Uint8Array | string | Pb): this {
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload instanceof Pb ? payload.bytes() : payload;
    return this.tag(field, LEN).varint(bytes.length).raw(bytes);
  }

  /** A packed repeated field of raw element bytes. */
  packed(field: number, elements: Pb): this {
    return this.len(field, elements);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }

  get length(): number {
    return this.out.length;
  }
}

/** Shorthand for a new writer. */
export const pb = (): Pb => new Pb();

/** A KeyValue message with a string value. */
export function kvString(key: string, value: string): Pb {
  return pb().len(1, key).len(2, pb().len(1, value));
}

const FIXTURES = fileURLToPath(new URL('../fixtures/otlp/', import.meta.url));

/** The text of one OTLP/JSON fixture (trace.json, metrics.json, logs.json, events.json). */
export function fixtureText(name: string): string {
  return readFileSync(FIXTURES + name, 'utf8');
}

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** Replaces hex trace/span ids with bytes so that protobufjs' fromObject reads them as OTLP/JSON means them. */
function idsToBytes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(idsToBytes);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = ID_FIELDS.has(k) && typeof x === 'string' ? Buffer.from(x, 'hex') : idsToBytes(x);
    return out;
  }
  return v;
}

/** Encodes OTLP/JSON text as protobuf with protobufjs (fromObject + encode) for the given request type. */
export function jsonToProtobuf(typeName: string, text: string): Uint8Array {
  const type = otlpProtobufType(typeName);
  return type.encode(type.fromObject(idsToBytes(JSON.parse(text)) as Record<string, unknown>)).finish();
}

/** A seeded PRNG (mulberry32) returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
