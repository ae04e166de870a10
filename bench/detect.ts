/**
 * Detection benchmark: how many spans per second the Detector takes in (its `onSpans` hook, window
 * closing and judging included), against a baseline measured alternately in the same run: a loop over
 * the same spans that reads the same fields (event time, entity refs, confidence, TTFT, the inter-token
 * attribute) and does nothing with them. Also metric points per second (DCGM-like gauges and counters).
 *
 *   npm run bench:detect -- [--spans 600000] [--replicas 32] [--batch 1000] [--rounds 5]
 *
 * Spans are timed at 50,000 per second of event time, so windows close and series are judged as they
 * would live. A benchmark, not a test: a missed goal prints FAIL but the exit code stays 0.
 */
import { Detector } from '../src/detect/detector.js';
import type { ConfidenceSignals } from '../src/model/confidence.js';
import type { EntityLinks } from '../src/model/entity.js';
import type { MetricPoint } from '../src/model/metric.js';
import type { GenAiFields, SpanRecord } from '../src/model/span.js';
import { mulberry32 } from '../src/calibration/random.js';
import { parseFlags } from './lib/args.js';
import { fixed, int, median, passFail, table } from './lib/report.js';

const USAGE = `Usage: npm run bench:detect -- [flags]

Feeds synthetic GenAI spans (and metric points) to the Detector in batches, timed at 50,000 spans per
second of event time, alternating with a baseline loop that reads the same fields.`;

const FLAGS = {
  spans: { type: 'number', default: 600_000, help: 'spans per round' },
  replicas: { type: 'number', default: 32, help: 'replicas (4 models)' },
  batch: { type: 'number', default: 1000, help: 'spans per onSpans call (one OTLP request)' },
  rounds: { type: 'number', default: 5, help: 'timed rounds of each (the median counts)' },
  points: { type: 'number', default: 200_000, help: 'metric points per round' },
} as const;

/** Goal (issue 7): detection keeps up with 50,000 spans/s of ingest. */
const GOAL_SPANS_PER_S = 50_000;
const EVENT_RATE = 50_000;
const T0 = Date.UTC(2026, 0, 1);

const GENAI: GenAiFields = {
  operation: 'chat',
  provider: 'openai',
  requestModel: null,
  responseModel: null,
  responseId: null,
  inputTokens: 600,
  outputTokens: 250,
  cacheReadInputTokens: null,
  cacheCreationInputTokens: null,
  reasoningOutputTokens: null,
  finishReasons: ['stop'],
  temperature: null,
  topP: null,
  maxTokens: null,
  stream: true,
  conversationId: null,
  agentName: null,
  toolName: null,
  timeToFirstTokenS: null,
  latencies: {},
  systemInstructions: [],
  inputMessages: [],
  outputMessages: [],
};

function confidence(v: number): ConfidenceSignals {
  return { value: v, source: 'token_prob', calibrated: null, logprobMean: Math.log(v), logprobMin: -3, perplexity: 1 / v, entropyMean: 0.4, answerProb: null, leastConfidentPos: 3, verbalized: null, verbalizedFormatOk: null, scores: {} };
}

/** Spans of one round: shared sub-objects from small pools, unique ids and times (50,000 per event second). */
function makeSpans(count: number, replicas: number, startMs: number, seed: number): SpanRecord[] {
  const rnd = mulberry32(seed);
  const links: EntityLinks[] = [];
  for (let r = 0; r < replicas; r++) {
    const model = `model-${r % 4}`;
    links.push({ refs: [{ kind: 'service', key: 'strata-gateway' }, { kind: 'model', key: model }, { kind: 'provider', key: 'openai' }, { kind: 'replica', key: `node-${r}:8000` }], edges: [] });
  }
  const genai: GenAiFields[] = [];
  const conf: ConfidenceSignals[] = [];
  const attrs: Record<string, number>[] = [];
  for (let i = 0; i < 256; i++) {
    const model = `model-${i % 4}`;
    genai.push({ ...GENAI, requestModel: model, responseModel: model, timeToFirstTokenS: 0.3 * Math.exp(0.3 * (rnd() - 0.5)) });
    conf.push(confidence(0.5 + 0.45 * rnd()));
    attrs.push({ 'strata.gateway.time_per_output_token': 0.025 * Math.exp(0.2 * (rnd() - 0.5)) });
  }
  const out: SpanRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const r = i % replicas;
    const end = BigInt(Math.round((startMs + (i * 1000) / EVENT_RATE) * 1e6));
    const k = (i * 2654435761) >>> 24;
    out[i] = {
      traceId: (seed * 1e9 + i).toString(16).padStart(32, '0'),
      spanId: i.toString(16).padStart(16, '0'),
      parentSpanId: '',
      traceState: '',
      flags: 0,
      name: 'chat',
      kind: 3,
      startTimeUnixNano: end - 2_000_000_000n,
      endTimeUnixNano: end,
      statusCode: k === 7 ? 2 : 0,
      statusMessage: '',
      service: 'strata-gateway',
      resource: {},
      resourceSchemaUrl: '',
      scope: { name: 'strata.gateway', version: '', attributes: {}, droppedAttributesCount: 0 },
      attributes: attrs[k],
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      genai: genai[(k + r * 4) & 255],
      entities: links[r],
      confidence: conf[k],
    };
  }
  return out;
}

