/**
 * Engine, model, input and telemetry faults: each one's signature in the right place and nowhere else,
 * read where possible by Strata's own processors (confidence signals, behavioural monitors, probe
 * consistency) from the OTLP the simulator sends.
 */
import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../model/span.js';
import { buildMonitors } from '../monitors/builtins.js';
import type { MonitorResult } from '../monitors/types.js';
import { judgeSpan } from '../probes/judge.js';
import { captureReasoning } from '../processors/reasoning/capture.js';
import { createFleet } from './fleet.js';
import { differences } from './recorder.js';
import { type Scenario } from './scenario.js';
import type { SimRequest } from './types.js';
import { BASE, control, expectRequestsUntouched, expectTelemetryUntouched, FROM, inWindow, requestsOf, spansOf, state, TO, withFault } from '../../test/helpers/sim-fault-runs.js';



const monitors = buildMonitors();

/** The monitors that flag a request's gateway span. */
function flagsOf(span: SpanRecord): string[] {
  const cap = captureReasoning(span);
  return monitors.map((m) => m.run({ reasoning: cap.reasoning, actions: cap.actions, output: cap.output, task: cap.task }) as MonitorResult).filter((r) => r.flag).map((r) => r.monitor);
}

describe('behaviour, internals and telemetry fault signatures', () => {
  it('reasoning regression: reward-hacking reasoning that the built-in monitor flags, on the faulty model version only', () => {
    const run = withFault('reasoning_regression', 'chat-v2');
    const { client } = spansOf(run);
    const flagged = (rs: readonly SimRequest[]) => rs.filter((r) => flagsOf(client.get(r.traceId)!).includes('reward_hacking')).length;
    const inside = requestsOf(run, 'c', true);
    const share = flagged(inside) / inside.length;
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.7);
    expect(flagged(run.requests.filter((r) => r.replica !== 'c' && inWindow(r)))).toBe(0);
    // Outside the window the reasoning is that of the healthy run (which no monitor flags: responses.test.ts).
    expect(requestsOf(run, 'c', false).map(state)).toEqual(requestsOf(control, 'c', false).map(state));
    expectTelemetryUntouched(run);
    expectRequestsUntouched(run, ['a', 'b']);
  });

  it('probe alarm: the probe\'s propositions disagree with the answer on that replica only', () => {
    const run = withFault('probe_alarm', 'a');
    const { server } = spansOf(run);
    const judged = (rs: readonly SimRequest[]) => rs.map((r) => judgeSpan(server.get(r.traceId)!, null));
    const inside = judged(requestsOf(run, 'a', true));
    expect(inside.filter((j) => j.consistency!.agreement < 0.5).length / inside.length).toBeGreaterThan(0.8);
    expect(inside.filter((j) => j.alarms.some((a) => a.kind === 'probe')).length / inside.length).toBeGreaterThan(0.8);
    const others = judged(run.requests.filter((r) => r.replica !== 'a' && inWindow(r)));
    expect(Math.min(...others.map((j) => j.consistency!.agreement))).toBeGreaterThanOrEqual(0.5);
    expect(others.every((j) => j.alarms.length === 0)).toBe(true);
    expect(requestsOf(run, 'a', false).map(state)).toEqual(requestsOf(control, 'a', false).map(state));
    expectTelemetryUntouched(run);
    expectRequestsUntouched(run, ['b', 'c']);
  });

  it('telemetry outage: the target stops answering, and nothing else changes (not even what it shows afterwards)', () => {
    const host = withFault('telemetry_outage', 'node-b');
    for (const s of host.scrapes) expect(s.texts.get('node-b') === null).toBe(s.atMs >= FROM && s.atMs < TO);
    const down = differences(host, control, 'node-b');
    expect(down.every((t) => t >= FROM && t < TO)).toBe(true);
    expectTelemetryUntouched(host, ['node-b']);
    expectRequestsUntouched(host, ['a', 'b', 'c']);
    expect(host.feedback).toEqual(control.feedback);

    const replica = withFault('telemetry_outage', 'c');
    expect(replica.scrapes.filter((s) => s.texts.get('c') === null).length).toBe(24);
    expect(differences(replica, control, 'c').every((t) => t >= FROM && t < TO)).toBe(true);
    expectTelemetryUntouched(replica, ['c']);
    expect(replica.fleet.truth[0].entity).toBe('replica:node-b:8000');
  });
});

describe('ground truth', () => {
  it('pins each fault on its entity and layer, on the scenario clock', () => {
    const faults: Scenario['faults'] = [
      { type: 'gpu_thermal_slowdown', target: 'GPU-aaaaaaaa-0000-4000-8000-000000000001', startMs: 60_000, endMs: 120_000, severity: 1, xid: null },
      { type: 'bad_rollout', target: 'b', startMs: 60_000, endMs: 120_000, severity: 1, xid: null },
      { type: 'reasoning_regression', target: 'chat-v2', startMs: 60_000, endMs: 120_000, severity: 1, xid: null },
      { type: 'telemetry_outage', target: 'node-a', startMs: 60_000, endMs: 120_000, severity: 1, xid: null },
      { type: 'prompt_drift', target: null, startMs: 60_000, endMs: 120_000, severity: 1, xid: null },
    ];
    const fleet = createFleet({ ...BASE, faults });
    expect(fleet.truth.map((t) => [t.type, t.layer, t.entity, t.startMs - BASE.startMs, t.endMs - BASE.startMs])).toEqual([
      ['gpu_thermal_slowdown', 'infrastructure', 'gpu:GPU-aaaaaaaa-0000-4000-8000-000000000001', 60_000, 120_000],
      ['bad_rollout', 'confidence', 'replica:node-a:8001', 60_000, 120_000],
      ['reasoning_regression', 'behaviour', 'model:chat-v2', 60_000, 120_000],
      ['telemetry_outage', 'telemetry', 'host:node-a', 60_000, 120_000],
      ['prompt_drift', 'input', 'fleet:all', 60_000, 120_000],
    ]);
  });
});
