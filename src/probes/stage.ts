/**
 * Probes on the ingest stream: every accepted span is judged (readings the serving side sent, scores
 * of the configured linear probes on its activation vectors, propositional consistency with its
 * output) and each reading goes into `probe_readings` through the write-ahead log; the consistency
 * agreement is stored as a reading of the probe `consistency` (score = Jaccard agreement, alarm when
 * below the threshold). Probe score gauges arriving as OTLP metrics are stored the same way.
 * Rejected readings are counted and logged (rate-limited), never stored.
 *
 * With a probe budget (`monitors.budget.probes`, monitors/allocation/), the linear probes Strata applies run
 * only on the spans the budget samples, when its event-time window closes; their readings carry the span's
 * `inclusion_probability`. Readings the serving side sent are free and always stored.
 */
import type { MetricPoint } from '../model/metric.js';
import type { SpanRecord } from '../model/span.js';
import type { TablePayloads } from '../pipeline/encode.js';
import type { OfferResult } from '../pipeline/writer.js';
import type { Allocation, BudgetPool } from '../monitors/allocation/allocator.js';
import { spanTimeMs } from '../monitors/allocation/risk.js';
import type { Selected } from '../monitors/allocation/sampler.js';
import { jstr } from '../storage/rows/json.js';
import { judgeSpan } from './judge.js';
import { PROBE_LAYER, PROBE_NAME, PROBE_SCORE_METRIC, readLayer, readingFromMetricPoint, type ProbeReading } from './readings.js';
import type { ProbeRegistry } from './registry.js';

export interface ProbeStageStats {
  readonly readings: number;
  readonly alarms: number;
  readonly rejected: number;
  readonly notStored: number;
}

function num(v: number | null): string {
  return v === null || !Number.isFinite(v) ? 'null' : String(v);
}

interface RowContext {
  readonly time: bigint;
  readonly service: string;
  readonly model: string;
  readonly entities: readonly string[];
}

function row(ctx: RowContext, r: ProbeReading, agreement: number | null, source: string = r.source, inclusionProbability?: number): string {
  const pi = inclusionProbability === undefined ? '' : `,"inclusion_probability":${inclusionProbability}`;
  return (
    `{"time":${ctx.time},"trace_id":${jstr(r.traceId)},"span_id":${jstr(r.spanId)},"service":${jstr(ctx.service)},"model":${jstr(ctx.model)},` +
    `"probe":${jstr(r.probe)},"layer":${num(r.layer)},"score":${num(r.score)},"threshold":${num(r.threshold)},"label":${jstr(r.label ?? '')},` +
    `"propositions":${jstr(r.propositions === null ? '' : JSON.stringify(r.propositions))},"alarm":${r.alarm},"source":${jstr(source)},` +
    `"agreement":${num(agreement)},"entities":[${ctx.entities.map(jstr).join(',')}]${pi}}`
  );
}

export class ProbeStage {
  private counts = { readings: 0, alarms: 0, rejected: 0, notStored: 0 };
  private lastRejectionLog = 0;
  /** Event or attribute names that carry activation vectors for the configured linear probes. */
  private readonly carriers: ReadonlySet<string>;
  /** The probe budget's pool, when linear probes are budgeted. */
  private readonly pool: BudgetPool<SpanRecord> | null = null;
  /** The registry without its linear probes: what runs on every span when they are budgeted. */
  private readonly unbudgeted: ProbeRegistry | null;

  /** `allocation`: the budgets (monitors/allocation/); without a probe budget every span is probed. */
  /** Told of every reading taken on a span (the detector's probe alarm rates and agreement). */
  alarmListener: ((span: SpanRecord, reading: { readonly probe: string; readonly alarm: boolean; readonly agreement: number | null }) => void) | null = null;

  constructor(
    private readonly registry: ProbeRegistry | null,
    private readonly offer: (payloads: TablePayloads) => OfferResult,
    private readonly log: (message: string) => void = () => {},
    private readonly allocation: Allocation | null = null,
  ) {
    this.carriers = new Set(registry?.linear.map((p) => p.activation) ?? []);
    if (registry && registry.linear.length > 0 && allocation) this.pool = allocation.pool<SpanRecord>('probes', (selected) => this.probeSampled(selected));
    this.unbudgeted = this.pool && registry ? { ...registry, linear: [], apply: () => ({ readings: [], rejected: [] }) } : registry;
  }

  /** Linear-probe evaluations a span asks for: one per probe and activation vector of the probe's layer. */
  private evaluations(span: SpanRecord): number {
    let n = 0;
    for (const p of this.registry?.linear ?? []) {
      let events = 0;
      for (const e of span.events) {
        if (e.name !== p.activation) continue;
        events++;
        const layer = readLayer(e.attributes[PROBE_LAYER]);
        if (layer.ok && layer.value === p.layer) n++;
      }
      if (events === 0 && span.attributes[p.activation] !== undefined) n++;
    }
    return n;
  }

