import { describe, expect, it } from 'vitest';
import { replaceData, SseSplitter } from './sse.js';

describe('SseSplitter', () => {
  it('yields events only when complete, across arbitrary chunk boundaries and line endings', () => {
    const text = 'data: {"a":1}\n\nevent: response.completed\ndata: {"b":"é"}\r\n\r\n: comment\ndata: [DONE]\n\n';
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut += 3) {
      const s = new SseSplitter();
      const events = [...s.push(bytes.subarray(0, cut)), ...s.push(bytes.subarray(cut))];
      expect(events.map((e) => e.data)).toEqual(['{"a":1}', '{"b":"é"}', '[DONE]']);
      expect(events[1].event).toBe('response.completed');
      expect(events.map((e) => e.raw).join('')).toBe(text);
      expect(s.end()).toBe('');
    }
  });

  it('keeps an unterminated tail for end() and replaces single-line data in place', () => {
    const s = new SseSplitter();
    expect(s.push(Buffer.from('data: {"x":1}\n\ndata: partial'))).toHaveLength(1);
    expect(s.end()).toBe('data: partial');
    const [ev] = new SseSplitter().push(Buffer.from('data:{"x":1}\n\n'));
    expect(replaceData(ev, '{"x":2}')).toBe('data:{"x":2}\n\n');
  });
});
