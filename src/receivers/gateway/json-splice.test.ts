import { describe, expect, it } from 'vitest';
import { applySplices, arrayElements, objectMembers, removeMember, skipValue } from './json-splice.js';

describe('json-splice', () => {
  it('finds members and array elements whatever the spacing', () => {
    const text = '{ "a" : 1 , "b":{"x":[1,2,{"y":"}"}]}, "c" : "q\\"uote" }';
    const m = objectMembers(text, 0);
    expect([...m.keys()]).toEqual(['a', 'b', 'c']);
    const b = m.get('b')!;
    expect(text.slice(b.valueStart, b.valueEnd)).toBe('{"x":[1,2,{"y":"}"}]}');
    expect(text.slice(m.get('c')!.valueStart, m.get('c')!.valueEnd)).toBe('"q\\"uote"');
    const arr = '[ 1, "two" ,{"3":3}, [4] ]';
    expect(arrayElements(arr, 0).map((i) => arr.slice(i, skipValue(arr, i)))).toEqual(['1', '"two"', '{"3":3}', '[4]']);
    expect(arrayElements('[]', 0)).toEqual([]);
  });

  it('removes a member with the right comma, first, middle, last or alone', () => {
    const cases: [string, string, string][] = [
      ['{"a":1,"usage":null,"b":2}', 'usage', '{"a":1,"b":2}'],
      ['{"usage":null,"b":2}', 'usage', '{"b":2}'],
      ['{"a":1, "usage": {"x":1}}', 'usage', '{"a":1}'],
      ['{"usage":null}', 'usage', '{}'],
    ];
    for (const [text, key, want] of cases) {
      const splice = removeMember(text, objectMembers(text, 0), key)!;
      expect(applySplices(text, [splice])).toBe(want);
      expect(JSON.parse(applySplices(text, [splice]))).toEqual(JSON.parse(want));
    }
    expect(removeMember('{"a":1}', objectMembers('{"a":1}', 0), 'zz')).toBeNull();
  });

  it('throws SyntaxError on malformed text instead of looping', () => {
    for (const bad of ['{"a":', '{"a" 1}', '{"a":1,', '[1,2', '{"a":"x', '{a:1}']) expect(() => objectMembers(bad, 0) && arrayElements(bad, 0)).toThrow(SyntaxError);
  });
});
