import { describe, expect, it } from 'vitest';
import type { ConfidenceSignals } from '../../model/confidence.js';
import type { SpanRecord } from '../../model/span.js';
import type { Attributes, ExportTraceRequest } from '../../receivers/otlp/types.js';
import { createContentPolicy } from '../capture.js';
import { normalizeTraces } from '../normalize-traces.js';
import { DEFAULT_CALIBRATION_CONFIG, type ConfidenceSource } from './config.js';
import { createConfidenceExtractor, type ConfidenceOptions } from './extract.js';

function request(attributes: Attributes): ExportTraceRequest {
  const span = {
    traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', traceState: '', parentSpanId: '', flags: 1,
    name: 'chat m', kind: 3, startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes, droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
  const scope = { name: 's', version: '', attributes: {}, droppedAttributesCount: 0 };
  return { resourceSpans: [{ resource: { attributes: { 'service.name': 'svc' }, droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope, spans: [span], schemaUrl: '' }] }] };
}

/** One span through normalizeTraces with the given confidence options. */
function signals(attributes: Attributes, options: ConfidenceOptions = {}): ConfidenceSignals | null {
  const [rec] = normalizeTraces(request(attributes), { confidence: createConfidenceExtractor(options) });
  return rec.confidence;
}

const calibration = (confidence: ConfidenceSource[], scores: string[] = [], verbalizedRegex: string | null = null) => ({ confidence, scores, verbalizedRegex });

/** gen_ai.output.messages with one assistant message of the given parts. */
const output = (...parts: { type: string; content: string }[]): string => JSON.stringify([{ role: 'assistant', parts }]);
const text = (content: string) => ({ type: 'text', content });

// "<think>2+2</think><answer>4</answer><confidence>0.9</confidence>" in 7 tokens.
const RLCR_TOKENS = ['<think>2+2', '</think>', '<answer>', '4', '</answer>', '<confidence>0.9', '</confidence>'];
const RLCR_LOGPROBS = [-1, -0.5, -0.25, -0.5, -0.125, -2, -0.125];
const RLCR_TOP = RLCR_LOGPROBS.map((lp, i) => [[RLCR_TOKENS[i], lp], ['other', Math.log(1 - Math.exp(lp))]]);
const RLCR = {
  'gen_ai.operation.name': 'chat',
  'strata.logprobs': JSON.stringify({ tokens: RLCR_TOKENS, logprobs: RLCR_LOGPROBS, top: RLCR_TOP }),
  'gen_ai.output.messages': output({ type: 'reasoning', content: '2+2' }, text('<answer>4</answer><confidence>0.9</confidence>')),
};

