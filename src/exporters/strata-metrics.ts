/**
 * The families Strata exports at GET /metrics, with one setter each, so every caller uses the same
 * names, help and labels; and sinks that keep the open incident and anomaly gauges from the
 * detection stream. docs/alerting.md lists the families.
 */
import type { Anomaly, AnomalyChange, AnomalySink } from '../detect/types.js';
import type { Incident, IncidentChange, IncidentSink } from '../incidents/types.js';
import { causeLabels } from '../notifier/describe.js';
import { NOTIFICATION_OUTCOMES, type NotificationOutcome } from '../notifier/types.js';
import { DerivedMetrics, type MetricType } from './registry.js';

interface FamilyDef {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
}

export const FAMILIES = {
  confidenceMean: { name: 'strata_confidence_mean', type: 'gauge', labels: ['model', 'replica'], help: 'Mean primary confidence of the responses in the last window, per model and replica.' },
  calibrationEce: { name: 'strata_calibration_ece', type: 'gauge', labels: ['model', 'replica'], help: 'Expected calibration error of confidence against feedback, per model and replica.' },
  monitorFlagRate: { name: 'strata_monitor_flag_rate', type: 'gauge', labels: ['monitor', 'model'], help: 'Fraction of responses a behavioural monitor flagged in the last window.' },
  probeAlarmRate: { name: 'strata_probe_alarm_rate', type: 'gauge', labels: ['probe', 'replica'], help: 'Fraction of probe readings that raised an alarm in the last window.' },
  incidentsOpen: { name: 'strata_incidents_open', type: 'gauge', labels: ['fault_type', 'layer'], help: 'Open incidents by the fault type and layer of their top-ranked cause.' },
  anomaliesOpen: { name: 'strata_anomalies_open', type: 'gauge', labels: ['layer'], help: 'Open anomalies by the layer of the signal they were seen in.' },
  ingestSpans: { name: 'strata_ingest_spans_total', type: 'counter', labels: [], help: 'Spans accepted by ingest.' },
  ingestMetricPoints: { name: 'strata_ingest_metric_points_total', type: 'counter', labels: [], help: 'Metric points accepted by ingest.' },
  notifications: { name: 'strata_notifications_total', type: 'counter', labels: ['receiver', 'outcome'], help: 'Incident notifications by receiver and outcome (sent, retry, failed, dropped).' },
  up: { name: 'strata_up', type: 'gauge', labels: [], help: 'Whether Strata is running and serving (1).' },
} as const satisfies Record<string, FamilyDef>;

/** The registry with Strata's families declared and a setter per family. */
export class StrataMetrics {
  readonly registry: DerivedMetrics;

  constructor(registry: DerivedMetrics = new DerivedMetrics()) {
    this.registry = registry;
    for (const f of Object.values(FAMILIES) as FamilyDef[]) registry.declare(f.name, f.help, f.type, f.labels);
    this.setUp(true);
  }

  setConfidenceMean(model: string, replica: string, value: number): void {
    this.gauge(FAMILIES.confidenceMean, { model, replica }, value);
  }

  setCalibrationEce(model: string, replica: string, value: number): void {
    this.gauge(FAMILIES.calibrationEce, { model, replica }, value);
  }

  setMonitorFlagRate(monitor: string, model: string, value: number): void {
    this.gauge(FAMILIES.monitorFlagRate, { monitor, model }, value);
  }

  setProbeAlarmRate(probe: string, replica: string, value: number): void {
    this.gauge(FAMILIES.probeAlarmRate, { probe, replica }, value);
  }

  setIncidentsOpen(faultType: string, layer: string, count: number): void {
    this.gauge(FAMILIES.incidentsOpen, { fault_type: faultType, layer }, count);
  }

  setAnomaliesOpen(layer: string, count: number): void {
    this.gauge(FAMILIES.anomaliesOpen, { layer }, count);
  }

  addIngestSpans(n: number): void {
    this.registry.inc(FAMILIES.ingestSpans.name, FAMILIES.ingestSpans.help, {}, n);
  }

  addIngestMetricPoints(n: number): void {
    this.registry.inc(FAMILIES.ingestMetricPoints.name, FAMILIES.ingestMetricPoints.help, {}, n);
  }

  /** Creates the receivers' series at 0, so that rates work from the first scrape. */
  declareReceivers(receivers: readonly string[]): void {
    for (const receiver of receivers) for (const outcome of NOTIFICATION_OUTCOMES) this.registry.inc(FAMILIES.notifications.name, FAMILIES.notifications.help, { receiver, outcome }, 0);
  }

  /** Counts one notification outcome: pass as the notifier's `onOutcome`. */
  readonly countNotification = (receiver: string, outcome: NotificationOutcome): void => {
    this.registry.inc(FAMILIES.notifications.name, FAMILIES.notifications.help, { receiver, outcome });
  };

  setUp(up: boolean): void {
    this.gauge(FAMILIES.up, {}, up ? 1 : 0);
  }

  /** Removes the series of an entity that went away, e.g. `forget('confidenceMean', {model, replica})`. */
  forget(family: keyof typeof FAMILIES, labels: Readonly<Record<string, string>>): boolean {
    return this.registry.delete(FAMILIES[family].name, labels);
  }

  /**
   * An IncidentSink keeping strata_incidents_open: each open incident counts once under its current top
   * cause; a label set seen once stays, at 0, when its incidents resolve.
   */
  incidentSink(): IncidentSink {
    const open = new Map<string, string>();
    const counts = new Map<string, { faultType: string; layer: string; n: number }>();
    return (incident: Incident, _change: IncidentChange) => {
      const before = open.get(incident.id);
      if (before !== undefined) counts.get(before)!.n--;
      open.delete(incident.id);
      if (incident.status === 'open') {
        const c = causeLabels(incident);
        const key = `${c.faultType}\u0000${c.layer}`;
        if (!counts.has(key)) counts.set(key, { faultType: c.faultType, layer: c.layer, n: 0 });
        counts.get(key)!.n++;
        open.set(incident.id, key);
      }
      for (const c of counts.values()) this.setIncidentsOpen(c.faultType, c.layer, c.n);
    };
  }

  /** An AnomalySink keeping strata_anomalies_open per layer (a layer seen once stays, at 0). */
  anomalySink(): AnomalySink {
    const open = new Map<string, string>();
    const counts = new Map<string, number>();
    return (anomaly: Anomaly, change: AnomalyChange) => {
      const before = open.get(anomaly.id);
      if (before !== undefined) counts.set(before, counts.get(before)! - 1);
      open.delete(anomaly.id);
      if (change !== 'close' && anomaly.endMs === null) {
        counts.set(anomaly.layer, (counts.get(anomaly.layer) ?? 0) + 1);
        open.set(anomaly.id, anomaly.layer);
      } else if (!counts.has(anomaly.layer)) counts.set(anomaly.layer, 0);
      for (const [layer, n] of counts) this.setAnomaliesOpen(layer, n);
    };
  }

  private gauge(f: FamilyDef, labels: Readonly<Record<string, string>>, value: number): void {
    this.registry.set(f.name, f.help, labels, value);
  }
}
