import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeWriteRequest, Pb, PROM_TYPE, STALE_BITS } from '../../../test/helpers/remote-write.js';
import { decodeWriteRequest, RemoteWriteDecodeError } from './remote-write-decode.js';

function refusal(buf: Uint8Array): RemoteWriteDecodeError {
  try {
    decodeWriteRequest(buf);
  } catch (err) {
    expect(err).toBeInstanceOf(RemoteWriteDecodeError);
    return err as RemoteWriteDecodeError;
  }
  throw new Error('expected a RemoteWriteDecodeError');
}

describe('remote-write WriteRequest decoding', () => {
  it('decodes series with labels, samples and exemplars', () => {
    const buf = encodeWriteRequest([
      {
        labels: { __name__: 'http_requests_total', code: '200', instance: 'web-1:9100', job: 'web' },
        samples: [
          { value: 1027, timestampMs: 1_700_000_000_000 },
          { value: 1030.5, timestampMs: 1_700_000_015_000 },
        ],
        exemplars: [{ labels: { trace_id: 'abc' }, value: 0.25, timestampMs: 1_700_000_014_000 }],
      },
      { labels: { __name__: 'up', job: 'web' }, samples: [{ value: -1, timestampMs: -5 }] },
    ]);
    expect(decodeWriteRequest(buf)).toEqual({
      timeseries: [
        {
          labels: [
            { name: '__name__', value: 'http_requests_total' },
            { name: 'code', value: '200' },
            { name: 'instance', value: 'web-1:9100' },
            { name: 'job', value: 'web' },
          ],
          samples: [
            { value: 1027, timestampMs: 1_700_000_000_000n, stale: false },
            { value: 1030.5, timestampMs: 1_700_000_015_000n, stale: false },
          ],
          exemplars: [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 0.25, timestampMs: 1_700_000_014_000n }],
          skippedHistograms: 0,
        },
        {
          labels: [
            { name: '__name__', value: 'up' },
            { name: 'job', value: 'web' },
          ],
          samples: [{ value: -1, timestampMs: -5n, stale: false }],
          exemplars: [],
          skippedHistograms: 0,
        },
      ],
      metadata: [],
    });
  });

  it('decodes metadata', () => {
    const buf = encodeWriteRequest([], [
      { type: PROM_TYPE.COUNTER, family: 'http_requests_total', help: 'Requests served.', unit: 'requests' },
      { type: PROM_TYPE.GAUGE, family: 'temperature' },
      { type: 99, family: 'future' },
    ]);
    expect(decodeWriteRequest(buf).metadata).toEqual([
      { type: 1, metricFamilyName: 'http_requests_total', help: 'Requests served.', unit: 'requests' },
      { type: 2, metricFamilyName: 'temperature', help: '', unit: '' },
      { type: 99, metricFamilyName: 'future', help: '', unit: '' },
    ]);
  });

  it('tells the stale marker apart from other NaNs', () => {
    const buf = encodeWriteRequest([
      {
        labels: { __name__: 'up' },
        samples: [
          { bits: STALE_BITS, timestampMs: 1 },
          { bits: '7ff8000000000001', timestampMs: 2 },
          { value: Number.NaN, timestampMs: 3 },
          { value: 0, timestampMs: 4 },
        ],
      },
    ]);
    const samples = decodeWriteRequest(buf).timeseries[0].samples;
    expect(samples.map((s) => s.stale)).toEqual([true, false, false, false]);
    expect(samples.map((s) => Number.isNaN(s.value))).toEqual([true, true, true, false]);
  });

  it('decodes empty input and empty messages to defaults', () => {
    expect(decodeWriteRequest(new Uint8Array(0))).toEqual({ timeseries: [], metadata: [] });
    const buf = new Pb().len(1, new Pb().len(2, new Uint8Array(0)).finish()).finish();
    expect(decodeWriteRequest(buf).timeseries[0]).toEqual({ labels: [], samples: [{ value: 0, timestampMs: 0n, stale: false }], exemplars: [], skippedHistograms: 0 });
  });

  it('skips native histograms and unknown fields of every wire type', () => {
    const histogram = new Pb().tag(1, 0).varint(5).double(3, 1.5).len(9, 'spans').finish();
    const unknown = new Pb()
      .tag(90, 0).varint(123456789)
      .tag(91, 1).raw(new Uint8Array(8))
      .len(92, 'ignored')
      .tag(93, 5).raw(new Uint8Array(4))
      .tag(94, 3).tag(1, 0).varint(1).tag(94, 4)
      .finish();
    const ts = { labels: { __name__: 'm' }, samples: [{ value: 2, timestampMs: 10 }], histograms: [histogram, histogram], extra: unknown };
    const buf = new Pb().raw(encodeWriteRequest([ts])).len(2, 'reserved field').raw(unknown).finish();
    const out = decodeWriteRequest(buf);
    expect(out.timeseries).toHaveLength(1);
    expect(out.timeseries[0]).toMatchObject({ labels: [{ name: '__name__', value: 'm' }], samples: [{ value: 2, timestampMs: 10n }], skippedHistograms: 2 });
  });

  it('accepts a later duplicate scalar field (last one wins, as protobuf says)', () => {
    const sample = new Pb().double(1, 1).double(1, 2).tag(2, 0).varint(7).finish();
    const buf = new Pb().len(1, new Pb().len(2, sample).finish()).finish();
    expect(decodeWriteRequest(buf).timeseries[0].samples).toEqual([{ value: 2, timestampMs: 7n, stale: false }]);
  });
});

