/**
 * Prometheus remote write 1.0 (snappy-compressed `prometheus.WriteRequest` protobuf) into Strata:
 * the conversion to the OTLP metrics shapes every receiver hands to `Ingest`, and the request
 * handler the OTLP/HTTP receiver mounts at `POST /api/v1/write`.
 */
import type { Ingest } from '../../pipeline/ingest.js';
import { setAttribute } from '../otlp/attributes.js';
import { exportRequest, METRICS } from '../otlp/signals.js';
import type { Attributes, Exemplar, ExportMetricsRequest, MetricData, NumberDataPoint, OtlpMetric, ResourceMetrics } from '../otlp/types.js';
import {
  decodeWriteRequest,
  PROM_METRIC_TYPE,
  RemoteWriteDecodeError,
  type PromExemplar,
  type PromMetadata,
  type PromTimeSeries,
  type PromWriteRequest,
} from './remote-write-decode.js';
import { decompressSnappy, SnappyError } from './snappy.js';

/** The path Prometheus' `remote_write.url` points at. */
export const REMOTE_WRITE_PATH = '/api/v1/write';
/** The instrumentation scope of every converted metric. */
export const REMOTE_WRITE_SCOPE = 'strata.remote_write';
/** How many metric families' metadata the handler remembers between requests. */
export const DEFAULT_MAX_METADATA_FAMILIES = 10_000;

/** DataPointFlags bit 0: no recorded value (how OTLP says "stale"). */
const FLAG_NO_RECORDED_VALUE = 1;
const CUMULATIVE = 2;
const NS_PER_MS = 1_000_000n;
const HEX_TRACE_ID = /^[0-9a-f]{32}$/;
const HEX_SPAN_ID = /^[0-9a-f]{16}$/;

/** Finds the metadata Prometheus sent for a metric family (in this request or an earlier one). */
export type MetadataLookup = (family: string) => PromMetadata | undefined;

/** Whether a series is a cumulative counter, and the metadata that describes it. */
function classify(name: string, lookup: MetadataLookup): { counter: boolean; meta: PromMetadata | undefined } {
  const exact = lookup(name);
  if (exact && exact.type !== PROM_METRIC_TYPE.UNKNOWN) return { counter: exact.type === PROM_METRIC_TYPE.COUNTER, meta: exact };
  const cut = name.lastIndexOf('_');
  const suffix = cut > 0 ? name.slice(cut) : '';
  const family = cut > 0 ? lookup(name.slice(0, cut)) : undefined;
  switch (suffix) {
    case '_total':
      // OpenMetrics names the family without `_total`; without any metadata, the naming convention
      // says counter (remote write 1.0 carries no type with the samples).
      return { counter: family === undefined || family.type === PROM_METRIC_TYPE.COUNTER || family.type === PROM_METRIC_TYPE.UNKNOWN, meta: family ?? exact };
    case '_bucket':
    case '_count':
    case '_sum': {
      const counter = family?.type === PROM_METRIC_TYPE.HISTOGRAM || family?.type === PROM_METRIC_TYPE.SUMMARY;
      return { counter, meta: family ?? exact };
    }
    default:
      return { counter: false, meta: exact };
  }
}

/**
 * A decoded WriteRequest as an OTLP ExportMetricsRequest.
 * - one ResourceMetrics per (`job`, `instance`): `service.name` = job, `service.instance.id` =
 *   instance, `host.name` and `server.port` from `host:port`;
 * - one scope, {@link REMOTE_WRITE_SCOPE}; one metric per `__name__`, with the other labels as
 *   point attributes and one point per sample;
 * - counters (by metadata, else by a `_total` name; histogram and summary `_bucket`/`_count`/`_sum`
 *   series when their family's metadata says so) become monotonic cumulative sums, everything else
 *   gauges; metadata gives description (help) and unit;
 * - a stale marker becomes a point flagged "no recorded value" with value NaN;
 * - exemplars go on the sample nearest in time (those of a series without samples are dropped).
 * Series without samples (native histograms only) produce nothing.
 */
