/**
 * Probes on the ingest stream: every accepted span is judged (readings the serving side sent, scores
 * of the configured linear probes on its activation vectors, propositional consistency with its
 * output) and each reading goes into `probe_readings` through the write-ahead log; the consistency
 * agreement is stored as a reading of the probe `consistency` (score = Jaccard agreement, alarm when
 * below the threshold). Probe score gauges arriving as OTLP metrics are stored the same way.
 * Rejected readings are counted and logged (rate-limited), never stored.
 */
import type { MetricPoint } from '../model/metric.js';
import type { SpanRecord } from '../model/span.js';
import type { TablePayloads } from '../pipeline/encode.js';
import type { OfferResult } from '../pipeline/writer.js';
import { jstr } from '../storage/rows/json.js';
import { judgeSpan } from './judge.js';
import { PROBE_NAME, PROBE_SCORE_METRIC, readingFromMetricPoint, type ProbeReading } from './readings.js';
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

function row(ctx: RowContext, r: ProbeReading, agreement: number | null, source: string = r.source): string {
  return (
    `{"time":${ctx.time},"trace_id":${jstr(r.traceId)},"span_id":${jstr(r.spanId)},"service":${jstr(ctx.service)},"model":${jstr(ctx.model)},` +
    `"probe":${jstr(r.probe)},"layer":${num(r.layer)},"score":${num(r.score)},"threshold":${num(r.threshold)},"label":${jstr(r.label ?? '')},` +
    `"propositions":${jstr(r.propositions === null ? '' : JSON.stringify(r.propositions))},"alarm":${r.alarm},"source":${jstr(source)},` +
    `"agreement":${num(agreement)},"entities":[${ctx.entities.map(jstr).join(',')}]}`
  );
}

export class ProbeStage {
  private counts = { readings: 0, alarms: 0, rejected: 0, notStored: 0 };
  private lastRejectionLog = 0;
  /** Event or attribute names that carry activation vectors for the configured linear probes. */
  private readonly carriers: ReadonlySet<string>;

  constructor(
    private readonly registry: ProbeRegistry | null,
    private readonly offer: (payloads: TablePayloads) => OfferResult,
    private readonly log: (message: string) => void = () => {},
  ) {
    this.carriers = new Set(registry?.linear.map((p) => p.activation) ?? []);
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
      if (!this.carriesProbes(span)) continue;
      try {
        const j = judgeSpan(span, this.registry);
        this.reject(j.rejected.length, j.rejected[0]?.reason);
        if (j.readings.length === 0) continue;
        const ctx: RowContext = {
          time: span.endTimeUnixNano > 0n ? span.endTimeUnixNano : span.startTimeUnixNano,
          service: span.service,
          model: span.genai.responseModel ?? span.genai.requestModel ?? '',
          entities: span.entities.refs.map((e) => `${e.kind}:${e.key}`),
        };
        for (const r of j.readings) rows.push(row(ctx, r, null));
        if (j.consistency) {
          const c = j.consistency;
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
}
