import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../model/span.js';
import { encodeFeedback, INSERT_FORMATS, type TablePayloads } from '../pipeline/encode.js';
import { createChdbStore } from '../storage/chdb-store.js';
import { migrate } from '../storage/migrate.js';
import type { Store } from '../storage/types.js';
import type { FeedbackRecord } from './feedback.js';
import { FitError, OnlineCalibration } from './online-map.js';
import { applyCalibration } from './recalibrate.js';
import { mulberry32 } from './random.js';
import { expectedCalibrationError } from './binning.js';

const DB = 'online_map_test';
const dir = mkdtempSync(join(tmpdir(), 'strata-maps-'));
let store: Store;
const NOW_MS = Date.now();
const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');

/** Overconfident model `m`: states 0.75–0.99, right 55% of the time. */
const N = 300;
const rand = mulberry32(7);
const data = Array.from({ length: N }, () => ({ c: 0.75 + rand() * 0.24, y: rand() < 0.55 }));

let token = 0;
const offered: TablePayloads[] = [];
/** The writer's part: keep what was offered, and store it. */
async function flush(): Promise<void> {
  for (const p of offered.splice(0)) for (const [table, buf] of Object.entries(p)) await store.insert(table as 'calibration_maps', [buf!], INSERT_FORMATS.calibration_maps, `t-${token++}`);
}
const config = { bins: 10, recalibration: { method: 'none' as const, minLabelled: 100 } };
const maps = (over: Partial<typeof config> = {}) =>
  new OnlineCalibration({ config: { ...config, ...over }, store, db: DB, offer: (p) => (offered.push(p), { ok: true, seq: 1 }), now: () => NOW_MS });

const span = (responseModel: string | null, requestModel: string | null = null) => ({ genai: { responseModel, requestModel } }) as unknown as SpanRecord;

beforeAll(async () => {
  store = createChdbStore(dir, DB);
  await migrate(store, DB);
  const values = data.map(
    (d, i) => `('${hex(i + 1, 32)}', '${hex(i + 1, 16)}', fromUnixTimestamp64Milli(${NOW_MS - 3_600_000 + i}), fromUnixTimestamp64Milli(${NOW_MS - 3_600_000 + i + 500}), 'resp-${i}', ${d.c}, 'm', 'm-2026')`,
  );
  await store.exec(`INSERT INTO ${DB}.spans (trace_id, span_id, start_time, end_time, response_id, confidence, model, response_model) VALUES ${values.join(',')}`);
  const feedback: FeedbackRecord[] = data.map((d, i) => ({ timeUnixMs: NOW_MS, traceId: '', spanId: '', responseId: `resp-${i}`, correct: d.y, score: null, threshold: null, source: 'test', name: '', comment: '' }));
  await store.insert('feedback', [encodeFeedback(feedback).feedback!], INSERT_FORMATS.feedback, 'fb');
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('OnlineCalibration', () => {
  it('fits a map on a model’s labelled responses, judged on held-out data, and applies it to new spans', async () => {
    const m = maps();
    await m.start();
    expect(m.lookup(span('m'))).toBeNull();
    const r = await m.fit('model', 'm', 'platt');
    expect(r).toMatchObject({ slice: 'model:m', method: 'platt', n: N, nFit: 210, nHeldOut: 90, fittedAt: new Date(NOW_MS).toISOString() });
    expect(r.eceAfter).toBeLessThan(r.eceBefore);
    // The map kept is fitted on every labelled response: it brings the in-sample ECE down too.
    const after = data.map((d) => applyCalibration(r.map, d.c));
    const y = data.map((d) => (d.y ? 1 : 0));
    expect(expectedCalibrationError(after, y)).toBeLessThan(expectedCalibrationError(data.map((d) => d.c), y) / 2);
    const f = m.lookup(span('m'))!;
    expect(f(0.9)).toBeCloseTo(applyCalibration(r.map, 0.9), 12);
    expect(m.lookup(span(null, 'm'))).not.toBeNull();
    expect(m.lookup(span('other'))).toBeNull();
    expect(m.maps().map((x) => x.slice)).toEqual(['model:m']);

    // Stored through the offer, loaded by the next start.
    await flush();
    const again = maps();
    await again.start();
    expect(again.maps()).toEqual([{ slice: 'model:m', method: 'platt', map: r.map, fittedAt: r.fittedAt, n: N, eceBefore: r.eceBefore, eceAfter: r.eceAfter }]);
    expect(again.lookup(span('m'))!(0.8)).toBeCloseTo(applyCalibration(r.map, 0.8), 12);
  });

  it('prefers a model version’s map, and forgets a removed map across restarts', async () => {
    const m = maps();
    await m.start();
    const v = await m.fit('model_version', 'm-2026', 'isotonic');
    expect(v.slice).toBe('model_version:m-2026');
    expect(m.lookup(span('m-2026'))!(0.9)).toBeCloseTo(applyCalibration(v.map, 0.9), 12);
    expect(m.remove('model_version', 'm-2026')).toBe(true);
    expect(m.remove('model', 'm')).toBe(true);
    expect(m.lookup(span('m-2026'))).toBeNull();
    await flush();
    const again = maps();
    await again.start();
    expect(again.maps()).toEqual([]);
  });

  it('refuses a fit on too few labelled responses, naming the setting', async () => {
    const m = maps({ recalibration: { method: 'none', minLabelled: 1000 } });
    const err = await m.fit('model', 'm', 'temperature').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FitError);
    expect((err as FitError).status).toBe(400);
    expect((err as FitError).message).toBe('model:m has 300 labelled response(s) with a confidence; a fit needs at least 1000 (calibration.recalibration.min_labelled)');
    await expect(m.fit('model', 'nobody', 'platt')).rejects.toThrow('model:nobody has 0 labelled');
  });

  it('refits on its own after min_labelled new labels when a method is configured', async () => {
    const logs: string[] = [];
    const m = new OnlineCalibration({
      config: { bins: 10, recalibration: { method: 'histogram', minLabelled: 100 } },
      store,
      db: DB,
      offer: (p) => (offered.push(p), { ok: true, seq: 1 }),
      log: (l) => logs.push(l),
    });
    const labelled = { traceId: '', spanId: '', confidence: 0.9, slices: [{ slice: 'model' as const, key: 'm' }, { slice: 'replica' as const, key: 'r' }] };
    for (let i = 0; i < 99; i++) m.noteLabelled(labelled, true);
    expect(m.maps()).toEqual([]);
    m.noteLabelled(labelled, true);
    await m.stop();
    expect(m.maps().map((x) => [x.slice, x.method])).toEqual([['model:m', 'histogram']]);
    expect(logs[0]).toMatch(/^calibration: refitted model:m \(histogram, n=300\): held-out ECE /);
    await flush();
  });

  it('ignores a stored map it cannot read', async () => {
    await store.insert('calibration_maps', [Buffer.from('{"slice":"model:bad","method":"platt","params":"{\\"a\\":\\"x\\"}","fitted_at":1,"n":1,"ece_before":0,"ece_after":0}\n')], INSERT_FORMATS.calibration_maps, 'bad');
    const logs: string[] = [];
    const m = new OnlineCalibration({ config, store, db: DB, offer: () => ({ ok: true, seq: 1 }), log: (l) => logs.push(l) });
    await m.start();
    expect(m.maps().map((x) => x.slice)).toEqual(['model:m']);
    expect(logs).toContain('calibration: the stored map of model:bad cannot be read (params.a: invalid value "x"); ignored');
  });
});
