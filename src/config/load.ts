import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { BUILTIN_REDACTORS } from '../processors/redact.js';
import { DEFAULT_CONFIG, isLoopback, type StrataConfig } from './config.js';
import { GatewayConfigError, parseGatewayConfig } from '../receivers/gateway/config.js';
import { parseScrapeConfig, ScrapeConfigError } from '../receivers/prometheus/scrape-config.js';
import { NvidiaSmiConfigError, parseNvidiaSmiConfig } from '../receivers/nvidia-smi/config.js';
import { CalibrationConfigError, parseCalibrationConfig } from '../processors/confidence/config.js';
import { parseProbeConfig, ProbeConfigError } from '../probes/config.js';
import { parseMonitorsConfig } from '../monitors/stage-config.js';
import { MonitorConfigError } from '../monitors/registry.js';
import { dirname } from 'node:path';
import { DetectionConfigError, parseDetectionConfig } from '../detect/config.js';
import { IncidentsConfigError, parseIncidentsConfig } from '../incidents/config.js';
import { AlertingConfigError, parseAlertingConfig } from '../notifier/config.js';

/** A configuration that cannot be used; the message names the field and what is wrong. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** One settable field: where it lives in the YAML, its env var and flag, and how to parse it. */
interface Field {
  readonly path: string; // YAML path, dotted
  readonly env: string;
  readonly flag: string;
  readonly parse: (raw: unknown, where: string) => unknown;
}

const FIELDS: readonly Field[] = [
  { path: 'host', env: 'STRATA_HOST', flag: 'host', parse: str },
  { path: 'api.port', env: 'STRATA_PORT', flag: 'port', parse: port },
  { path: 'otlp.http_port', env: 'STRATA_OTLP_HTTP_PORT', flag: 'otlp-http-port', parse: port },
  { path: 'otlp.grpc_port', env: 'STRATA_OTLP_GRPC_PORT', flag: 'otlp-grpc-port', parse: port },
  { path: 'otlp.max_body_bytes', env: 'STRATA_MAX_BODY_BYTES', flag: 'max-body-bytes', parse: bytes },
  { path: 'storage.data_dir', env: 'STRATA_DATA_DIR', flag: 'data-dir', parse: str },
  { path: 'storage.clickhouse_url', env: 'STRATA_CLICKHOUSE_URL', flag: 'clickhouse-url', parse: url },
  { path: 'storage.database', env: 'STRATA_DATABASE', flag: 'database', parse: ident },
  { path: 'storage.retention_days', env: 'STRATA_RETENTION_DAYS', flag: 'retention-days', parse: nonNegativeInt },
  { path: 'ingest.fsync', env: 'STRATA_FSYNC', flag: 'fsync', parse: fsync },
  { path: 'ingest.max_queue_bytes', env: 'STRATA_MAX_QUEUE_BYTES', flag: 'max-queue-bytes', parse: bytes },
  { path: 'ingest.max_batch_bytes', env: 'STRATA_MAX_BATCH_BYTES', flag: 'max-batch-bytes', parse: bytes },
  { path: 'auth.ingest_keys', env: 'STRATA_INGEST_KEYS', flag: 'ingest-keys', parse: list },
  { path: 'auth.api_keys', env: 'STRATA_API_KEYS', flag: 'api-keys', parse: list },
  { path: 'capture.content', env: 'STRATA_CAPTURE_CONTENT', flag: 'capture-content', parse: bool },
  { path: 'capture.redact', env: 'STRATA_REDACT', flag: 'redact', parse: regexList },
  { path: 'gateway.port', env: 'STRATA_GATEWAY_PORT', flag: 'gateway-port', parse: port },
];

/** The flags `strata serve` accepts, for --help. */
export const CONFIG_FLAGS = FIELDS.map((f) => ({ flag: f.flag, env: f.env, path: f.path }));

export interface LoadOptions {
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly flags?: Record<string, string | boolean>;
}

