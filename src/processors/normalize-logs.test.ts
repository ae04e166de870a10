import { describe, expect, it } from 'vitest';
import type { ExportLogsRequest, OtlpLogRecord, Scope } from '../receivers/otlp/types.js';
import { entityId } from '../model/entity.js';
import { normalizeLogs } from './index.js';

const T = 1544712660300000000n;
const scope: Scope = { name: 'my.library', version: '1.0.0', attributes: { 'my.scope.attribute': 'some scope attribute' }, droppedAttributesCount: 0 };

// The two records of the OTLP example fixtures (logs.json, events.json), decoded by hand.
const logRecord: OtlpLogRecord = {
  timeUnixNano: T,
  observedTimeUnixNano: T,
  severityNumber: 10,
  severityText: 'Information',
  body: 'Example log record',
  attributes: {
    'string.attribute': 'some string',
    'boolean.attribute': true,
    'int.attribute': { int: 10n },
    'double.attribute': 637.704,
    'array.attribute': ['many', 'values'],
    'map.attribute': { kvlist: { 'some.map.key': 'some value' } },
  },
  droppedAttributesCount: 0,
  flags: 0,
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  eventName: '',
};
const eventRecord: OtlpLogRecord = {
  timeUnixNano: T,
  observedTimeUnixNano: T,
  severityNumber: 9,
  severityText: 'test severity text',
  body: {
    kvlist: {
      type: { int: 0n },
      url: 'https://www.guidgenerator.com/online-guid-generator.aspx',
      referrer: 'https://wwww.google.com',
      title: 'Free Online GUID Generator',
    },
  },
  attributes: { 'event.attribute': 'some event attribute' },
  droppedAttributesCount: 0,
  flags: 0,
  traceId: '',
  spanId: '',
  eventName: 'browser.page_view',
};

describe('normalizeLogs', () => {
  const req: ExportLogsRequest = {
    resourceLogs: [
      {
        resource: { attributes: { 'service.name': 'my.service' }, droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeLogs: [{ scope, schemaUrl: '', logRecords: [logRecord, eventRecord] }],
      },
    ],
  };
  const snapshot = structuredClone(req);
  const [log, event] = normalizeLogs(req);

  it('keeps a plain log record as received', () => {
    expect(log).toEqual({
      ...snapshot.resourceLogs[0]!.scopeLogs[0]!.logRecords[0],
      service: 'my.service',
      resource: { 'service.name': 'my.service' },
      scope: snapshot.resourceLogs[0]!.scopeLogs[0]!.scope,
      entities: { refs: [{ kind: 'service', key: 'my.service' }], edges: [] },
    });
  });

  it('keeps an event record with its eventName and structured body', () => {
    expect(event!.eventName).toBe('browser.page_view');
    expect(event!.severityNumber).toBe(9);
    expect(event!.body).toEqual({
      kvlist: {
        type: { int: 0n },
        url: 'https://www.guidgenerator.com/online-guid-generator.aspx',
        referrer: 'https://wwww.google.com',
        title: 'Free Online GUID Generator',
      },
    });
    expect(event!.attributes).toEqual({ 'event.attribute': 'some event attribute' });
    expect(req).toEqual(snapshot);
  });

  it('derives model/provider entities from a GenAI event record; service is "" without service.name', () => {
    const genaiEvent: OtlpLogRecord = {
      ...eventRecord,
      eventName: 'gen_ai.client.inference.operation.details',
      body: null,
      attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.response.model': 'gpt-4o-mini', 'gen_ai.request.model': 'gpt-4o' },
    };
    const [rec] = normalizeLogs({
      resourceLogs: [{ resource: { attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', scopeLogs: [{ scope, schemaUrl: '', logRecords: [genaiEvent] }] }],
    });
    expect(rec!.service).toBe('');
    expect(rec!.eventName).toBe('gen_ai.client.inference.operation.details');
    expect(rec!.entities.refs.map(entityId)).toEqual(['model:gpt-4o-mini', 'provider:openai']);
  });
});
