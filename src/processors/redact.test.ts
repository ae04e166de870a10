import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED } from './redact.js';

describe('built-in redactors', () => {
  const email = createRedactor(['email'])!;
  const card = createRedactor(['card_number'])!;
  const key = createRedactor(['api_key'])!;

  it('redacts email addresses and leaves lookalikes', () => {
    expect(email('write to bob.smith+x@mail.example.com, or ann@ex.org.')).toBe(`write to ${REDACTED}, or ${REDACTED}.`);
    expect(email('a @ b, user@localhost, @handle, x@y.z1')).toBe('a @ b, user@localhost, @handle, x@y.z1');
    expect(email('no at sign here')).toBe('no at sign here');
  });

  it('redacts Luhn-valid card numbers, grouped or not, and leaves other long numbers', () => {
    expect(card('card 4111 1111 1111 1111 ok')).toBe(`card ${REDACTED} ok`);
    expect(card('card 4111-1111-1111-1111')).toBe(`card ${REDACTED}`);
    expect(card('5500005555555559')).toBe(REDACTED);
    expect(card('order 4111111111111112 (fails Luhn)')).toBe('order 4111111111111112 (fails Luhn)');
    expect(card('id abc4111111111111111 is glued to letters')).toBe('id abc4111111111111111 is glued to letters');
    expect(card('year 2024, 12 apples')).toBe('year 2024, 12 apples');
  });

  it('redacts key-like tokens', () => {
    expect(key('use sk-proj_abcdefghijklmnop1234 now')).toBe(`use ${REDACTED} now`);
    expect(key('api_0123456789abcdefXYZ')).toBe(REDACTED);
    expect(key('task-list and sk-short stay')).toBe('task-list and sk-short stay');
    expect(key('desk-abcdefghijklmnopqrstu')).toBe('desk-abcdefghijklmnopqrstu');
  });

  it('combines built-ins with regular expressions, in order', () => {
    const r = createRedactor(['email', 'secret-\\d+'])!;
    expect(r('mail a@b.io with secret-42')).toBe(`mail ${REDACTED} with ${REDACTED}`);
    expect(createRedactor([])).toBeNull();
    expect(() => createRedactor(['('])).toThrow();
  });
});
