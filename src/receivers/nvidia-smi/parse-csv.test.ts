import { describe, expect, it } from 'vitest';
import { NvidiaSmiOutputError, parseQueryCsv } from './parse-csv.js';
import { LEGACY_THROTTLE_FIELD, queryArgs, queryFields, saysInvalidField, THROTTLE_FIELD } from './query.js';

const FIELDS = queryFields(THROTTLE_FIELD);
const plain = (rows: ReturnType<typeof parseQueryCsv>) => rows.map((r) => ({ ...r, values: Object.fromEntries(r.values) }));

describe('the query', () => {
  it('asks for the documented fields, csv without header or units', () => {
    expect(queryArgs(THROTTLE_FIELD)).toEqual([
      '--query-gpu=index,uuid,name,temperature.gpu,utilization.gpu,utilization.memory,memory.used,memory.total,power.draw,clocks.sm,clocks_event_reasons.active',
      '--format=csv,noheader,nounits',
    ]);
    expect(queryArgs(LEGACY_THROTTLE_FIELD)[0]).toMatch(/,clocks\.sm,clocks_throttle_reasons\.active$/);
  });

  it('recognises the older driver\'s answer for the field it names', () => {
    const answer = 'Field "clocks_event_reasons.active" is not a valid field to query.\n';
    expect(saysInvalidField(answer, THROTTLE_FIELD)).toBe(true);
    expect(saysInvalidField(answer, LEGACY_THROTTLE_FIELD)).toBe(false);
    expect(saysInvalidField('Field "clocks.sm" is not a valid field to query.', THROTTLE_FIELD)).toBe(false);
  });
});

describe('parseQueryCsv', () => {
  it('reads every field of each GPU, with the throttle mask in hex', () => {
    const out = parseQueryCsv(
      '0, GPU-aaaa, NVIDIA H100 80GB HBM3, 34, 87, 12, 1024, 81559, 312.45, 1980, 0x0000000000000048\n' +
        '1, GPU-bbbb, NVIDIA H100 80GB HBM3, 41, 0, 0, 0, 81559, 70.10, 345, 0x0000000000000001\n',
      FIELDS,
    );
    expect(plain(out)).toEqual([
      {
        index: 0,
        uuid: 'GPU-aaaa',
        name: 'NVIDIA H100 80GB HBM3',
        values: {
          'temperature.gpu': 34,
          'utilization.gpu': 87,
          'utilization.memory': 12,
          'memory.used': 1024,
          'memory.total': 81559,
          'power.draw': 312.45,
          'clocks.sm': 1980,
          'clocks_event_reasons.active': 72,
        },
      },
      {
        index: 1,
        uuid: 'GPU-bbbb',
        name: 'NVIDIA H100 80GB HBM3',
        values: {
          'temperature.gpu': 41,
          'utilization.gpu': 0,
          'utilization.memory': 0,
          'memory.used': 0,
          'memory.total': 81559,
          'power.draw': 70.1,
          'clocks.sm': 345,
          'clocks_event_reasons.active': 1,
        },
      },
    ]);
  });

  it('leaves out values nvidia-smi does not have, whatever it prints for them', () => {
    const [gpu] = parseQueryCsv('0,GPU-a,Tesla T4,[N/A],[Not Supported],N/A,  , 15109 ,[Unknown Error],Not Supported,[N/A]\r\n', FIELDS);
    expect(gpu.name).toBe('Tesla T4');
    expect(Object.fromEntries(gpu.values)).toEqual({ 'memory.total': 15109 });
  });

  it('accepts a decimal throttle mask, blank lines, and a GPU name holding a comma', () => {
    const out = parseQueryCsv('\n  3 , GPU-c , Acme, Model X , 50, 1, 2, 3, 4, 5.5, 6, 4\n\n', FIELDS);
    expect(plain(out)).toEqual([
      {
        index: 3,
        uuid: 'GPU-c',
        name: 'Acme, Model X',
        values: {
          'temperature.gpu': 50,
          'utilization.gpu': 1,
          'utilization.memory': 2,
          'memory.used': 3,
          'memory.total': 4,
          'power.draw': 5.5,
          'clocks.sm': 6,
          'clocks_event_reasons.active': 4,
        },
      },
    ]);
    expect(parseQueryCsv('', FIELDS)).toEqual([]);
  });

  it('refuses output that is not the CSV asked for', () => {
    const bad = [
      'NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.',
      '0, GPU-a, T4, 34',
      'x, GPU-a, T4, 1, 2, 3, 4, 5, 6, 7, 0x0',
      '0, [N/A], T4, 1, 2, 3, 4, 5, 6, 7, 0x0',
      '0, GPU-a, T4, warm, 2, 3, 4, 5, 6, 7, 0x0',
      '0, GPU-a, T4, 1, 2, 3, 4, 5, 6, 7, 0xZZ',
      '0, GPU-a, T4, 1, 2, 3, 4, 5, 6, 1e400, 0x0',
    ];
    for (const text of bad) expect(() => parseQueryCsv(text, FIELDS), text).toThrow(NvidiaSmiOutputError);
    expect(() => parseQueryCsv('0, GPU-a, T4, 1, 2, 3, 4, 5, 6, 7, 0x0\n1, GPU-b', FIELDS)).toThrow(/line 2: 2 columns where 11 were queried/);
  });
});
