/**
 * Detection on the ingest stream, in event time: spans, metric points, monitor results and probe
 * readings are aggregated per entity in windows of the data's own time; when the latest event time
 * passes a window (plus the lateness, clock.ts) the window closes and every series in it is judged
 * against its adaptive baseline (shift-series.ts), its peers' level first for load-driven signals
 * (peers.ts); GPU events (events.ts) and telemetry gaps (gaps.ts) are judged as the points arrive.
 * Anomalies go to the sink as they open, update and close. The wall clock is never read: the same
 * code runs live and on a replayed scenario.
 *
 * Requests (spans, with their monitor results and probe readings) and metric points keep separate event
 * clocks ("lanes"): a span is timed by its end and may be posted long after or, in a replay, before a
 * scrape of the same moment, so neither stream's lateness holds the other back.
 *
 * Span path cost: per span, one pass over its entity refs, a few field reads, and constant-time
 * updates of its replica's and model's window accumulators (bench/detect.ts measures it).
 */
import type { DriftSignal } from '../calibration/drift.js';
import type { MetricPoint } from '../model/metric.js';
import type { SpanRecord } from '../model/span.js';
import type { MonitorResult } from '../monitors/types.js';
import type { Anomaly, AnomalyChange, AnomalySink } from './types.js';
import { EventClock } from './clock.js';
import { DEFAULT_DETECTION_CONFIG, shiftSettings, signalEnabled, type DetectionConfig } from './config.js';
import { CUSUM_H } from './cusum.js';
import { EventRules } from './events.js';
import { GapTracker } from './gaps.js';
import { Lane, type Entry } from './lane.js';
import { HISTOGRAM_MEANS, MetricIntake, type MetricBucket } from './metric-intake.js';
import type { MetricAcc } from './metric-window.js';
import { kindGroup, PeerBoard, PeerGroups, type PeerReference } from './peers.js';
import { ShiftSeries, type SeriesOptions } from './shift-series.js';
import { CALIBRATION_SIGNAL, monitorSignal } from './signals.js';
import type { Measurement } from './span-window.js';
import { SpanWindow } from './span-window.js';
import { requestValues, spanEntities, spanTimeMs } from './span-values.js';

/** What the probe stage hands over per reading of a span (ProbeStage computes these per span). */
export interface ProbeAlarmReading {
  /** The probe's name; `consistency` for the propositions-vs-output agreement. */
  readonly probe: string;
  readonly alarm: boolean;
  /** Jaccard agreement of the consistency check; null for other readings. */
  readonly agreement: number | null;
}

export interface DetectorOptions extends Partial<DetectionConfig> {
  /** A timestamp this far past the latest event time is held back as a likely wrong clock (clock.ts). */
  readonly maxAheadMs?: number;
  readonly log?: (message: string) => void;
}

export interface DetectorStats {
  readonly spans: number;
  readonly metricPoints: number;
  readonly monitorResults: number;
  readonly probeReadings: number;
  /** Records older than the last closed window (dropped). */
  readonly late: number;
  /** Records too far past the latest event time (dropped, clock.ts). */
  readonly ahead: number;
  readonly windowsClosed: number;
  readonly series: number;
  readonly open: number;
  readonly opened: number;
  readonly closed: number;
  readonly sinkErrors: number;
  /** The latest event time seen, ms (null before any data). */
  readonly eventTimeMs: number | null;
  /** The lateness each lane waits for now (adapted to how out of order its data arrives). */
  readonly latenessMs: { readonly spans: number; readonly metrics: number };
}

/** Span windows with fewer requests than min_requests are merged with the next, over at most this many windows. */
const MAX_CARRY_WINDOWS = 6;
/** Peer values older than this many windows are not used as a reference. */
const PEER_MAX_AGE_WINDOWS = 3;
/** A shift whose series has been silent this many windows is closed. */
const SILENT_WINDOWS = 30;
/** Windows a baseline learns at least (fewer when the warm-up is shorter than this many windows). */
const MIN_WARMUP_WINDOWS = 8;
/** The baseline's memory while following a normal series, ms. */
const BASELINE_MEMORY_MS = 10 * 60_000;

