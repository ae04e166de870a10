/**
 * The feedback path of `createIngest`: feedback records, and OTel evaluation events carried by spans
 * and logs, land in the WAL with what carries them, and the feedback listener hears of them once
 * accepted (never when refused).
 */
import { describe, expect, it } from 'vitest';
import type { FeedbackRecord } from '../calibration/feedback.js';
import { createContentPolicy } from '../processors/capture.js';
import type { ExportLogsRequest, ExportTraceRequest } from '../receivers/otlp/types.js';
import type { TablePayloads } from './encode.js';
import { createIngest } from './ingest.js';
import type { OfferResult } from './writer.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
const T = 1_796_000_000_000_000_000n;
const scope = { name: 's', version: '', attributes: {}, droppedAttributesCount: 0 };
const resource = { attributes: { 'service.name': 'app' }, droppedAttributesCount: 0 };

function setup(answer: OfferResult = { ok: true, seq: 1 }, threshold?: number) {
  const offered: TablePayloads[] = [];
  const heard: FeedbackRecord[][] = [];
  const ingest = createIngest({
    offer: (p) => (offered.push(p), answer),
    content: createContentPolicy({ capture: true, redact: [] }),
    listeners: { feedback: (r) => heard.push([...r]) },
    feedbackThreshold: threshold,
  });
  const rows = (table: keyof TablePayloads) => offered.flatMap((p) => (p[table] ? p[table]!.toString('utf8').trim().split('\n').map((l) => JSON.parse(l)) : []));
  return { ingest, offered, heard, rows };
}

const record: FeedbackRecord = { timeUnixMs: 1_796_000_000_000, traceId: TRACE, spanId: '', responseId: '', correct: true, score: null, threshold: null, source: 'api', name: '', comment: '' };

function traces(events: ExportTraceRequest['resourceSpans'][0]['scopeSpans'][0]['spans'][0]['events']): ExportTraceRequest {
  return {
    resourceSpans: [
      {
        resource,
        schemaUrl: '',
        scopeSpans: [
          {
            scope,
            schemaUrl: '',
            spans: [
              {
                traceId: TRACE,
                spanId: SPAN,
                traceState: '',
                parentSpanId: '',
                flags: 0,
                name: 'chat m',
                kind: 3,
                startTimeUnixNano: T,
                endTimeUnixNano: T + 1_000_000_000n,
                attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.response.id': 'chatcmpl-1' },
                droppedAttributesCount: 0,
                events,
                droppedEventsCount: 0,
                links: [],
                droppedLinksCount: 0,
                status: { code: 0, message: '' },
              },
            ],
          },
        ],
      },
    ],
  };
}

describe('ingest: feedback', () => {
  it('logs feedback rows and tells the listener', () => {
    const { ingest, rows, heard } = setup();
    expect(ingest.feedback([record, { ...record, correct: false }])).toEqual({ accepted: true, count: 2 });
    expect(rows('feedback').map((r) => r.correct)).toEqual([true, false]);
    expect(heard).toEqual([[record, { ...record, correct: false }]]);
    expect(ingest.feedback([])).toEqual({ accepted: true, count: 0 });
  });

  it('answers retry and tells no one when the queue is full', () => {
    const { ingest, heard } = setup({ ok: false, retryAfterSeconds: 3 });
    expect(ingest.feedback([record])).toEqual({ accepted: false, retryAfterSeconds: 3 });
    expect(ingest.traces(traces([{ name: 'gen_ai.evaluation.result', timeUnixNano: T, attributes: { 'gen_ai.evaluation.score.label': 'pass' }, droppedAttributesCount: 0 }]))).toMatchObject({ accepted: false });
    expect(heard).toEqual([]);
  });

  it('turns evaluation span events into feedback rows in the same WAL record as their span', () => {
    const { ingest, offered, rows, heard } = setup({ ok: true, seq: 1 }, 0.7);
    const outcome = ingest.traces(
      traces([
        { name: 'gen_ai.evaluation.result', timeUnixNano: T + 2_000_000_000n, attributes: { 'gen_ai.evaluation.name': 'judge', 'gen_ai.evaluation.score.value': 0.6 }, droppedAttributesCount: 0 },
        { name: 'something.else', timeUnixNano: T, attributes: {}, droppedAttributesCount: 0 },
      ]),
    );
    expect(outcome).toEqual({ accepted: true, count: 1 });
    expect(offered).toHaveLength(1);
    expect(offered[0].spans).toBeDefined();
    expect(offered[0].feedback).toBeDefined();
    expect(rows('feedback')).toEqual([
      { time: 1_796_000_002_000, trace_id: TRACE, span_id: SPAN, response_id: 'chatcmpl-1', correct: false, score: 0.6, threshold: 0.7, source: 'otel.evaluation', name: 'judge', comment: '' },
    ]);
    expect(heard).toHaveLength(1);
    expect(heard[0][0]).toMatchObject({ spanId: SPAN, correct: false });
    // A request without evaluations adds no feedback and tells the listener nothing.
    ingest.traces(traces([]));
    expect(offered[1].feedback).toBeUndefined();
    expect(heard).toHaveLength(1);
  });

  it('turns evaluation event log records into feedback rows', () => {
    const { ingest, rows, heard } = setup();
    const req: ExportLogsRequest = {
      resourceLogs: [
        {
          resource,
          schemaUrl: '',
          scopeLogs: [
            {
              scope,
              schemaUrl: '',
              logRecords: [
                {
                  timeUnixNano: T,
                  observedTimeUnixNano: T,
                  severityNumber: 9,
                  severityText: '',
                  body: null,
                  attributes: { 'gen_ai.evaluation.score.label': 'incorrect', 'gen_ai.evaluation.explanation': 'off by one' },
                  droppedAttributesCount: 0,
                  flags: 0,
                  traceId: TRACE,
                  spanId: SPAN,
                  eventName: 'gen_ai.evaluation.result',
                },
              ],
            },
          ],
        },
      ],
    };
    expect(ingest.logs(req)).toEqual({ accepted: true, count: 1 });
    expect(rows('logs')).toHaveLength(1);
    expect(rows('feedback')).toEqual([expect.objectContaining({ span_id: SPAN, correct: false, comment: 'off by one', threshold: null })]);
    expect(heard).toHaveLength(1);
  });
});
