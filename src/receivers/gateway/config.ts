/**
 * The gateway's configuration (the `gateway:` section of the YAML file), defaults as named
 * constants, validated into one shape. Errors name the field, e.g. `gateway.routes[1].upstreams`.
 *
 * ```yaml
 * gateway:
 *   port: 4100
 *   routes:
 *     - model: "llama-*"                      # glob on the request's model
 *       upstreams: ["http://gpu-node-1:8000/v1", "http://gpu-node-2:8000/v1"]
 *       # an upstream may also name its replica: { url: "http://10.0.0.7:8000/v1", replica: "gpu-node-3:8000" }
 *       balance: least_outstanding            # or round_robin (default)
 *       api_key_env: UPSTREAM_KEY             # optional
 *       logprobs: { top: 5 }                  # optional; false to disable
 *       capture: true                         # prompt/completion content on the span
 * ```
 */

import { parseDurationMs } from '../../duration.js';

export const DEFAULT_GATEWAY_PORT = 4100;
/** How many alternatives per token the gateway asks for when logprobs are on. */
export const DEFAULT_TOP_LOGPROBS = 5;
/** Time allowed for the upstream to answer with headers (connection and queueing included). */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 120_000;
/** Time allowed between two bytes of an upstream response once it has started. */
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
/** Largest request body the gateway accepts from a client. */
export const DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024;

export type Balance = 'round_robin' | 'least_outstanding';

export interface GatewayRoute {
  /** Glob on the request's `model` (`*` any run, `?` one character). */
  readonly model: string;
  /** Upstream base URLs, each ending before the API path (`http://host:8000/v1`). */
  readonly upstreams: readonly string[];
  /**
   * The replica name of each upstream (same index), written as `strata.gateway.replica` on the span
   * and preferred over `server.address:server.port` as its replica entity; null: none given.
   */
  readonly replicas: readonly (string | null)[];
  readonly balance: Balance;
  /** Environment variable holding the upstream's API key; without it the client's Authorization passes through. */
  readonly apiKeyEnv: string | null;
  /** Alternatives per token to ask for; null when logprobs are not requested. */
  readonly topLogprobs: number | null;
  /** Keep prompts and completions on the span. */
  readonly capture: boolean;
  /** Redaction rules for captured content (built-in names or regular expressions). */
  readonly redact: readonly string[];
  /** `gen_ai.provider.name` for this route's spans, when known. */
  readonly provider: string | null;
  readonly timeoutMs: number;
  readonly idleTimeoutMs: number;
}

export interface GatewayConfig {
  /** 0 means any free port; null disables the gateway. */
  readonly port: number | null;
  readonly routes: readonly GatewayRoute[];
  readonly maxRequestBytes: number;
}

export const DEFAULT_GATEWAY_CONFIG: GatewayConfig = { port: DEFAULT_GATEWAY_PORT, routes: [], maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES };

/** A gateway setting that cannot be used; the message names the field. */
export class GatewayConfigError extends Error {
  override readonly name = 'GatewayConfigError';
}

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function fail(where: string, expected: string, got: unknown): never {
  throw new GatewayConfigError(`${where}: expected ${expected}, got ${JSON.stringify(got)}`);
}

function nonEmptyString(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.trim() === '') fail(where, 'a non-empty string', v);
  return v.trim();
}

function positiveInt(v: unknown, where: string): number {
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) fail(where, 'a positive integer', v);
  return n;
}

function durationMs(v: unknown, where: string): number {
  return parseDurationMs(v, (expected) => fail(where, expected, v));
}

function upstreamUrl(v: unknown, where: string): string {
  const s = nonEmptyString(v, where);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    fail(where, 'an http(s) URL such as http://gpu-node-1:8000/v1', v);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') fail(where, 'an http(s) URL', v);
  return s.replace(/\/+$/, '');
}

/** An upstream: a URL string, or `{url, replica}` naming the replica entity behind it. */
function upstream(v: unknown, where: string): { url: string; replica: string | null } {
  if (!isRecord(v)) return { url: upstreamUrl(v, where), replica: null };
  for (const k of Object.keys(v)) if (k !== 'url' && k !== 'replica') throw new GatewayConfigError(`${where}.${k}: unknown setting (known: url, replica)`);
  return { url: upstreamUrl(v.url, `${where}.url`), replica: v.replica === undefined ? null : nonEmptyString(v.replica, `${where}.replica`) };
}

