/**
 * GPU identities found in an attribute set (resource, span, log or metric point attributes).
 * The attribute names are listed in the comment at the top of ./derive.ts.
 */
import type { AnyValue, Attributes } from '../../receivers/otlp/types.js';
import { asString } from '../attributes.js';

/** Single-valued GPU id attributes, in the order they are read. */
const GPU_KEYS = ['gpu.uuid', 'nvidia.gpu.uuid', 'gpu.id'] as const;
/** The DCGM exporter's GPU UUID label (metric points only). */
export const DCGM_UUID_LABEL = 'UUID';
/** The DCGM exporter's host label: `hostname` in current exporters, `Hostname` in older ones. */
export const DCGM_HOSTNAME_LABELS = ['hostname', 'Hostname'] as const;
/** Metric names of the DCGM exporter: its fields (`DCGM_FI_*`) and its own (`DCGM_EXP_*`). */
export const DCGM_METRIC_PREFIX = 'DCGM_';

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return s.length > 0;
}

/**
 * Adds the GPU key for one id. A bare index ("0", "3") is only unique on its host, so it is
 * qualified as `{host}/{index}`, and dropped when the host is unknown.
 */
function addGpu(out: string[], id: string, host: string | null): void {
  const trimmed = id.trim();
  if (trimmed === '') return;
  const key = isDigits(trimmed) ? (host === null ? null : `${host}/${trimmed}`) : trimmed;
  if (key !== null && !out.includes(key)) out.push(key);
}

function addGpuValue(out: string[], v: AnyValue | undefined, host: string | null): void {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = asString(item);
      if (s !== null) addGpu(out, s, host);
    }
    return;
  }
  const s = asString(v);
  if (s === null) return;
  // gpu.uuids may also arrive as one comma-separated string.
  if (s.includes(',')) for (const part of s.split(',')) addGpu(out, part, host);
  else addGpu(out, s, host);
}

/** True when some GPU attribute is present (a few hash lookups; for the fast path). */
export function hasGpuAttributes(attrs: Attributes, dcgmLabel: boolean): boolean {
  return (
    attrs['gpu.uuid'] !== undefined ||
    attrs['nvidia.gpu.uuid'] !== undefined ||
    attrs['gpu.id'] !== undefined ||
    attrs['gpu.uuids'] !== undefined ||
    attrs['hw.type'] !== undefined ||
    (dcgmLabel && attrs[DCGM_UUID_LABEL] !== undefined)
  );
}

/**
 * GPU keys (UUIDs, or host-qualified indices) in `attrs`, without duplicates.
 * `dcgmLabel` also reads the DCGM exporter's `UUID` label (metric points).
 */
export function gpuKeys(attrs: Attributes, host: string | null, dcgmLabel: boolean): string[] {
  const out: string[] = [];
  for (const k of GPU_KEYS) addGpuValue(out, attrs[k], host);
  addGpuValue(out, attrs['gpu.uuids'], host);
  const hwType = asString(attrs['hw.type']);
  if (hwType !== null && hwType.toLowerCase() === 'gpu') addGpuValue(out, attrs['hw.id'], host);
  if (dcgmLabel) addGpuValue(out, attrs[DCGM_UUID_LABEL], host);
  return out;
}
