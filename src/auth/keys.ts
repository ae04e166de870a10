import { timingSafeEqual } from 'node:crypto';

/**
 * Checks a presented key against the configured ones. No keys configured = open (allowed only on
 * loopback; configuration refuses anything else).
 */
export function createKeyCheck(keys: readonly string[]): (presented: string | undefined) => boolean {
  if (keys.length === 0) return () => true;
  const expected = keys.map((k) => Buffer.from(k));
  return (presented) => {
    if (!presented) return false;
    const got = Buffer.from(presented);
    return expected.some((k) => k.length === got.length && timingSafeEqual(k, got));
  };
}

/** The key from `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function keyFromHeaders(authorization: string | undefined, apiKey: string | undefined): string | undefined {
  if (authorization) {
    const m = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (m) return m[1].trim();
  }
  return apiKey?.trim() || undefined;
}
