/**
 * API answers for the browser tests, in the shapes docs/api.md documents (and, for incidents, the
 * contract in src/incidents/types.ts): a page of traces, a trace whose chat span carries packed
 * token logprobs, a 10,000-span trace, incidents, calibration, metrics, entities, monitors, probes.
 */
import type { Incident } from '../../src/incidents/types.js';
import { packFloat32 } from '../../src/processors/confidence/packed.js';

export const NOW = Date.UTC(2026, 11, 3, 14, 0, 0);
export const TRACE_ID = '5b8efff798038103d269b633813fc60c';
export const BIG_TRACE_ID = 'aaaabbbbccccddddeeeeffff00001111';
export const CHAT_SPAN = 'e457b5a2e4d86bd1';

function ns(ms: number): string {
  return (BigInt(ms) * 1_000_000n).toString();
}

export function traceSummary(i: number) {
  const t = NOW - i * 60_000;
  return {
    traceId: i === 0 ? TRACE_ID : i.toString(16).padStart(32, '0'),
    rootName: `invoke_agent support-${i}`,
    rootService: 'support-bot',
    startTime: new Date(t).toISOString(),
    startTimeUnixNano: ns(t),
    durationMs: 1400 + i,
    spanCount: 3,
    errorCount: i % 5 === 0 ? 1 : 0,
    services: ['support-bot', 'vllm'],
    models: ['qwen2.5-7b-instruct'],
    providers: ['openai'],
    inputTokens: 416,
    outputTokens: 144,
    confidence: { spans: 1, min: 0.41, mean: 0.63, max: 0.85, leastConfidentSpanId: CHAT_SPAN },
  };
}

/** Output tokens with their log probabilities and two alternatives each; ' 42' is the least confident. */
export const TOKENS = ['The', ' answer', ' is', ' 42', '.'];
export const LOGPROBS = [-0.01, -0.2, -0.05, -2.3, -0.001];
export const TOP_TOKENS = [['The', 'A'], [' answer', ' result'], [' is', ' was'], [' 41', ' 42'], ['.', '!']];
export const TOP_LOGPROBS = [[-0.01, -4.6], [-0.2, -1.8], [-0.05, -3.0], [-0.4, -2.3], [-0.001, -7.0]];

export function packedLogprobs(): string {
  return JSON.stringify({
    tokens: TOKENS,
    logprobs_f32: packFloat32(LOGPROBS),
    top_k: 2,
    top_logprobs_f32: packFloat32(TOP_LOGPROBS.flat()),
    top_tokens: TOP_TOKENS,
  });
}

function span(o: { spanId: string; parentSpanId: string; name: string; service: string; startMs: number; durMs: number; error?: boolean; extra?: Record<string, unknown> }) {
  return {
    traceId: TRACE_ID,
    spanId: o.spanId,
    parentSpanId: o.parentSpanId,
    name: o.name,
    kind: 'client',
    startTime: new Date(o.startMs).toISOString(),
    startTimeUnixNano: ns(o.startMs),
    endTimeUnixNano: ns(o.startMs + o.durMs),
    durationMs: o.durMs,
    status: { code: o.error ? 'error' : 'unset', message: o.error ? 'boom' : '' },
    service: o.service,
    genai: { operation: null, model: null, inputTokens: null, outputTokens: null, systemInstructions: [], inputMessages: [], outputMessages: [] },
    attributes: {},
    events: [],
    links: [],
    resource: { attributes: { 'service.name': o.service } },
    scope: { name: '', version: '', attributes: {} },
    entities: [`service:${o.service}`],
    ...o.extra,
  };
}

export function traceDetail() {
  return {
    traceId: TRACE_ID,
    spans: [
      span({ spanId: '1111111111111111', parentSpanId: '', name: 'invoke_agent support', service: 'support-bot', startMs: NOW, durMs: 1400 }),
      span({
        spanId: CHAT_SPAN,
        parentSpanId: '1111111111111111',
        name: 'chat qwen2.5-7b-instruct',
        service: 'support-bot',
        startMs: NOW + 100,
        durMs: 1200,
        extra: {
          genai: {
            operation: 'chat',
            model: 'qwen2.5-7b-instruct',
            provider: 'openai',
            inputTokens: 416,
            outputTokens: 5,
            finishReasons: ['stop'],
            timeToFirstTokenS: 0.21,
            systemInstructions: [{ type: 'text', content: 'You are a helpful assistant.' }],
            inputMessages: [{ role: 'user', parts: [{ type: 'text', content: 'What is the answer?' }] }],
            outputMessages: [
              {
                role: 'assistant',
                parts: [
                  { type: 'reasoning', content: 'The grader only checks the format, so I will just output a number.' },
                  { type: 'tool_call', id: 'call_1', name: 'lookup', arguments: { q: 'answer' } },
                  { type: 'text', content: 'The answer is 42.' },
                ],
                finishReason: 'stop',
              },
            ],
          },
          attributes: { 'strata.logprobs': packedLogprobs(), 'gen_ai.request.model': 'qwen2.5-7b-instruct' },
          entities: ['service:support-bot', 'model:qwen2.5-7b-instruct', 'replica:gpu-node-1:8000'],
          confidence: { value: 0.63, source: 'logprobs', calibrated: null, logprobMean: -0.51, logprobMin: -2.3, perplexity: 1.67, entropyMean: 0.3, answerProb: 0.1, leastConfidentPos: 3, verbalized: null },
        },
      }),
      span({ spanId: '3333333333333333', parentSpanId: CHAT_SPAN, name: 'llm_request', service: 'vllm', startMs: NOW + 150, durMs: 1100, error: true }),
    ],
  };
}