const SPAN_KIND_SERVER = 2;
/** Below this utilisation a GPU's SM clock is its idle clock, not a slowdown: the clock is not judged. */
const BUSY_UTILIZATION = 0.3;

interface SpanBucket {
  readonly idx: number;
  readonly startMs: number;
  readonly replicas: Map<string, SpanWindow>;
  readonly models: Map<string, SpanWindow>;
}

interface Judged {
  readonly entry: Entry;
  readonly series: ShiftSeries;
  readonly m: Measurement;
  readonly startMs: number;
  readonly peer: boolean;
  group: string;
}

export class Detector {
  private readonly config: DetectionConfig;
  private readonly windowMs: number;
  private readonly spans: Lane<SpanBucket>;
  private readonly metrics: Lane<MetricBucket>;
  private readonly groups = new PeerGroups();
  private readonly board = new PeerBoard();
  private readonly events: EventRules;
  private readonly gaps: GapTracker;
  private readonly intake: MetricIntake;
  private readonly powerLimits = new Map<string, number>();
  private readonly open = new Map<string, Anomaly>();
  private readonly drift = new Map<string, Anomaly>();
  private readonly seriesOptions: SeriesOptions;
  private readonly log: (message: string) => void;
  /** The metric clock moved since the time-driven rules last ran. */
  private metricsMoved = false;
  private counts = { spans: 0, metricPoints: 0, monitorResults: 0, probeReadings: 0, windowsClosed: 0, opened: 0, closed: 0, sinkErrors: 0 };

  constructor(
    options: DetectorOptions,
    private readonly sink: AnomalySink,
  ) {
    const { maxAheadMs, log, ...config } = options;
    this.config = { ...DEFAULT_DETECTION_CONFIG, ...config };
    this.log = log ?? (() => {});
    const w = (this.windowMs = this.config.windowMs);
    const lateness = this.config.latenessMs;
    const spanClock = new EventClock(w, lateness, maxAheadMs, (jump, head) => jump === 'back' && this.spans.dropAfter(spanClock.windowOf(head)));
    const metricClock = new EventClock(w, lateness, maxAheadMs, (jump, head) => jump === 'back' && this.metrics.dropAfter(metricClock.windowOf(head)));
    this.spans = new Lane(spanClock, (idx, startMs) => ({ idx, startMs, replicas: new Map(), models: new Map() }));
    this.metrics = new Lane(metricClock, (idx, startMs) => ({ idx, startMs, metrics: new Map() }));
    this.events = new EventRules(this.config, this.config.recovery, this.emit);
    this.gaps = new GapTracker(this.config, this.emit);
    this.intake = new MetricIntake(this.metrics, this.events, this.gaps, this.groups, w);
    this.seriesOptions = {
      warmupMs: this.config.warmupMs,
      minWarmupWindows: Math.min(MIN_WARMUP_WINDOWS, Math.max(3, Math.ceil(this.config.warmupMs / w))),
      alpha: Math.min(0.2, Math.max(0.005, w / BASELINE_MEMORY_MS)),
      recovery: this.config.recovery,
      relearnAfterMs: this.config.relearnAfterMs,
      cusumH: CUSUM_H / this.config.sensitivity,
      countsRequests: true,
    };
  }

  // ---- anomalies out

  private readonly emit = (a: Anomaly, change: AnomalyChange): void => {
    if (change === 'close') {
      this.open.delete(a.id);
      this.counts.closed++;
    } else {
      if (change === 'open') this.counts.opened++;
      this.open.set(a.id, a);
    }
    try {
      this.sink(a, change);
    } catch (err) {
      this.counts.sinkErrors++;
      this.log(`detect: anomaly sink failed on ${a.id}: ${(err as Error).message}`);
    }
  };

  /** Anomalies open now, earliest first. */
  openAnomalies(): Anomaly[] {
    return [...this.open.values()].sort((a, b) => a.startMs - b.startMs || a.id.localeCompare(b.id));
  }

