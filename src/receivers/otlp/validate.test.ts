import { describe, expect, it } from 'vitest';
import type { ExportLogsRequest, ExportMetricsRequest, ExportTraceRequest, OtlpLogRecord, OtlpSpan } from './types.js';
import { rejectInvalidLogs, rejectInvalidMetrics, rejectInvalidSpans } from './validate.js';

const scope = { name: '', version: '', attributes: {}, droppedAttributesCount: 0 };
const resource = { attributes: {}, droppedAttributesCount: 0 };
const span = (traceId: string, spanId: string, start: bigint): OtlpSpan => ({
  traceId, spanId, traceState: '', parentSpanId: '', flags: 0, name: 'n', kind: 1, startTimeUnixNano: start, endTimeUnixNano: start + 1n,
  attributes: {}, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
});
const T = 'a'.repeat(32);
const S = 'b'.repeat(16);

describe('validation', () => {
  it('refuses spans without ids and spans older than the horizon, counting each', () => {
    const req: ExportTraceRequest = {
      resourceSpans: [{ resource, schemaUrl: '', scopeSpans: [{ scope, schemaUrl: '', spans: [span(T, S, 100n), span('', S, 100n), span(T, S, 5n), span(T, '', 5n)] }] }],
    };
    const r = rejectInvalidSpans(req, 50n);
    expect(r.rejected).toBe(3);
    expect(r.message).toBe('2 span(s) without trace_id or span_id were rejected; 1 span(s) older than the retention period were rejected');
    expect(req.resourceSpans[0].scopeSpans[0].spans.map((s) => s.startTimeUnixNano)).toEqual([100n]);
  });

  it('refuses nameless or empty metrics and old data points', () => {
    const point = (t: bigint) => ({ attributes: {}, startTimeUnixNano: 0n, timeUnixNano: t, exemplars: [], flags: 0, value: 1, isInt: false });
    const req: ExportMetricsRequest = {
      resourceMetrics: [{ resource, schemaUrl: '', scopeMetrics: [{ scope, schemaUrl: '', metrics: [
        { name: '', description: '', unit: '', metadata: {}, data: { type: 'gauge', dataPoints: [point(100n), point(100n)] } },
        { name: 'empty', description: '', unit: '', metadata: {}, data: { type: 'empty' } },
        { name: 'g', description: '', unit: '', metadata: {}, data: { type: 'gauge', dataPoints: [point(100n), point(1n)] } },
      ] }] }],
    };
    const r = rejectInvalidMetrics(req, 50n);
    expect(r.rejected).toBe(3);
    expect(r.message).toBe('rejected: metric without a name; metric empty without data; data points older than the retention period');
    const kept = req.resourceMetrics[0].scopeMetrics[0].metrics;
    expect(kept.map((m) => m.name)).toEqual(['g']);
  });

  it('refuses only old log records, using the observed time when the time is unset', () => {
    const log = (time: bigint, observed: bigint): OtlpLogRecord => ({
      timeUnixNano: time, observedTimeUnixNano: observed, severityNumber: 0, severityText: '', body: null, attributes: {},
      droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '',
    });
    const req: ExportLogsRequest = { resourceLogs: [{ resource, schemaUrl: '', scopeLogs: [{ scope, schemaUrl: '', logRecords: [log(100n, 0n), log(0n, 100n), log(0n, 1n), log(1n, 100n)] }] }] };
    expect(rejectInvalidLogs(req, 0n)).toEqual({ rejected: 0, message: '' });
    const r = rejectInvalidLogs(req, 50n);
    expect(r.rejected).toBe(2);
    expect(req.resourceLogs[0].scopeLogs[0].logRecords).toHaveLength(2);
  });
});
