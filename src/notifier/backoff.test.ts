import { describe, expect, it } from 'vitest';
import { backoffDelay, MAX_RETRY_AFTER_MS, parseRetryAfter } from './backoff.js';

const policy = { attempts: 10, backoffMs: 1000, maxBackoffMs: 60_000 };

describe('backoffDelay', () => {
  it('doubles per attempt up to the cap, with half of it jittered', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(policy, a, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((a) => backoffDelay(policy, a, () => 0.999999))).toEqual([1000, 2000, 4000, 8000].map((v) => v / 2 + 0.999999 * (v / 2)));
    expect(backoffDelay(policy, 30, () => 1)).toBe(60_000);
    expect(backoffDelay(policy, 5000, () => 0)).toBe(30_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 0, 0, 0);
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read and caps what is too long', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('86400', now)).toBe(MAX_RETRY_AFTER_MS);
  });
});
