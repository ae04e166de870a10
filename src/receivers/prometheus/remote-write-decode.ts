/**
 * Hand-written decoder of the Prometheus remote-write 1.0 `prometheus.WriteRequest` protobuf
 * (prompb remote.proto / types.proto), on the bounds-checked reader the OTLP decoders use.
 *
 * Decoded: time series (labels, float samples, exemplars) and metric metadata. Native histograms
 * (TimeSeries field 4) are counted and skipped, as is any unknown field of any wire type; a known
 * field with the wrong wire type, or anything truncated, raises {@link RemoteWriteDecodeError}.
 */
import { OtlpDecodeError } from '../otlp/types.js';
import { ProtoReader } from '../otlp/decode-protobuf/reader.js';

/** One label of a series or exemplar. */
export interface PromLabel {
  readonly name: string;
  readonly value: string;
}

/** One float sample. `stale` is true for Prometheus' staleness marker (the NaN 0x7ff0000000000002). */
export interface PromSample {
  readonly value: number;
  /** Unix milliseconds. */
  readonly timestampMs: bigint;
  readonly stale: boolean;
}

/** An exemplar of a series: its own labels (typically trace_id, span_id), value and time. */
export interface PromExemplar {
  readonly labels: readonly PromLabel[];
  readonly value: number;
  /** Unix milliseconds. */
  readonly timestampMs: bigint;
}

/** One series: its labels (`__name__` among them) and what was sent for it. */
export interface PromTimeSeries {
  /** In the order received (Prometheus sends them sorted by name). */
  readonly labels: readonly PromLabel[];
  readonly samples: readonly PromSample[];
  readonly exemplars: readonly PromExemplar[];
  /** Native histogram samples, which are not decoded. */
  readonly skippedHistograms: number;
}

/** MetricMetadata.MetricType values. */
export const PROM_METRIC_TYPE = {
  UNKNOWN: 0,
  COUNTER: 1,
  GAUGE: 2,
  HISTOGRAM: 3,
  GAUGEHISTOGRAM: 4,
  SUMMARY: 5,
  INFO: 6,
  STATESET: 7,
} as const;

/** What Prometheus knows about a metric family from the exposition's TYPE, HELP and UNIT lines. */
export interface PromMetadata {
  /** A {@link PROM_METRIC_TYPE} value (unknown values are kept as sent). */
  readonly type: number;
  readonly metricFamilyName: string;
  readonly help: string;
  readonly unit: string;
}

/** A decoded `prometheus.WriteRequest`. */
export interface PromWriteRequest {
  readonly timeseries: readonly PromTimeSeries[];
  readonly metadata: readonly PromMetadata[];
}

/** Raised for a body that is not a valid WriteRequest; the receiver answers 400. */
export class RemoteWriteDecodeError extends Error {
  override readonly name = 'RemoteWriteDecodeError';
}

// Field names by number, for wrong-wire-type errors.
const WRITE_REQUEST_FIELDS: Record<number, string> = { 1: 'timeseries', 3: 'metadata' };
const TIME_SERIES_FIELDS: Record<number, string> = { 1: 'labels', 2: 'samples', 3: 'exemplars', 4: 'histograms' };
const LABEL_FIELDS: Record<number, string> = { 1: 'name', 2: 'value' };
const SAMPLE_FIELDS: Record<number, string> = { 1: 'value', 2: 'timestamp' };
const EXEMPLAR_FIELDS: Record<number, string> = { 1: 'labels', 2: 'value', 3: 'timestamp' };
const METADATA_FIELDS: Record<number, string> = { 1: 'type', 2: 'metric_family_name', 4: 'help', 5: 'unit' };

/** Stale marker bits, split in the little-endian words the wire carries. */
const STALE_LO = 0x00000002;
const STALE_HI = 0x7ff00000;

