/**
 * Prometheus remote-write payload builders for tests: a small protobuf writer for `WriteRequest`
 * (sharing no code with Strata's decoder) and a tiny snappy block compressor (literals plus greedy
 * copies, written from the format description).
 */

/** A sample; `bits` (16 hex digits, big-endian) overrides `value` to send an exact NaN payload. */
export interface SampleSpec {
  readonly value?: number;
  readonly bits?: string;
  readonly timestampMs: number | bigint;
}

/** An exemplar of a series. */
export interface ExemplarSpec {
  readonly labels: Record<string, string>;
  readonly value: number;
  readonly timestampMs: number | bigint;
}

/** A TimeSeries: labels in the order given (Prometheus sorts them; the decoder must not care). */
export interface SeriesSpec {
  readonly labels: Record<string, string>;
  readonly samples?: readonly SampleSpec[];
  readonly exemplars?: readonly ExemplarSpec[];
  /** Raw Histogram messages (field 4), for checking that they are skipped. */
  readonly histograms?: readonly Uint8Array[];
  /** Extra bytes appended to the TimeSeries message (unknown fields). */
  readonly extra?: Uint8Array;
}

/** A MetricMetadata entry; `type` is a {@link PROM_TYPE} value. */
export interface MetadataSpec {
  readonly type: number;
  readonly family: string;
  readonly help?: string;
  readonly unit?: string;
}

/** The prompb MetricMetadata.MetricType enum values. */
export const PROM_TYPE = { UNKNOWN: 0, COUNTER: 1, GAUGE: 2, HISTOGRAM: 3, GAUGEHISTOGRAM: 4, SUMMARY: 5, INFO: 6, STATESET: 7 } as const;

/** The Prometheus stale marker's bit pattern. */
export const STALE_BITS = '7ff0000000000002';

/** Protobuf writer: appends to a byte list. */
export class Pb {
  private readonly bytes: number[] = [];

  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.bytes.push(Number(x));
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }

  raw(b: Uint8Array | readonly number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }

  /** Length-delimited field. */
  len(field: number, payload: Uint8Array | string): this {
    const b = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    return this.tag(field, 2).varint(b.length).raw(b);
  }

  double(field: number, v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return this.tag(field, 1).raw(b);
  }

  /** A fixed64 field from 16 hex digits (big-endian as written), for exact double bit patterns. */
  bits(field: number, hex: string): this {
    return this.tag(field, 1).raw(Buffer.from(hex, 'hex').reverse());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function labels(pb: Pb, field: number, l: Record<string, string>): void {
  for (const [name, value] of Object.entries(l)) pb.len(field, new Pb().len(1, name).len(2, value).finish());
}

/** Encodes a prompb WriteRequest (timeseries = 1, metadata = 3). */
export function encodeWriteRequest(series: readonly SeriesSpec[], metadata: readonly MetadataSpec[] = []): Uint8Array {
  const req = new Pb();
  for (const s of series) {
    const ts = new Pb();
    labels(ts, 1, s.labels);
    for (const smp of s.samples ?? []) {
      const p = new Pb();
      if (smp.bits) p.bits(1, smp.bits);
      else p.double(1, smp.value ?? 0);
      p.tag(2, 0).varint(smp.timestampMs);
      ts.len(2, p.finish());
    }
    for (const e of s.exemplars ?? []) {
      const p = new Pb();
      labels(p, 1, e.labels);
      p.double(2, e.value).tag(3, 0).varint(e.timestampMs);
      ts.len(3, p.finish());
    }
    for (const h of s.histograms ?? []) ts.len(4, h);
    if (s.extra) ts.raw(s.extra);
    req.len(1, ts.finish());
  }
  for (const m of metadata) {
    const p = new Pb().tag(1, 0).varint(m.type).len(2, m.family);
    if (m.help !== undefined) p.len(4, m.help);
    if (m.unit !== undefined) p.len(5, m.unit);
    req.len(3, p.finish());
  }
  return req.finish();
}

// ---------------------------------------------------------------- snappy

function literal(out: number[], data: Uint8Array, from: number, to: number): void {
  let n = to - from;
  while (n > 0) {
    const chunk = Math.min(n, 65536);
    const m = chunk - 1;
    if (m < 60) out.push(m << 2);
    else if (m < 0x100) out.push(60 << 2, m);
    else out.push(61 << 2, m & 0xff, m >> 8);
    for (let i = 0; i < chunk; i++) out.push(data[from + i]);
    from += chunk;
    n -= chunk;
  }
}

function copy(out: number[], offset: number, n: number): void {
  while (n > 0) {
    // Keep at least 4 bytes for a last copy-1 piece.
    const chunk = n > 64 && n < 68 ? 60 : Math.min(n, 64);
    if (chunk >= 4 && chunk <= 11 && offset < 2048) out.push(1 | ((chunk - 4) << 2) | ((offset >> 8) << 5), offset & 0xff);
    else out.push(2 | ((chunk - 1) << 2), offset & 0xff, offset >> 8);
    n -= chunk;
  }
}

/** The snappy preamble: a varint of the uncompressed length. */
export function snappyPreamble(length: number): number[] {
  const out: number[] = [];
  let v = length;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/**
 * Compresses `data` as one snappy block: literals, plus (unless `copies` is false) copies found by a
 * 4-byte hash of earlier positions within 64 KiB.
 */
export function snappyCompress(data: Uint8Array, options: { copies?: boolean } = {}): Uint8Array {
  const out = snappyPreamble(data.length);
  const seen = new Map<number, number>();
  let lit = 0;
  let i = 0;
  while (i + 4 <= data.length && options.copies !== false) {
    const key = (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16)) * 256 + data[i + 3];
    const prev = seen.get(key);
    seen.set(key, i);
    if (prev !== undefined && i - prev < 65536) {
      let n = 4;
      while (i + n < data.length && data[prev + n] === data[i + n]) n++;
      literal(out, data, lit, i);
      copy(out, i - prev, n);
      i += n;
      lit = i;
    } else i++;
  }
  literal(out, data, lit, data.length);
  return Uint8Array.from(out);
}