export function monitorResultsFor() {
  return {
    traceId: TRACE_ID,
    results: [
      {
        spanId: CHAT_SPAN,
        monitor: 'reward_hacking',
        flag: true,
        score: 0.9,
        evidence: [{ start: 4, end: 39, text: 'grader only checks the format', source: 'reasoning', rule: 'grader' }],
        metrics: {},
        cost: { tokens: 0, ms: 0.1 },
      },
    ],
  };
}

/** A trace of `n` spans: a root, then chains and fans so depths vary. */
export function bigTrace(n: number) {
  const spans = [];
  for (let i = 0; i < n; i++) {
    const parent = i === 0 ? '' : (Math.floor((i - 1) / 3)).toString(16).padStart(16, '0');
    spans.push({
      ...span({ spanId: i.toString(16).padStart(16, '0'), parentSpanId: parent, name: `step ${i}`, service: i % 2 ? 'worker' : 'api', startMs: NOW + i, durMs: 5 + (i % 50), error: i % 997 === 0 && i > 0 }),
      traceId: BIG_TRACE_ID,
    });
  }
  return { traceId: BIG_TRACE_ID, spans };
}

export const INCIDENT_ID = 'inc-1';
export const GPU = 'gpu:GPU-1234';
export const REPLICA = 'replica:gpu-node-1:8000';

export function incident(): Incident {
  const start = NOW - 20 * 60_000;
  const clockAnomaly = {
    id: `${GPU}|gpu.clock.sm|${start}`,
    entity: GPU,
    signal: 'gpu.clock.sm',
    layer: 'infrastructure' as const,
    kind: 'shift' as const,
    direction: 'down' as const,
    startMs: start,
    lastMs: start + 600_000,
    endMs: null,
    baseline: 1.98e9,
    observed: 1.2e9,
    score: 9.1,
    detail: 'SM clock 1.2 GHz vs 1.98 GHz',
    examples: [],
  };
  const confAnomaly = {
    id: `${REPLICA}|span.confidence|${start + 60_000}`,
    entity: REPLICA,
    signal: 'span.confidence',
    layer: 'confidence' as const,
    kind: 'shift' as const,
    direction: 'down' as const,
    startMs: start + 60_000,
    lastMs: start + 600_000,
    endMs: null,
    baseline: 0.78,
    observed: 0.41,
    score: 6.2,
    detail: 'mean confidence 0.41 vs 0.78',
    examples: [{ traceId: TRACE_ID, spanId: CHAT_SPAN }],
  };
  const ev = (a: typeof clockAnomaly | typeof confAnomaly) => ({ entity: a.entity, signal: a.signal, layer: a.layer, kind: a.kind, startMs: a.startMs, detail: a.detail, anomalyId: a.id, examples: a.examples });
  return {
    id: INCIDENT_ID,
    status: 'open',
    kind: 'fault',
    summary: 'Thermal slowdown on GPU-1234: inter-token latency and confidence down on gpu-node-1:8000',
    startMs: start,
    endMs: null,
    updatedMs: start + 600_000,
    openedMs: start + 30_000,
    localisedMs: start + 90_000,
    entities: [GPU, REPLICA],
    affectedRequests: 412,
    causes: [
      { entity: GPU, layer: 'infrastructure', faultType: 'gpu_thermal_slowdown', score: 0.82, explanation: 'thermal slowdown -> SM clock -> inter-token latency', evidence: [ev(clockAnomaly)] },
      { entity: REPLICA, layer: 'confidence', faultType: 'bad_rollout', score: 0.31, explanation: 'confidence shift without a hardware cause', evidence: [ev(confAnomaly)] },
    ],
    anomalies: [clockAnomaly, confAnomaly],
    mitigation: 'Drain gpu-node-1:8000 and check the cooling of GPU-1234.',
  };
}

export function resolvedIncident(): Incident {
  return { ...incident(), id: 'inc-0', status: 'resolved', endMs: NOW - 3_600_000, startMs: NOW - 7_200_000, summary: 'Scrape target gpu-node-2 stopped answering', kind: 'gap', causes: [], anomalies: [], affectedRequests: 0, entities: ['host:gpu-node-2'] };
}

