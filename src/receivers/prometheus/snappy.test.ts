import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { snappyCompress, snappyPreamble } from '../../../test/helpers/remote-write.js';
import { decompressSnappy, snappyDeclaredLength, SnappyError } from './snappy.js';

const MAX = 1 << 20;
const bytes = (...xs: number[]) => Uint8Array.from(xs);
const ascii = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

function refusal(input: Uint8Array, max = MAX): SnappyError {
  try {
    decompressSnappy(input, max);
  } catch (err) {
    expect(err).toBeInstanceOf(SnappyError);
    return err as SnappyError;
  }
  throw new Error('expected a SnappyError');
}

describe('snappy block decompression: hand-built vectors', () => {
  it('decodes an empty block', () => {
    expect(decompressSnappy(bytes(0), MAX)).toEqual(new Uint8Array(0));
  });

  it('decodes a short literal (length in the tag)', () => {
    // tag (5-1)<<2 = 0x10, then "hello"
    expect(text(decompressSnappy(bytes(5, 0x10, ...ascii('hello')), MAX))).toBe('hello');
  });

  it('decodes literals whose length follows in 1, 2, 3 and 4 bytes', () => {
    for (const [tagLen, n] of [[60, 100], [61, 300], [62, 70_000], [63, 70_001]] as const) {
      const data = randomBytes(n);
      const lenBytes = [...Buffer.alloc(4)].map((_, i) => ((n - 1) >>> (8 * i)) & 0xff).slice(0, tagLen - 59);
      const input = Buffer.concat([bytes(...snappyPreamble(n), tagLen << 2, ...lenBytes), data]);
      expect(Buffer.from(decompressSnappy(input, MAX)).equals(data)).toBe(true);
    }
  });

  it('decodes a copy with a 1-byte offset (length 4..11, 11-bit offset)', () => {
    // "abcd" then copy-1 of length 8 at offset 4: tag = 1 | (8-4)<<2 | (0<<5) = 0x11, offset byte 4.
    expect(text(decompressSnappy(bytes(12, 0x0c, ...ascii('abcd'), 0x11, 4), MAX))).toBe('abcdabcdabcd');
  });

  it('uses the high offset bits of a copy-1 tag', () => {
    const head = randomBytes(300);
    // copy-1, length 4, offset 300 = 0x12c: high bits 1 in tag bits 5..7, low byte 0x2c.
    const input = bytes(...snappyPreamble(304), 61 << 2, 299 & 0xff, 299 >> 8, ...head, 1 | (1 << 5), 0x2c);
    const out = decompressSnappy(input, MAX);
    expect(Buffer.from(out.subarray(300))).toEqual(head.subarray(0, 4));
  });

  it('decodes a copy with a 2-byte offset', () => {
    // "xyz" then copy-2 of length 3 at offset 3: tag = 2 | (3-1)<<2 = 0x0a, offset 3,0.
    expect(text(decompressSnappy(bytes(6, 0x08, ...ascii('xyz'), 0x0a, 3, 0), MAX))).toBe('xyzxyz');
  });

  it('decodes a copy with a 4-byte offset', () => {
    // "xyz" then copy-4 of length 2 at offset 2: tag = 3 | (2-1)<<2 = 0x07.
    expect(text(decompressSnappy(bytes(5, 0x08, ...ascii('xyz'), 0x07, 2, 0, 0, 0), MAX))).toBe('xyzyz');
  });

  it('decodes overlapping copies as a repeated pattern', () => {
    // "ab", then copy-2 of length 10 at offset 2, then "a" repeated by a copy-1 of length 5 at offset 1.
    const input = bytes(18, 0x04, ...ascii('ab'), 2 | (9 << 2), 2, 0, 0x00, ...ascii('c'), 1 | (1 << 2), 1);
    expect(text(decompressSnappy(input, MAX))).toBe('ababababababcccccc');
  });

  it('decodes a 64-byte copy (the longest a copy-2 can say)', () => {
    const input = bytes(65, 0x00, ...ascii('z'), 2 | (63 << 2), 1, 0);
    expect(text(decompressSnappy(input, MAX))).toBe('z'.repeat(65));
  });

  it('round-trips the test compressor, with and without copies', () => {
    const samples = [
      new Uint8Array(0),
      randomBytes(1000),
      Buffer.from('go_gc_duration_seconds{quantile="0.5"} '.repeat(500)),
      Buffer.concat([randomBytes(70_000), randomBytes(10).fill(7), Buffer.alloc(5000)]),
    ];
    for (const data of samples) {
      for (const copies of [true, false]) {
        const compressed = snappyCompress(data, { copies });
        expect(Buffer.from(decompressSnappy(compressed, MAX)).equals(data)).toBe(true);
      }
    }
    const repetitive = Buffer.from('abc'.repeat(10_000));
    expect(snappyCompress(repetitive).length).toBeLessThan(repetitive.length / 10);
  });

  it('reads the declared length and where the elements start', () => {
    expect(snappyDeclaredLength(bytes(0x80, 0x01, 0xff))).toEqual({ length: 128, start: 2 });
    expect(snappyDeclaredLength(bytes(0xff, 0xff, 0xff, 0xff, 0x0f))).toEqual({ length: 0xffffffff, start: 5 });
  });
});