export function writeRequestToMetrics(req: PromWriteRequest, lookup: MetadataLookup = metadataIn(req)): ExportMetricsRequest {
  const resources = new Map<string, { rm: ResourceMetrics; metrics: Map<string, OtlpMetric> }>();
  for (const ts of req.timeseries) {
    if (ts.samples.length === 0) continue;
    let name = '';
    let job = '';
    let instance = '';
    const attributes: Attributes = {};
    for (const l of ts.labels) {
      if (l.name === '__name__') name = l.value;
      else if (l.name === 'job') job = l.value;
      else if (l.name === 'instance') instance = l.value;
      else setAttribute(attributes, l.name, l.value);
    }
    const key = `${job}\u0000${instance}`;
    let group = resources.get(key);
    if (!group) {
      const rm: ResourceMetrics = {
        resource: { attributes: resourceAttributes(job, instance), droppedAttributesCount: 0 },
        scopeMetrics: [{ scope: { name: REMOTE_WRITE_SCOPE, version: '', attributes: {}, droppedAttributesCount: 0 }, metrics: [], schemaUrl: '' }],
        schemaUrl: '',
      };
      resources.set(key, (group = { rm, metrics: new Map() }));
    }
    let metric = group.metrics.get(name);
    if (!metric) {
      const { counter, meta } = classify(name, lookup);
      const data: MetricData = counter
        ? { type: 'sum', dataPoints: [], aggregationTemporality: CUMULATIVE, isMonotonic: true }
        : { type: 'gauge', dataPoints: [] };
      metric = { name, description: meta?.help ?? '', unit: meta?.unit ?? '', data, metadata: {} };
      group.metrics.set(name, metric);
      group.rm.scopeMetrics[0].metrics.push(metric);
    }
    const into = (metric.data as { dataPoints: NumberDataPoint[] }).dataPoints;
    for (const p of points(ts, attributes)) into.push(p);
  }
  return { resourceMetrics: [...resources.values()].map((g) => g.rm) };
}

/** A lookup over the metadata of one request only. */
export function metadataIn(req: PromWriteRequest): MetadataLookup {
  const byFamily = new Map(req.metadata.map((m) => [m.metricFamilyName, m]));
  return (family) => byFamily.get(family);
}

function resourceAttributes(job: string, instance: string): Attributes {
  const attrs: Attributes = {};
  if (job) attrs['service.name'] = job;
  if (!instance) return attrs;
  attrs['service.instance.id'] = instance;
  // host:port, [v6addr]:port, or a bare host; a non-numeric "port" is part of the host.
  const m = /^(?:\[([^\]]*)\]|(.*?)):(\d{1,5})$/.exec(instance);
  if (m && Number(m[3]) <= 65535) {
    attrs['host.name'] = m[1] ?? m[2];
    attrs['server.port'] = { int: BigInt(m[3]) };
  } else attrs['host.name'] = instance.startsWith('[') && instance.endsWith(']') ? instance.slice(1, -1) : instance;
  return attrs;
}

function points(ts: PromTimeSeries, attributes: Attributes): NumberDataPoint[] {
  const out = ts.samples.map(
    (s): NumberDataPoint => ({
      attributes,
      startTimeUnixNano: 0n,
      timeUnixNano: s.timestampMs * NS_PER_MS,
      exemplars: [],
      flags: s.stale ? FLAG_NO_RECORDED_VALUE : 0,
      value: s.stale ? Number.NaN : s.value,
      isInt: false,
    }),
  );
  for (const e of ts.exemplars) {
    let best = 0;
    for (let i = 1; i < ts.samples.length; i++) if (distance(ts.samples[i].timestampMs, e.timestampMs) < distance(ts.samples[best].timestampMs, e.timestampMs)) best = i;
    out[best].exemplars.push(exemplar(e));
  }
  return out;
}

function distance(a: bigint, b: bigint): bigint {
  return a > b ? a - b : b - a;
}

function exemplar(e: PromExemplar): Exemplar {
  const filteredAttributes: Attributes = {};
  let traceId = '';
  let spanId = '';
  for (const l of e.labels) {
    const v = l.value.toLowerCase();
    if (l.name === 'trace_id' && HEX_TRACE_ID.test(v)) traceId = v;
    else if (l.name === 'span_id' && HEX_SPAN_ID.test(v)) spanId = v;
    else setAttribute(filteredAttributes, l.name, l.value);
  }
  return { filteredAttributes, timeUnixNano: e.timestampMs * NS_PER_MS, value: e.value, traceId, spanId };
}

/**
 * Metadata remembered across requests: Prometheus sends metadata in requests of its own (every
 * `metadata_config.send_interval`, 1 m by default), apart from the samples. Bounded: past `max`
 * families the least recently updated is forgotten.
 */
export class MetadataCache {
  private readonly families = new Map<string, PromMetadata>();

  constructor(private readonly max = DEFAULT_MAX_METADATA_FAMILIES) {}

  /** Records a request's metadata; a later entry for a family replaces the earlier one. */
  learn(metadata: readonly PromMetadata[]): void {
    for (const m of metadata) {
      if (!m.metricFamilyName) continue;
      this.families.delete(m.metricFamilyName);
      this.families.set(m.metricFamilyName, m);
      if (this.families.size > this.max) this.families.delete(this.families.keys().next().value!);
    }
  }

