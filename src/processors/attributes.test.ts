import { describe, expect, it } from 'vitest';
import { asBoolean, asCount, asNumber, asString, asStringList, pickCount, toPlain } from './attributes.js';

describe('AnyValue readers', () => {
  it('reads numbers from doubles, int64 and numeric strings', () => {
    expect(asNumber(12.5)).toBe(12.5);
    expect(asNumber({ int: 42n })).toBe(42);
    expect(asNumber(' 17 ')).toBe(17);
    expect(asNumber('1e3')).toBe(1000);
    expect(asNumber('abc')).toBeNull();
    expect(asNumber('')).toBeNull();
    expect(asNumber('   ')).toBeNull();
    expect(asNumber(NaN)).toBeNull();
    expect(asNumber(Infinity)).toBeNull();
    expect(asNumber(true)).toBeNull();
    expect(asNumber(null)).toBeNull();
    expect(asNumber(undefined)).toBeNull();
  });

  it('rejects negative and NaN counts', () => {
    expect(asCount(-1)).toBeNull();
    expect(asCount('-5')).toBeNull();
    expect(asCount('NaN')).toBeNull();
    expect(asCount({ int: 0n })).toBe(0);
    expect(pickCount({ a: 'x', b: -2, c: '7' }, ['a', 'b', 'c'])).toBe(7);
  });

  it('reads strings and booleans', () => {
    expect(asString('x')).toBe('x');
    expect(asString('')).toBeNull();
    expect(asString({ int: 9007199254740993n })).toBe('9007199254740993');
    expect(asString(3)).toBe('3');
    expect(asString([1])).toBeNull();
    expect(asBoolean('TRUE')).toBe(true);
    expect(asBoolean({ int: 0n })).toBe(false);
    expect(asBoolean('yes')).toBeNull();
    expect(asStringList(['a', { int: 2n }, '', null])).toEqual(['a', '2']);
    expect(asStringList('stop')).toEqual(['stop']);
  });

  it('converts structured values to plain JS', () => {
    const v = {
      kvlist: {
        a: [1.5, { int: 2n }, { int: 9007199254740993n }],
        b: new Uint8Array([104, 105]),
        c: { kvlist: { d: null, e: true } },
      },
    };
    expect(toPlain(v)).toEqual({ a: [1.5, 2, '9007199254740993'], b: 'aGk=', c: { d: null, e: true } });
    const kv = JSON.parse('{"__proto__":"x"}') as Record<string, string>;
    const plain = toPlain({ kvlist: kv }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(plain, '__proto__')?.value).toBe('x');
  });
});