  stats(): DetectorStats {
    const sc = this.spans.clock;
    const mc = this.metrics.clock;
    const head = sc.head === null ? mc.head : mc.head === null ? sc.head : Math.max(sc.head, mc.head);
    return {
      ...this.counts,
      late: sc.late + mc.late,
      ahead: sc.ahead + mc.ahead,
      series: this.spans.entries.size + this.metrics.entries.size,
      open: this.open.size,
      eventTimeMs: head,
      latenessMs: { spans: sc.latenessMs, metrics: mc.latenessMs },
    };
  }

  // ---- event time

  /** Closes the windows each lane's head has passed, then runs the time-driven rules. */
  private advance(): void {
    const silentMs = SILENT_WINDOWS * this.windowMs;
    const spanBuckets = this.spans.takeClosable();
    for (const b of spanBuckets) this.closeSpanBucket(b);
    const spanHead = this.spans.clock.head;
    if (spanHead !== null && spanBuckets.length > 0) for (const e of this.spans.entries.values()) e.series?.closeIfSilent(spanHead, silentMs);
    const metricBuckets = this.metrics.takeClosable();
    for (const b of metricBuckets) this.closeMetricBucket(b);
    this.counts.windowsClosed += spanBuckets.length + metricBuckets.length;
    // Events and gaps run on the metric clock: spans may run ahead of it (a replay posts them early).
    const head = this.metrics.clock.head;
    if (head !== null && (metricBuckets.length > 0 || this.metricsMoved)) {
      this.metricsMoved = false;
      this.events.sweep(head);
      this.gaps.check(head);
      if (metricBuckets.length > 0) for (const e of this.metrics.entries.values()) e.series?.closeIfSilent(head, silentMs);
    }
  }

  /** Moves event time to `eventTimeMs` without data (a replay's clock, or time passing with nothing to say). */
  advanceTo(eventTimeMs: number): void {
    this.guard(() => {
      this.spans.clock.advance(eventTimeMs);
      this.metrics.clock.advance(eventTimeMs);
      this.metricsMoved = true;
      this.advance();
    });
  }

  /** Runs a hook: never throws (a failure is logged), and does nothing when detection is disabled. */
  private guard(fn: () => void): void {
    if (!this.config.enabled) return;
    try {
      fn();
    } catch (err) {
      this.log(`detect: ${(err as Error).stack ?? (err as Error).message}`);
    }
  }

  // ---- spans

  /** The `IngestListeners.spans` hook. Never throws. */
  readonly onSpans = (spans: readonly SpanRecord[]): void => {
    this.guard(() => {
      const clock = this.spans.clock;
      clock.begin();
      for (let i = 0; i < spans.length; i++) {
        const span = spans[i];
        const { replica, model } = spanEntities(span);
        if (replica === null && model === null) continue;
        const t = spanTimeMs(span);
        if (!clock.admit(t)) continue;
        this.counts.spans++;
        const values = requestValues(span);
        const b = this.spans.bucket(t);
        if (replica !== null) {
          const w = replicaWindow(b, replica);
          if (model !== null) w.model ??= model;
          // A server-side span names the GPUs its replica uses (peer groups of GPUs): once per window.
          if (!w.edgesSeen && (span.kind === SPAN_KIND_SERVER || span.name === 'llm_request') && span.entities.edges.length > 0) {
            w.edgesSeen = true;
            for (const e of span.entities.edges) this.groups.noteEdge(e);
          }
          w.addRequest(values);
        }
        if (model !== null) modelWindow(b, model).addRequest(values);
      }
      clock.end();
      this.advance();
    });
  };

  /** Hands the windows of a span's replica and model to `fn` (nothing when the span is late or names neither). */
  private spanWindows(span: SpanRecord, fn: (w: SpanWindow) => void): void {
    const { replica, model } = spanEntities(span);
    if (replica === null && model === null) return;
    const clock = this.spans.clock;
    clock.begin();
    const t = spanTimeMs(span);
    if (clock.admit(t)) {
      const b = this.spans.bucket(t);
      if (replica !== null) fn(replicaWindow(b, replica));
      if (model !== null) fn(modelWindow(b, model));
    }
    clock.end();
    this.advance();
  }