/** Reads what the detector reads of each span, and nothing more. */
function baseline(batches: readonly SpanRecord[][]): number {
  let sink = 0;
  for (const b of batches) {
    for (const s of b) {
      sink += Number(s.endTimeUnixNano) / 1e6;
      for (const r of s.entities.refs) if (r.kind === 'replica' || r.kind === 'model') sink += r.key.length;
      sink += (s.confidence?.value ?? 0) + (s.genai.timeToFirstTokenS ?? 0) + s.statusCode;
      const tpot = s.attributes['strata.gateway.time_per_output_token'];
      if (typeof tpot === 'number') sink += tpot;
    }
  }
  return sink;
}

function makePoints(count: number, startMs: number): MetricPoint[][] {
  const gpus = 64;
  const signals = ['gpu.utilization', 'gpu.temperature', 'gpu.clock.sm', 'gpu.power.draw', 'gpu.memory.used', 'gpu.throttle.reasons', 'gpu.xid', 'gpu.nvlink.errors'];
  const scrapes: MetricPoint[][] = [];
  let made = 0;
  for (let s = 0; made < count; s++) {
    const t = startMs + s * 10_000;
    const points: MetricPoint[] = [];
    for (let g = 0; g < gpus; g++) {
      const links: EntityLinks = { refs: [{ kind: 'host', key: `node-${g >> 3}` }, { kind: 'gpu', key: `GPU-${g}` }], edges: [{ from: { kind: 'host', key: `node-${g >> 3}` }, to: { kind: 'gpu', key: `GPU-${g}` }, relation: 'has' }] };
      for (const name of signals) {
        const value = name === 'gpu.nvlink.errors' ? s : name === 'gpu.xid' || name === 'gpu.throttle.reasons' ? 0 : 50 + (g % 7);
        points.push({
          name,
          description: '',
          unit: '',
          type: 'gauge',
          temporality: 0,
          monotonic: false,
          service: 'dcgm',
          resource: {},
          scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 },
          attributes: { gpu: String(g) },
          startTimeUnixNano: 0n,
          timeUnixNano: BigInt(t) * 1_000_000n,
          flags: 0,
          value,
          count: null,
          sum: null,
          min: null,
          max: null,
          explicitBounds: [],
          bucketCounts: [],
          exponential: null,
          quantiles: [],
          exemplars: [],
          entities: links,
          signal: { name, value, labels: name === 'gpu.throttle.reasons' ? { reasons: 'none' } : name === 'gpu.nvlink.errors' ? { type: 'crc_flit' } : {} },
        });
        made++;
      }
    }
    scrapes.push(points);
  }
  return scrapes;
}

function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function main(): void {
  const flags = parseFlags(process.argv.slice(2), FLAGS, USAGE);
  if (!flags) return;
  const count = Math.max(10_000, Number(flags.spans));
  const replicas = Math.max(1, Number(flags.replicas));
  const batchSize = Math.max(1, Number(flags.batch));
  const rounds = Math.max(1, Number(flags.rounds));
  const pointCount = Math.max(1000, Number(flags.points));

  const detectRates: number[] = [];
  const baseRates: number[] = [];
  const pointRates: number[] = [];
  let sink = 0;
  let stats = '';
  for (let round = 0; round < rounds + 1; round++) {
    const startMs = T0 + round * 3_600_000;
    const spans = makeSpans(count, replicas, startMs, round + 1);
    const batches: SpanRecord[][] = [];
    for (let i = 0; i < spans.length; i += batchSize) batches.push(spans.slice(i, i + batchSize));
    let t0 = process.hrtime.bigint();
    sink += baseline(batches);
    const base = seconds(t0);
    // A short window and warm-up, so that windows close and series are judged within the round.
    const d = new Detector({ windowMs: 1000, warmupMs: 3000, latenessMs: 200 }, () => {});
    t0 = process.hrtime.bigint();
    for (const b of batches) d.onSpans(b);
    const took = seconds(t0);
    const scrapes = makePoints(pointCount, startMs);
    const points = scrapes.reduce((n, s) => n + s.length, 0);
    t0 = process.hrtime.bigint();
    for (const s of scrapes) d.onMetricPoints(s);
    const pointsTook = seconds(t0);
    if (round === 0) continue; // warm-up round
    baseRates.push(count / base);
    detectRates.push(count / took);
    pointRates.push(points / pointsTook);
    const st = d.stats();
    stats = `windows closed ${st.windowsClosed}, series ${st.series}, late ${st.late}`;
  }
  if (sink === Number.MIN_VALUE) console.log(sink);
  const detect = median(detectRates);
  const base = median(baseRates);
  const points = median(pointRates);
  console.log(`${int(count)} spans a round over ${replicas} replicas, batches of ${batchSize}, ${rounds} rounds after a warm-up round; ${stats}\n`);
  console.log(
    table([
      ['measure', 'median', '× baseline time'],
      ['baseline: read the same fields', `${int(base)} spans/s`, '1.0'],
      ['Detector.onSpans', `${int(detect)} spans/s`, fixed(base / detect, 1)],
      ['Detector.onMetricPoints', `${int(points)} points/s`, ''],
    ]),
  );
  console.log(`\ngoal: detection keeps up with ${int(GOAL_SPANS_PER_S)} spans/s: ${passFail(detect >= GOAL_SPANS_PER_S)}`);
  console.log(JSON.stringify({ bench: 'detect', spans: count, replicas, batch: batchSize, rounds, baselineSpansPerS: base, detectSpansPerS: detect, ratioToBaseline: base / detect, metricPointsPerS: points, goal: passFail(detect >= GOAL_SPANS_PER_S) }));
}

main();