  /** The metadata last seen for `family`. */
  readonly get: MetadataLookup = (family) => this.families.get(family);

  get size(): number {
    return this.families.size;
  }
}

/** What the handler needs. */
export interface RemoteWriteDeps {
  readonly ingest: Ingest;
  /** Largest accepted (compressed) body. */
  readonly maxBodyBytes: number;
  /** Largest body after snappy decompression; default `maxBodyBytes`. */
  readonly maxDecompressedBytes?: number;
  /** Points older than this many days are dropped (0 or absent: no limit). */
  readonly retentionDays?: number;
  /** How many metric families' metadata to remember; default {@link DEFAULT_MAX_METADATA_FAMILIES}. */
  readonly maxMetadataFamilies?: number;
}

/** One remote-write request as the HTTP layer read it. */
export interface RemoteWriteRequest {
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  /** The whole (compressed) body. */
  readonly body: Uint8Array;
}

/** The HTTP answer: 204 on success; otherwise an error status with a message. */
export interface RemoteWriteAnswer {
  readonly status: number;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Handles one remote-write request; never throws for bad input. */
export type RemoteWriteHandler = (req: RemoteWriteRequest) => RemoteWriteAnswer;

const answer = (status: number, message: string, headers: Record<string, string> = {}): RemoteWriteAnswer => ({ status, message, headers });

/**
 * Creates the remote-write handler. Answers as the remote-write 1.0 spec expects: 204 when the data
 * is in the write-ahead log; 400 (not retried by Prometheus) for a missing `Content-Encoding:
 * snappy`, corrupt snappy or malformed protobuf; 413 for a body or a decompressed body over the
 * limit, or a request the pipeline refuses for size; 415 for a content type other than
 * `application/x-protobuf` (remote write 2.0's `proto=io.prometheus.write.v2.Request` included);
 * 503 with `Retry-After` (retried) when the pipeline is busy. Authentication and the compressed body
 * limit are the HTTP layer's.
 *
 * @example
 * const handle = createRemoteWriteHandler({ ingest, maxBodyBytes: 16 << 20 });
 * const { status, message, headers } = handle({ contentType, contentEncoding, body });
 */
export function createRemoteWriteHandler(deps: RemoteWriteDeps): RemoteWriteHandler {
  const maxDecompressed = deps.maxDecompressedBytes ?? deps.maxBodyBytes;
  const cache = new MetadataCache(deps.maxMetadataFamilies);
  return (req) => {
    const media = (req.contentType ?? '').split(';');
    if (media[0].trim().toLowerCase() !== 'application/x-protobuf')
      return answer(415, `unsupported content type ${JSON.stringify(req.contentType ?? '')}; remote write sends application/x-protobuf`);
    const proto = media.slice(1).map((p) => p.trim().split('=')).find(([k]) => k.toLowerCase() === 'proto')?.[1];
    if (proto !== undefined && proto !== 'prometheus.WriteRequest')
      return answer(415, `unsupported protobuf message ${JSON.stringify(proto)}; only remote write 1.0 (prometheus.WriteRequest) is supported`);
    if ((req.contentEncoding ?? '').trim().toLowerCase() !== 'snappy')
      return answer(400, `remote write bodies must be snappy-compressed (Content-Encoding: snappy), got ${JSON.stringify(req.contentEncoding ?? '')}`);
    if (req.body.length > deps.maxBodyBytes) return answer(413, `body of ${req.body.length} bytes exceeds the limit of ${deps.maxBodyBytes}`);
    let decoded: PromWriteRequest;
    try {
      decoded = decodeWriteRequest(decompressSnappy(req.body, maxDecompressed));
    } catch (err) {
      if (err instanceof SnappyError) return answer(err.kind === 'too_large' ? 413 : 400, err.message);
      if (err instanceof RemoteWriteDecodeError) return answer(400, err.message);
      throw err;
    }
    cache.learn(decoded.metadata);
    const own = metadataIn(decoded);
    const metrics = writeRequestToMetrics(decoded, (family) => own(family) ?? cache.get(family));
    const result = exportRequest(METRICS, deps.ingest, metrics, deps.retentionDays ?? 0);
    if (result.kind === 'busy') return answer(503, 'ingest queue is full; retry later', { 'Retry-After': String(result.retryAfterSeconds) });
    if (result.kind === 'too_large') return answer(413, result.message);
    return answer(204, '');
  };
}
