/**
 * Requests per entity per event-time bucket, counted from the span stream so an incident can say
 * how many requests it touched. A request is counted once even when both the gateway's span and the
 * engine's own span arrive: a trace counts again only on another replica (an agent calling two), over
 * a sliding window of recent traces. Only inference spans (those that name a replica or a model)
 * count. Cheap per span: one map lookup by the trace id, no string built, plain counters.
 */
import type { SpanRecord } from '../model/span.js';

export interface RequestCounterOptions {
  /** Bucket width, ms. */
  readonly bucketMs: number;
  /** Buckets older than this behind the newest are dropped, ms. */
  readonly retentionMs: number;
  /** Traces remembered for deduplication (two generations of this size). */
  readonly dedupTraces: number;
}

export const DEFAULT_REQUEST_COUNTER_OPTIONS: RequestCounterOptions = { bucketMs: 10_000, retentionMs: 24 * 3_600_000, dedupTraces: 100_000 };

export class RequestCounter {
  private readonly options: RequestCounterOptions;
  /** entity id -> bucket index -> count. */
  private readonly counts = new Map<string, Map<number, number>>();
  /** Fleet-wide totals per bucket. */
  private readonly totals = new Map<number, number>();
  /** Entity ids by replica / model key (built once per key). */
  private readonly replicaIds = new Map<string, string>();
  private readonly modelIds = new Map<string, string>();
  /** Trace id -> the replica (or model) its request was counted on. */
  private recent = new Map<string, string>();
  private older = new Map<string, string>();
  private newestBucket = -Infinity;
  private oldestKept = Infinity;

  constructor(options: Partial<RequestCounterOptions> = {}) {
    this.options = { ...DEFAULT_REQUEST_COUNTER_OPTIONS, ...options };
  }

  /** Counts a batch of spans (an IngestListeners.spans listener). */
  onSpans(spans: readonly SpanRecord[]): void {
    for (const s of spans) {
      let replica: string | null = null;
      let model: string | null = null;
      for (const r of s.entities.refs) {
        if (r.kind === 'replica') replica = r.key;
        else if (r.kind === 'model') model = r.key;
      }
      if (replica === null && model === null) continue;
      // Keyed by the trace id string as decoded (its hash is cached): no string is built per span.
      const where = replica ?? this.entityId(this.modelIds, 'model:', model!);
      const seen = this.recent.get(s.traceId) ?? this.older.get(s.traceId);
      if (seen === where) continue;
      this.remember(s.traceId, where);
      const bucket = Math.floor(Number(s.startTimeUnixNano) / 1e6 / this.options.bucketMs);
      if (replica !== null) this.add(this.replicaIds, 'replica:', replica, bucket);
      if (model !== null) this.add(this.modelIds, 'model:', model, bucket);
      if (seen === undefined) this.totals.set(bucket, (this.totals.get(bucket) ?? 0) + 1);
      if (bucket > this.newestBucket) this.advance(bucket);
    }
  }

  /** Remembers where a trace's request was counted, in two generations of `dedupTraces` each. */
  private remember(traceId: string, where: string): void {
    this.recent.set(traceId, where);
    if (this.recent.size >= this.options.dedupTraces) {
      this.older = this.recent;
      this.recent = new Map();
    }
  }

  private entityId(ids: Map<string, string>, prefix: string, key: string): string {
    let entity = ids.get(key);
    if (entity === undefined) ids.set(key, (entity = prefix + key));
    return entity;
  }

  private add(ids: Map<string, string>, prefix: string, key: string, bucket: number): void {
    const entity = this.entityId(ids, prefix, key);
    let m = this.counts.get(entity);
    if (m === undefined) this.counts.set(entity, (m = new Map()));
    m.set(bucket, (m.get(bucket) ?? 0) + 1);
    if (bucket < this.oldestKept) this.oldestKept = bucket;
  }

  /** Drops buckets past the retention behind the newest. */
  private advance(bucket: number): void {
    this.newestBucket = bucket;
    const cutoff = bucket - Math.ceil(this.options.retentionMs / this.options.bucketMs);
    if (this.oldestKept >= cutoff) return;
    let oldest = Infinity;
    for (const [entity, m] of this.counts) {
      for (const b of m.keys()) if (b < cutoff) m.delete(b);
      else if (b < oldest) oldest = b;
      if (m.size === 0) this.counts.delete(entity);
    }
    for (const b of this.totals.keys()) if (b < cutoff) this.totals.delete(b);
    this.oldestKept = oldest;
  }

  private sum(m: Map<number, number> | undefined, fromMs: number, toMs: number): number {
    if (m === undefined) return 0;
    const lo = Math.floor(fromMs / this.options.bucketMs);
    const hi = Math.floor(toMs / this.options.bucketMs);
    let n = 0;
    if (hi - lo < m.size) {
      for (let b = lo; b <= hi; b++) n += m.get(b) ?? 0;
    } else {
      for (const [b, c] of m) if (b >= lo && b <= hi) n += c;
    }
    return n;
  }

  /** Requests on one entity (`replica:…` or `model:…`) whose span started in [fromMs, toMs], at bucket resolution. */
  count(entity: string, fromMs: number, toMs: number): number {
    return this.sum(this.counts.get(entity), fromMs, toMs);
  }

  /** Requests on any of `entities` in [fromMs, toMs] (a request on two of them counts twice). */
  countAll(entities: Iterable<string>, fromMs: number, toMs: number): number {
    let n = 0;
    for (const e of new Set(entities)) n += this.count(e, fromMs, toMs);
    return n;
  }

  /** All requests (traces) in [fromMs, toMs]. */
  total(fromMs: number, toMs: number): number {
    return this.sum(this.totals, fromMs, toMs);
  }
}
