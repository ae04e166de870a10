/**
 * Synthetic streams for the detection tests (src/detect/*.test.ts): spans and metric points built
 * directly in Strata's model (with the entities ingest would derive), a seeded noise source, and a
 * sink that records what a detector reports.
 */
import type { Anomaly, AnomalyChange } from '../../src/detect/types.js';
import type { ConfidenceSignals } from '../../src/model/confidence.js';
import type { EntityEdge, EntityRef } from '../../src/model/entity.js';
import type { CanonicalSignal, MetricPoint, MetricType } from '../../src/model/metric.js';
import type { GenAiFields, SpanRecord } from '../../src/model/span.js';
import type { Attributes } from '../../src/receivers/otlp/types.js';
import { mulberry32 } from '../../src/calibration/random.js';

/** 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);
export const S = 1000;
export const MIN = 60_000;

const ns = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;

export function ref(id: string): EntityRef {
  const i = id.indexOf(':');
  return { kind: id.slice(0, i), key: id.slice(i + 1) };
}

/** Seeded noise: uniform and normal draws. */
export function noise(seed: number): { uniform: () => number; normal: () => number } {
  const u = mulberry32(seed);
  return {
    uniform: u,
    normal: () => {
      const a = Math.max(1e-12, u());
      return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
    },
  };
}

const GENAI: GenAiFields = {
  operation: 'chat',
  provider: null,
  requestModel: null,
  responseModel: null,
  responseId: null,
  inputTokens: null,
  outputTokens: null,
  cacheReadInputTokens: null,
  cacheCreationInputTokens: null,
  reasoningOutputTokens: null,
  finishReasons: [],
  temperature: null,
  topP: null,
  maxTokens: null,
  stream: null,
  conversationId: null,
  agentName: null,
  toolName: null,
  timeToFirstTokenS: null,
  latencies: {},
  systemInstructions: [],
  inputMessages: [],
  outputMessages: [],
};

export interface SpanOptions {
  /** Replica key (`host:port`); null for none. */
  readonly replica?: string | null;
  readonly model?: string | null;
  readonly confidence?: number | null;
  /** The stated confidence's format: true read, false unreadable, null none attempted. */
  readonly formatOk?: boolean | null;
  readonly error?: boolean;
  readonly ttftS?: number | null;
  /** `strata.gateway.time_per_output_token`, s. */
  readonly tpotS?: number | null;
  readonly traceId?: string;
  readonly spanId?: string;
}

let spanCounter = 0;

/** A gateway-like GenAI span ending at `endMs`. */
export function spanAt(endMs: number, o: SpanOptions = {}): SpanRecord {
  const n = ++spanCounter;
  const replica = o.replica === undefined ? 'node-1:8000' : o.replica;
  const model = o.model === undefined ? 'llama' : o.model;
  const refs: EntityRef[] = [{ kind: 'service', key: 'strata-gateway' }];
  if (model !== null) refs.push({ kind: 'model', key: model });
  if (replica !== null) refs.push({ kind: 'replica', key: replica });
  const confidence: ConfidenceSignals | null =
    o.confidence === undefined && o.formatOk === undefined
      ? null
      : {
          value: o.confidence ?? null,
          source: o.confidence == null ? null : 'verbalized',
          calibrated: null,
          logprobMean: null,
          logprobMin: null,
          perplexity: null,
          entropyMean: null,
          answerProb: null,
          leastConfidentPos: null,
          verbalized: o.confidence ?? null,
          verbalizedFormatOk: o.formatOk === undefined ? true : o.formatOk,
          scores: {},
        };
  const attributes: Attributes = {};
  if (o.tpotS != null) attributes['strata.gateway.time_per_output_token'] = o.tpotS;
  return {
    traceId: o.traceId ?? n.toString(16).padStart(32, '0'),
    spanId: o.spanId ?? n.toString(16).padStart(16, '0'),
    parentSpanId: '',
    traceState: '',
    flags: 0,
    name: `chat ${model ?? ''}`,
    kind: 3,
    startTimeUnixNano: ns(endMs - 1000),
    endTimeUnixNano: ns(endMs),
    statusCode: o.error ? 2 : 0,
    statusMessage: '',
    service: 'strata-gateway',
    resource: { 'service.name': 'strata-gateway' },
    resourceSchemaUrl: '',
    scope: { name: 'strata.gateway', version: '', attributes: {}, droppedAttributesCount: 0 },
    attributes,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    genai: { ...GENAI, responseModel: model, requestModel: model, timeToFirstTokenS: o.ttftS ?? null },
    entities: { refs, edges: [] },
    confidence,
  };
}

