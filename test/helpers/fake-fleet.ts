/**
 * A small deterministic Fleet for tests of what drives a fleet (the sim HTTP servers, the bench
 * runner, the demo): one host with two GPUs, two replicas of one reasoning model, one request per
 * replica every `everyMs`, feedback 30 s after each request, and an optional telemetry outage of the
 * host's exporter. Not a model of anything: its numbers only have to be recognisable in assertions.
 */
import { createHash } from 'node:crypto';
import type { Fleet, GroundTruth, SimFeedback, SimRequest, SimTarget } from '../../src/sim/types.js';

export interface FakeFleetOptions {
  readonly startMs?: number;
  readonly durationMs?: number;
  readonly scrapeIntervalMs?: number;
  /** One request per replica this often. */
  readonly everyMs?: number;
  /** The host exporter answers nothing in [from, to). */
  readonly outage?: { readonly fromMs: number; readonly toMs: number } | null;
  /** Every request fails with this error. */
  readonly error?: string | null;
}

export const FAKE_START_MS = Date.UTC(2025, 0, 1, 12);
export const FAKE_MODEL = 'qwen-think';
export const FAKE_VERSION = 'qwen-think-v1';
export const FAKE_REPLICAS = ['r1', 'r2'] as const;

const hex = (s: string, n: number): string => createHash('sha1').update(s).digest('hex').slice(0, n);

/** The answer every fake request gets: tokens with logprobs and three alternatives each. */
const ANSWER = ['The', ' answer', ' is', ' 42', '.'];
const REASONING = 'Six times seven is forty-two.';

export interface FakeFleet extends Fleet {
  /** Every request served so far (advance and serve), in order. */
  readonly served: SimRequest[];
  /** Calls of `exposition`, per target id. */
  readonly scrapes: Map<string, number>;
}

export function createFakeFleet(options: FakeFleetOptions = {}): FakeFleet {
  const startMs = options.startMs ?? FAKE_START_MS;
  const endMs = startMs + (options.durationMs ?? 120_000);
  const everyMs = options.everyMs ?? 5_000;
  const outage = options.outage ?? null;
  let clock = startMs;
  let nextArrival = startMs + everyMs;
  let feedbackUpTo = startMs;
  let seq = 0;
  const served: SimRequest[] = [];
  const scrapes = new Map<string, number>();
  const pendingFeedback: SimFeedback[] = [];
  const truth: GroundTruth[] = outage ? [{ type: 'telemetry_outage', layer: 'telemetry', entity: 'host:node-a', startMs: outage.fromMs, endMs: outage.toMs }] : [];
  const targets: SimTarget[] = [
    { kind: 'dcgm', id: 'node-a', labels: { 'host.name': 'node-a' } },
    ...FAKE_REPLICAS.map((r, i): SimTarget => ({ kind: 'vllm', id: r, labels: { 'host.name': 'node-a', 'service.instance.id': `node-a:${8001 + i}` } })),
  ];
  const counts = new Map<string, number>();

  function request(replica: string, atMs: number, key: string): SimRequest {
    const n = seq++;
    const correct = n % 4 !== 3;
    const req: SimRequest = {
      traceId: hex(`t:${key}`, 32),
      spanId: hex(`s:${key}`, 16),
      replica,
      model: FAKE_MODEL,
      modelVersion: FAKE_VERSION,
      task: n % 2 === 0 ? 'math' : 'chat',
      arrivalMs: atMs,
      queueMs: 5,
      ttftMs: 40,
      e2eMs: 40 + 9 * 10,
      interTokenUs: Array.from({ length: 9 }, (_, i) => 10_000 + i * 100),
      inputTokens: 12,
      outputTokens: 10,
      reasoning: REASONING,
      answer: ANSWER.join(''),
      tokens: ANSWER.map((token, i) => ({ token, logprob: -0.1 * (i + 1), top: [[token, -0.1 * (i + 1)], [`${token}~1`, -2], [`${token}~2`, -3]] as const })),
      correct,
      probes: [],
      error: options.error ?? null,
      finishReason: options.error ? 'error' : 'stop',
    };
    served.push(req);
    counts.set(replica, (counts.get(replica) ?? 0) + 1);
    pendingFeedback.push({ atMs: atMs + 30_000, traceId: req.traceId, correct });
    return req;
  }

  return {
    name: 'fake',
    seed: 1,
    startMs,
    endMs,
    scrapeIntervalMs: options.scrapeIntervalMs ?? 10_000,
    truth,
    targets,
    served,
    scrapes,
    replicaEntity: (replica) => `replica:node-a:${8001 + FAKE_REPLICAS.indexOf(replica as (typeof FAKE_REPLICAS)[number])}`,
    advance(toMs) {
      if (toMs < clock) throw new Error(`advance: ${toMs} is before the clock ${clock}`);
      clock = toMs;
      const out: SimRequest[] = [];
      while (nextArrival <= toMs) {
        for (const r of FAKE_REPLICAS) out.push(request(r, nextArrival, `${r}@${nextArrival}`));
        nextArrival += everyMs;
      }
      return out;
    },
    serve(replica, atMs, key) {
      if (atMs > clock) clock = atMs;
      return request(replica, atMs, key);
    },
    feedbackDue(toMs) {
      const due = pendingFeedback.filter((f) => f.atMs > feedbackUpTo && f.atMs <= toMs);
      feedbackUpTo = Math.max(feedbackUpTo, toMs);
      return due;
    },
    exposition(target) {
      scrapes.set(target.id, (scrapes.get(target.id) ?? 0) + 1);
      if (target.kind === 'dcgm') {
        if (outage && clock >= outage.fromMs && clock < outage.toMs) return null;
        return [
          '# TYPE DCGM_FI_DEV_SM_CLOCK gauge',
          `DCGM_FI_DEV_SM_CLOCK{gpu="0",UUID="GPU-a",Hostname="node-a"} 1980`,
          `DCGM_FI_DEV_SM_CLOCK{gpu="1",UUID="GPU-b",Hostname="node-a"} 1980`,
          '',
        ].join('\n');
      }
      return [
        '# TYPE vllm:request_success_total counter',
        `vllm:request_success_total{model_name="${FAKE_VERSION}",finished_reason="stop"} ${counts.get(target.id) ?? 0}`,
        '# TYPE vllm:num_requests_running gauge',
        `vllm:num_requests_running{model_name="${FAKE_VERSION}"} 1`,
        '',
      ].join('\n');
    },
  };
}
