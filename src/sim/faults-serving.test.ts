/**
 * Engine, model, input and telemetry faults: each one's signature in the right place and nowhere else,
 * read where possible by Strata's own processors (confidence signals, behavioural monitors, probe
 * consistency) from the OTLP the simulator sends.
 */
import { describe, expect, it } from 'vitest';
import { differences, meanIn, seriesOf, type RunRecord } from './recorder.js';
import type { SimRequest } from './types.js';
import { control, expectRequestsUntouched, expectTelemetryUntouched, FROM, requestsOf, spansOf, state, TO, withFault } from '../../test/helpers/sim-fault-runs.js';


function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Strata's primary confidence of each request's gateway span. */
function confidences(run: RunRecord, requests: readonly SimRequest[]): number[] {
  const { client } = spansOf(run);
  return requests.map((r) => client.get(r.traceId)!.confidence!.value!);
}

function accuracy(rs: readonly SimRequest[]): number {
  return rs.filter((r) => r.correct).length / rs.length;
}


describe('engine, rollout, input and template fault signatures', () => {
  it('KV-cache exhaustion: KV near 100 %, preemptions climb, requests wait, TTFT rises on that replica', () => {
    const run = withFault('kv_cache_exhaustion', 'a');
    expect(meanIn(seriesOf(run, 'a', 'vllm:kv_cache_usage_perc'), FROM + 60_000, TO)).toBeGreaterThan(0.9);
    expect(meanIn(seriesOf(control, 'a', 'vllm:kv_cache_usage_perc'), FROM + 60_000, TO)).toBeLessThan(0.4);
    const preempt = seriesOf(run, 'a', 'vllm:num_preemptions_total');
    const at = (t: number) => preempt.find((p) => p.atMs >= t)!.value!;
    expect(at(TO) - at(FROM)).toBeGreaterThan(20);
    expect(seriesOf(control, 'a', 'vllm:num_preemptions_total').at(-1)!.value).toBe(0);
    expect(Math.max(...seriesOf(run, 'a', 'vllm:num_requests_waiting').map((p) => p.value!))).toBeGreaterThan(3);
    const ttft = mean(requestsOf(run, 'a', true).map((r) => r.ttftMs));
    expect(ttft / mean(requestsOf(control, 'a', true).map((r) => r.ttftMs))).toBeGreaterThan(5);
    // The answers themselves are those of the healthy run; the other replicas and GPUs see nothing.
    expect(requestsOf(run, 'a').map((r) => r.answer)).toEqual(requestsOf(control, 'a').map((r) => r.answer));
    expect(differences(run, control, 'node-a', 'GPU-aaaaaaaa-0000-4000-8000-000000000002')).toEqual([]);
    expectTelemetryUntouched(run, ['a', 'node-a']);
    expectRequestsUntouched(run, ['b', 'c']);
  });

  it('bad rollout: accuracy down, confidence up (calibration breaks) on that replica, latency unchanged', () => {
    const run = withFault('bad_rollout', 'b');
    const inside = requestsOf(run, 'b', true);
    const healthy = requestsOf(control, 'b', true);
    expect(accuracy(healthy) - accuracy(inside)).toBeGreaterThan(0.2);
    const conf = mean(confidences(run, inside));
    expect(conf - mean(confidences(control, healthy))).toBeGreaterThan(0.05);
    // Over-confident: confidence well above accuracy.
    expect(conf - accuracy(inside)).toBeGreaterThan(0.3);
    expect(inside.map((r) => r.e2eMs)).toEqual(healthy.map((r) => r.e2eMs));
    expectTelemetryUntouched(run);
    expectRequestsUntouched(run, ['a', 'c']);
  });

  it('prompt drift: confidence and accuracy drop on every replica, with the hardware and engines untouched', () => {
    const run = withFault('prompt_drift', null);
    for (const id of ['a', 'b', 'c']) {
      const inside = requestsOf(run, id, true);
      const healthy = requestsOf(control, id, true);
      expect(mean(confidences(control, healthy)) - mean(confidences(run, inside)), id).toBeGreaterThan(0.12);
      expect(accuracy(healthy) - accuracy(inside), id).toBeGreaterThan(0.05);
      expect(inside.map((r) => r.e2eMs)).toEqual(healthy.map((r) => r.e2eMs));
      expect(requestsOf(run, id, false).map(state)).toEqual(requestsOf(control, id, false).map(state));
    }
    expectTelemetryUntouched(run);
  });

  it('chat-template misconfiguration: garbled answers, no answer or confidence tag, very low log probabilities', () => {
    const run = withFault('chat_template_misconfig', 'b');
    const inside = requestsOf(run, 'b', true);
    const { client } = spansOf(run);
    const garbled = inside.filter((r) => !r.answer.includes('<answer>'));
    expect(garbled.length / inside.length).toBeGreaterThan(0.8);
    expect(garbled.every((r) => /<\|im_start\|>|<\|im_end\|>/.test(r.answer) && r.reasoning === '')).toBe(true);
    for (const r of garbled) {
      const c = client.get(r.traceId)!.confidence!;
      expect(c.verbalized === null || c.verbalizedFormatOk === false).toBe(true);
      expect(c.answerProb).toBeNull();
      expect(c.logprobMean!).toBeLessThan(Math.log(0.1));
    }
    expect(accuracy(inside)).toBeLessThan(0.3);
    expect(inside.map((r) => r.outputTokens)).toEqual(requestsOf(control, 'b', true).map((r) => r.outputTokens));
    expectTelemetryUntouched(run);
    expectRequestsUntouched(run, ['a', 'c']);
  });

});
