import { describe, expect, it } from 'vitest';
import type { Incident } from '../incidents/types.js';
import type { GroundTruth } from '../sim/types.js';
import { monitorScore } from './layers.js';
import { buildReport, renderReport, type ScoredRun } from './report.js';
import type { FleetRun } from './runner.js';
import { scoreScenario } from './score.js';

const T0 = Date.UTC(2026, 0, 1);
const truth: GroundTruth = { type: 'kv_cache_exhaustion', layer: 'infrastructure', entity: 'replica:gpu-node-1:8001', startMs: T0 + 600_000, endMs: T0 + 900_000 };
const incident: Incident = {
  id: 'inc-1',
  status: 'resolved',
  kind: 'fault',
  summary: 'KV cache full on replica gpu-node-1:8001',
  startMs: truth.startMs + 30_000,
  endMs: truth.endMs + 60_000,
  updatedMs: truth.endMs + 60_000,
  openedMs: truth.startMs + 30_000,
  localisedMs: truth.startMs + 40_000,
  entities: [truth.entity],
  affectedRequests: 120,
  causes: [
    { entity: truth.entity, layer: 'infrastructure', faultType: 'kv_cache_exhaustion', score: 9, explanation: 'KV exhaustion -> preemptions -> TTFT', evidence: [] },
    { entity: 'gpu:GPU-1', layer: 'infrastructure', faultType: 'noisy_neighbour', score: 2, explanation: '', evidence: [] },
  ],
  anomalies: [],
  mitigation: 'lower max_num_seqs',
};

function run(name: string, t: readonly GroundTruth[], incidents: readonly Incident[], confusion = { tp: 3, fn: 1, tn: 90, fp: 6 }, ece: number | null = 0.05): FleetRun {
  return {
    name,
    seed: 7,
    startMs: T0,
    endMs: T0 + 1_800_000,
    steps: 181,
    truth: t,
    incidents,
    firstListedMs: { 'inc-1': truth.startMs + 40_000 },
    layers: { ece, eceN: 100, monitors: monitorScore(confusion), jaccard: 0.9, jaccardN: 50 },
    counts: { requests: 100, feedback: 30, scrapes: 543, scrapesDown: 0 },
    cost: { wallMs: 2000, setupMs: 300, simMs: 400, strataMs: 1100, drainMs: 50, answerMs: 150 },
    notes: [],
  };
}

const runs: ScoredRun[] = [
  { file: 'scenarios/kv-1.yaml', run: run('kv-1', [truth], [incident]), score: scoreScenario([truth], [incident], { 'inc-1': truth.startMs + 40_000 }) },
  { file: 'scenarios/control-1.yaml', run: run('control-1', [], [], { tp: 0, fn: 0, tn: 100, fp: 0 }, null), score: scoreScenario([], []) },
];

describe('bench report', () => {
  it('holds the summary, one row per scenario with truth, answer and scores, and the per-type breakdown', () => {
    const r = buildReport(runs, { engine: 'chdb', seed: null, wallMs: 4500 });
    expect(r.summary).toMatchObject({
      scenarios: 2,
      controls: 1,
      faults: 1,
      detection_accuracy: 1,
      false_positive_rate: 0,
      localization_top1: 1,
      localization_top3: 1,
      rca_accuracy: 1,
      ttd_median_s: 30,
      ttl_median_s: 40,
      ttd_listed_median_s: 40,
      ece_mean: 0.05,
      probes_jaccard_mean: 0.9,
      engine: 'chdb',
      wall_s: 4.5,
      sim_s: 0.8,
      strata_s: 2.2,
    });
    // Pooled over both runs: TPR 3/4, TNR 190/196.
    expect(r.summary.monitors_g_mean2).toBeCloseTo((3 / 4) * (190 / 196), 10);
    const kv = r.scenarios[0];
    expect(kv.truth[0]).toMatchObject({ type: 'kv_cache_exhaustion', start: '2026-01-01T00:10:00.000Z' });
    expect(kv.answer.top).toMatchObject({ id: 'inc-1', kind: 'fault', causes: [{ entity: truth.entity, faultType: 'kv_cache_exhaustion' }, { entity: 'gpu:GPU-1' }] });
    expect(kv.scores.faults[0]).toEqual({ type: 'kv_cache_exhaustion', entity: truth.entity, detected: true, incident: 'inc-1', rank: 1, top1: true, top3: true, root_cause: true, ttd_s: 30, ttl_s: 40, ttd_listed_s: 40 });
    expect(r.scenarios[1].answer).toEqual({ incidents: 0, top: null });
    expect(r.by_fault_type).toEqual({
      kv_cache_exhaustion: { n: 1, detected: 1, localization_top1: 1, localization_top3: 1, rca_accuracy: 1, ttd_median_s: 30, ttl_median_s: 40, ttd_listed_median_s: 40 },
      none: { n: 1, detected: 0, localization_top1: null, localization_top3: null, rca_accuracy: null, ttd_median_s: null, ttl_median_s: null, ttd_listed_median_s: null },
    });
    // It is plain JSON.
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('renders a table row per scenario, the summary and the breakdown', () => {
    const text = renderReport(buildReport(runs, { engine: 'chdb', seed: 3, wallMs: 4500 }));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^scenario\s+fault\s+right\s+top1\s+top3\s+rca\s+ttd\s+listed\s+ttl\s+false\s+ECE\s+gmean2\s+jaccard\s+wall$/);
    expect(lines[1]).toMatch(/^kv-1\s+kv_cache_exhaustion\s+yes\s+yes\s+yes\s+yes\s+30s\s+40s\s+40s\s+0\s+0\.050\s+0\.70\s+0\.90\s+2\.0s$/);
    expect(lines[2]).toMatch(/^control-1\s+control\s+yes\s+-\s+-\s+-\s+-\s+-\s+-\s+0\s+-\s+-\s+0\.90\s+2\.0s$/);
    expect(text).toContain('2 scenarios (1 faults, 1 controls), storage chdb, seed 3');
    expect(text).toMatch(/detection accuracy\s+1\.000/);
    expect(text).toMatch(/none \(alarm rate\)\s+1\s+0\.00/);
  });
});
