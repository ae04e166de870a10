/**
 * Layer 4's correlation stage, assembled: the topology and request counter fed from the ingest
 * stream, the correlator fed by the detector, configured from the `incidents:` section. The
 * composition root (strata.ts) and `strata bench` build one and wire its four entry points.
 */
import type { AnomalySink } from '../detect/types.js';
import type { MetricPoint } from '../model/metric.js';
import type { SpanRecord } from '../model/span.js';
import type { IncidentsConfig } from './config.js';
import { Correlator } from './correlator.js';
import { RequestCounter } from './request-counter.js';
import { Topology } from './topology.js';
import type { IncidentSink } from './types.js';

export interface IncidentStage {
  readonly topology: Topology;
  readonly requests: RequestCounter;
  readonly correlator: Correlator;
  /** IngestListeners.spans: learns entities and counts requests. */
  readonly onSpans: (spans: readonly SpanRecord[]) => void;
  /** IngestListeners.metricPoints: learns entities (GPUs of hosts, replicas on hosts). */
  readonly onMetricPoints: (points: readonly MetricPoint[]) => void;
  /** The detector's AnomalySink. */
  readonly onAnomaly: AnomalySink;
  /** Event time moved on (the detector's clock): resolves quiet incidents, confirms lasting anomalies. */
  readonly advanceTo: (eventTimeMs: number) => void;
}

export function createIncidentStage(config: IncidentsConfig, sink: IncidentSink): IncidentStage {
  const topology = new Topology();
  for (const e of config.edges) topology.addEdge(e.from, e.relation, e.to);
  const requests = new RequestCounter({ bucketMs: config.requestBucketMs, retentionMs: config.requestRetentionMs });
  const { enabled: _enabled, edges: _edges, requestBucketMs: _bucket, requestRetentionMs: _retention, ...options } = config;
  const correlator = new Correlator(topology, { ...options, requests }, sink);
  return {
    topology,
    requests,
    correlator,
    onSpans: (spans) => {
      topology.observeAll(spans);
      requests.onSpans(spans);
    },
    onMetricPoints: (points) => topology.observeAll(points),
    onAnomaly: correlator.onAnomaly,
    advanceTo: (ms) => correlator.advanceTo(ms),
  };
}
