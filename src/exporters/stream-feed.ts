/**
 * Feeds the `/metrics` families that summarise the stream (confidence, monitor flag rates, probe
 * alarm rates, calibration error) from what ingest and the stages hear, as exponentially weighted
 * averages per entity: cheap per record, no store reads. Calibration error comes from the drift
 * detector's sliding windows of labelled responses.
 */
import type { DriftSliceState } from '../calibration/drift.js';
import type { MonitorResult } from '../monitors/types.js';
import type { SpanRecord } from '../model/span.js';
import type { StrataMetrics } from './strata-metrics.js';

/** Weight of a new observation in the running averages (about the last 100 observations). */
export const EWMA_ALPHA = 0.01;

function modelOf(span: SpanRecord): string {
  return span.genai.responseModel ?? span.genai.requestModel ?? '';
}

function replicaOf(span: SpanRecord): string {
  for (const r of span.entities.refs) if (r.kind === 'replica') return r.key;
  return '';
}

class Averages {
  private readonly values = new Map<string, number>();

  /** Folds `x` into the average under `key`; answers the new average. */
  add(key: string, x: number): number {
    const prev = this.values.get(key);
    const next = prev === undefined ? x : prev + EWMA_ALPHA * (x - prev);
    this.values.set(key, next);
    return next;
  }
}

export class StreamMetricsFeed {
  private readonly confidence = new Averages();
  private readonly flags = new Averages();
  private readonly alarms = new Averages();

  constructor(private readonly metrics: StrataMetrics) {}

  /** IngestListeners.spans: counts spans, averages confidence per model and replica. */
  readonly onSpans = (spans: readonly SpanRecord[]): void => {
    this.metrics.addIngestSpans(spans.length);
    for (const s of spans) {
      const c = s.confidence?.value;
      if (c === null || c === undefined || !Number.isFinite(c)) continue;
      const model = modelOf(s);
      const replica = replicaOf(s);
      this.metrics.setConfidenceMean(model, replica, this.confidence.add(`${model}\u0000${replica}`, c));
    }
  };

  readonly onMetricPoints = (points: readonly unknown[]): void => {
    this.metrics.addIngestMetricPoints(points.length);
  };

  /** MonitorStage results: flag rate per monitor and model. */
  readonly onMonitorResult = (span: SpanRecord, result: MonitorResult): void => {
    const model = modelOf(span);
    this.metrics.setMonitorFlagRate(result.monitor, model, this.flags.add(`${result.monitor}\u0000${model}`, result.flag ? 1 : 0));
  };

  /** ProbeStage readings: alarm rate per probe and replica. */
  readonly onProbeReading = (span: SpanRecord, reading: { readonly probe: string; readonly alarm: boolean }): void => {
    const replica = replicaOf(span);
    this.metrics.setProbeAlarmRate(reading.probe, replica, this.alarms.add(`${reading.probe}\u0000${replica}`, reading.alarm ? 1 : 0));
  };

  /** The drift detector's slices: ECE of the current window per replica or model. */
  onDriftStates(states: readonly DriftSliceState[]): void {
    for (const s of states) {
      if (s.current === null || !Number.isFinite(s.current.ece)) continue;
      const [kind, ...rest] = s.entity.split(':');
      const key = rest.join(':');
      this.metrics.setCalibrationEce(kind === 'model' ? key : '', kind === 'replica' ? key : '', s.current.ece);
    }
  }
}