  /** One monitor's result on a span (MonitorStage). Never throws. */
  onMonitorResult(span: SpanRecord, result: MonitorResult): void {
    this.guard(() => {
      this.counts.monitorResults++;
      this.spanWindows(span, (w) => w.addMonitorResult(result.monitor, result.flag, result.score, span.traceId, span.spanId));
    });
  }

  /** One probe reading of a span, or its consistency check (ProbeStage). Never throws. */
  onProbeAlarm(span: SpanRecord, reading: ProbeAlarmReading): void {
    this.guard(() => {
      this.counts.probeReadings++;
      this.spanWindows(span, (w) => w.addProbeReading(reading.alarm, reading.agreement, span.traceId, span.spanId));
    });
  }

  /**
   * A slice's calibration started or stopped drifting (calibration/drift.ts, from feedback): opens or
   * closes a `calibration.ece` anomaly on the slice's entity, at the feedback's event time.
   */
  onCalibrationDrift(signal: DriftSignal): void {
    this.guard(() => {
      if (!signalEnabled(this.config, CALIBRATION_SIGNAL)) return;
      const t = Date.parse(signal.time);
      if (!Number.isFinite(t)) return;
      const open = this.drift.get(signal.entity);
      if (signal.drifting && open === undefined) {
        const a: Anomaly = {
          id: `${signal.entity}|${CALIBRATION_SIGNAL}|${t}`,
          entity: signal.entity,
          signal: CALIBRATION_SIGNAL,
          layer: 'confidence',
          kind: 'shift',
          direction: 'up',
          startMs: t,
          lastMs: t,
          endMs: null,
          baseline: signal.baselineEce,
          observed: signal.currentEce,
          score: signal.threshold > 0 ? (signal.currentEce - signal.baselineEce) / signal.threshold : 1,
          detail: `ECE ${signal.currentEce.toFixed(3)} over the last ${signal.currentN} labelled vs ${signal.baselineEce.toFixed(3)}`,
          examples: [],
        };
        this.drift.set(signal.entity, a);
        this.emit(a, 'open');
      } else if (!signal.drifting && open !== undefined) {
        this.drift.delete(signal.entity);
        this.emit({ ...open, lastMs: Math.max(open.lastMs, t), endMs: Math.max(open.startMs, t) }, 'close');
      }
    });
  }

  // ---- metric points

  /** The `IngestListeners.metricPoints` hook. Never throws. */
  readonly onMetricPoints = (points: readonly MetricPoint[]): void => {
    this.guard(() => {
      const clock = this.metrics.clock;
      clock.begin();
      const before = clock.head;
      for (let i = 0; i < points.length; i++) if (this.intake.point(points[i])) this.counts.metricPoints++;
      clock.end();
      if (clock.head !== before) this.metricsMoved = true;
      this.advance();
    });
  };

  // ---- judging a closed window

  private entry(lane: Lane<SpanBucket> | Lane<MetricBucket>, entity: string, signal: string, ratio = false): Entry {
    const key = `${entity}\u0000${signal}`;
    let e = lane.entries.get(key);
    if (e !== undefined && e.ratio === ratio) return e;
    const settings = shiftSettings(this.config, signal);
    let series: ShiftSeries | null = null;
    if (settings !== null) {
      const spec = ratio ? { ...settings.spec, unit: 'share' as const, label: 'power draw over its limit' } : settings.spec;
      const options = lane === this.spans ? this.seriesOptions : { ...this.seriesOptions, countsRequests: false };
      series = new ShiftSeries(entity, signal, { ...settings, spec }, this.windowMs, options, this.emit);
    }
    e = { series, carry: null, carryStartMs: 0, ratio };
    lane.entries.set(key, e);
    return e;
  }

  private closeSpanBucket(b: SpanBucket): void {
    const judged: Judged[] = [];
    for (const w of b.replicas.values()) {
      if (w.model !== null) this.groups.noteReplicaModel(w.entity, w.model);
      this.collectSpanWindow(b, w, judged);
    }
    for (const w of b.models.values()) this.collectSpanWindow(b, w, judged);
    this.judge(judged, b.startMs + this.windowMs);
  }

