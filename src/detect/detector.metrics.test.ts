import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../model/metric.js';
import { normalizeMetrics } from '../processors/index.js';
import { parseExposition } from '../receivers/prometheus/parse-text.js';
import { toMetricsRequest } from '../receivers/prometheus/to-otlp.js';
import { enginePoint, gpuPoint, MIN, noise, pointAt, recorder, S, spanAt, T0, upAt } from '../../test/helpers/detect-stream.js';
import { parseDetectionConfig } from './config.js';
import { Detector } from './detector.js';

const SCRAPE = 10 * S;

/** What a DCGM exporter on `host` exposes for its GPUs at one scrape, through Strata's scrape path. */
function dcgmScrape(tMs: number, host: string, gpus: readonly { uuid: string; fields: Readonly<Record<string, number>> }[]): MetricPoint[] {
  const lines: string[] = [];
  for (const name of Object.keys(gpus[0].fields)) {
    lines.push(`# TYPE ${name} ${name.includes('TOTAL') ? 'counter' : 'gauge'}`);
    gpus.forEach((g, i) => lines.push(`${name}{gpu="${i}",UUID="${g.uuid}",Hostname="${host}",modelName="NVIDIA H100 80GB HBM3"} ${g.fields[name]}`));
  }
  const parsed = parseExposition(lines.join('\n') + '\n', { openMetrics: false, scrapeTimeMs: tMs });
  const resource = { 'service.name': 'dcgm', 'service.instance.id': `${host}:9400`, 'host.name': host, 'server.port': '9400', 'strata.scrape.kind': 'dcgm' };
  return normalizeMetrics(toMetricsRequest(parsed, resource, tMs));
}

const HEALTHY = { DCGM_FI_DEV_SM_CLOCK: 1980, DCGM_FI_DEV_GPU_TEMP: 60, DCGM_FI_DEV_XID_ERRORS: 0, DCGM_FI_DEV_CLOCK_THROTTLE_REASONS: 0, DCGM_FI_DEV_ECC_DBE_VOL_TOTAL: 0, DCGM_FI_DEV_ECC_SBE_VOL_TOTAL: 3, DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL: 7 };