/** Builds and validates the configuration; throws ConfigError naming the offending field. */
export function loadConfig(options: LoadOptions = {}): StrataConfig {
  const values = new Map<string, unknown>();
  if (options.file) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(options.file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${options.file}: ${(err as Error).message}`);
    }
    if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc)))
      throw new ConfigError(`${options.file}: expected a mapping at the top level`);
    const known = new Set(FIELDS.map((f) => f.path));
    flatten(doc as Record<string, unknown> | null, '', (path, value) => {
      if (!known.has(path) && !isOtherSection(path))
        throw new ConfigError(`${options.file}: unknown setting '${path}' (known: ${[...known].join(', ')})`);
      values.set(path, value);
    });
  }
  const env = options.env ?? {};
  for (const f of FIELDS) if (env[f.env] !== undefined && env[f.env] !== '') values.set(f.path, env[f.env]);
  const flags = options.flags ?? {};
  for (const f of FIELDS) if (flags[f.flag] !== undefined) values.set(f.path, flags[f.flag]);

  const get = (path: string): unknown => {
    const f = FIELDS.find((x) => x.path === path)!;
    return values.has(path) ? f.parse(values.get(path), `${path} (${f.env} / --${f.flag})`) : undefined;
  };
  const d = DEFAULT_CONFIG;
  const config: StrataConfig = {
    host: (get('host') as string) ?? d.host,
    api: { port: (get('api.port') as number) ?? d.api.port },
    otlp: {
      httpPort: (get('otlp.http_port') as number) ?? d.otlp.httpPort,
      grpcPort: (get('otlp.grpc_port') as number) ?? d.otlp.grpcPort,
      maxBodyBytes: (get('otlp.max_body_bytes') as number) ?? d.otlp.maxBodyBytes,
    },
    storage: {
      dataDir: (get('storage.data_dir') as string) ?? d.storage.dataDir,
      clickhouseUrl: (get('storage.clickhouse_url') as string) ?? d.storage.clickhouseUrl,
      database: (get('storage.database') as string) ?? d.storage.database,
      retentionDays: (get('storage.retention_days') as number) ?? d.storage.retentionDays,
    },
    ingest: {
      fsync: (get('ingest.fsync') as StrataConfig['ingest']['fsync']) ?? d.ingest.fsync,
      maxQueueBytes: (get('ingest.max_queue_bytes') as number) ?? d.ingest.maxQueueBytes,
      maxBatchBytes: (get('ingest.max_batch_bytes') as number) ?? d.ingest.maxBatchBytes,
    },
    auth: {
      ingestKeys: (get('auth.ingest_keys') as string[]) ?? d.auth.ingestKeys,
      apiKeys: (get('auth.api_keys') as string[]) ?? d.auth.apiKeys,
    },
    capture: {
      content: (get('capture.content') as boolean) ?? d.capture.content,
      redact: (get('capture.redact') as string[]) ?? d.capture.redact,
    },
    gateway: gatewayConfig(values.get('gateway'), get('gateway.port') as number | undefined),
    scrape: section(() => parseScrapeConfig(values.get('scrape'))),
    nvidiaSmi: section(() => parseNvidiaSmiConfig(values.get('nvidia_smi'))),
    calibration: section(() => parseCalibrationConfig(values.get('calibration'))),
    probes: section(() => parseProbeConfig(values.get('probes'), { baseDir: options.file ? dirname(options.file) : undefined })),
    monitors: section(() => parseMonitorsConfig(values.get('monitors'))),
    detection: section(() => parseDetectionConfig(values.get('detection'))),
    incidents: section(() => parseIncidentsConfig(values.get('incidents'))),
    alerting: section(() => parseAlertingConfig(values.get('alerting'), env)),
  };
  return validate(config);
}

function validate(c: StrataConfig): StrataConfig {
  if (!isLoopback(c.host)) {
    if (c.auth.ingestKeys.length === 0)
      throw new ConfigError(`auth.ingest_keys (STRATA_INGEST_KEYS): required when host is ${c.host}, which is reachable from other machines`);
    if (c.auth.apiKeys.length === 0)
      throw new ConfigError(`auth.api_keys (STRATA_API_KEYS): required when host is ${c.host}, which is reachable from other machines`);
  }
  const ports = [c.api.port, c.otlp.httpPort, c.otlp.grpcPort, c.gateway.port ?? 0].filter((p) => p !== 0);
  if (new Set(ports).size !== ports.length)
    throw new ConfigError(
      `api.port, otlp.http_port, otlp.grpc_port and gateway.port must differ (got ${c.api.port}, ${c.otlp.httpPort}, ${c.otlp.grpcPort}, ${c.gateway.port})`,
    );
  if (c.ingest.maxBatchBytes > c.ingest.maxQueueBytes)
    throw new ConfigError(`ingest.max_batch_bytes (${c.ingest.maxBatchBytes}) must not exceed ingest.max_queue_bytes (${c.ingest.maxQueueBytes})`);
  return c;
}

/** The validation errors of the sections' own parsers: each names its field, so its message is kept. */
const SECTION_ERRORS = [GatewayConfigError, ScrapeConfigError, NvidiaSmiConfigError, CalibrationConfigError, ProbeConfigError, MonitorConfigError, DetectionConfigError, IncidentsConfigError, AlertingConfigError];

/** Runs a section's parser, turning its validation error into a ConfigError with the same message. */
function section<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (SECTION_ERRORS.some((E) => err instanceof E)) throw new ConfigError((err as Error).message);
    throw err;
  }
}

/** The `gateway:` section, with `gateway.port` from env or flags taking precedence. */
function gatewayConfig(raw: unknown, portOverride: number | undefined): StrataConfig['gateway'] {
  const g = section(() => parseGatewayConfig(raw));
  return portOverride === undefined ? g : { ...g, port: portOverride };
}

/** Sections other issues own (gateway, scrape, ...) are passed through untouched. */
function isOtherSection(path: string): boolean {
  return /^(gateway|scrape|nvidia_smi|detection|incidents|alerting|calibration|monitors|probes)(\.|$)/.test(path);
}

function flatten(obj: Record<string, unknown> | null, prefix: string, visit: (path: string, value: unknown) => void): void {
  if (!obj) return;
  for (const [k, v] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !isOtherSection(path)) flatten(v as Record<string, unknown>, path, visit);
    else visit(path, v);
  }
}

function str(raw: unknown, where: string): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new ConfigError(`${where}: expected a non-empty string, got ${JSON.stringify(raw)}`);
  return raw.trim();
}

function ident(raw: unknown, where: string): string {
  const s = str(raw, where);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) throw new ConfigError(`${where}: expected a database name of letters, digits and _, got ${JSON.stringify(s)}`);
  return s;
}

function url(raw: unknown, where: string): string {
  const s = str(raw, where);
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new ConfigError(`${where}: expected an http(s) URL such as http://localhost:8123, got ${JSON.stringify(s)}`);
  }
  return s;
}