  private closeMetricBucket(b: MetricBucket): void {
    // Power is judged over the limit of its own window (a later limit must not rescale it).
    for (const acc of b.metrics.values()) {
      if (acc.signal !== 'gpu.power.limit') continue;
      const limit = acc.value('gauge');
      if (limit !== null && limit > 0) this.powerLimits.set(acc.entity, limit);
    }
    const judged: Judged[] = [];
    for (const acc of b.metrics.values()) this.collectMetric(b, acc, judged);
    this.judge(judged, b.startMs + this.windowMs);
  }

  /** Records every peer-judged value of the window first, then judges each series. */
  private judge(judged: Judged[], endMs: number): void {
    for (const j of judged) {
      if (!j.peer) continue;
      const entity = j.series.entity;
      j.group = this.groups.groupOf(entity);
      const x = j.series.judged(j.m.value);
      this.board.record(j.series.signal, j.group, entity, x, endMs);
      this.board.record(j.series.signal, kindGroup(entity), entity, x, endMs);
    }
    const maxAge = PEER_MAX_AGE_WINDOWS * this.windowMs;
    for (const j of judged) {
      let ref: PeerReference | null = null;
      if (j.peer) {
        const { signal, entity } = j.series;
        ref = this.board.reference(signal, j.group, entity, endMs, maxAge) ?? this.board.reference(signal, kindGroup(entity), entity, endMs, maxAge);
      }
      j.series.evaluate(j.m, j.startMs, endMs, ref?.ref ?? null, ref?.spread2 ?? 0);
    }
  }

  private collectSpanWindow(b: SpanBucket, w: SpanWindow, out: Judged[]): void {
    for (const [signal, windowAcc] of w.series(monitorSignal)) {
      const entry = this.entry(this.spans, w.entity, signal);
      const series = entry.series;
      if (series === null) continue;
      let acc = windowAcc;
      let startMs = b.startMs;
      if (entry.carry !== null && b.startMs - entry.carryStartMs < MAX_CARRY_WINDOWS * this.windowMs) {
        entry.carry.merge(acc);
        acc = entry.carry;
        startMs = entry.carryStartMs;
      }
      entry.carry = null;
      if (acc.count < this.config.minRequests && b.startMs - startMs < (MAX_CARRY_WINDOWS - 1) * this.windowMs) {
        entry.carry = acc;
        entry.carryStartMs = startMs;
        continue;
      }
      const m = acc.measure(series.log);
      if (m === null) continue;
      out.push({ entry, series, m, startMs, peer: series.peer, group: '' });
    }
  }

  private collectMetric(b: MetricBucket, acc: MetricAcc, out: Judged[]): void {
    const signal = acc.signal;
    let value = acc.value(signal === 'engine.preemptions' ? 'rate' : HISTOGRAM_MEANS.has(signal) ? 'mean' : 'gauge');
    if (value === null || !Number.isFinite(value)) return;
    let ratio = false;
    if (signal === 'gpu.power.draw') {
      const limit = this.powerLimits.get(acc.entity);
      if (limit !== undefined) {
        value /= limit;
        ratio = true;
      }
    }
    if (signal === 'gpu.clock.sm') {
      const util = b.metrics.get(`${acc.entity}\u0000gpu.utilization`)?.value('gauge');
      if (util !== undefined && util !== null && util < BUSY_UTILIZATION) return;
    }
    const entry = this.entry(this.metrics, acc.entity, signal, ratio);
    const series = entry.series;
    if (series === null) return;
    out.push({ entry, series, m: { value, n: 1, spread2: 0, examples: [] }, startMs: b.startMs, peer: series.peer, group: '' });
  }
}

function replicaWindow(b: SpanBucket, key: string): SpanWindow {
  let w = b.replicas.get(key);
  if (w === undefined) b.replicas.set(key, (w = new SpanWindow(`replica:${key}`, true)));
  return w;
}

function modelWindow(b: SpanBucket, key: string): SpanWindow {
  let w = b.models.get(key);
  if (w === undefined) b.models.set(key, (w = new SpanWindow(`model:${key}`, false)));
  return w;
}
