/**
 * The `incidents:` section: how anomalies are grouped into incidents, when a lone anomaly is trusted
 * enough to open one, when incidents resolve, and topology edges known from configuration.
 *
 * ```yaml
 * incidents:
 *   window: 5m              # connected anomalies this close in event time join one incident
 *   quiet: 5m               # an incident resolves once all its anomalies closed this long ago
 *   reopen: 15m             # within this after resolving, the same trouble re-opens it (no new incident)
 *   confirm: 60s            # a lone shift opens an incident only after lasting this long (0: at once)...
 *   open_score: 10          # ...unless its score reaches this (events such as XIDs open at once)
 *   corroborated_score: 6   # two connected series with this combined score open at once
 *   fleet_fraction: 0.6     # share of replicas with a quality drop that makes it fleet-wide
 *   max_incidents: 1000     # kept in memory (the oldest resolved go first)
 *   max_anomalies: 500      # per incident
 *   max_causes: 5           # ranked causes kept per incident
 *   request_bucket: 10s     # resolution of the affected-request count
 *   request_retention: 24h
 *   edges:                  # topology ingest cannot see
 *     - { from: "replica:node-1:8000", relation: uses, to: "gpu:GPU-3f2a" }
 * ```
 * `incidents: false` turns correlation off.
 */
import { parseDurationMs } from '../duration.js';

export interface ConfiguredEdge {
  readonly from: string;
  readonly relation: string;
  readonly to: string;
}

export interface IncidentsConfig {
  readonly enabled: boolean;
  readonly windowMs: number;
  readonly quietMs: number;
  readonly reopenMs: number;
  readonly confirmMs: number;
  readonly openScore: number;
  readonly corroboratedScore: number;
  readonly fleetFraction: number;
  readonly maxIncidents: number;
  readonly maxAnomalies: number;
  readonly maxCauses: number;
  readonly requestBucketMs: number;
  readonly requestRetentionMs: number;
  readonly edges: readonly ConfiguredEdge[];
}

export const DEFAULT_INCIDENTS_CONFIG: IncidentsConfig = {
  enabled: true,
  windowMs: 5 * 60_000,
  quietMs: 5 * 60_000,
  reopenMs: 15 * 60_000,
  confirmMs: 60_000,
  openScore: 10,
  corroboratedScore: 6,
  fleetFraction: 0.6,
  maxIncidents: 1000,
  maxAnomalies: 500,
  maxCauses: 5,
  requestBucketMs: 10_000,
  requestRetentionMs: 24 * 3_600_000,
  edges: [],
};

export class IncidentsConfigError extends Error {
  override readonly name = 'IncidentsConfigError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

const KNOWN = ['enabled', 'window', 'quiet', 'reopen', 'confirm', 'open_score', 'corroborated_score', 'fleet_fraction', 'max_incidents', 'max_anomalies', 'max_causes', 'request_bucket', 'request_retention', 'edges'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function duration(raw: Record<string, unknown>, key: string, fallback: number, allowZero = false): number {
  const v = raw[key];
  if (v === undefined) return fallback;
  if (allowZero && (v === 0 || v === '0' || v === '0s' || v === '0ms')) return 0;
  return parseDurationMs(v, (expected) => {
    throw new IncidentsConfigError(`incidents.${key}`, `expected ${expected}, got ${JSON.stringify(v)}`);
  });
}

function number(raw: Record<string, unknown>, key: string, fallback: number, min: number, max: number, integer = false): number {
  const v = raw[key];
  if (v === undefined) return fallback;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new IncidentsConfigError(`incidents.${key}`, `expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

const ENTITY_ID = /^[a-z_][a-z0-9_]*:.+$/;

function edges(v: unknown): ConfiguredEdge[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new IncidentsConfigError('incidents.edges', 'expected a list of {from, relation, to}');
  return v.map((e, i) => {
    const where = `incidents.edges[${i}]`;
    if (!isRecord(e)) throw new IncidentsConfigError(where, 'expected a mapping {from, relation, to}');
    for (const k of Object.keys(e)) if (!['from', 'relation', 'to'].includes(k)) throw new IncidentsConfigError(`${where}.${k}`, 'unknown setting (known: from, relation, to)');
    for (const k of ['from', 'to'] as const) {
      if (typeof e[k] !== 'string' || !ENTITY_ID.test(e[k] as string))
        throw new IncidentsConfigError(`${where}.${k}`, `expected an entity id kind:key such as gpu:GPU-3f2a, got ${JSON.stringify(e[k])}`);
    }
    if (typeof e.relation !== 'string' || !/^[a-z_]+$/.test(e.relation))
      throw new IncidentsConfigError(`${where}.relation`, `expected a relation such as uses, runs_on, has or serves, got ${JSON.stringify(e.relation)}`);
    return { from: e.from as string, relation: e.relation, to: e.to as string };
  });
}

/** Validates the section; absent means the defaults. */
export function parseIncidentsConfig(raw: unknown): IncidentsConfig {
  if (raw === undefined || raw === null || raw === true) return DEFAULT_INCIDENTS_CONFIG;
  if (raw === false) return { ...DEFAULT_INCIDENTS_CONFIG, enabled: false };
  if (!isRecord(raw)) throw new IncidentsConfigError('incidents', 'expected false or a mapping (see docs/incidents.md)');
  for (const k of Object.keys(raw)) if (!KNOWN.includes(k)) throw new IncidentsConfigError(`incidents.${k}`, `unknown setting (known: ${KNOWN.join(', ')})`);
  if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') throw new IncidentsConfigError('incidents.enabled', `expected true or false, got ${JSON.stringify(raw.enabled)}`);
  const d = DEFAULT_INCIDENTS_CONFIG;
  return {
    enabled: raw.enabled ?? true,
    windowMs: duration(raw, 'window', d.windowMs),
    quietMs: duration(raw, 'quiet', d.quietMs, true),
    reopenMs: duration(raw, 'reopen', d.reopenMs, true),
    confirmMs: duration(raw, 'confirm', d.confirmMs, true),
    openScore: number(raw, 'open_score', d.openScore, 0, 1e6),
    corroboratedScore: number(raw, 'corroborated_score', d.corroboratedScore, 0, 1e6),
    fleetFraction: number(raw, 'fleet_fraction', d.fleetFraction, 0.01, 1),
    maxIncidents: number(raw, 'max_incidents', d.maxIncidents, 1, 1_000_000, true),
    maxAnomalies: number(raw, 'max_anomalies', d.maxAnomalies, 1, 100_000, true),
    maxCauses: number(raw, 'max_causes', d.maxCauses, 1, 100, true),
    requestBucketMs: duration(raw, 'request_bucket', d.requestBucketMs),
    requestRetentionMs: duration(raw, 'request_retention', d.requestRetentionMs),
    edges: edges(raw.edges),
  };
}