function integer(raw: unknown, where: string): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw new ConfigError(`${where}: expected an integer, got ${JSON.stringify(raw)}`);
  return n;
}

function port(raw: unknown, where: string): number {
  const n = integer(raw, where);
  if (n < 0 || n > 65535) throw new ConfigError(`${where}: expected a port 0-65535 (0 = any free port), got ${n}`);
  return n;
}

function nonNegativeInt(raw: unknown, where: string): number {
  const n = integer(raw, where);
  if (n < 0) throw new ConfigError(`${where}: expected 0 or more, got ${n}`);
  return n;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3 };

function bytes(raw: unknown, where: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(String(raw));
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) * unit < 1)
    throw new ConfigError(`${where}: expected a size such as 16MiB or 1048576, got ${JSON.stringify(raw)}`);
  return Math.floor(Number(m[1]) * unit);
}

function bool(raw: unknown, where: string): boolean {
  if (typeof raw === 'boolean') return raw;
  const s = String(raw).toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  throw new ConfigError(`${where}: expected true or false, got ${JSON.stringify(raw)}`);
}

function list(raw: unknown, where: string): string[] {
  const items = Array.isArray(raw) ? raw : String(raw).split(',');
  return items.map((x) => str(x, where));
}

function regexList(raw: unknown, where: string): string[] {
  const items = Array.isArray(raw) ? raw.map(String) : String(raw).split(',').filter(Boolean);
  for (const r of items) {
    if (r in BUILTIN_REDACTORS) continue;
    try {
      new RegExp(r, 'g');
    } catch (err) {
      throw new ConfigError(`${where}: invalid regular expression ${JSON.stringify(r)}: ${(err as Error).message}`);
    }
  }
  return items;
}

function fsync(raw: unknown, where: string): StrataConfig['ingest']['fsync'] {
  const s = str(raw, where);
  if (s !== 'always' && s !== 'interval' && s !== 'never') throw new ConfigError(`${where}: expected always, interval or never, got ${JSON.stringify(s)}`);
  return s;
}
