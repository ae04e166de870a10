/**
 * The `alerting:` configuration section: where incident notifications go, and how hard to try
 * (docs/alerting.md, "Configuration").
 *
 * ```yaml
 * alerting:
 *   external_url: https://strata.example.com   # links in messages and Alertmanager's generatorURL; optional
 *   dead_letter_dir: /var/lib/strata/alerting   # default: <storage.data_dir>/alerting
 *   retry: { attempts: 5, backoff: 1s, max_backoff: 1m }
 *   timeout: 10s                 # one HTTP attempt
 *   queue_size: 1000             # pending incidents per receiver; past it the oldest is dropped
 *   flap_window: 1m              # a resolve is held this long; a re-open inside it is an update
 *   resend_interval: 1m          # Alertmanager: open alerts are sent again this often
 *   receivers:
 *     - name: ops
 *       type: webhook            # webhook | slack | alertmanager
 *       url: https://hooks.example.com/strata   # or url_env: OPS_WEBHOOK_URL
 *       headers: { X-Team: ml }  # optional; headers_env: { Authorization: OPS_TOKEN } reads values from the environment
 *       changes: [open, update, resolve]         # default all three
 *       min_interval: 5m         # at most one update per incident this often (open and resolve always go)
 *       retry: { attempts: 3 }   # optional, overrides the section's retry
 *       timeout: 5s              # optional, overrides the section's timeout
 * ```
 */
import { parseDurationMs } from '../duration.js';
import type { IncidentChange } from '../incidents/types.js';
import type { RetryPolicy } from './backoff.js';

export const RECEIVER_TYPES = ['webhook', 'slack', 'alertmanager'] as const;
export type ReceiverType = (typeof RECEIVER_TYPES)[number];

export const INCIDENT_CHANGES: readonly IncidentChange[] = ['open', 'update', 'resolve'];

export interface ReceiverConfig {
  /** Unique; names the receiver in metrics and dead letters. */
  readonly name: string;
  readonly type: ReceiverType;
  /** Where to POST (for Alertmanager, its base URL or the full `/api/v2/alerts` URL). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The changes this receiver is told of. */
  readonly changes: readonly IncidentChange[];
  /** At most one update per incident this often. */
  readonly minIntervalMs: number;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
}

export interface AlertingConfig {
  readonly receivers: readonly ReceiverConfig[];
  /** Base URL of Strata's API for links (`<external_url>/api/incidents/<id>`); null: no links. */
  readonly externalUrl: string | null;
  /** Where dead letters go; null: the integrator's default (`<data_dir>/alerting`). */
  readonly deadLetterDir: string | null;
  readonly queueSize: number;
  readonly flapWindowMs: number;
  readonly resendIntervalMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, backoffMs: 1000, maxBackoffMs: 60_000 };
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MIN_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_QUEUE_SIZE = 1000;
export const DEFAULT_FLAP_WINDOW_MS = 60_000;
export const DEFAULT_RESEND_INTERVAL_MS = 60_000;

export const DEFAULT_ALERTING_CONFIG: AlertingConfig = {
  receivers: [],
  externalUrl: null,
  deadLetterDir: null,
  queueSize: DEFAULT_QUEUE_SIZE,
  flapWindowMs: DEFAULT_FLAP_WINDOW_MS,
  resendIntervalMs: DEFAULT_RESEND_INTERVAL_MS,
};

export class AlertingConfigError extends Error {
  override readonly name = 'AlertingConfigError';
}

const SECTION_KEYS = ['receivers', 'retry', 'timeout', 'external_url', 'dead_letter_dir', 'queue_size', 'flap_window', 'resend_interval'];
const RECEIVER_KEYS = ['name', 'type', 'url', 'url_env', 'headers', 'headers_env', 'changes', 'min_interval', 'retry', 'timeout'];
const RETRY_KEYS = ['attempts', 'backoff', 'max_backoff'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function fail(where: string, message: string): never {
  throw new AlertingConfigError(`${where}: ${message}`);
}

function mapping(v: unknown, where: string, keys: readonly string[]): Record<string, unknown> {
  if (!isRecord(v)) fail(where, `expected a mapping, got ${JSON.stringify(v)}`);
  for (const k of Object.keys(v)) if (!keys.includes(k)) fail(`${where}.${k}`, `unknown setting (known: ${keys.join(', ')})`);
  return v;
}

function text(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.trim() === '') fail(where, `expected a non-empty string, got ${JSON.stringify(v)}`);
  return v.trim();
}

