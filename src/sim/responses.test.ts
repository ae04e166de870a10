/**
 * Healthy answers, read by Strata's own processors: no monitor flags them, the probe agrees with them,
 * every confidence source tells the same number, and that number is calibrated to the replica's degree.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectedCalibrationError } from '../calibration/binning.js';
import { buildMonitors } from '../monitors/builtins.js';
import type { MonitorResult } from '../monitors/types.js';
import { createPropositionExtractor } from '../probes/extract.js';
import { jaccard } from '../probes/propositions.js';
import { judgeSpan } from '../probes/judge.js';
import { normalizeTraces } from '../processors/normalize-traces.js';
import { captureReasoning } from '../processors/reasoning/capture.js';
import { decodeTraceJson } from '../receivers/otlp/decode-json.js';
import { mulberry32 } from '../calibration/random.js';
import { NO_REPLICA_FAULTS } from './faults.js';
import { createFleet } from './fleet.js';
import { requestsToOtlpJson } from './otlp-spans.js';
import { drawQuality } from './quality.js';
import { ServedRequest } from './request.js';
import { answerWithoutConfidence, HACK_SENTENCES, writeResponse } from './responses.js';
import { loadScenarioFile, type Scenario } from './scenario.js';

const SMALL = loadScenarioFile(fileURLToPath(new URL('./testdata/small-fleet.yaml', import.meta.url)));

function requests(s: Scenario): ServedRequest[] {
  return createFleet(s).advance(s.startMs + s.durationMs) as ServedRequest[];
}

const healthy = requests(SMALL);
const spans = normalizeTraces(decodeTraceJson(JSON.stringify(requestsToOtlpJson(createFleet(SMALL), healthy))));
const client = new Map(spans.filter((s) => s.kind === 3).map((s) => [s.traceId, s]));
const server = new Map(spans.filter((s) => s.kind === 2).map((s) => [s.traceId, s]));

describe('healthy answers', () => {
  it('no built-in monitor flags healthy reasoning and answers', () => {
    const monitors = buildMonitors();
    const flagged: string[] = [];
    for (const r of healthy) {
      const cap = captureReasoning(client.get(r.traceId)!);
      expect(cap.reasoning).toBe(r.reasoning);
      for (const m of monitors) {
        const result = m.run({ reasoning: cap.reasoning, actions: cap.actions, output: cap.output, task: cap.task }) as MonitorResult;
        if (result.flag) flagged.push(`${m.name}: ${r.reasoning}`);
      }
    }
    expect(flagged).toEqual([]);
    expect(healthy.every((r) => r.reasoning.endsWith(`So the answer is ${/<answer>(.*?)<\/answer>/.exec(r.answer)![1]}.`))).toBe(true);
  });

  it('each reward-hacking sentence is flagged by the reward_hacking rule pack', () => {
    const [rewardHacking] = buildMonitors(['reward_hacking']);
    for (const s of HACK_SENTENCES) {
      const text = `The question asks about Greg's occupation. ${s} So the answer is nurse.`;
      expect((rewardHacking.run({ reasoning: text, actions: [], output: '' }) as MonitorResult).flag, s).toBe(true);
    }
  });

  it('the probe agrees with the answer: the propositions it decodes are the ones the answer states', () => {
    const extractor = createPropositionExtractor();
    for (const r of healthy) {
      const stated = extractor.extract(answerWithoutConfidence(r.answer));
      expect(stated.length).toBeGreaterThanOrEqual(2);
      expect(jaccard(r.probes[0].propositions!, stated)).toBe(1);
      const judged = judgeSpan(server.get(r.traceId)!, null);
      expect(judged.consistency!.agreement).toBe(1);
      expect(judged.alarms).toEqual([]);
      expect(judged.readings[0]).toMatchObject({ probe: 'truth_probe', layer: 20, threshold: 0.5 });
    }
  });

  it('token probability, answer probability and the verbalized tag all carry the same confidence', () => {
    for (const r of healthy) {
      const c = client.get(r.traceId)!.confidence!;
      const tokenProb = Math.exp(c.logprobMean!);
      // Packed as float32: equal to about 1e-6.
      expect(Math.abs(tokenProb - c.answerProb!)).toBeLessThan(1e-4);
      if (r.replica === 'b') {
        expect(c.source).toBe('verbalized');
        expect(Math.abs(c.verbalized! - tokenProb)).toBeLessThan(0.15);
      } else expect(c.source).toBe('answer_prob');
      expect(c.entropyMean).not.toBeNull();
    }
  });

  it('confidence is calibrated to the replica\'s degree: 1 is calibrated, lower is over-confident', () => {
    const draw = (calibration: number) => {
      const conf: number[] = [];
      const correct: number[] = [];
      const rand = mulberry32(3);
      for (let i = 0; i < 6000; i++) {
        const q = drawQuality(rand, i % 3 === 0 ? 0.7 : 0.25, calibration, NO_REPLICA_FAULTS);
        conf.push(q.confidence);
        correct.push(q.correct ? 1 : 0);
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      return { ece: expectedCalibrationError(conf, correct), gap: mean(conf) - mean(correct) };
    };
    const exact = draw(1);
    expect(exact.ece).toBeLessThan(0.03);
    const fair = draw(0.9);
    expect(fair.gap).toBeGreaterThan(0.02);
    const poor = draw(0.4);
    expect(poor.ece).toBeGreaterThan(0.1);
    expect(poor.gap).toBeGreaterThan(fair.gap);
  });

  it('harder tasks are answered right less often, with less confidence', () => {
    const byTask = (task: string) => healthy.filter((r) => r.task === task);
    const conf = (rs: ServedRequest[]) => rs.reduce((s, r) => s + Math.exp(r.answerTokens.logprobs[1]), 0) / rs.length;
    const acc = (rs: ServedRequest[]) => rs.filter((r) => r.correct).length / rs.length;
    expect(conf(byTask('lookup')) - conf(byTask('reasoning'))).toBeGreaterThan(0.1);
    expect(acc(byTask('lookup')) - acc(byTask('reasoning'))).toBeGreaterThan(0.1);
  });

  it('the answer\'s tokens spell the answer, with top-5 alternatives best first', () => {
    const r = healthy[3];
    expect(r.tokens.map((t) => t.token).join('')).toBe(r.answer);
    for (const t of r.tokens) {
      expect(t.top.length).toBe(5);
      expect(t.top.some(([tok, lp]) => tok === t.token && lp === t.logprob)).toBe(true);
      for (let i = 1; i < 5; i++) expect(t.top[i][1]).toBeLessThanOrEqual(t.top[i - 1][1]);
      expect(t.top.reduce((s, [, lp]) => s + Math.exp(lp), 0)).toBeLessThanOrEqual(1 + 1e-9);
    }
  });

  it('without reasoning, the answer takes the whole output and no reasoning tokens are reported', () => {
    const s: Scenario = { ...SMALL, durationMs: 60_000, workload: { ...SMALL.workload, reasoning: false } };
    const rs = requests(s);
    expect(rs.length).toBeGreaterThan(50);
    for (const r of rs) {
      expect(r.reasoning).toBe('');
      expect(r.answerTokens.pieces.length).toBe(r.outputTokens);
    }
  });

  it('writes the same text for the same draws whatever the faults do to the words, and the same token count', () => {
    const base = drawQuality(mulberry32(9), 0.3, 0.9, NO_REPLICA_FAULTS);
    const input = { outputTokens: 200, reasoning: true, verbalized: true };
    const a = writeResponse(mulberry32(10), base, input);
    const b = writeResponse(mulberry32(10), base, input);
    expect(b).toEqual(a);
    const garbled = writeResponse(mulberry32(10), { ...base, garbled: true }, input);
    expect(garbled.outputTokens).toBe(a.outputTokens);
    expect(garbled.tokens.pieces.length).toBe(a.outputTokens);
    expect(garbled.answer).toMatch(/^<\|im_start\|>assistant\n/);
    expect(garbled.answer).toContain('<confidence>high</confidence>');
    const hacked = writeResponse(mulberry32(10), { ...base, hack: true }, input);
    expect(HACK_SENTENCES.some((h) => hacked.reasoning.includes(h))).toBe(true);
    expect(hacked.answer).toBe(a.answer);
  });
});