describe('snappy block decompression: refusals', () => {
  it('refuses a declared length over the limit before allocating (a decompression bomb)', () => {
    // Six bytes declaring 4 GiB - 1.
    const err = refusal(bytes(0xff, 0xff, 0xff, 0xff, 0x0f, 0x00), 1000);
    expect(err.kind).toBe('too_large');
    expect(err.message).toMatch(/4294967295.*1000/);
    expect(refusal(bytes(...snappyPreamble(1001), 0x00, 0x41), 1000).kind).toBe('too_large');
  });

  it('accepts a block exactly at the limit', () => {
    expect(decompressSnappy(snappyCompress(new Uint8Array(1000)), 1000)).toHaveLength(1000);
  });

  const corrupt: [string, Uint8Array, RegExp][] = [
    ['empty input', bytes(), /truncated length/],
    ['truncated preamble', bytes(0x80), /truncated length/],
    ['preamble longer than 5 bytes', bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), /longer than 5 bytes/],
    ['preamble over 32 bits', bytes(0xff, 0xff, 0xff, 0xff, 0x1f), /exceeds 32 bits/],
    ['literal past the end of the input', bytes(5, 0x10, ...ascii('hel')), /runs past the end/],
    ['truncated literal length bytes', bytes(100, 61 << 2, 0x10), /truncated literal length/],
    ['literal longer than declared', bytes(2, 0x08, ...ascii('abc')), /overflows the declared length/],
    ['copy-1 missing its offset byte', bytes(8, 0x0c, ...ascii('abcd'), 0x01), /truncated copy/],
    ['copy-2 missing an offset byte', bytes(8, 0x0c, ...ascii('abcd'), 0x0a, 3), /truncated copy/],
    ['copy-4 missing offset bytes', bytes(8, 0x0c, ...ascii('abcd'), 0x07, 2, 0, 0), /truncated copy/],
    ['copy with offset 0', bytes(8, 0x0c, ...ascii('abcd'), 0x01, 0), /offset 0/],
    ['copy before the start of the output', bytes(8, 0x0c, ...ascii('abcd'), 0x01, 5), /offset 5 .* outside/],
    ['copy at the very start', bytes(4, 0x01, 1), /outside the output/],
    ['copy-4 with a huge offset', bytes(8, 0x0c, ...ascii('abcd'), 0x0f, 0xff, 0xff, 0xff, 0xff), /outside the output/],
    ['copy longer than declared', bytes(6, 0x0c, ...ascii('abcd'), 0x11, 4), /overflows the declared length/],
    ['output shorter than declared', bytes(10, 0x0c, ...ascii('abcd')), /after 4 of 10/],
  ];
  for (const [what, input, message] of corrupt) {
    it(`refuses ${what}`, () => {
      const err = refusal(input);
      expect(err.kind).toBe('corrupt');
      expect(err.message).toMatch(message);
    });
  }

  it('never throws anything but SnappyError on random or mutated input', () => {
    const good = snappyCompress(Buffer.from('http_requests_total{code="200"} 1027 '.repeat(50)));
    for (let i = 0; i < 3000; i++) {
      let input: Uint8Array;
      if (i % 2 === 0) input = randomBytes(1 + (i % 64));
      else {
        input = Uint8Array.from(good);
        for (let k = 0; k < 1 + (i % 4); k++) input[Math.floor(Math.random() * input.length)] = Math.floor(Math.random() * 256);
        if (i % 3 === 0) input = input.subarray(0, Math.floor(Math.random() * input.length));
      }
      try {
        const out = decompressSnappy(input, 4096);
        expect(out.length).toBeLessThanOrEqual(4096);
      } catch (err) {
        expect(err).toBeInstanceOf(SnappyError);
      }
    }
  });
});
