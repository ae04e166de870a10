/**
 * Protobuf decoding of the OTLP metric data points: number, histogram, exponential histogram
 * and summary points, with their exemplars.
 */
import type {
  Attributes,
  Exemplar,
  ExpHistogramBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  NumberDataPoint,
  SummaryDataPoint,
} from '../types.js';
import { readKeyValue } from './common.js';
import { fail, type ProtoReader } from './reader.js';

const NUMBER_POINT_FIELDS: Record<number, string> = {
  2: 'start_time_unix_nano',
  3: 'time_unix_nano',
  4: 'as_double',
  5: 'exemplars',
  6: 'as_int',
  7: 'attributes',
  8: 'flags',
};
const HISTOGRAM_POINT_FIELDS: Record<number, string> = {
  2: 'start_time_unix_nano',
  3: 'time_unix_nano',
  4: 'count',
  5: 'sum',
  6: 'bucket_counts',
  7: 'explicit_bounds',
  8: 'exemplars',
  9: 'attributes',
  10: 'flags',
  11: 'min',
  12: 'max',
};
const EXP_POINT_FIELDS: Record<number, string> = {
  1: 'attributes',
  2: 'start_time_unix_nano',
  3: 'time_unix_nano',
  4: 'count',
  5: 'sum',
  6: 'scale',
  7: 'zero_count',
  8: 'positive',
  9: 'negative',
  10: 'flags',
  11: 'exemplars',
  12: 'min',
  13: 'max',
  14: 'zero_threshold',
};
const BUCKETS_FIELDS: Record<number, string> = { 1: 'offset', 2: 'bucket_counts' };
const SUMMARY_POINT_FIELDS: Record<number, string> = {
  2: 'start_time_unix_nano',
  3: 'time_unix_nano',
  4: 'count',
  5: 'sum',
  6: 'quantile_values',
  7: 'attributes',
  8: 'flags',
};
const QUANTILE_FIELDS: Record<number, string> = { 1: 'quantile', 2: 'value' };
const EXEMPLAR_FIELDS: Record<number, string> = {
  2: 'time_unix_nano',
  3: 'as_double',
  4: 'span_id',
  5: 'trace_id',
  6: 'as_int',
  7: 'filtered_attributes',
};

/** Decodes a NumberDataPoint message ending at `end`. */
export function readNumberPoint(r: ProtoReader, end: number): NumberDataPoint {
  const p: NumberDataPoint = {
    attributes: {},
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    exemplars: [],
    flags: 0,
    value: 0,
    isInt: false,
  };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 17:
        p.startTimeUnixNano = r.fixed64();
        break;
      case 25:
        p.timeUnixNano = r.fixed64();
        break;
      case 33:
        p.value = r.double();
        p.isInt = false;
        break;
      case 42:
        p.exemplars.push(readExemplar(r, r.end()));
        break;
      case 49:
        p.value = r.sfixed64Number();
        p.isInt = true;
        break;
      case 58:
        readKeyValue(r, r.end(), p.attributes);
        break;
      case 64:
        p.flags = r.uint32();
        break;
      default:
        r.unknown(tag, NUMBER_POINT_FIELDS, 'NumberDataPoint'); // 1: removed labels, skipped
    }
  }
  r.finish(end, 'NumberDataPoint');
  return p;
}

/** Reads a packed run of fixed64 counts (the caller matched wire type 2). */
function readPackedFixed64(r: ProtoReader, out: number[], field: string): void {
  const end = r.end();
  if ((end - r.pos) % 8 !== 0) fail(`packed ${field} is not a multiple of 8 bytes`);
  while (r.pos < end) out.push(r.fixed64Number());
}

/** Decodes a HistogramDataPoint message ending at `end`. */
export function readHistogramPoint(r: ProtoReader, end: number): HistogramDataPoint {
  const p: HistogramDataPoint = {
    attributes: {},
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    exemplars: [],
    flags: 0,
    count: 0,
    sum: null,
    bucketCounts: [],
    explicitBounds: [],
    min: null,
    max: null,
  };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 17:
        p.startTimeUnixNano = r.fixed64();
        break;
      case 25:
        p.timeUnixNano = r.fixed64();
        break;
      case 33:
        p.count = r.fixed64Number();
        break;
      case 41:
        p.sum = r.double();
        break;
      case 49:
        p.bucketCounts.push(r.fixed64Number());
        break;
      case 50:
        readPackedFixed64(r, p.bucketCounts, 'HistogramDataPoint.bucket_counts');
        break;
      case 57:
        p.explicitBounds.push(r.double());
        break;
      case 58: {
        const e = r.end();
        if ((e - r.pos) % 8 !== 0) fail('packed HistogramDataPoint.explicit_bounds is not a multiple of 8 bytes');
        while (r.pos < e) p.explicitBounds.push(r.double());
        break;
      }
      case 66:
        p.exemplars.push(readExemplar(r, r.end()));
        break;
      case 74:
        readKeyValue(r, r.end(), p.attributes);
        break;
      case 80:
        p.flags = r.uint32();
        break;
      case 89:
        p.min = r.double();
        break;
      case 97:
        p.max = r.double();
        break;
      default:
        r.unknown(tag, HISTOGRAM_POINT_FIELDS, 'HistogramDataPoint');
    }
  }
  r.finish(end, 'HistogramDataPoint');
  return p;
}

