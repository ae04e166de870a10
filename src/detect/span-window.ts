/**
 * What one event-time window holds of the requests of one entity (a replica or a model): running sums
 * for means and rates, a bounded sample for medians, and the most extreme examples of each, updated
 * per request at constant cost. At the window's close each accumulator turns into one measurement:
 * the value, how many requests it rests on, and their spread (so a window of 5 requests is judged
 * with the wider error bars it deserves).
 */
import { MAX_EXAMPLES, TopExamples, type ScoredExample } from './examples.js';
import { quantile, Reservoir } from './reservoir.js';

/** One window's value of a series, ready to be judged. */
export interface Measurement {
  /** In the signal's unit. */
  readonly value: number;
  /** Requests (or readings) behind the value. */
  readonly n: number;
  /**
   * Variance of one request's value around the window's (the log of it for log-scale signals), so that
   * the value's own variance is about spread2 / n; 0 when unknown (and for rates, whose variance is
   * binomial around the expected rate).
   */
  readonly spread2: number;
  /** Rates: the events counted (errors, flags, alarms). */
  readonly hits?: number;
  readonly examples: readonly ScoredExample[];
}

/** An accumulator of one series in one window. */
export interface WindowAcc {
  readonly count: number;
  merge(other: WindowAcc): void;
  measure(log: boolean): Measurement | null;
}

/** A mean (confidence, agreement): sums and sums of squares. */
export class MeanAcc implements WindowAcc {
  count = 0;
  private sum = 0;
  private sumSq = 0;
  readonly examples = new TopExamples();

  add(v: number): void {
    this.count++;
    this.sum += v;
    this.sumSq += v * v;
  }

  merge(other: WindowAcc): void {
    const o = other as MeanAcc;
    this.count += o.count;
    this.sum += o.sum;
    this.sumSq += o.sumSq;
    this.examples.merge(o.examples.items);
  }

  measure(): Measurement | null {
    if (this.count === 0) return null;
    const mean = this.sum / this.count;
    const spread2 = this.count < 2 ? 0 : Math.max(0, (this.sumSq - this.count * mean * mean) / (this.count - 1));
    return { value: mean, n: this.count, spread2, examples: this.examples.items };
  }
}

/** A share (error, flag, alarm rate): requests and events. */
export class RateAcc implements WindowAcc {
  count = 0;
  hits = 0;
  readonly examples = new TopExamples();

  add(hit: boolean): void {
    this.count++;
    if (hit) this.hits++;
  }

  merge(other: WindowAcc): void {
    const o = other as RateAcc;
    this.count += o.count;
    this.hits += o.hits;
    this.examples.merge(o.examples.items);
  }

  /** A rate's spread is binomial around the expected rate: the judge computes it (spread2 0 here). */
  measure(): Measurement | null {
    if (this.count === 0) return null;
    return { value: this.hits / this.count, n: this.count, spread2: 0, hits: this.hits, examples: this.examples.items };
  }
}

/** The variance of a sample median is about (1.2533 σ)² / n, with σ ≈ IQR / 1.349. */
const MEDIAN_SPREAD = 1.2533 / 1.349;
const TINY = 1e-12;

/** A median (TTFT, inter-token latency): a bounded sample. */
export class MedianAcc implements WindowAcc {
  private readonly sample = new Reservoir();
  readonly examples = new TopExamples();

  get count(): number {
    return this.sample.seen;
  }

  add(v: number): void {
    this.sample.add(v);
  }

  merge(other: WindowAcc): void {
    const o = other as MedianAcc;
    this.sample.merge(o.sample);
    this.examples.merge(o.examples.items);
  }

  measure(log: boolean): Measurement | null {
    if (this.sample.seen === 0) return null;
    const s = this.sample.sorted();
    const q1 = quantile(s, 0.25);
    const q3 = quantile(s, 0.75);
    const iqr = log ? Math.log(Math.max(q3, TINY)) - Math.log(Math.max(q1, TINY)) : q3 - q1;
    const sd = iqr * MEDIAN_SPREAD;
    return { value: quantile(s, 0.5), n: this.sample.seen, spread2: sd * sd, examples: this.examples.items };
  }
}