  private context(span: SpanRecord): RowContext {
    return {
      time: span.endTimeUnixNano > 0n ? span.endTimeUnixNano : span.startTimeUnixNano,
      service: span.service,
      model: span.genai.responseModel ?? span.genai.requestModel ?? '',
      entities: span.entities.refs.map((e) => `${e.kind}:${e.key}`),
    };
  }

  /** The linear probes on the spans the budget sampled, each reading with the span's inclusion probability. */
  private probeSampled(selected: readonly Selected<SpanRecord>[]): void {
    const rows: string[] = [];
    for (const s of selected) {
      try {
        const out = this.registry!.apply(s.item);
        this.reject(out.rejected.length, out.rejected[0]?.reason);
        const ctx = this.context(s.item);
        for (const r of out.readings) {
          rows.push(row(ctx, r, null, r.source, s.inclusionProbability));
          this.alarmListener?.(s.item, { probe: r.probe, alarm: r.alarm, agreement: null });
          this.counts.readings++;
          if (r.alarm) this.counts.alarms++;
        }
      } catch (err) {
        this.log(`probes: span ${s.item.spanId}: ${(err as Error).message}`);
      }
    }
    this.store(rows);
  }

  /** True when the span has something probes read: a probe reading, or a configured activation carrier. */
  private carriesProbes(span: SpanRecord): boolean {
    if (span.attributes[PROBE_NAME] !== undefined) return true;
    for (const e of span.events) if (e.name.startsWith('strata.probe.') || this.carriers.has(e.name)) return true;
    for (const c of this.carriers) if (span.attributes[c] !== undefined) return true;
    return false;
  }

  /** The `IngestListeners.spans` hook. Never throws. */
  readonly onSpans = (spans: readonly SpanRecord[]): void => {
    const rows: string[] = [];
    for (const span of spans) {
      this.pool?.observe(spanTimeMs(span));
      if (!this.carriesProbes(span)) continue;
      try {
        if (this.pool && this.allocation) {
          const evaluations = this.evaluations(span);
          if (evaluations > 0) this.pool.offer({ item: span, risk: this.allocation.risk.score(span), cost: { evaluations }, timeMs: spanTimeMs(span) });
        }
        const j = judgeSpan(span, this.unbudgeted);
        this.reject(j.rejected.length, j.rejected[0]?.reason);
        if (j.readings.length === 0) continue;
        const ctx = this.context(span);
        for (const r of j.readings) {
          rows.push(row(ctx, r, null));
          this.alarmListener?.(span, { probe: r.probe, alarm: r.alarm, agreement: null });
        }
        if (j.consistency) {
          const c = j.consistency;
          this.alarmListener?.(span, { probe: 'consistency', alarm: c.alarm, agreement: c.agreement });
          const reading: ProbeReading = { probe: 'consistency', layer: null, score: c.agreement, threshold: c.threshold, label: null, propositions: c.outputPropositions, alarm: c.alarm, source: 'linear', traceId: span.traceId, spanId: span.spanId };
          rows.push(row(ctx, reading, c.agreement, 'consistency'));
        }
        this.counts.readings += j.readings.length;
        this.counts.alarms += j.alarms.length;
      } catch (err) {
        this.log(`probes: span ${span.spanId}: ${(err as Error).message}`);
      }
    }
    this.store(rows);
  };

  /** The `IngestListeners.metricPoints` hook: `strata.probe.score` gauges. */
  readonly onMetricPoints = (points: readonly MetricPoint[]): void => {
    const rows: string[] = [];
    for (const p of points) {
      if (p.name !== PROBE_SCORE_METRIC) continue;
      const r = readingFromMetricPoint(p);
      if (r === null) continue;
      if ('reason' in r) {
        this.reject(1, r.reason);
        continue;
      }
      rows.push(row({ time: p.timeUnixNano, service: p.service, model: '', entities: p.entities.refs.map((e) => `${e.kind}:${e.key}`) }, r, null));
      this.counts.readings++;
      if (r.alarm) this.counts.alarms++;
    }
    this.store(rows);
  };

  private reject(n: number, reason: string | undefined): void {
    if (n === 0) return;
    this.counts.rejected += n;
    const now = Date.now();
    if (now - this.lastRejectionLog > 10_000) {
      this.lastRejectionLog = now;
      this.log(`probes: ${n} reading(s) rejected: ${reason ?? 'invalid'} (${this.counts.rejected} so far)`);
    }
  }

  private store(rows: string[]): void {
    if (rows.length === 0) return;
    const result = this.offer({ probe_readings: Buffer.from(`${rows.join('\n')}\n`) });
    if (!result.ok) this.counts.notStored += rows.length;
  }

  stats(): ProbeStageStats {
    return { ...this.counts };
  }

  /** Runs the linear probes on what the probe budget still holds. Idempotent. */
  async stop(): Promise<void> {
    this.pool?.stop();
  }
}
