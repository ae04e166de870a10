import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../model/log.js';
import type { SpanRecord } from '../model/span.js';
import {
  evaluationFeedbackFromLogs,
  evaluationFeedbackFromSpans,
  evaluationVerdict,
  feedbackRow,
  parseFeedback,
  type FeedbackDefaults,
  type FeedbackRecord,
} from './feedback.js';

const NOW = Date.parse('2026-12-03T14:00:00Z');
const D: FeedbackDefaults = { threshold: 0.5, nowMs: NOW };
const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

function ok(input: unknown, defaults = D): FeedbackRecord {
  const r = parseFeedback(input, defaults);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.record;
}
function errors(input: unknown, defaults = D): readonly string[] {
  const r = parseFeedback(input, defaults);
  if (r.ok) throw new Error('accepted');
  return r.errors;
}

describe('parseFeedback', () => {
  it('reads a verdict given directly', () => {
    expect(ok({ response_id: 'chatcmpl-1', correct: false, comment: 'wrong unit', name: 'exact_match' })).toEqual({
      timeUnixMs: NOW,
      traceId: '',
      spanId: '',
      responseId: 'chatcmpl-1',
      correct: false,
      score: null,
      threshold: null,
      source: 'api',
      name: 'exact_match',
      comment: 'wrong unit',
    });
  });

  it('turns a score into a verdict with the default threshold or its own', () => {
    expect(ok({ trace_id: TRACE, score: 0.5 })).toMatchObject({ traceId: TRACE, correct: true, score: 0.5, threshold: 0.5 });
    expect(ok({ trace_id: TRACE, score: 0.49 })).toMatchObject({ correct: false, threshold: 0.5 });
    expect(ok({ trace_id: TRACE, score: 0.7, threshold: 0.8 })).toMatchObject({ correct: false, score: 0.7, threshold: 0.8 });
    expect(ok({ trace_id: TRACE, score: 0.7 }, { ...D, threshold: 0.6 })).toMatchObject({ correct: true, threshold: 0.6 });
  });

  it('lets an explicit verdict win over a score, keeping the score', () => {
    expect(ok({ trace_id: TRACE, correct: true, score: 0.1 })).toMatchObject({ correct: true, score: 0.1, threshold: null });
  });

  it('normalises ids to lowercase and accepts the camelCase id names', () => {
    expect(ok({ traceId: TRACE.toUpperCase(), spanId: SPAN, correct: true })).toMatchObject({ traceId: TRACE, spanId: SPAN });
    expect(errors({ trace_id: TRACE, traceId: TRACE, correct: true })).toEqual(['trace_id: given twice (as trace_id and as traceId)']);
  });

  it('treats null and empty strings as absent', () => {
    expect(ok({ trace_id: TRACE, span_id: '', response_id: null, correct: true, comment: null })).toMatchObject({ spanId: '', responseId: '', comment: '' });
  });

  it('reads times as RFC 3339, unix seconds or milliseconds', () => {
    expect(ok({ trace_id: TRACE, correct: true, time: '2026-12-01T10:00:00.250Z' }).timeUnixMs).toBe(Date.parse('2026-12-01T10:00:00.250Z'));
    expect(ok({ trace_id: TRACE, correct: true, time: 1796000000 }).timeUnixMs).toBe(1796000000000);
    expect(ok({ trace_id: TRACE, correct: true, time: 1796000000123 }).timeUnixMs).toBe(1796000000123);
  });

  it('names every problem and its field', () => {
    expect(errors({})).toEqual([
      'trace_id, span_id or response_id: at least one is required to say which response the feedback is about',
      'correct or score: one is required (correct: true/false, or score in [0, 1])',
    ]);
    expect(errors({ trace_id: 'abc', span_id: 12, correct: 'yes', colour: 'red' })).toEqual([
      'colour: unknown field (known: trace_id, span_id, response_id, correct, score, threshold, source, name, comment, time)',
      'trace_id: expected 32 hex characters, got "abc"',
      'span_id: expected 16 hex characters, got 12',
      'correct: expected true or false, got "yes"',
    ]);
    expect(errors({ response_id: 'r', score: 1.5 })).toEqual(['score: expected a number in [0, 1], got 1.5']);
    expect(errors({ response_id: 'r', score: '0.5' })).toEqual(['score: expected a number in [0, 1], got "0.5"']);
    expect(errors({ response_id: 'r', correct: true, threshold: 0.3 })).toEqual(['threshold: only meaningful with a score']);
    expect(errors({ response_id: 'r', correct: true, comment: 'x'.repeat(5000) })).toEqual(['comment: longer than 4096 characters']);
    expect(errors({ trace_id: '0'.repeat(32), correct: true })).toEqual(['trace_id: all zeros is not a valid id']);
    expect(errors({ response_id: 'r', correct: true, time: 'yesterday' })[0]).toMatch(/^time: expected RFC 3339/);
    expect(errors({ response_id: 'r', correct: true, time: NOW + 2 * 86_400_000 })[0]).toMatch(/^time: .* is in the future/);
    expect(errors({ response_id: 'r', correct: true, time: 1000 }, { ...D, minTimeMs: NOW - 86_400_000 })[0]).toMatch(/older than the retention/);
    expect(errors([1, 2])).toEqual(['expected a JSON object, got [1,2]']);
    expect(errors('x')).toEqual(['expected a JSON object, got "x"']);
  });
});

