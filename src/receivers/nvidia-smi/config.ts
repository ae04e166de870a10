/**
 * The `nvidia_smi:` section: poll nvidia-smi on this host (for hosts without a DCGM exporter).
 *
 * ```yaml
 * nvidia_smi:
 *   interval: 15s
 *   timeout: 5s
 *   binary: /usr/bin/nvidia-smi
 *   host: gpu-node-1        # host.name of the readings; default the machine's hostname
 * ```
 * `nvidia_smi: true` polls with the defaults; absent or `false` does not poll.
 */
import { parseDurationMs } from '../../duration.js';
import type { NvidiaSmiPollerOptions } from './poller.js';

export class NvidiaSmiConfigError extends Error {
  override readonly name = 'NvidiaSmiConfigError';
}

function durationMs(v: unknown, where: string): number {
  return parseDurationMs(v, (expected) => {
    throw new NvidiaSmiConfigError(`${where}: expected ${expected}, got ${JSON.stringify(v)}`);
  });
}

/** Poller options, or null when polling is off. */
export function parseNvidiaSmiConfig(raw: unknown): NvidiaSmiPollerOptions | null {
  if (raw === undefined || raw === null || raw === false) return null;
  if (raw === true) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new NvidiaSmiConfigError(`nvidia_smi: expected true, false or a mapping, got ${JSON.stringify(raw)}`);
  const r = raw as Record<string, unknown>;
  const known = new Set(['interval', 'timeout', 'binary', 'host']);
  for (const k of Object.keys(r)) if (!known.has(k)) throw new NvidiaSmiConfigError(`nvidia_smi.${k}: unknown setting (known: ${[...known].join(', ')})`);
  const str = (v: unknown, where: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '') throw new NvidiaSmiConfigError(`${where}: expected a non-empty string, got ${JSON.stringify(v)}`);
    return v.trim();
  };
  try {
    return {
      intervalMs: r.interval === undefined ? undefined : durationMs(r.interval, 'nvidia_smi.interval'),
      timeoutMs: r.timeout === undefined ? undefined : durationMs(r.timeout, 'nvidia_smi.timeout'),
      binary: str(r.binary, 'nvidia_smi.binary'),
      hostName: str(r.host, 'nvidia_smi.host'),
    };
  } catch (err) {
    if (err instanceof NvidiaSmiConfigError) throw err;
    throw new NvidiaSmiConfigError((err as Error).message);
  }
}