function duration(v: unknown, where: string): number {
  return parseDurationMs(v, (expected) => fail(where, `expected ${expected}, got ${JSON.stringify(v)}`));
}

function positiveInt(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) fail(where, `expected an integer of 1 or more, got ${JSON.stringify(v)}`);
  return v;
}

function httpUrl(v: unknown, where: string): string {
  const s = text(v, where);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    fail(where, `expected an http(s) URL, got ${JSON.stringify(s)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') fail(where, `expected an http(s) URL, got ${JSON.stringify(s)}`);
  return s;
}

function envValue(name: unknown, where: string, env: NodeJS.ProcessEnv): string {
  const variable = text(name, where);
  const value = env[variable];
  if (value === undefined || value.trim() === '') fail(where, `the environment variable ${variable} is not set`);
  return value.trim();
}

function parseRetry(raw: unknown, where: string, base: RetryPolicy): RetryPolicy {
  if (raw === undefined || raw === null) return base;
  const r = mapping(raw, where, RETRY_KEYS);
  const attempts = r.attempts === undefined ? base.attempts : positiveInt(r.attempts, `${where}.attempts`);
  const backoffMs = r.backoff === undefined ? base.backoffMs : duration(r.backoff, `${where}.backoff`);
  const maxBackoffMs = r.max_backoff === undefined ? Math.max(base.maxBackoffMs, backoffMs) : duration(r.max_backoff, `${where}.max_backoff`);
  if (maxBackoffMs < backoffMs) fail(`${where}.max_backoff`, `must not be shorter than backoff (${backoffMs} ms), got ${maxBackoffMs} ms`);
  return { attempts, backoffMs, maxBackoffMs };
}

function parseHeaders(raw: Record<string, unknown>, where: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const headers: Record<string, string> = {};
  const add = (name: string, value: string, at: string): void => {
    if (!HEADER_NAME.test(name)) fail(at, `not a valid header name`);
    if (/[\r\n]/.test(value)) fail(at, `a header value must not contain a line break`);
    if (Object.keys(headers).some((h) => h.toLowerCase() === name.toLowerCase())) fail(at, `header ${name} is given twice`);
    headers[name] = value;
  };
  if (raw.headers !== undefined) {
    if (!isRecord(raw.headers)) fail(`${where}.headers`, `expected a mapping of header names to values, got ${JSON.stringify(raw.headers)}`);
    for (const [name, value] of Object.entries(raw.headers)) {
      if (typeof value !== 'string' && typeof value !== 'number') fail(`${where}.headers.${name}`, `expected a string, got ${JSON.stringify(value)}`);
      add(name, String(value), `${where}.headers.${name}`);
    }
  }
  if (raw.headers_env !== undefined) {
    if (!isRecord(raw.headers_env)) fail(`${where}.headers_env`, `expected a mapping of header names to environment variable names`);
    for (const [name, variable] of Object.entries(raw.headers_env)) add(name, envValue(variable, `${where}.headers_env.${name}`, env), `${where}.headers_env.${name}`);
  }
  return headers;
}

function parseChanges(raw: unknown, where: string): readonly IncidentChange[] {
  if (raw === undefined) return INCIDENT_CHANGES;
  if (!Array.isArray(raw) || raw.length === 0) fail(where, `expected a non-empty list of ${INCIDENT_CHANGES.join(', ')}`);
  const out: IncidentChange[] = [];
  raw.forEach((c, i) => {
    if (!(INCIDENT_CHANGES as readonly unknown[]).includes(c)) fail(`${where}[${i}]`, `expected one of ${INCIDENT_CHANGES.join(', ')}, got ${JSON.stringify(c)}`);
    if (!out.includes(c as IncidentChange)) out.push(c as IncidentChange);
  });
  return INCIDENT_CHANGES.filter((c) => out.includes(c));
}

function parseReceiver(raw: unknown, where: string, retry: RetryPolicy, timeoutMs: number, env: NodeJS.ProcessEnv): ReceiverConfig {
  const r = mapping(raw, where, RECEIVER_KEYS);
  const name = text(r.name, `${where}.name`);
  if (r.type === undefined) fail(`${where}.type`, `required (one of ${RECEIVER_TYPES.join(', ')})`);
  if (!(RECEIVER_TYPES as readonly unknown[]).includes(r.type)) fail(`${where}.type`, `expected one of ${RECEIVER_TYPES.join(', ')}, got ${JSON.stringify(r.type)}`);
  if (r.url !== undefined && r.url_env !== undefined) fail(where, `give url or url_env, not both`);
  let url: string;
  if (r.url !== undefined) url = httpUrl(r.url, `${where}.url`);
  else if (r.url_env !== undefined) url = httpUrl(envValue(r.url_env, `${where}.url_env`, env), `${where}.url_env`);
  else fail(`${where}.url`, `required (or url_env)`);
  return {
    name,
    type: r.type as ReceiverType,
    url,
    headers: parseHeaders(r, where, env),
    changes: parseChanges(r.changes, `${where}.changes`),
    minIntervalMs: r.min_interval === undefined ? DEFAULT_MIN_INTERVAL_MS : duration(r.min_interval, `${where}.min_interval`),
    retry: parseRetry(r.retry, `${where}.retry`, retry),
    timeoutMs: r.timeout === undefined ? timeoutMs : duration(r.timeout, `${where}.timeout`),
  };
}

/**
 * Validates the `alerting:` section (absent or null: no receivers). Errors name the field, e.g.
 * `alerting.receivers[0].url_env: the environment variable OPS_URL is not set`. `env` is where
 * `url_env` and `headers_env` are read (default `process.env`).
 */
export function parseAlertingConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): AlertingConfig {
  if (raw === undefined || raw === null) return DEFAULT_ALERTING_CONFIG;
  const where = 'alerting';
  const s = mapping(raw, where, SECTION_KEYS);
  const retry = parseRetry(s.retry, `${where}.retry`, DEFAULT_RETRY);
  const timeoutMs = s.timeout === undefined ? DEFAULT_TIMEOUT_MS : duration(s.timeout, `${where}.timeout`);
  let receivers: ReceiverConfig[] = [];
  if (s.receivers !== undefined && s.receivers !== null) {
    if (!Array.isArray(s.receivers)) fail(`${where}.receivers`, `expected a list of receivers, got ${JSON.stringify(s.receivers)}`);
    receivers = s.receivers.map((r, i) => parseReceiver(r, `${where}.receivers[${i}]`, retry, timeoutMs, env));
    const seen = new Set<string>();
    receivers.forEach((r, i) => {
      if (seen.has(r.name)) fail(`${where}.receivers[${i}].name`, `${JSON.stringify(r.name)} is used by an earlier receiver`);
      seen.add(r.name);
    });
  }
  return {
    receivers,
    externalUrl: s.external_url === undefined || s.external_url === null ? null : httpUrl(s.external_url, `${where}.external_url`).replace(/\/+$/, ''),
    deadLetterDir: s.dead_letter_dir === undefined || s.dead_letter_dir === null ? null : text(s.dead_letter_dir, `${where}.dead_letter_dir`),
    queueSize: s.queue_size === undefined ? DEFAULT_QUEUE_SIZE : positiveInt(s.queue_size, `${where}.queue_size`),
    flapWindowMs: s.flap_window === undefined ? DEFAULT_FLAP_WINDOW_MS : flapWindow(s.flap_window, `${where}.flap_window`),
    resendIntervalMs: s.resend_interval === undefined ? DEFAULT_RESEND_INTERVAL_MS : duration(s.resend_interval, `${where}.resend_interval`),
  };
}

/** `0` turns the hold off (a resolve goes at once); otherwise a duration. */
function flapWindow(v: unknown, where: string): number {
  return v === 0 || v === '0' ? 0 : duration(v, where);
}