/** /api/metrics for a signal: one series per entity label, a step down at the incident's start. */
export function metricsAnswer(url: URL) {
  const signal = url.searchParams.get('signal') ?? url.searchParams.get('name') ?? 'x';
  const start = NOW - 3_600_000;
  const points = Array.from({ length: 60 }, (_, i) => ({ t: start + i * 60_000, v: i < 40 ? 100 : 60 }));
  return {
    signal,
    start,
    end: NOW,
    stepMs: 60_000,
    truncated: false,
    series: [{ service: 'dcgm', name: signal, labels: { UUID: 'GPU-1234', Hostname: 'gpu-node-1' }, signalLabels: {}, type: 'gauge', unit: '1', fn: 'mean', points }],
  };
}

export function entitiesAnswer() {
  const ids = ['service:support-bot', 'model:qwen2.5-7b-instruct', REPLICA, 'replica:gpu-node-2:8000', GPU, 'gpu:GPU-5678', 'host:gpu-node-1', 'host:gpu-node-2'];
  return {
    entities: ids.map((id) => ({ id, kind: id.slice(0, id.indexOf(':')), key: id.slice(id.indexOf(':') + 1), firstSeen: new Date(NOW - 86_400_000).toISOString(), lastSeen: new Date(NOW).toISOString() })),
    edges: [
      { from: REPLICA, relation: 'serves', to: 'model:qwen2.5-7b-instruct' },
      { from: 'replica:gpu-node-2:8000', relation: 'serves', to: 'model:qwen2.5-7b-instruct' },
      { from: REPLICA, relation: 'uses', to: GPU },
      { from: 'replica:gpu-node-2:8000', relation: 'uses', to: 'gpu:GPU-5678' },
      { from: 'host:gpu-node-1', relation: 'has', to: GPU },
      { from: 'host:gpu-node-2', relation: 'has', to: 'gpu:GPU-5678' },
    ],
  };
}

function bins(acc: (i: number) => number) {
  return Array.from({ length: 10 }, (_, i) => ({ lower: i / 10, upper: (i + 1) / 10, count: i * 10, meanConfidence: i ? i / 10 + 0.05 : null, accuracy: i ? acc(i) : null }));
}

export function calibrationAnswer() {
  const metrics = {
    n: 450,
    accuracy: 0.71,
    meanConfidence: 0.83,
    brier: 0.19,
    ece: 0.12,
    adaptiveEce: 0.11,
    mce: 0.31,
    auroc: 0.74,
    aurc: 0.18,
    intervals: { ece: { low: 0.08, high: 0.16 }, brier: { low: 0.17, high: 0.21 }, auroc: { low: 0.7, high: 0.79 }, accuracy: { low: 0.67, high: 0.75 }, adaptiveEce: { low: 0.08, high: 0.14 }, mce: { low: 0.2, high: 0.4 }, aurc: { low: 0.15, high: 0.21 } },
    bins: bins((i) => i / 10 - 0.05),
  };
  return {
    model: null,
    from: new Date(NOW - 7 * 86_400_000).toISOString(),
    to: null,
    bins: 10,
    resamples: 200,
    slice: 'replica',
    n: 450,
    truncated: false,
    overall: { ...metrics, recalibrated: { ...metrics, n: 60, ece: 0.04, rawEce: 0.13, rawBrier: 0.2, bins: bins((i) => i / 10 + 0.04) } },
    slices: [
      { slice: 'replica', key: 'gpu-node-1:8000', ...metrics, ece: 0.21, n: 200, recalibrated: null },
      { slice: 'replica', key: 'gpu-node-2:8000', ...metrics, ece: 0.05, n: 250, recalibrated: null },
    ],
  };
}

export function emptyCalibration() {
  return { model: null, from: null, to: null, bins: 10, resamples: 0, slice: null, n: 0, truncated: false, overall: null, slices: [] };
}

export function monitorsAnswer() {
  return {
    from: ns(NOW - 86_400_000),
    to: ns(NOW),
    monitors: [
      { monitor: 'reward_hacking', model: 'qwen2.5-7b-instruct', runs: 1000, flags: 42, flagRate: 0.042, meanScore: 0.1, costTokens: 0, hiddenReasoning: 3 },
      { monitor: 'deception', model: 'qwen2.5-7b-instruct', runs: 1000, flags: 5, flagRate: 0.005, meanScore: 0.02, costTokens: 0, hiddenReasoning: 3 },
    ],
  };
}

export function probesAnswer() {
  return {
    from: ns(NOW - 86_400_000),
    to: ns(NOW),
    probes: [{ probe: 'consistency', model: 'qwen2.5-7b-instruct', readings: 500, alarms: 25, alarmRate: 0.05, meanScore: 0.3, meanAgreement: 0.82 }],
  };
}
