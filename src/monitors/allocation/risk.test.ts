import { describe, expect, it } from 'vitest';
import type { ConfidenceSignals } from '../../model/confidence.js';
import type { SpanRecord } from '../../model/span.js';
import { normalizeTraces } from '../../processors/index.js';
import type { Attributes } from '../../receivers/otlp/types.js';
import { NewVersionTracker } from './new-versions.js';
import { DEFAULT_RISK_WEIGHTS, RiskScorer, riskScore, userOf, type RiskSignals } from './risk.js';

const MIN = 60_000;

function span(o: { attrs?: Attributes; resource?: Attributes; timeMs?: number; model?: string; confidence?: number | null; calibrated?: number | null; status?: number } = {}): SpanRecord {
  const endNs = BigInt(o.timeMs ?? 0) * 1_000_000n + 1_000_000_000_000n * 1_000_000n;
  const [s] = normalizeTraces({
    resourceSpans: [
      {
        resource: { attributes: { 'service.name': 'app', ...o.resource }, droppedAttributesCount: 0 },
        scopeSpans: [
          {
            scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 },
            spans: [
              {
                traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceState: '', parentSpanId: '', flags: 0, name: 'chat', kind: 3,
                startTimeUnixNano: endNs - 1_000_000n, endTimeUnixNano: endNs,
                attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': o.model ?? 'm-v1', 'server.address': 'gpu-1', 'server.port': { int: 8000n }, ...o.attrs },
                droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: o.status ?? 0, message: '' },
              },
            ],
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  });
  if (o.confidence === undefined && o.calibrated === undefined) return s;
  const confidence: ConfidenceSignals = {
    value: o.confidence ?? null, source: 'verbalized', calibrated: o.calibrated ?? null, logprobMean: null, logprobMin: null, perplexity: null,
    entropyMean: null, answerProb: null, leastConfidentPos: null, verbalized: o.confidence ?? null, verbalizedFormatOk: true, scores: {},
  };
  return { ...s, confidence };
}

const none: RiskSignals = { lowConfidence: 0, anomaly: false, newVersion: false, flaggedUser: false, monitorFlag: false, error: false };

describe('riskScore', () => {
  it('is the noisy-or of the weighted signals: 0 without signals, each signal alone its weight, several add up below 1', () => {
    expect(riskScore(none)).toBe(0);
    expect(riskScore({ ...none, anomaly: true })).toBeCloseTo(DEFAULT_RISK_WEIGHTS.anomaly, 12);
    expect(riskScore({ ...none, lowConfidence: 0.5 })).toBeCloseTo(0.5 * DEFAULT_RISK_WEIGHTS.lowConfidence, 12);
    expect(riskScore({ ...none, lowConfidence: 0.5, anomaly: true })).toBeCloseTo(1 - 0.7 * 0.3, 12);
    const all = riskScore({ lowConfidence: 1, anomaly: true, newVersion: true, flaggedUser: true, monitorFlag: true, error: true });
    expect(all).toBeGreaterThan(0.99);
    expect(all).toBeLessThanOrEqual(1);
    expect(riskScore({ ...none, error: true }, { ...DEFAULT_RISK_WEIGHTS, error: 0 })).toBe(0);
  });
});

describe('RiskScorer', () => {
  it('orders requests by their cheap signals', () => {
    const anomalous = new Set(['replica:gpu-1:8000']);
    const scorer = new RiskScorer({ flaggedUsers: ['u-9'], hasOpenAnomaly: (ids) => ids.some((id) => anomalous.has(id)) });
    const calm = span({ confidence: 0.95, attrs: { 'server.address': 'gpu-2' } });
    const unsure = span({ confidence: 0.3, attrs: { 'server.address': 'gpu-2' } });
    const unsureOnSickReplica = span({ confidence: 0.3 });
    const flaggedUser = span({ confidence: 0.95, attrs: { 'server.address': 'gpu-2', 'user.id': 'u-9' } });
    const ranked = [calm, unsure, unsureOnSickReplica].map((s) => scorer.score(s));
    expect(ranked[0]).toBeCloseTo(0.6 * 0.05, 12);
    expect(ranked[1]).toBeGreaterThan(ranked[0]);
    expect(ranked[2]).toBeGreaterThan(ranked[1]);
    expect(scorer.signals(unsureOnSickReplica).anomaly).toBe(true);
    expect(scorer.score(flaggedUser)).toBeGreaterThan(scorer.score(unsure));
    // A deterministic monitor's flag on the span counts, and so do errors.
    expect(scorer.score(calm, true)).toBeGreaterThan(scorer.score(calm));
    expect(scorer.signals(span({ status: 2 })).error).toBe(true);
    expect(scorer.signals(span({ attrs: { 'error.type': 'timeout' } })).error).toBe(true);
    expect(scorer.signals(calm).error).toBe(false);
  });

  it('reads the calibrated confidence first, and no confidence as no signal', () => {
    const scorer = new RiskScorer();
    expect(scorer.signals(span({ confidence: 0.9, calibrated: 0.4 })).lowConfidence).toBeCloseTo(0.6, 12);
    expect(scorer.signals(span({ confidence: 0.9 })).lowConfidence).toBeCloseTo(0.1, 12);
    expect(scorer.signals(span()).lowConfidence).toBe(0);
  });

  it('finds the user in user.id or enduser.id, on the span or its resource, as a string or an int', () => {
    expect(userOf(span({ attrs: { 'enduser.id': 'alice' } }))).toBe('alice');
    expect(userOf(span({ resource: { 'user.id': { int: 42n } } }))).toBe('42');
    expect(userOf(span({ attrs: { 'user.id': 'bob' }, resource: { 'user.id': 'carol' } }))).toBe('bob');
    expect(userOf(span())).toBeNull();
    const scorer = new RiskScorer({ flaggedUsers: ['42'] });
    expect(scorer.signals(span({ resource: { 'user.id': { int: 42n } } })).flaggedUser).toBe(true);
    expect(scorer.signals(span({ attrs: { 'user.id': 'alice' } })).flaggedUser).toBe(false);
  });

  it('marks a model version new for the configured time after it is first seen, in event time', () => {
    const scorer = new RiskScorer({ newVersionMs: 30 * MIN });
    expect(scorer.signals(span({ model: 'm-v1', timeMs: 0 })).newVersion).toBe(false);
    // v2 appears at minute 10 (after the warm-up): new until minute 40.
    expect(scorer.signals(span({ model: 'm-v2', timeMs: 10 * MIN })).newVersion).toBe(true);
    expect(scorer.signals(span({ model: 'm-v2', timeMs: 39 * MIN })).newVersion).toBe(true);
    expect(scorer.signals(span({ model: 'm-v2', timeMs: 40 * MIN })).newVersion).toBe(false);
    expect(scorer.signals(span({ model: 'm-v1', timeMs: 12 * MIN })).newVersion).toBe(false);
  });
});

describe('NewVersionTracker', () => {
  it('treats versions seen in the warm-up as the existing fleet and an earlier sighting arriving late as the first', () => {
    const t = new NewVersionTracker(5 * MIN, MIN);
    expect(t.isNew('a', 100 * MIN)).toBe(false);
    expect(t.isNew('b', 100 * MIN + 30_000)).toBe(false);
    expect(t.isNew('c', 103 * MIN)).toBe(true);
    // c was in fact seen at minute 100.5 (a late span): within the warm-up after all.
    expect(t.isNew('c', 100 * MIN + 30_000)).toBe(false);
    expect(t.isNew('c', 104 * MIN)).toBe(false);
    expect(t.isNew('', 200 * MIN)).toBe(false);
  });

  it('remembers a bounded number of versions', () => {
    const t = new NewVersionTracker(MIN, 0, 3);
    for (let i = 0; i < 10; i++) t.isNew(`v${i}`, i);
    expect(t.size()).toBe(3);
  });
});