describe('remote-write WriteRequest decoding: malformed input', () => {
  const good = encodeWriteRequest(
    [{ labels: { __name__: 'up', job: 'j' }, samples: [{ value: 1, timestampMs: 1_700_000_000_000 }], exemplars: [{ labels: { a: 'b' }, value: 1, timestampMs: 1 }] }],
    [{ type: 1, family: 'up', help: 'h', unit: 'u' }],
  );

  const cases: [string, Uint8Array, RegExp][] = [
    ['a truncated body', good.subarray(0, good.length - 3), /runs past the end|truncated/],
    ['a truncated varint', Uint8Array.from([0x0a, 0x80]), /truncated length/],
    ['a length past the end', Uint8Array.from([0x0a, 0x10, 0x00]), /runs past the end of the buffer/],
    ['field number 0', Uint8Array.from([0x02, 0x00]), /field number 0/],
    ['wrong wire type for timeseries', new Pb().tag(1, 0).varint(1).finish(), /WriteRequest.timeseries \(field 1\) has wrong wire type 0/],
    ['wrong wire type for a sample value', new Pb().len(1, new Pb().len(2, new Pb().tag(1, 5).raw([0, 0, 0, 0]).finish()).finish()).finish(), /Sample.value/],
    ['wrong wire type for metadata', new Pb().tag(3, 1).raw(new Uint8Array(8)).finish(), /WriteRequest.metadata/],
    ['a truncated double', new Pb().len(1, new Pb().len(2, new Pb().tag(1, 1).raw([0, 0, 0]).finish()).finish()).finish(), /truncated 8-byte value|runs past/],
    ['an unterminated group', new Pb().tag(7, 3).tag(1, 0).varint(1).finish(), /unterminated group/],
    ['an invalid wire type', Uint8Array.from([0x4e]), /invalid wire type 6/],
    ['an over-long varint', Uint8Array.from([0x48, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), /longer than 10 bytes/],
  ];
  for (const [what, buf, message] of cases) {
    it(`refuses ${what}`, () => {
      const err = refusal(buf);
      expect(err.message).toMatch(/^invalid remote-write protobuf: /);
      expect(err.message).toMatch(message);
    });
  }

  it('a sub-message running past its parent is refused', () => {
    // TimeSeries of 4 bytes whose Label claims 5.
    const buf = Uint8Array.from([0x0a, 0x04, 0x0a, 0x05, 0x0a, 0x01]);
    expect(refusal(buf).message).toMatch(/runs past/);
  });

  it('never throws anything but RemoteWriteDecodeError on random or mutated input', () => {
    for (let i = 0; i < 5000; i++) {
      let buf: Uint8Array;
      if (i % 2 === 0) buf = randomBytes(1 + (i % 97));
      else {
        buf = Uint8Array.from(good);
        buf[Math.floor(Math.random() * buf.length)] = Math.floor(Math.random() * 256);
        if (i % 3 === 0) buf = buf.subarray(0, Math.floor(Math.random() * buf.length));
      }
      try {
        decodeWriteRequest(buf);
      } catch (err) {
        expect(err).toBeInstanceOf(RemoteWriteDecodeError);
      }
    }
  });
});