describe('Detector on metric points', () => {
  it('opens XID, uncorrectable ECC and slowdown events from a DCGM scrape, and closes them when they stop', () => {
    const rec = recorder();
    const d = new Detector({}, rec.sink);
    let ecc = 0;
    let nvlink = 7;
    for (let k = 0; k < 60; k++) {
      const t = T0 + k * SCRAPE;
      const faulty = k >= 40 && k < 46;
      if (faulty) {
        ecc += 2;
        nvlink += 40;
      }
      d.onMetricPoints(
        dcgmScrape(t, 'node-1', [
          { uuid: 'GPU-a', fields: HEALTHY },
          {
            uuid: 'GPU-b',
            fields: {
              ...HEALTHY,
              DCGM_FI_DEV_XID_ERRORS: faulty ? 48 : 0,
              DCGM_FI_DEV_CLOCK_THROTTLE_REASONS: faulty ? 0x48 : 0,
              DCGM_FI_DEV_ECC_DBE_VOL_TOTAL: ecc,
              // Single-bit errors are correctable: no event.
              DCGM_FI_DEV_ECC_SBE_VOL_TOTAL: 3 + k,
              DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL: nvlink,
            },
          },
        ]),
      );
    }
    d.advanceTo(T0 + 20 * MIN);
    const at = (k: number): number => T0 + k * SCRAPE;
    const opened = Object.fromEntries(rec.opened().map((a) => [a.signal, a]));
    expect(Object.keys(opened).sort()).toEqual(['gpu.ecc.errors.volatile', 'gpu.nvlink.errors', 'gpu.throttle.reasons', 'gpu.xid']);
    for (const a of rec.opened()) expect(a).toMatchObject({ entity: 'gpu:GPU-b', kind: 'event', layer: 'infrastructure', direction: null, baseline: null });
    expect(opened['gpu.xid']).toMatchObject({ detail: 'XID 48', startMs: at(40), score: 10 });
    expect(opened['gpu.ecc.errors.volatile']).toMatchObject({ detail: 'uncorrectable ECC errors +2', startMs: at(40) });
    expect(opened['gpu.nvlink.errors'].detail).toBe('NVLink errors +40 (crc_flit)');
    // Two points with the reasons set open it, from the first.
    expect(opened['gpu.throttle.reasons']).toMatchObject({ detail: 'hw_slowdown, hw_thermal', startMs: at(40) });
    const closed = Object.fromEntries(rec.closed().map((a) => [a.signal, a]));
    expect(closed['gpu.xid'].endMs).toBe(at(46));
    // Closed after three points without the reasons, ending at the first of them.
    expect(closed['gpu.throttle.reasons'].endMs).toBe(at(46));
    expect(closed['gpu.ecc.errors.volatile'].endMs).toBeGreaterThan(at(45));
    expect(d.openAnomalies()).toEqual([]);
  });

  it('reports power capping as a weaker event, and not at all on a GPU whose normal it is', () => {
    const rec = recorder();
    const d = new Detector({}, rec.sink);
    for (let k = 0; k < 60; k++) {
      const t = T0 + k * SCRAPE;
      const mask = (gpu: number): number => (gpu === 0 ? (k >= 45 ? 0x4 : 0) : k % 3 === 0 ? 0x4 : 0);
      d.onMetricPoints([0, 1].map((g) => gpuPoint(t, `GPU-${g}`, 'node-1', 'gpu.throttle.reasons', mask(g), { labels: { reasons: mask(g) === 0 ? 'none' : 'sw_power_cap' } })));
    }
    expect(rec.opened().map((a) => [a.entity, a.detail, a.score, a.startMs])).toEqual([['gpu:GPU-0', 'sw_power_cap', 5, T0 + 45 * SCRAPE]]);
  });

  it('reports a scrape target down as a gap on its replica, with no shift of its silent series, and no counter spike after', () => {
    const rec = recorder();
    const d = new Detector({}, rec.sink);
    const n = noise(3);
    const target = (i: number) => ({ kind: 'vllm' as const, instance: `node-${i}:8000`, host: `node-${i}` });
    let preemptions = 0;
    for (let k = 0; k < 120; k++) {
      const t = T0 + k * SCRAPE;
      preemptions += 2;
      const points: MetricPoint[] = [];
      for (let i = 0; i < 3; i++) {
        const down = i === 2 && k >= 60 && k < 75;
        points.push(upAt(t, down ? 0 : 1, target(i)));
        if (down) {
          // What the scraper writes for a target that stopped answering: staleness markers.
          points.push(enginePoint(t, `node-${i}:8000`, 'llama', 'engine.kv_cache.usage', null, { flags: 1 }));
          continue;
        }
        points.push(enginePoint(t, `node-${i}:8000`, 'llama', 'engine.kv_cache.usage', 0.4 + 0.02 * n.normal()));
        points.push(enginePoint(t, `node-${i}:8000`, 'llama', 'engine.preemptions', i === 2 ? preemptions : 2 * k, { type: 'sum', temporality: 2 }));
      }
      d.onMetricPoints(points);
    }
    d.advanceTo(T0 + 21 * MIN);
    expect(rec.opened()).toEqual([
      expect.objectContaining({ entity: 'replica:node-2:8000', signal: 'up', kind: 'gap', layer: 'telemetry', startMs: T0 + 60 * SCRAPE, detail: 'scrape target down (up = 0)' }),
    ]);
    expect(rec.closed()).toEqual([expect.objectContaining({ signal: 'up', endMs: T0 + 75 * SCRAPE })]);
  });

  it('reports a source that goes silent while the others go on as a gap, and nothing when everything stops', () => {
    const rec = recorder();
    const d = new Detector({}, rec.sink);
    for (let k = 0; k < 80; k++) {
      const t = T0 + k * SCRAPE;
      const points = [gpuPoint(t, 'GPU-1', 'node-1', 'gpu.temperature', 60)];
      if (k < 50 || k >= 65) points.push(gpuPoint(t, 'GPU-2', 'node-2', 'gpu.temperature', 61));
      d.onMetricPoints(points);
    }
    // The whole stream stops: no further gap.
    d.advanceTo(T0 + 60 * MIN);
    expect(rec.opened().map((a) => [a.entity, a.signal, a.kind, a.startMs])).toEqual([['host:node-2', 'telemetry.gap', 'gap', T0 + 50 * SCRAPE]]);
    expect(rec.closed().map((a) => a.endMs)).toEqual([T0 + 65 * SCRAPE]);
  });

  it('blames the one GPU whose SM clock leaves its peers, not a fleet-wide load ramp', () => {
    const rec = recorder();
    const d = new Detector({}, rec.sink);
    const n = noise(4);
    for (let k = 0; k < 150; k++) {
      const t = T0 + k * SCRAPE;
      const load = Math.min(1, 0.2 + k / 100);
      const points: MetricPoint[] = [];
      for (let g = 0; g < 4; g++) {
        const slow = g === 3 && k >= 100;
        points.push(gpuPoint(t, `GPU-${g}`, `node-${g}`, 'gpu.utilization', load + 0.01 * n.normal()));
        points.push(gpuPoint(t, `GPU-${g}`, `node-${g}`, 'gpu.temperature', Math.round(35 + 40 * load + n.normal())));
        points.push(gpuPoint(t, `GPU-${g}`, `node-${g}`, 'gpu.clock.sm', (slow ? 1200 : 1400 + 580 * load) * 1e6 * (1 + 0.003 * n.normal())));
      }
      d.onMetricPoints(points);
    }
    d.advanceTo(T0 + 30 * MIN);
    expect(rec.opened().map((a) => [a.entity, a.signal, a.direction, a.startMs])).toEqual([['gpu:GPU-3', 'gpu.clock.sm', 'down', T0 + 100 * SCRAPE]]);
    expect(rec.opened()[0].detail).toMatch(/^SM clock 1[12]\d\d MHz vs 19\d\d MHz \(expected from peers\)$/);
  });

  it('judges power over its limit, and a lowered limit', () => {
    const rec = recorder();
    const d = new Detector({}, rec.sink);
    const n = noise(5);
    for (let k = 0; k < 100; k++) {
      const t = T0 + k * SCRAPE;
      const points: MetricPoint[] = [];
      for (let g = 0; g < 3; g++) {
        const capped = g === 0 && k >= 60;
        const limit = capped ? 420 : 700;
        points.push(gpuPoint(t, `GPU-${g}`, 'node-1', 'gpu.power.limit', limit));
        points.push(gpuPoint(t, `GPU-${g}`, 'node-1', 'gpu.power.draw', Math.min(limit * 0.98, 450 + 10 * n.normal())));
      }
      d.onMetricPoints(points);
    }
    d.advanceTo(T0 + 20 * MIN);
    const got = rec.opened().map((a) => [a.entity, a.signal, a.direction, a.startMs]);
    expect(got).toEqual([
      ['gpu:GPU-0', 'gpu.power.limit', 'down', T0 + 60 * SCRAPE],
      ['gpu:GPU-0', 'gpu.power.draw', 'up', T0 + 60 * SCRAPE],
    ]);
    expect(rec.opened()[1].detail).toMatch(/^power draw over its limit 98% vs 6\d(\.\d)?% \(expected from peers\)$/);
  });

  it('gives the same result for metric points shuffled within the lateness', () => {
    const points: MetricPoint[][] = [];
    for (let k = 0; k < 80; k++) {
      const t = T0 + k * SCRAPE;
      points.push([0, 1, 2].map((g) => gpuPoint(t + g * 300, `GPU-${g}`, 'node-1', 'gpu.temperature', g === 1 && k >= 50 ? 90 : 60 + (k % 3))));
    }
    const run = (batches: MetricPoint[][]) => {
      const rec = recorder();
      const d = new Detector({}, rec.sink);
      for (const b of batches) d.onMetricPoints(b);
      d.advanceTo(T0 + 20 * MIN);
      return { log: rec.log.map((r) => [r.change, r.anomaly.entity, r.anomaly.startMs]), late: d.stats().late };
    };
    const ordered = run(points);
    // Each pair of scrapes delivered newest first (1 s out of order at most across targets).
    const swapped: MetricPoint[][] = [];
    for (let i = 0; i < points.length; i += 2) swapped.push([...(points[i + 1] ?? []), ...points[i]].reverse());
    const shuffled = run(swapped);
    expect(ordered.log[0]).toEqual(['open', 'gpu:GPU-1', T0 + 50 * SCRAPE]);
    expect(ordered.log.every((r) => r[0] !== 'open' || r[1] === 'gpu:GPU-1')).toBe(true);
    expect(shuffled).toEqual(ordered);
  });

  it('leaves disabled event rules and gap rules silent', () => {
    const rec = recorder();
    const d = new Detector(parseDetectionConfig({ signals: { 'gpu.xid': { disabled: true }, up: false } }), rec.sink);
    for (let k = 0; k < 20; k++) {
      const t = T0 + k * SCRAPE;
      d.onMetricPoints([gpuPoint(t, 'GPU-1', 'node-1', 'gpu.xid', k >= 10 ? 79 : 0), upAt(t, k >= 10 ? 0 : 1, { kind: 'dcgm', instance: 'node-1:9400', host: 'node-1' })]);
    }
    expect(rec.log).toEqual([]);
  });

  it('keeps the span clock apart from the metric clock: spans posted before they end do not make scrapes late', () => {
    const rec = recorder();
    const d = new Detector({}, rec.sink);
    for (let k = 0; k < 30; k++) {
      const t = T0 + k * SCRAPE;
      // A replay posts each request when it arrives, with its end a minute ahead.
      d.onSpans([spanAt(t + 60 * S, { replica: 'node-1:8000', confidence: 0.8 })]);
      d.onMetricPoints([pointAt(t, 'gpu.temperature', 60, { refs: ['host:node-1', 'gpu:GPU-1'] })]);
    }
    expect(d.stats().late).toBe(0);
    expect(d.stats().metricPoints).toBe(30);
  });

  it('judges a GPU alone of its kind against its own recent past: a load ramp is followed, a step is not', () => {
    const rec = recorder();
    const d = new Detector({}, rec.sink);
    const n = noise(6);
    for (let k = 0; k < 150; k++) {
      const t = T0 + k * SCRAPE;
      // Utilisation climbs from 30 % to 90 % over ten minutes; at 20 min another tenant takes 25 % more memory.
      const load = Math.min(0.9, 0.3 + (0.6 * Math.max(0, k - 40)) / 60);
      d.onMetricPoints([
        gpuPoint(t, 'GPU-1', 'node-1', 'gpu.utilization', load + 0.01 * n.normal()),
        gpuPoint(t, 'GPU-1', 'node-1', 'gpu.temperature', Math.round(35 + 40 * load + 0.5 * n.normal())),
        gpuPoint(t, 'GPU-1', 'node-1', 'gpu.memory.used', (k >= 120 ? 90e9 : 72e9) + 40e6 * n.normal()),
      ]);
    }
    d.advanceTo(T0 + 30 * MIN);
    expect(rec.opened().map((a) => [a.entity, a.signal, a.startMs])).toEqual([['gpu:GPU-1', 'gpu.memory.used', T0 + 120 * SCRAPE]]);
  });
});
