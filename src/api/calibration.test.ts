import { describe, expect, it } from 'vitest';
import { expectedCalibrationError } from '../calibration/binning.js';
import { calibrationReport } from '../calibration/report.js';
import type { QueryParams, Store } from '../storage/types.js';
import { getCalibration, getDrift, MAX_BOOTSTRAP_WORK, metricsOf, postFit } from './calibration.js';
import { ApiError, type ApiRequest, type ApiResponse, type Handler } from './http.js';

interface FakeRow {
  c: number;
  cc: number | null;
  correct: boolean;
  keys: string[];
}

/** A store that answers every query with `rows` and remembers the parameters. */
function fakeStore(rows: FakeRow[]): Store & { asked: { sql: string; params?: QueryParams }[] } {
  const asked: { sql: string; params?: QueryParams }[] = [];
  return {
    kind: 'fake',
    asked,
    insert: async () => undefined,
    query: async <T>(sql: string, params?: QueryParams) => {
      asked.push({ sql, params });
      return rows.slice(0, Number(params?.limit ?? rows.length)) as T[];
    },
    exec: async () => undefined,
    close: async () => undefined,
  };
}

const config = { bins: 10, recalibration: { method: 'none' as const, minLabelled: 10 }, drift: { window: 10, minLabelled: 5, threshold: 0.1 } };

function get(query: string): ApiRequest {
  return { method: 'GET', path: '/api/calibration', query: new URLSearchParams(query), params: {}, signal: new AbortController().signal, authorized: true };
}

async function call(h: Handler, req: ApiRequest): Promise<ApiResponse> {
  try {
    return await h(req);
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, body: { error: err.message } };
    throw err;
  }
}

const ROWS: FakeRow[] = [
  { c: 0.9, cc: 0.7, correct: true, keys: ['r1'] },
  { c: 0.8, cc: null, correct: false, keys: ['r1'] },
  { c: 0.65, cc: 0.6, correct: true, keys: ['r2'] },
  { c: 0.3, cc: null, correct: false, keys: ['r2', 'r3'] },
  { c: 0.95, cc: null, correct: true, keys: ['r3'] },
];

describe('metricsOf', () => {
  it('is the calibration report of the raw confidence, with the recalibrated one beside it', () => {
    const rows = ROWS.map((r) => ({ confidence: r.c, calibrated: r.cc, correct: (r.correct ? 1 : 0) as 0 | 1, keys: r.keys }));
    const m = metricsOf(rows, 10, 0);
    const report = calibrationReport(
      rows.map((r) => r.confidence),
      rows.map((r) => r.correct),
      { bins: 10, resamples: 0 },
    );
    expect(m).toMatchObject({ n: 5, accuracy: report.accuracy, ece: report.ece, brier: report.brier, auroc: report.auroc, aurc: report.aurc, bins: report.bins, intervals: null });
    expect(m.meanConfidence).toBeCloseTo(0.72, 12);
    expect(m.recalibrated).toMatchObject({ n: 2, accuracy: 1, ece: expectedCalibrationError([0.7, 0.6], [1, 1]), rawEce: expectedCalibrationError([0.9, 0.65], [1, 1]) });
    expect(metricsOf(rows.filter((r) => r.calibrated === null), 10, 0).recalibrated).toBeNull();
  });
});

describe('GET /api/calibration', () => {
  it('reports overall and per slice, a response counting in each of its keys', async () => {
    const store = fakeStore(ROWS);
    const res = await call(getCalibration({ store, db: 'db', config }), get('model=m&slice=gpu&from=-1h&resamples=0&bins=5'));
    expect(res.status).toBe(200);
    const body = res.body as { n: number; slice: string; bins: number; resamples: number; overall: { n: number }; slices: { key: string; n: number; ece: number }[] };
    expect(body).toMatchObject({ n: 5, slice: 'gpu', bins: 5, resamples: 0, overall: { n: 5 } });
    expect(body.slices.map((s) => [s.key, s.n])).toEqual([
      ['r1', 2],
      ['r2', 2],
      ['r3', 2],
    ]);
    expect(body.slices[2].ece).toBeCloseTo(expectedCalibrationError([0.3, 0.95], [0, 1], { bins: 5 }), 12);
    expect(store.asked[0].params).toMatchObject({ model: 'm', limit: 1_000_001 });
    expect(store.asked[0].sql).toContain("startsWith(e, 'gpu:')");
  });

  it('answers no data with n 0', async () => {
    const res = await call(getCalibration({ store: fakeStore([]), db: 'db', config }), get('slice=model'));
    expect(res.body).toMatchObject({ n: 0, overall: null, slices: [] });
  });

  it('lowers the bootstrap resamples to its budget', async () => {
    const many = Array.from({ length: 30_000 }, (_, i) => ({ c: (i % 100) / 100, cc: null, correct: i % 3 === 0, keys: ['a'] }));
    const res = await call(getCalibration({ store: fakeStore(many), db: 'db', config }), get('slice=model&resamples=1000'));
    expect((res.body as { resamples: number }).resamples).toBe(Math.floor(MAX_BOOTSTRAP_WORK / 60_000));
    const tooMany = Array.from({ length: 100_000 }, () => ({ c: 0.5, cc: null, correct: true, keys: [] }));
    const none = await call(getCalibration({ store: fakeStore(tooMany), db: 'db', config }), get(''));
    expect(none.body).toMatchObject({ resamples: 0, overall: { intervals: null } });
  });

  it('takes a time window as a slice', async () => {
    const store = fakeStore([]);
    const res = await call(getCalibration({ store, db: 'db', config }), get('window=15m'));
    expect(res.body).toMatchObject({ slice: 'window', windowSeconds: 900 });
    expect(store.asked[0].params).toMatchObject({ window_s: 900 });
  });

  it('names the parameter that is wrong', async () => {
    const h = getCalibration({ store: fakeStore([]), db: 'db', config });
    const error = async (q: string) => ((await call(h, get(q))).body as { error: string }).error;
    expect(await error('slice=planet')).toBe('slice: expected one of model, model_version, route, replica, host, gpu, service, window, got "planet"');
    expect(await error('bins=0')).toBe('bins: expected an integer from 1 to 1000, got "0"');
    expect(await error('resamples=-1')).toBe('resamples: expected an integer from 0 to 10000, got "-1"');
    expect(await error('slice=model&window=1h')).toBe('window: only with slice=window');
    expect(await error('window=0s')).toBe('window: expected from 1s to 366 days, got "0s"');
    expect(await error('from=-1h&to=-2h')).toBe('to: must be after from');
    expect(await error('from=yesterday')).toMatch(/^from: expected RFC 3339/);
  });
});

describe('the drift and fit endpoints', () => {
  it('answer 404 when their part is not running, and name what is missing', async () => {
    const deps = { store: fakeStore([]), db: 'db', config };
    expect(await call(getDrift(deps), get(''))).toEqual({ status: 404, body: { error: 'calibration drift detection is not running' } });
    expect(await call(postFit(deps), get('model=m&method=platt'))).toEqual({ status: 404, body: { error: 'online recalibration is not running' } });
  });
});
