import { describe, expect, it } from 'vitest';
import { attributesJson, jstr, quote } from './json.js';

describe('quote', () => {
  it('equals JSON.stringify for every kind of character', () => {
    const fixed = ['', 'plain', 'q"uote', 'back\\slash', 'nl\n', 'tab\t', '\u0000\u001f', 'lone\ud800', 'lone\udc00x', 'pair\ud83d\ude00', 'é ü 中', '\u2028\u2029', '\u007f'];
    for (const s of fixed) expect(quote(s)).toBe(JSON.stringify(s));
    // random strings over a mix of ASCII, escapes, BMP and surrogate code units
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pool = [0x41, 0x7a, 0x20, 0x22, 0x5c, 0x0a, 0x00, 0x1f, 0xe9, 0x4e2d, 0xd83d, 0xde00, 0xd800, 0xdfff, 0x2028];
    for (let i = 0; i < 2000; i++) {
      const s = String.fromCharCode(...Array.from({ length: Math.floor(rand() * 12) }, () => pool[Math.floor(rand() * pool.length)]));
      expect(quote(s)).toBe(JSON.stringify(s));
    }
  });

  it('jstr replaces lone surrogates (String columns) and keeps pairs', () => {
    expect(jstr('a\ud800b')).toBe('"a\ufffdb"');
    expect(jstr('\ud83d\ude00')).toBe('"\ud83d\ude00"');
    expect(jstr('say "hi"')).toBe('"say \\"hi\\""');
  });

  it('attribute JSON parses back to the same values', () => {
    const attrs = { 'k"1': 'v\\1', 'k\n2': 'line\nbreak', n: 1.5, i: { int: 42n }, big: { int: 9223372036854775807n }, b: true, a: ['x', 2], l: 'lone\ud800' };
    expect(JSON.parse(attributesJson(attrs))).toEqual({ 'k"1': 'v\\1', 'k\n2': 'line\nbreak', n: 1.5, i: 42, big: '9223372036854775807', b: true, a: ['x', 2], l: 'lone\ud800' });
  });
});