function logprobsTop(v: unknown, where: string): number | null {
  if (v === undefined || v === true) return DEFAULT_TOP_LOGPROBS;
  if (v === false || v === null) return null;
  if (isRecord(v)) {
    if (v.top === undefined) return DEFAULT_TOP_LOGPROBS;
    const n = typeof v.top === 'number' ? v.top : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 20) fail(`${where}.top`, 'an integer 0-20', v.top);
    return n;
  }
  return fail(where, 'false, true or { top: N }', v);
}

/** Hosted APIs: logprobs are off by default there (some models refuse them); self-hosted engines get them on. */
const HOSTED_API = /(^|\.)(openai\.com|openai\.azure\.com|anthropic\.com|googleapis\.com|mistral\.ai|groq\.com|deepseek\.com|x\.ai|cohere\.(ai|com)|together\.xyz|fireworks\.ai|perplexity\.ai)$/;

export function isHostedApi(upstream: string): boolean {
  return HOSTED_API.test(new URL(upstream).hostname);
}

function route(raw: unknown, where: string): GatewayRoute {
  if (!isRecord(raw)) fail(where, 'a mapping with model and upstreams', raw);
  const known = new Set(['model', 'upstreams', 'balance', 'api_key_env', 'logprobs', 'capture', 'redact', 'provider', 'timeout', 'idle_timeout']);
  for (const k of Object.keys(raw)) if (!known.has(k)) throw new GatewayConfigError(`${where}.${k}: unknown setting (known: ${[...known].join(', ')})`);
  const ups = raw.upstreams;
  if (!Array.isArray(ups) || ups.length === 0) fail(`${where}.upstreams`, 'a non-empty list of URLs', ups);
  const balance = raw.balance ?? 'round_robin';
  if (balance !== 'round_robin' && balance !== 'least_outstanding') fail(`${where}.balance`, 'round_robin or least_outstanding', balance);
  const capture = raw.capture ?? true;
  if (typeof capture !== 'boolean') fail(`${where}.capture`, 'true or false', capture);
  const redact = raw.redact ?? ['email', 'api_key', 'card_number'];
  if (!Array.isArray(redact)) fail(`${where}.redact`, 'a list of redactor names or regular expressions', redact);
  const parsed = ups.map((u, i) => upstream(u, `${where}.upstreams[${i}]`));
  const upstreams = parsed.map((u) => u.url);
  return {
    model: nonEmptyString(raw.model, `${where}.model`),
    upstreams,
    replicas: parsed.map((u) => u.replica),
    balance,
    apiKeyEnv: raw.api_key_env === undefined ? null : nonEmptyString(raw.api_key_env, `${where}.api_key_env`),
    topLogprobs: raw.logprobs === undefined && upstreams.some(isHostedApi) ? null : logprobsTop(raw.logprobs, `${where}.logprobs`),
    capture,
    redact: redact.map((r, i) => nonEmptyString(r, `${where}.redact[${i}]`)),
    provider: raw.provider === undefined ? null : nonEmptyString(raw.provider, `${where}.provider`),
    timeoutMs: raw.timeout === undefined ? DEFAULT_UPSTREAM_TIMEOUT_MS : durationMs(raw.timeout, `${where}.timeout`),
    idleTimeoutMs: raw.idle_timeout === undefined ? DEFAULT_IDLE_TIMEOUT_MS : durationMs(raw.idle_timeout, `${where}.idle_timeout`),
  };
}

/** Validates the raw `gateway:` section; `undefined` gives the defaults (no routes). */
export function parseGatewayConfig(raw: unknown): GatewayConfig {
  if (raw === undefined || raw === null) return DEFAULT_GATEWAY_CONFIG;
  if (raw === false) return { ...DEFAULT_GATEWAY_CONFIG, port: null };
  if (!isRecord(raw)) fail('gateway', 'a mapping', raw);
  const known = new Set(['port', 'routes', 'max_request_bytes']);
  for (const k of Object.keys(raw)) if (!known.has(k)) throw new GatewayConfigError(`gateway.${k}: unknown setting (known: ${[...known].join(', ')})`);
  let port: number = DEFAULT_GATEWAY_PORT;
  if (raw.port !== undefined) {
    const n = typeof raw.port === 'string' ? Number(raw.port) : raw.port;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) fail('gateway.port', 'a port 0-65535', raw.port);
    port = n;
  }
  const routes = raw.routes ?? [];
  if (!Array.isArray(routes)) fail('gateway.routes', 'a list of routes', routes);
  return {
    port,
    routes: routes.map((r, i) => route(r, `gateway.routes[${i}]`)),
    maxRequestBytes: raw.max_request_bytes === undefined ? DEFAULT_MAX_REQUEST_BYTES : positiveInt(raw.max_request_bytes, 'gateway.max_request_bytes'),
  };
}
