/**
 * Strata's configuration: defaults as named constants, one validated shape.
 * Sources, later wins: defaults, the YAML file (`--config`), environment variables (STRATA_*), flags.
 */

import type { FsyncPolicy } from '../pipeline/wal.js';
import { DEFAULT_GATEWAY_CONFIG, type GatewayConfig } from '../receivers/gateway/config.js';
import type { ScrapeTarget } from '../receivers/prometheus/scrape-config.js';
import type { NvidiaSmiPollerOptions } from '../receivers/nvidia-smi/poller.js';
import { DEFAULT_CALIBRATION_CONFIG, type CalibrationConfig } from '../processors/confidence/config.js';
import { DEFAULT_PROBE_CONFIG, type ProbeConfig } from '../probes/config.js';
import { DEFAULT_MONITORS_CONFIG, type MonitorsConfig } from '../monitors/stage-config.js';
import { DEFAULT_DETECTION_CONFIG, type DetectionConfig } from '../detect/config.js';
import { DEFAULT_INCIDENTS_CONFIG, type IncidentsConfig } from '../incidents/config.js';
import { DEFAULT_ALERTING_CONFIG, type AlertingConfig } from '../notifier/config.js';

export interface StrataConfig {
  /** Address every listener binds to. */
  readonly host: string;
  readonly api: { readonly port: number };
  readonly otlp: {
    readonly httpPort: number;
    readonly grpcPort: number;
    /** Largest accepted body, after decompression too. */
    readonly maxBodyBytes: number;
  };
  readonly storage: {
    readonly dataDir: string;
    /** When set, a ClickHouse server is used instead of the embedded chDB. */
    readonly clickhouseUrl: string | null;
    readonly database: string;
    /** Days data is kept; 0 keeps it forever. */
    readonly retentionDays: number;
  };
  readonly ingest: {
    readonly fsync: FsyncPolicy;
    readonly maxQueueBytes: number;
    readonly maxBatchBytes: number;
  };
  readonly auth: {
    /** Keys accepted on the OTLP receivers (Authorization: Bearer <key>, or x-api-key). */
    readonly ingestKeys: readonly string[];
    /** Keys accepted on the query API. */
    readonly apiKeys: readonly string[];
  };
  /** The OpenAI-compatible gateway (receivers/gateway/config.ts). */
  readonly gateway: GatewayConfig;
  /** Prometheus-format targets to scrape (receivers/prometheus/scrape-config.ts). */
  readonly scrape: readonly ScrapeTarget[];
  /** Poll nvidia-smi on this host (receivers/nvidia-smi/config.ts); null: off. */
  readonly nvidiaSmi: NvidiaSmiPollerOptions | null;
  /** Confidence sources, scores, feedback, drift and recalibration (processors/confidence/config.ts). */
  readonly calibration: CalibrationConfig;
  /** Linear probes and propositional consistency (probes/config.ts). */
  readonly probes: ProbeConfig;
  /** Behavioural monitors on the stream (monitors/stage-config.ts). */
  readonly monitors: MonitorsConfig;
  /** Adaptive baselines and event rules on every signal series (detect/config.ts). */
  readonly detection: DetectionConfig;
  /** Grouping anomalies into incidents and ranking their causes (incidents/config.ts). */
  readonly incidents: IncidentsConfig;
  /** Where incident notifications go (notifier/config.ts). */
  readonly alerting: AlertingConfig;
  readonly capture: {
    /** Keep prompt and completion content (messages, gen_ai.prompt/completion, input/output values). */
    readonly content: boolean;
    /** Built-in redactor names (email, api_key, card_number) or regular expressions; matches become [REDACTED]. */
    readonly redact: readonly string[];
  };
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_API_PORT = 4000;
export const DEFAULT_OTLP_HTTP_PORT = 4318;
export const DEFAULT_OTLP_GRPC_PORT = 4317;
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
export const DEFAULT_DATA_DIR = './.strata';
export const DEFAULT_DATABASE = 'strata';
export const DEFAULT_RETENTION_DAYS = 30;
export const DEFAULT_FSYNC: FsyncPolicy = 'interval';
export const DEFAULT_MAX_QUEUE_BYTES = 128 * 1024 * 1024;
export const DEFAULT_MAX_BATCH_BYTES = 8 * 1024 * 1024;

/** Emails, API-key-like tokens and payment card numbers: the built-in redactors (processors/redact.ts). */
export const DEFAULT_REDACT_PATTERNS: readonly string[] = ['email', 'api_key', 'card_number'];

export const DEFAULT_CONFIG: StrataConfig = {
  host: DEFAULT_HOST,
  api: { port: DEFAULT_API_PORT },
  otlp: { httpPort: DEFAULT_OTLP_HTTP_PORT, grpcPort: DEFAULT_OTLP_GRPC_PORT, maxBodyBytes: DEFAULT_MAX_BODY_BYTES },
  storage: { dataDir: DEFAULT_DATA_DIR, clickhouseUrl: null, database: DEFAULT_DATABASE, retentionDays: DEFAULT_RETENTION_DAYS },
  ingest: { fsync: DEFAULT_FSYNC, maxQueueBytes: DEFAULT_MAX_QUEUE_BYTES, maxBatchBytes: DEFAULT_MAX_BATCH_BYTES },
  auth: { ingestKeys: [], apiKeys: [] },
  capture: { content: true, redact: DEFAULT_REDACT_PATTERNS },
  gateway: DEFAULT_GATEWAY_CONFIG,
  scrape: [],
  nvidiaSmi: null,
  calibration: DEFAULT_CALIBRATION_CONFIG,
  probes: DEFAULT_PROBE_CONFIG,
  monitors: DEFAULT_MONITORS_CONFIG,
  detection: DEFAULT_DETECTION_CONFIG,
  incidents: DEFAULT_INCIDENTS_CONFIG,
  alerting: DEFAULT_ALERTING_CONFIG,
};

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