/** A request's values, read once and offered to every entity the request belongs to. */
export interface RequestValues {
  readonly traceId: string;
  readonly spanId: string;
  /** The primary confidence, when the span has one. */
  readonly confidence: number | null;
  /** Null when the span has no response to read (no confidence signals at all). */
  readonly formatFailed: boolean | null;
  readonly error: boolean;
  /** Seconds. */
  readonly ttft: number | null;
  readonly itl: number | null;
}

/** One entity's requests in one window. */
export class SpanWindow {
  readonly confidence = new MeanAcc();
  readonly format = new RateAcc();
  /** Latency and error series: replicas only (a model's are its replicas', mixed). */
  readonly errors: RateAcc | null;
  readonly ttft: MedianAcc | null;
  readonly itl: MedianAcc | null;
  monitors: Map<string, RateAcc> | null = null;
  probeAlarms: RateAcc | null = null;
  probeAgreement: MeanAcc | null = null;
  /** The model a replica served in this window (its peer group). */
  model: string | null = null;
  /** A server-side span's edges (replica -uses-> gpu) were read this window. */
  edgesSeen = false;

  constructor(
    readonly entity: string,
    readonly infra: boolean,
  ) {
    this.errors = infra ? new RateAcc() : null;
    this.ttft = infra ? new MedianAcc() : null;
    this.itl = infra ? new MedianAcc() : null;
  }

  addRequest(r: RequestValues): void {
    if (r.confidence !== null) {
      this.confidence.add(r.confidence);
      this.confidence.examples.offer(-r.confidence, r.traceId, r.spanId);
    }
    if (r.formatFailed !== null) {
      this.format.add(r.formatFailed);
      if (r.formatFailed && this.format.examples.items.length < MAX_EXAMPLES) this.format.examples.offer(1, r.traceId, r.spanId);
    }
    if (!this.infra) return;
    this.errors!.add(r.error);
    if (r.error && this.errors!.examples.items.length < MAX_EXAMPLES) this.errors!.examples.offer(1, r.traceId, r.spanId);
    if (r.ttft !== null) {
      this.ttft!.add(r.ttft);
      this.ttft!.examples.offer(r.ttft, r.traceId, r.spanId);
    }
    if (r.itl !== null) {
      this.itl!.add(r.itl);
      this.itl!.examples.offer(r.itl, r.traceId, r.spanId);
    }
  }

  addMonitorResult(monitor: string, flag: boolean, score: number, traceId: string, spanId: string): void {
    this.monitors ??= new Map();
    let acc = this.monitors.get(monitor);
    if (acc === undefined) this.monitors.set(monitor, (acc = new RateAcc()));
    acc.add(flag);
    if (flag) acc.examples.offer(Number.isFinite(score) ? score : 1, traceId, spanId);
  }

  addProbeReading(alarm: boolean, agreement: number | null, traceId: string, spanId: string): void {
    this.probeAlarms ??= new RateAcc();
    this.probeAlarms.add(alarm);
    if (alarm) this.probeAlarms.examples.offer(agreement === null ? 1 : 1 - agreement, traceId, spanId);
    if (agreement !== null && Number.isFinite(agreement)) {
      this.probeAgreement ??= new MeanAcc();
      this.probeAgreement.add(agreement);
      this.probeAgreement.examples.offer(-agreement, traceId, spanId);
    }
  }

  /** Every series this window has data for, by signal name. */
  *series(monitorSignal: (monitor: string) => string): Generator<readonly [string, WindowAcc]> {
    if (this.confidence.count > 0) yield ['span.confidence', this.confidence];
    if (this.format.count > 0) yield ['span.format_failure_rate', this.format];
    if (this.errors !== null && this.errors.count > 0) yield ['span.error_rate', this.errors];
    if (this.ttft !== null && this.ttft.count > 0) yield ['span.ttft', this.ttft];
    if (this.itl !== null && this.itl.count > 0) yield ['span.itl', this.itl];
    if (this.monitors !== null) for (const [m, acc] of this.monitors) yield [monitorSignal(m), acc];
    if (this.probeAlarms !== null) yield ['probe.alarm_rate', this.probeAlarms];
    if (this.probeAgreement !== null) yield ['probe.agreement', this.probeAgreement];
  }
}