describe('feedbackRow', () => {
  it('is one JSONEachRow line with every column', () => {
    const line = feedbackRow(ok({ trace_id: TRACE, response_id: 'r"1', score: 0.25, name: 'judge', comment: 'line\nbreak' }));
    expect(JSON.parse(line)).toEqual({
      time: NOW,
      trace_id: TRACE,
      span_id: '',
      response_id: 'r"1',
      correct: false,
      score: 0.25,
      threshold: 0.5,
      source: 'api',
      name: 'judge',
      comment: 'line\nbreak',
    });
  });
});

describe('evaluation events', () => {
  it('decides by a known label first, then by a score in [0, 1]', () => {
    expect(evaluationVerdict({ 'gen_ai.evaluation.score.label': 'Pass', 'gen_ai.evaluation.score.value': 0.1 }, 0.5)).toEqual({ correct: true, score: 0.1, threshold: null });
    expect(evaluationVerdict({ 'gen_ai.evaluation.score.label': 'not_relevant' }, 0.5)).toEqual({ correct: false, score: null, threshold: null });
    expect(evaluationVerdict({ 'gen_ai.evaluation.score.value': { int: 1n } }, 0.5)).toEqual({ correct: true, score: 1, threshold: 0.5 });
    expect(evaluationVerdict({ 'gen_ai.evaluation.score.value': 0.3, 'gen_ai.evaluation.score.label': 'meh' }, 0.5)).toEqual({ correct: false, score: 0.3, threshold: 0.5 });
    expect(evaluationVerdict({ 'gen_ai.evaluation.score.value': 4 }, 0.5)).toBeNull();
    expect(evaluationVerdict({}, 0.5)).toBeNull();
  });

  const span = (events: SpanRecord['events'], responseId: string | null = 'chatcmpl-9') =>
    ({ traceId: TRACE, spanId: SPAN, endTimeUnixNano: 1_796_000_000_500_000_000n, events, genai: { responseId } }) as unknown as SpanRecord;
  const event = (attributes: Record<string, unknown>, timeUnixNano = 1_796_000_001_000_000_000n) => ({ name: 'gen_ai.evaluation.result', timeUnixNano, attributes, droppedAttributesCount: 0 }) as SpanRecord['events'][number];

  it('turns span events into feedback for their span', () => {
    const spans = [
      span([
        event({ 'gen_ai.evaluation.name': 'Relevance', 'gen_ai.evaluation.score.value': 0.8, 'gen_ai.evaluation.explanation': 'on topic' }),
        { name: 'gen_ai.choice', timeUnixNano: 0n, attributes: {}, droppedAttributesCount: 0 },
        event({ 'gen_ai.evaluation.score.value': 7 }),
      ]),
    ];
    expect(evaluationFeedbackFromSpans(spans, 0.5)).toEqual([
      {
        timeUnixMs: 1_796_000_001_000,
        traceId: TRACE,
        spanId: SPAN,
        responseId: 'chatcmpl-9',
        correct: true,
        score: 0.8,
        threshold: 0.5,
        source: 'otel.evaluation',
        name: 'Relevance',
        comment: 'on topic',
      },
    ]);
  });

  it('labels the named response when the event is on another span', () => {
    const [r] = evaluationFeedbackFromSpans([span([event({ 'gen_ai.response.id': 'chatcmpl-other', 'gen_ai.evaluation.score.label': 'fail' }, 0n)], null)], 0.5);
    expect(r).toMatchObject({ traceId: TRACE, spanId: '', responseId: 'chatcmpl-other', correct: false, timeUnixMs: 1_796_000_000_500 });
  });

  it('turns evaluation log records into feedback for the span they name', () => {
    const log = (over: Partial<LogRecord>) =>
      ({ eventName: 'gen_ai.evaluation.result', traceId: TRACE, spanId: SPAN, timeUnixNano: 1_796_000_002_000_000_000n, observedTimeUnixNano: 0n, attributes: { 'gen_ai.evaluation.score.label': 'correct' }, ...over }) as LogRecord;
    const out = evaluationFeedbackFromLogs([log({}), log({ eventName: 'other' }), log({ spanId: '', traceId: '' }), log({ spanId: '', attributes: { 'gen_ai.response.id': 'r-7', 'gen_ai.evaluation.score.value': 0.2 } })], 0.5);
    expect(out).toEqual([
      expect.objectContaining({ traceId: TRACE, spanId: SPAN, responseId: '', correct: true, timeUnixMs: 1_796_000_002_000 }),
      expect.objectContaining({ traceId: TRACE, spanId: '', responseId: 'r-7', correct: false, score: 0.2 }),
    ]);
  });
});