/**
 * Decodes a (decompressed) remote-write body.
 * Throws {@link RemoteWriteDecodeError} for truncated or malformed protobuf; never anything else for
 * bad input.
 *
 * @example
 * const req = decodeWriteRequest(decompressSnappy(body, limit));
 * for (const ts of req.timeseries) console.log(ts.labels, ts.samples.length);
 */
export function decodeWriteRequest(buf: Uint8Array): PromWriteRequest {
  try {
    return readWriteRequest(new ProtoReader(buf));
  } catch (err) {
    if (err instanceof OtlpDecodeError) throw new RemoteWriteDecodeError(err.message.replace('invalid OTLP protobuf: ', 'invalid remote-write protobuf: '));
    throw err;
  }
}

function readWriteRequest(r: ProtoReader): PromWriteRequest {
  const timeseries: PromTimeSeries[] = [];
  const metadata: PromMetadata[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 10) timeseries.push(readTimeSeries(r, r.end()));
    else if (tag === 26) metadata.push(readMetadata(r, r.end()));
    else r.unknown(tag, WRITE_REQUEST_FIELDS, 'WriteRequest');
  }
  return { timeseries, metadata };
}

function readTimeSeries(r: ProtoReader, end: number): PromTimeSeries {
  const labels: PromLabel[] = [];
  const samples: PromSample[] = [];
  const exemplars: PromExemplar[] = [];
  let skippedHistograms = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        labels.push(readLabel(r, r.end()));
        break;
      case 18:
        samples.push(readSample(r, r.end()));
        break;
      case 26:
        exemplars.push(readExemplar(r, r.end()));
        break;
      case 34:
        r.pos = r.end();
        skippedHistograms++;
        break;
      default:
        r.unknown(tag, TIME_SERIES_FIELDS, 'TimeSeries');
    }
  }
  r.finish(end, 'TimeSeries');
  return { labels, samples, exemplars, skippedHistograms };
}

function readLabel(r: ProtoReader, end: number): PromLabel {
  let name = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) name = r.key();
    else if (tag === 18) value = r.string();
    else r.unknown(tag, LABEL_FIELDS, 'Label');
  }
  r.finish(end, 'Label');
  return { name, value };
}

function readSample(r: ProtoReader, end: number): PromSample {
  let value = 0;
  let stale = false;
  let timestampMs = 0n;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 9) {
      const at = r.pos;
      value = r.double();
      // The marker is told apart by its bits: any other NaN is an ordinary (if odd) value.
      stale = Number.isNaN(value) && wordAt(r.buf, at) === STALE_LO && wordAt(r.buf, at + 4) === STALE_HI;
    } else if (tag === 16) timestampMs = r.int64();
    else r.unknown(tag, SAMPLE_FIELDS, 'Sample');
  }
  r.finish(end, 'Sample');
  return { value, timestampMs, stale };
}

function readExemplar(r: ProtoReader, end: number): PromExemplar {
  const labels: PromLabel[] = [];
  let value = 0;
  let timestampMs = 0n;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) labels.push(readLabel(r, r.end()));
    else if (tag === 17) value = r.double();
    else if (tag === 24) timestampMs = r.int64();
    else r.unknown(tag, EXEMPLAR_FIELDS, 'Exemplar');
  }
  r.finish(end, 'Exemplar');
  return { labels, value, timestampMs };
}

function readMetadata(r: ProtoReader, end: number): PromMetadata {
  let type = 0;
  let metricFamilyName = '';
  let help = '';
  let unit = '';
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 8:
        type = r.int32();
        break;
      case 18:
        metricFamilyName = r.key();
        break;
      case 34:
        help = r.string();
        break;
      case 42:
        unit = r.key();
        break;
      default:
        r.unknown(tag, METADATA_FIELDS, 'MetricMetadata');
    }
  }
  r.finish(end, 'MetricMetadata');
  return { type, metricFamilyName, help, unit };
}

/** A little-endian 32-bit word of `buf` (already bounds-checked by the reader). */
function wordAt(buf: Uint8Array, at: number): number {
  return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0;
}
