import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFakeFleet, FAKE_START_MS } from '../../test/helpers/fake-fleet.js';
import type { SimFeedback, SimRequest } from '../sim/types.js';
import { runFleet, type SimEncoders } from './runner.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ns = (ms: number): string => (BigInt(ms) * 1_000_000n).toString();
const attr = (key: string, v: string | number) => ({ key, value: typeof v === 'string' ? { stringValue: v } : { intValue: String(v) } });

/** Stand-in encoders: one client chat span per request (with a verbalized confidence), feedback by trace id. */
const encoders: SimEncoders = {
  requestsToOtlpJson: (fleet, requests: readonly SimRequest[]) => ({
    resourceSpans: [
      {
        resource: { attributes: [attr('service.name', 'bench-app')] },
        scopeSpans: [
          {
            scope: { name: 'app' },
            spans: requests.map((r) => ({
              traceId: r.traceId,
              spanId: r.spanId,
              name: `chat ${r.model}`,
              kind: 3,
              startTimeUnixNano: ns(r.arrivalMs),
              endTimeUnixNano: ns(r.arrivalMs + r.e2eMs),
              attributes: [
                attr('gen_ai.operation.name', 'chat'),
                attr('gen_ai.request.model', r.model),
                attr('gen_ai.response.model', r.modelVersion),
                attr('gen_ai.usage.output_tokens', r.outputTokens),
                attr('strata.gateway.replica', fleet.replicaEntity(r.replica).slice('replica:'.length)),
                attr('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: `${r.answer} <confidence>0.8</confidence>` }] }])),
              ],
            })),
          },
        ],
      },
    ],
  }),
  feedbackToJson: (items: readonly SimFeedback[]) => items.map((f) => ({ trace_id: f.traceId, correct: f.correct })),
  badReasoning: (_fleet, r) => r.task === 'math',
};

describe('runFleet', () => {
  it('steps the fleet on the scenario clock through Strata’s real ingest paths and reports what it saw', async () => {
    const outage = { fromMs: FAKE_START_MS + 30_000, toMs: FAKE_START_MS + 50_000 };
    const fleet = createFakeFleet({ durationMs: 90_000, outage });
    const steps: number[] = [];
    const run = await runFleet(fleet, encoders, { dataDir: join(dir, 'data'), database: 'bench_test_1', onStep: (s) => steps.push(s) });
    // 0 s .. 90 s every 10 s.
    expect(run.steps).toBe(10);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // A request per replica every 5 s after the start: 18 per replica.
    expect(run.counts.requests).toBe(36);
    expect(run.counts.requests).toBe(fleet.served.length);
    // Feedback 30 s after each request, up to 90 s.
    expect(run.counts.feedback).toBe(fleet.served.filter((r) => r.arrivalMs + 30_000 <= fleet.endMs).length);
    // Three targets scraped each step; the host exporter was down at 30 s and 40 s.
    expect(run.counts.scrapes).toBe(30);
    expect(run.counts.scrapesDown).toBe(2);
    expect(fleet.scrapes.get('node-a')).toBe(10);
    expect(run.truth).toEqual(fleet.truth);
    // The labelled spans reached calibration: the ECE of a constant 0.8 against 3-in-4 correct answers.
    expect(run.layers.eceN).toBeGreaterThan(0);
    expect(run.layers.ece).toBeCloseTo(Math.abs(0.8 - accuracyOf(fleet.served.filter((r) => r.arrivalMs + 30_000 <= fleet.endMs))), 6);
    // No monitor flags these plain answers: every "bad" request is a miss, every good one a true negative.
    expect(run.layers.monitors.confusion).toEqual({ tp: 0, fn: 18, tn: 18, fp: 0 });
    expect(run.layers.monitors.gMean2).toBe(0);
    expect(run.cost.simMs).toBeGreaterThan(0);
    expect(run.cost.wallMs).toBeGreaterThanOrEqual(run.cost.setupMs + run.cost.simMs);
    // The API was polled after each step of this fault scenario: each incident listed, with the step it first appeared at.
    for (const ms of Object.values(run.firstListedMs)) {
      expect(ms).toBeGreaterThanOrEqual(fleet.startMs);
      expect(ms).toBeLessThanOrEqual(fleet.endMs);
      expect((ms - fleet.startMs) % fleet.scrapeIntervalMs).toBe(0);
    }
    for (const i of run.incidents) expect(run.firstListedMs[i.id]).toBeDefined();
  }, 60_000);
});

function accuracyOf(requests: readonly SimRequest[]): number {
  return requests.filter((r) => r.correct).length / requests.length;
}