function readBuckets(r: ProtoReader, end: number): ExpHistogramBuckets {
  const b: ExpHistogramBuckets = { offset: 0, bucketCounts: [] };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 8) b.offset = r.sint32();
    else if (tag === 16) b.bucketCounts.push(r.uint64Number());
    else if (tag === 18) {
      const e = r.end();
      while (r.pos < e) b.bucketCounts.push(r.uint64Number());
      r.finish(e, 'packed ExponentialHistogramDataPoint.Buckets.bucket_counts');
    } else r.unknown(tag, BUCKETS_FIELDS, 'ExponentialHistogramDataPoint.Buckets');
  }
  r.finish(end, 'ExponentialHistogramDataPoint.Buckets');
  return b;
}

/** Decodes an ExponentialHistogramDataPoint message ending at `end`. */
export function readExpHistogramPoint(r: ProtoReader, end: number): ExponentialHistogramDataPoint {
  const p: ExponentialHistogramDataPoint = {
    attributes: {},
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    exemplars: [],
    flags: 0,
    count: 0,
    sum: null,
    scale: 0,
    zeroCount: 0,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
    min: null,
    max: null,
    zeroThreshold: 0,
  };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        readKeyValue(r, r.end(), p.attributes);
        break;
      case 17:
        p.startTimeUnixNano = r.fixed64();
        break;
      case 25:
        p.timeUnixNano = r.fixed64();
        break;
      case 33:
        p.count = r.fixed64Number();
        break;
      case 41:
        p.sum = r.double();
        break;
      case 48:
        p.scale = r.sint32();
        break;
      case 57:
        p.zeroCount = r.fixed64Number();
        break;
      case 66:
        p.positive = readBuckets(r, r.end());
        break;
      case 74:
        p.negative = readBuckets(r, r.end());
        break;
      case 80:
        p.flags = r.uint32();
        break;
      case 90:
        p.exemplars.push(readExemplar(r, r.end()));
        break;
      case 97:
        p.min = r.double();
        break;
      case 105:
        p.max = r.double();
        break;
      case 113:
        p.zeroThreshold = r.double();
        break;
      default:
        r.unknown(tag, EXP_POINT_FIELDS, 'ExponentialHistogramDataPoint');
    }
  }
  r.finish(end, 'ExponentialHistogramDataPoint');
  return p;
}

/** Decodes a SummaryDataPoint message ending at `end`. */
export function readSummaryPoint(r: ProtoReader, end: number): SummaryDataPoint {
  const attributes: Attributes = {};
  const p: SummaryDataPoint = {
    attributes,
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    flags: 0,
    count: 0,
    sum: 0,
    quantileValues: [],
  };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 17:
        p.startTimeUnixNano = r.fixed64();
        break;
      case 25:
        p.timeUnixNano = r.fixed64();
        break;
      case 33:
        p.count = r.fixed64Number();
        break;
      case 41:
        p.sum = r.double();
        break;
      case 50:
        p.quantileValues.push(readQuantile(r, r.end()));
        break;
      case 58:
        readKeyValue(r, r.end(), attributes);
        break;
      case 64:
        p.flags = r.uint32();
        break;
      default:
        r.unknown(tag, SUMMARY_POINT_FIELDS, 'SummaryDataPoint');
    }
  }
  r.finish(end, 'SummaryDataPoint');
  return p;
}

function readQuantile(r: ProtoReader, end: number): { quantile: number; value: number } {
  const q = { quantile: 0, value: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 9) q.quantile = r.double();
    else if (tag === 17) q.value = r.double();
    else r.unknown(tag, QUANTILE_FIELDS, 'SummaryDataPoint.ValueAtQuantile');
  }
  r.finish(end, 'SummaryDataPoint.ValueAtQuantile');
  return q;
}

function readExemplar(r: ProtoReader, end: number): Exemplar {
  const ex: Exemplar = { filteredAttributes: {}, timeUnixNano: 0n, value: 0, spanId: '', traceId: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 17:
        ex.timeUnixNano = r.fixed64();
        break;
      case 25:
        ex.value = r.double();
        break;
      case 34:
        ex.spanId = r.id(8, 'Exemplar.span_id');
        break;
      case 42:
        ex.traceId = r.id(16, 'Exemplar.trace_id');
        break;
      case 49:
        ex.value = r.sfixed64Number();
        break;
      case 58:
        readKeyValue(r, r.end(), ex.filteredAttributes);
        break;
      default:
        r.unknown(tag, EXEMPLAR_FIELDS, 'Exemplar'); // 1: removed filtered_labels, skipped
    }
  }
  r.finish(end, 'Exemplar');
  return ex;
}
