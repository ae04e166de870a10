import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseFeedback } from '../calibration/feedback.js';
import { parseLogprobs } from '../processors/confidence/logprobs.js';
import { normalizeTraces } from '../processors/normalize-traces.js';
import { decodeTraceJson } from '../receivers/otlp/decode-json.js';
import { createFleet } from './fleet.js';
import { badReasoning, feedbackToJson, packedLogprobs, requestsToOtlpJson } from './otlp-spans.js';
import { ServedRequest } from './request.js';
import { loadScenarioFile, type Scenario } from './scenario.js';
import type { Fleet, SimRequest } from './types.js';

const SMALL = loadScenarioFile(fileURLToPath(new URL('./testdata/small-fleet.yaml', import.meta.url)));

function ids(refs: readonly { kind: string; key: string }[]): string[] {
  return refs.map((e) => `${e.kind}:${e.key}`);
}

function ingest(fleet: Fleet, requests: readonly SimRequest[]) {
  const body = JSON.stringify(requestsToOtlpJson(fleet, requests));
  return normalizeTraces(decodeTraceJson(body));
}

describe('requestsToOtlpJson', () => {
  const fleet = createFleet(SMALL);
  const requests = fleet.advance(SMALL.startMs + 30_000);
  const spans = ingest(fleet, requests);

  it('gives each request a gateway CLIENT span and the replica\'s llm_request SERVER span under it, in one trace', () => {
    expect(spans.length).toBe(2 * requests.length);
    for (const r of requests) {
      const own = spans.filter((s) => s.traceId === r.traceId);
      const gateway = own.find((s) => s.kind === 3)!;
      const engine = own.find((s) => s.kind === 2)!;
      expect(gateway.spanId).toBe(r.spanId);
      expect(gateway.parentSpanId).toBe('');
      expect(engine.parentSpanId).toBe(r.spanId);
      expect(engine.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(engine.spanId).not.toBe(r.spanId);
      expect(gateway.startTimeUnixNano).toBe(BigInt(r.arrivalMs) * 1_000_000n);
      expect(engine.startTimeUnixNano).toBeGreaterThan(gateway.startTimeUnixNano);
      expect(engine.endTimeUnixNano).toBeLessThan(gateway.endTimeUnixNano);
    }
  });

  it('writes the gateway span as the gateway does: names, usage, timings, logprobs, messages', () => {
    const r = requests.find((x) => x.replica === 'c')!;
    const s = spans.find((x) => x.traceId === r.traceId && x.kind === 3)!;
    expect(s.name).toBe('chat chat');
    expect(s.service).toBe('strata-gateway');
    expect(s.scope.name).toBe('strata.gateway');
    expect(s.statusCode).toBe(0);
    expect(s.genai).toMatchObject({ operation: 'chat', requestModel: 'chat', responseModel: 'chat-v2', inputTokens: r.inputTokens, outputTokens: r.outputTokens, finishReasons: [r.finishReason] });
    expect(s.genai.reasoningOutputTokens).toBe(r.outputTokens - r.tokens.length);
    expect(s.genai.timeToFirstTokenS).toBeGreaterThan(r.ttftMs / 1000);
    expect(s.genai.timeToFirstTokenS).toBeLessThan(r.ttftMs / 1000 + 0.002);
    expect(s.attributes['strata.gateway.inter_token_gaps_us']).toEqual(r.interTokenUs.map((g) => ({ int: BigInt(g) })));
    expect(s.attributes['server.address']).toBe('node-b');
    expect(ids(s.entities.refs)).toEqual(expect.arrayContaining(['replica:node-b:8000', 'model:chat-v2', 'service:strata-gateway']));
    const lp = parseLogprobs(s.attributes['strata.logprobs'] as string)!;
    expect(lp.tokens).toEqual(r.tokens.map((t) => t.token));
    expect(Array.from(lp.logprobs)).toEqual(r.tokens.map((t) => Math.fround(t.logprob)));
    const out = s.genai.outputMessages[0];
    expect(out.parts.map((p) => p.type)).toEqual(['reasoning', 'text']);
    expect(out.parts[0].content).toBe(r.reasoning);
    expect(out.parts[1].content).toBe(r.answer);
    expect(s.genai.inputMessages[0].parts[0].content).toMatch(/^Here is a record\. Name: /);
  });

  it('writes the replica span vLLM style: its instance, host and GPUs, latencies, the probe reading', () => {
    const r = requests.find((x) => x.replica === 'c')!;
    const s = spans.find((x) => x.traceId === r.traceId && x.kind === 2)!;
    expect(s.name).toBe('llm_request');
    expect(s.service).toBe('vllm');
    expect(ids(s.entities.refs)).toEqual(
      expect.arrayContaining(['replica:node-b:8000', 'host:node-b', 'gpu:GPU-bbbbbbbb-0000-4000-8000-000000000001', 'gpu:GPU-bbbbbbbb-0000-4000-8000-000000000002', 'model:chat-v2']),
    );
    expect(s.genai.latencies.e2e).toBeCloseTo(r.e2eMs / 1000, 5);
    expect(s.genai.latencies.time_in_queue).toBeCloseTo(r.queueMs / 1000, 5);
    expect(s.genai.timeToFirstTokenS).toBeCloseTo(r.ttftMs / 1000, 5);
    const event = s.events.find((e) => e.name === 'strata.probe.reading')!;
    expect(event.attributes['strata.probe.name']).toBe('truth_probe');
    expect(JSON.parse(event.attributes['strata.probe.propositions'] as string)).toEqual(r.probes[0].propositions);
    // Its answer text carries no confidence of its own: one confidence per request, on the gateway's span.
    expect(s.confidence).toBeNull();
  });

  it('marks failed requests ERROR on the gateway span and sends no engine span for them', () => {
    const dead: Scenario = { ...SMALL, faults: [{ type: 'gpu_xid_79', target: 'GPU-aaaaaaaa-0000-4000-8000-000000000001', startMs: 0, endMs: 60_000, severity: 1, xid: null }] };
    const f = createFleet(dead);
    const rs = f.advance(dead.startMs + 20_000);
    const failed = rs.filter((r) => r.error !== null);
    expect(failed.length).toBeGreaterThan(5);
    const out = ingest(f, rs);
    for (const r of failed) {
      const own = out.filter((s) => s.traceId === r.traceId);
      expect(own.length).toBe(1);
      expect(own[0].statusCode).toBe(2);
      expect(own[0].statusMessage).toBe('engine dead');
      expect(own[0].attributes['error.type']).toBe('500');
      expect(ids(own[0].entities.refs)).toContain('replica:node-a:8000');
    }
  });

  it('leaves the per-token gaps out when asked (a third of the payload), keeping the time per output token', () => {
    const lean = normalizeTraces(decodeTraceJson(JSON.stringify(requestsToOtlpJson(fleet, requests, { gaps: false }))));
    const full = JSON.stringify(requestsToOtlpJson(fleet, requests)).length;
    expect(JSON.stringify(requestsToOtlpJson(fleet, requests, { gaps: false })).length).toBeLessThan(full * 0.8);
    for (const s of lean.filter((x) => x.kind === 3)) {
      expect(s.attributes['strata.gateway.inter_token_gaps_us']).toBeUndefined();
      expect(s.attributes['strata.gateway.time_per_output_token']).toBeGreaterThan(0);
    }
  });

  it('packs logprobs so that ingest reads them in the gateway\'s form', () => {
    const r = requests[0] as ServedRequest;
    const json = JSON.parse(packedLogprobs(r.answerTokens, true)) as { top_k: number; top_tokens: string[][] };
    expect(Object.keys(JSON.parse(packedLogprobs(r.answerTokens)) as object)).toEqual(['tokens', 'logprobs_f32', 'top_k', 'top_logprobs_f32']);
    expect(Object.keys(json)).toEqual(['tokens', 'logprobs_f32', 'top_k', 'top_logprobs_f32', 'top_tokens']);
    expect(json.top_k).toBe(5);
    expect(json.top_tokens).toEqual(r.tokens.map((t) => t.top.map(([tok]) => tok)));
  });
});

describe('feedbackToJson', () => {
  it('gives the body POST /api/feedback accepts, dated on the scenario clock', () => {
    const fleet = createFleet(SMALL);
    fleet.advance(SMALL.startMs + 120_000);
    const due = fleet.feedbackDue(SMALL.startMs + 120_000);
    expect(due.length).toBeGreaterThan(20);
    const body = feedbackToJson(due);
    for (let i = 0; i < body.length; i++) {
      const parsed = parseFeedback(body[i], { threshold: 0.5, nowMs: SMALL.startMs + 120_000 });
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(parsed.record).toMatchObject({ traceId: due[i].traceId, correct: due[i].correct, timeUnixMs: due[i].atMs, source: 'strata-sim' });
    }
  });
});

describe('badReasoning', () => {
  it('says which requests carry injected reward-hacking reasoning', () => {
    const s: Scenario = { ...SMALL, faults: [{ type: 'reasoning_regression', target: 'chat-v1', startMs: 0, endMs: 120_000, severity: 1, xid: null }] };
    const fleet = createFleet(s);
    const rs = fleet.advance(s.startMs + 120_000);
    const bad = rs.filter((r) => badReasoning(fleet, r));
    expect(bad.length).toBeGreaterThan(20);
    expect(bad.every((r) => r.modelVersion === 'chat-v1')).toBe(true);
    expect(rs.filter((r) => r.replica === 'c').some((r) => badReasoning(fleet, r))).toBe(false);
  });
});
