/**
 * Which entity a metric point speaks for, as detection needs it: the GPU of a `gpu.*` signal, the
 * replica of an `engine.*` signal, the source whose silence is a gap (replica, else host, else GPU),
 * and the target of a scrape's `up` (the replica of an engine target, else the host).
 */
import type { EntityRef } from '../model/entity.js';
import type { MetricPoint } from '../model/metric.js';
import { asString } from '../processors/attributes.js';

const ENGINE_TARGET_KINDS = new Set(['vllm', 'sglang', 'tgi']);

/** The id of the first ref of a kind, or null. */
export function firstOfKind(refs: readonly EntityRef[], kind: string): string | null {
  for (let i = 0; i < refs.length; i++) if (refs[i].kind === kind) return `${kind}:${refs[i].key}`;
  return null;
}

/** The entity whose series this point belongs to: the GPU for `gpu.*`, the replica for `engine.*`. */
export function seriesEntity(p: MetricPoint, signal: string): string | null {
  if (signal.startsWith('gpu.')) return firstOfKind(p.entities.refs, 'gpu');
  if (signal.startsWith('engine.')) return firstOfKind(p.entities.refs, 'replica');
  return null;
}

/** The source a point comes from, for silence: its replica, else its host, else its GPU. */
export function sourceEntity(p: MetricPoint): string | null {
  const refs = p.entities.refs;
  return firstOfKind(refs, 'replica') ?? firstOfKind(refs, 'host') ?? firstOfKind(refs, 'gpu');
}

/**
 * The entity a scrape target stands for: `replica:<instance>` for an engine target (vLLM, SGLang, TGI,
 * by the scraper's `strata.scrape.kind`), else its host, else its service instance.
 */
export function targetEntity(p: MetricPoint): string | null {
  const kind = asString(p.resource['strata.scrape.kind']);
  if (kind !== null && ENGINE_TARGET_KINDS.has(kind)) {
    const instance = firstOfKind(p.entities.refs, 'service_instance');
    if (instance !== null) return `replica:${instance.slice('service_instance:'.length)}`;
  }
  return firstOfKind(p.entities.refs, 'host') ?? firstOfKind(p.entities.refs, 'service_instance');
}