export interface PointOptions {
  readonly name?: string;
  readonly type?: MetricType;
  readonly temporality?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly refs?: readonly string[];
  readonly edges?: readonly EntityEdge[];
  readonly resource?: Attributes;
  readonly attributes?: Attributes;
  readonly flags?: number;
  readonly count?: number | null;
  readonly sum?: number | null;
}

/** A metric point at `tMs` with a canonical signal (`signal` null: no canonical name). */
export function pointAt(tMs: number, signal: string | null, value: number | null, o: PointOptions = {}): MetricPoint {
  const sig: CanonicalSignal | null = signal === null ? null : { name: signal, value, labels: o.labels ?? {} };
  return {
    name: o.name ?? signal ?? 'unknown',
    description: '',
    unit: '',
    type: o.type ?? 'gauge',
    temporality: o.temporality ?? 0,
    monotonic: false,
    service: '',
    resource: o.resource ?? {},
    scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 },
    attributes: o.attributes ?? {},
    startTimeUnixNano: 0n,
    timeUnixNano: ns(tMs),
    flags: o.flags ?? 0,
    value,
    count: o.count ?? null,
    sum: o.sum ?? null,
    min: null,
    max: null,
    explicitBounds: [],
    bucketCounts: [],
    exponential: null,
    quantiles: [],
    exemplars: [],
    entities: { refs: (o.refs ?? []).map(ref), edges: o.edges ?? [] },
    signal: sig,
  };
}

/** A GPU's DCGM-style point: refs to the GPU and its host, the host -has-> gpu edge. */
export function gpuPoint(tMs: number, gpu: string, host: string, signal: string, value: number | null, o: PointOptions = {}): MetricPoint {
  return pointAt(tMs, signal, value, {
    refs: [`host:${host}`, `gpu:${gpu}`],
    edges: [{ from: ref(`host:${host}`), to: ref(`gpu:${gpu}`), relation: 'has' }],
    ...o,
  });
}

/** A vLLM-style engine point of a replica (serving `model`). */
export function enginePoint(tMs: number, replica: string, model: string, signal: string, value: number | null, o: PointOptions = {}): MetricPoint {
  return pointAt(tMs, signal, value, {
    refs: [`service_instance:${replica}`, `replica:${replica}`, `model:${model}`],
    edges: [{ from: ref(`replica:${replica}`), to: ref(`model:${model}`), relation: 'serves' }],
    resource: { 'service.instance.id': replica, 'strata.scrape.kind': 'vllm' },
    ...o,
  });
}

/** A scrape's `up` of a target (`kind` vllm: a replica; dcgm: a host). */
export function upAt(tMs: number, up: 0 | 1, target: { kind: 'vllm' | 'dcgm'; instance: string; host: string }): MetricPoint {
  return pointAt(tMs, null, up, {
    name: 'up',
    refs: [`service_instance:${target.instance}`, `host:${target.host}`],
    resource: { 'service.instance.id': target.instance, 'host.name': target.host, 'strata.scrape.kind': target.kind },
  });
}

export interface Recorded {
  readonly change: AnomalyChange;
  readonly anomaly: Anomaly;
}

/** A sink that keeps every change, with helpers to ask about them. */
export function recorder(): { readonly sink: (a: Anomaly, c: AnomalyChange) => void; readonly log: Recorded[]; opened: () => Anomaly[]; closed: () => Anomaly[] } {
  const log: Recorded[] = [];
  return {
    sink: (anomaly, change) => log.push({ anomaly, change }),
    log,
    opened: () => log.filter((r) => r.change === 'open').map((r) => r.anomaly),
    closed: () => log.filter((r) => r.change === 'close').map((r) => r.anomaly),
  };
}
