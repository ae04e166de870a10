/**
 * Scrape targets (the `scrape:` list of the YAML file), validated; errors name the field.
 *
 * ```yaml
 * scrape:
 *   - url: http://gpu-node-1:9400/metrics
 *     kind: dcgm            # vllm | sglang | tgi | dcgm | node | generic
 *     interval: 10s
 *     timeout: 5s           # default: the interval, at most 10s
 *     labels: { k8s.cluster.name: prod }   # extra resource attributes
 * ```
 */
import { parseDurationMs } from '../../duration.js';

export const TARGET_KINDS = ['vllm', 'sglang', 'tgi', 'dcgm', 'node', 'generic'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export const DEFAULT_SCRAPE_INTERVAL_MS = 15_000;
export const MAX_DEFAULT_SCRAPE_TIMEOUT_MS = 10_000;
/** Largest exposition read from a target (after decompression). */
export const DEFAULT_SCRAPE_BODY_LIMIT = 64 * 1024 * 1024;

export interface ScrapeTarget {
  readonly url: string;
  readonly kind: TargetKind;
  /** `job` of the target: its `service.name`; default the kind. */
  readonly job: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Extra resource attributes for everything scraped from this target (may override host.name). */
  readonly labels: Readonly<Record<string, string>>;
  readonly bodyLimit: number;
}

export class ScrapeConfigError extends Error {
  override readonly name = 'ScrapeConfigError';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function durationMs(v: unknown, where: string): number {
  return parseDurationMs(v, (expected) => {
    throw new ScrapeConfigError(`${where}: expected ${expected}, got ${JSON.stringify(v)}`);
  });
}

function target(raw: unknown, where: string): ScrapeTarget {
  if (!isRecord(raw)) throw new ScrapeConfigError(`${where}: expected a mapping with at least url, got ${JSON.stringify(raw)}`);
  const known = new Set(['url', 'kind', 'job', 'interval', 'timeout', 'labels', 'body_limit']);
  for (const k of Object.keys(raw)) if (!known.has(k)) throw new ScrapeConfigError(`${where}.${k}: unknown setting (known: ${[...known].join(', ')})`);
  let url: URL;
  try {
    url = new URL(String(raw.url));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new ScrapeConfigError(`${where}.url: expected an http(s) URL such as http://gpu-node-1:9400/metrics, got ${JSON.stringify(raw.url)}`);
  }
  const kind = (raw.kind ?? 'generic') as TargetKind;
  if (!TARGET_KINDS.includes(kind)) throw new ScrapeConfigError(`${where}.kind: expected one of ${TARGET_KINDS.join(', ')}, got ${JSON.stringify(raw.kind)}`);
  const intervalMs = raw.interval === undefined ? DEFAULT_SCRAPE_INTERVAL_MS : durationMs(raw.interval, `${where}.interval`);
  const timeoutMs = raw.timeout === undefined ? Math.min(intervalMs, MAX_DEFAULT_SCRAPE_TIMEOUT_MS) : durationMs(raw.timeout, `${where}.timeout`);
  const labels: Record<string, string> = {};
  if (raw.labels !== undefined) {
    if (!isRecord(raw.labels)) throw new ScrapeConfigError(`${where}.labels: expected a mapping of names to values`);
    for (const [k, v] of Object.entries(raw.labels)) labels[k] = String(v);
  }
  const bodyLimit = raw.body_limit === undefined ? DEFAULT_SCRAPE_BODY_LIMIT : Number(raw.body_limit);
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 1) throw new ScrapeConfigError(`${where}.body_limit: expected a positive number of bytes`);
  const job = raw.job === undefined ? kind : String(raw.job);
  return { url: url.href, kind, job, intervalMs, timeoutMs, labels, bodyLimit };
}

/** Validates the raw `scrape:` list; undefined gives none. */
export function parseScrapeConfig(raw: unknown): ScrapeTarget[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ScrapeConfigError(`scrape: expected a list of targets, got ${JSON.stringify(raw)}`);
  try {
    return raw.map((t, i) => target(t, `scrape[${i}]`));
  } catch (err) {
    if (err instanceof ScrapeConfigError) throw err;
    throw new ScrapeConfigError((err as Error).message);
  }
}