describe('confidence signals of a span', () => {
  it('a span carrying none of the inputs does no work and has none', () => {
    expect(signals({ 'gen_ai.operation.name': 'chat', 'gen_ai.output.messages': output(text('Paris.')) })).toBeNull();
    expect(signals({ 'http.route': '/' })).toBeNull();
    const [rec] = normalizeTraces(request({ 'strata.logprobs': '{"logprobs":[-1]}' }), { confidence: null });
    expect(rec.confidence).toBeNull();
  });

  it('an RLCR response: every signal, exactly; the stated confidence is the primary by default', () => {
    const c = signals(RLCR)!;
    const mean = RLCR_LOGPROBS.reduce((a, b) => a + b) / 7; // -4.5 / 7
    const entropies = RLCR_LOGPROBS.map((lp) => {
      const p = Math.exp(lp);
      return -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
    });
    expect(c).toMatchObject({
      value: 0.9,
      source: 'verbalized',
      calibrated: null,
      logprobMean: mean,
      logprobMin: -2,
      perplexity: Math.exp(-mean),
      answerProb: Math.exp(-0.5), // the token '4' alone
      leastConfidentPos: 5,
      verbalized: 0.9,
      verbalizedFormatOk: true,
      scores: {},
    });
    expect(c.entropyMean).toBeCloseTo(entropies.reduce((a, b) => a + b) / 7, 12);
  });

  it('the first configured source the response has wins', () => {
    expect(signals(RLCR, { calibration: calibration(['answer_prob', 'verbalized']) })).toMatchObject({ value: Math.exp(-0.5), source: 'answer_prob' });
    const tokenProb = Math.exp(RLCR_LOGPROBS.reduce((a, b) => a + b) / 7);
    expect(signals(RLCR, { calibration: calibration(['token_prob', 'answer_prob']) })).toMatchObject({ value: tokenProb, source: 'token_prob' });
    // No score attribute: the next source.
    expect(signals(RLCR, { calibration: calibration(['score:judge', 'token_prob'], ['judge']) })).toMatchObject({ source: 'token_prob' });
    // No source present: no primary confidence, the other signals stay.
    expect(signals(RLCR, { calibration: calibration(['score:judge'], ['judge']) })).toMatchObject({ value: null, source: null, verbalized: 0.9 });
  });

  it('logprobs without tokens: token signals, no answer probability', () => {
    const c = signals({ 'strata.logprobs': JSON.stringify({ tokens: ['', '', ''], logprobs: [-1, -2, -3] }) })!;
    expect(c).toMatchObject({ value: Math.exp(-2), source: 'token_prob', logprobMean: -2, answerProb: null, verbalized: null, verbalizedFormatOk: null });
  });

  it('clamps the primary confidence to [0, 1]', () => {
    expect(signals({ 'strata.logprobs': '{"logprobs":[0.5]}' })).toMatchObject({ value: 1, logprobMean: 0.5 });
    const cfg = calibration(['score:judge'], ['judge']);
    expect(signals({ judge: 1.7 }, { calibration: cfg })).toMatchObject({ value: 1, source: 'score:judge', scores: { judge: 1.7 } });
    expect(signals({ judge: -0.2 }, { calibration: cfg })).toMatchObject({ value: 0, scores: { judge: -0.2 } });
  });

  it('scores from double, int and numeric-string attributes; anything else is not a score', () => {
    const cfg = calibration(['score:b', 'token_prob'], ['a', 'b', 'c', 'd', 'e', 'f', 'missing']);
    const c = signals({ a: 0.25, b: { int: 3n }, c: ' 0.5 ', d: 'high', e: true, f: [1], g: 0.9 }, { calibration: cfg })!;
    expect(c.scores).toEqual({ a: 0.25, b: 3, c: 0.5 });
    expect(c).toMatchObject({ value: 1, source: 'score:b', logprobMean: null, verbalized: null });
    expect(signals({ d: 'high', e: true }, { calibration: cfg })).toBeNull();
  });

  it('a stated confidence that cannot be read is a format failure (0, not ok) and the next source is used', () => {
    const attrs = { ...RLCR, 'gen_ai.output.messages': output(text('<answer>4</answer><confidence>very sure</confidence>')) };
    expect(signals(attrs)).toMatchObject({ verbalized: 0, verbalizedFormatOk: false, source: 'answer_prob', value: Math.exp(-0.5) });
    // An opened tag that never closes counts too.
    expect(signals({ 'gen_ai.output.messages': output(text('<answer>4</answer><confidence>0.8')) })).toMatchObject({
      verbalized: 0,
      verbalizedFormatOk: false,
      value: null,
      source: null,
    });
  });

  it('JSON and regex stated confidences; a quoted "confidence" in prose is no attempt', () => {
    expect(signals({ 'gen_ai.output.messages': output(text('{"answer": "4", "confidence": 0.7}')) })).toMatchObject({ value: 0.7, source: 'verbalized' });
    expect(signals({ 'gen_ai.output.messages': output(text('The word "confidence" is a noun.')) })).toBeNull();
    const cfg = calibration(['verbalized'], [], String.raw`Confidence:\s*(\d+%?)`);
    expect(signals({ 'gen_ai.output.messages': output(text('It is 4. Confidence: 80%')) }, { calibration: cfg })).toMatchObject({ value: 0.8 });
    expect(signals({ 'gen_ai.output.messages': output(text('It is 4.')) }, { calibration: cfg })).toBeNull();
  });

  it('reads the text parts of the first output message only, not its reasoning', () => {
    const reasoningOnly = output({ type: 'reasoning', content: '<confidence>0.2</confidence>' }, text('4'));
    expect(signals({ 'gen_ai.output.messages': reasoningOnly })).toBeNull();
    const twoChoices = JSON.stringify([
      { role: 'assistant', parts: [text('<confidence>0.6</confidence>')] },
      { role: 'assistant', parts: [text('<confidence>0.1</confidence>')] },
    ]);
    expect(signals({ 'gen_ai.output.messages': twoChoices })).toMatchObject({ verbalized: 0.6 });
  });

  it('a verbalized regex without a capture group is refused when the extractor is built', () => {
    expect(() => createConfidenceExtractor({ calibration: calibration(['verbalized'], [], 'confidence') })).toThrow(/calibration\.verbalized_regex/);
  });

  it('malformed logprobs give no token signals and never throw', () => {
    expect(signals({ 'strata.logprobs': '{"logprobs":[NaN]}' })).toBeNull();
    expect(signals({ 'strata.logprobs': '{"tokens":["a"],"logprobs":[-1,-2]}' })).toBeNull();
    expect(signals({ 'strata.logprobs': { int: 5n } })).toBeNull();
    const c = signals({ 'strata.logprobs': 'garbage', judge: 0.4 }, { calibration: calibration(['token_prob', 'score:judge'], ['judge']) });
    expect(c).toMatchObject({ value: 0.4, source: 'score:judge', logprobMean: null, perplexity: null, entropyMean: null, leastConfidentPos: null });
  });

  it('calibrated: the looked-up map applied to the primary confidence; a failing lookup or map gives null', () => {
    const seen: [string | null, unknown][] = [];
    const half = (span: SpanRecord) => (seen.push([span.genai.operation, span.confidence]), (c: number) => c / 2);
    expect(signals(RLCR, { calibrationMap: half })).toMatchObject({ value: 0.9, calibrated: 0.45 });
    expect(seen).toEqual([['chat', null]]); // the finished span, its confidence not yet set
    expect(signals(RLCR, { calibrationMap: () => null })).toMatchObject({ calibrated: null });
    expect(signals(RLCR, { calibrationMap: () => () => NaN })).toMatchObject({ calibrated: null });
    const throwing = () => {
      throw new Error('boom');
    };
    expect(signals(RLCR, { calibrationMap: throwing })).toMatchObject({ value: 0.9, calibrated: null });
    // No primary confidence: the map is not consulted.
    expect(signals({ judge: 0.3 }, { calibration: calibration(['verbalized'], ['judge']), calibrationMap: throwing })).toMatchObject({ value: null, calibrated: null });
  });

  it('the defaults are the calibration section defaults; the content policy keeps the signals', () => {
    const [rec] = normalizeTraces(request(RLCR));
    expect(rec.confidence).toEqual(signals(RLCR, { calibration: DEFAULT_CALIBRATION_CONFIG }));
    const [redacted] = createContentPolicy({ capture: false, redact: [] }).applyToSpans([rec]);
    expect(redacted.genai.outputMessages).toEqual([]);
    expect(redacted.confidence).toBe(rec.confidence);
  });
});
