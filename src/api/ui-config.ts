/**
 * GET /api/config: the running configuration for the web UI's Settings page, read-only, with every
 * secret replaced by "[redacted]": API and ingest keys, and any field whose name says key, token,
 * secret, password or authorization (upstream headers included), however deep.
 */
import type { StrataConfig } from '../config/config.js';
import { ok, type Handler } from './http.js';

/** Field names that hold secrets: `apiKeys`, `api_key`, `authToken`, `password`, `Authorization`; not `maxTokens`. */
const SECRET_NAME = /(keys?|secrets?|passwords?|authori[sz]ation|credentials?|token)$/i;
export const REDACTED = '[redacted]';

/** A JSON-safe copy of `value` with secrets redacted (by field name) and functions dropped. */
export function redactConfig(value: unknown, name = ''): unknown {
  if (value === null || value === undefined) return null;
  if (SECRET_NAME.test(name)) {
    if (typeof value === 'string' || typeof value === 'number') return REDACTED;
    if (Array.isArray(value)) return value.map(() => REDACTED);
    if (typeof value === 'object') return Object.fromEntries(Object.keys(value).map((k) => [k, REDACTED]));
  }
  if (Array.isArray(value)) return value.map((v) => redactConfig(v, name));
  if (value instanceof RegExp) return value.source;
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v !== 'function').map(([k, v]) => [k, redactConfig(v, k)]));
  if (typeof value === 'bigint') return value.toString();
  return typeof value === 'function' ? undefined : value;
}

/**
 * The handler: the configuration as loaded, redacted, with the ports actually bound (a port
 * configured as 0 is shown as the one chosen).
 */
export function getConfigView(config: StrataConfig, ports: () => Record<string, number | null>): Handler {
  return async () => ok({ ...(redactConfig(config) as Record<string, unknown>), ports: ports() });
}
