/**
 * The bench's answer: one JSON object ({summary, scenarios, by_fault_type}) and the same as a
 * readable table. Built from the runs (runner.ts) and their scores (score.ts).
 */
import type { Incident } from '../incidents/types.js';
import type { GroundTruth } from '../sim/types.js';
import { addConfusion, meanOf, monitorScore, NO_CONFUSION, type LayerScores } from './layers.js';
import type { FleetRun, RunCost } from './runner.js';
import { byFaultType, summarise, type DetectionSummary, type FaultScore, type FaultTypeSummary, type ScenarioScore } from './score.js';

/** One scenario's run with its score, and the file it came from. */
export interface ScoredRun {
  readonly file: string;
  readonly run: FleetRun;
  readonly score: ScenarioScore;
}

export interface BenchSummary extends DetectionSummary {
  /** Mean over scenarios of the overall ECE of confidence (layer 2). */
  readonly ece_mean: number | null;
  /** TPR × TNR of the monitors over every request of every run (layer 3), pooled. */
  readonly monitors_g_mean2: number | null;
  readonly monitors_tpr: number | null;
  readonly monitors_tnr: number | null;
  /** Mean over scenarios of the probes' Jaccard agreement (layer 1). */
  readonly probes_jaccard_mean: number | null;
  readonly engine: string;
  readonly seed: number | null;
  readonly wall_s: number;
  readonly sim_s: number;
  readonly strata_s: number;
}

interface IncidentBrief {
  readonly id: string;
  readonly kind: Incident['kind'];
  readonly status: Incident['status'];
  readonly summary: string;
  readonly start: string;
  readonly end: string | null;
  readonly causes: readonly { readonly entity: string; readonly layer: string; readonly faultType: string; readonly score: number }[];
}

export interface ScenarioReport {
  readonly name: string;
  readonly file: string;
  readonly seed: number;
  readonly truth: readonly (GroundTruth & { readonly start: string; readonly end: string })[];
  readonly answer: { readonly incidents: number; readonly top: IncidentBrief | null };
  readonly scores: {
    readonly detection_correct: boolean;
    readonly faults: readonly {
      readonly type: string;
      readonly entity: string;
      readonly detected: boolean;
      readonly incident: string | null;
      readonly rank: number | null;
      readonly top1: boolean;
      readonly top3: boolean;
      readonly root_cause: boolean;
      readonly ttd_s: number | null;
      readonly ttl_s: number | null;
      readonly ttd_listed_s: number | null;
    }[];
    readonly false_alarms: readonly string[];
    readonly ece: number | null;
    readonly monitors_g_mean2: number | null;
    readonly probes_jaccard: number | null;
  };
  readonly layers: LayerScores;
  readonly counts: FleetRun['counts'];
  readonly cost_ms: RunCost;
  readonly notes: readonly string[];
}

export interface BenchReport {
  readonly summary: BenchSummary;
  readonly scenarios: readonly ScenarioReport[];
  readonly by_fault_type: Record<string, FaultTypeSummary>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function brief(i: Incident): IncidentBrief {
  return {
    id: i.id,
    kind: i.kind,
    status: i.status,
    summary: i.summary,
    start: iso(i.startMs),
    end: i.endMs === null ? null : iso(i.endMs),
    causes: i.causes.slice(0, 3).map((c) => ({ entity: c.entity, layer: c.layer, faultType: c.faultType, score: c.score })),
  };
}

/** What Strata answered, in one incident: the first fault's match, else the earliest incident. */
function topIncident(run: FleetRun, score: ScenarioScore): Incident | null {
  const matched = score.faults.find((f) => f.incidentId !== null)?.incidentId;
  if (matched) return run.incidents.find((i) => i.id === matched) ?? null;
  return [...run.incidents].sort((a, b) => a.startMs - b.startMs)[0] ?? null;
}

function faultRow(f: FaultScore) {
  return { type: f.truth.type, entity: f.truth.entity, detected: f.detected, incident: f.incidentId, rank: f.rank, top1: f.top1, top3: f.top3, root_cause: f.rootCause, ttd_s: f.ttdS, ttl_s: f.ttlS, ttd_listed_s: f.ttdListedS };
}

export function buildReport(runs: readonly ScoredRun[], meta: { engine: string; seed: number | null; wallMs: number }): BenchReport {
  const scores = runs.map((r) => r.score);
  const pooled = runs.reduce((c, r) => addConfusion(c, r.run.layers.monitors.confusion), NO_CONFUSION);
  const monitors = monitorScore(pooled);
  const summary: BenchSummary = {
    ...summarise(scores),
    ece_mean: meanOf(runs.map((r) => r.run.layers.ece)),
    monitors_g_mean2: monitors.gMean2,
    monitors_tpr: monitors.tpr,
    monitors_tnr: monitors.tnr,
    probes_jaccard_mean: meanOf(runs.map((r) => r.run.layers.jaccard)),
    engine: meta.engine,
    seed: meta.seed,
    wall_s: meta.wallMs / 1000,
    sim_s: runs.reduce((n, r) => n + r.run.cost.simMs, 0) / 1000,
    strata_s: runs.reduce((n, r) => n + r.run.cost.strataMs, 0) / 1000,
  };
  const scenarios = runs.map(({ file, run, score }): ScenarioReport => {
    const top = topIncident(run, score);
    return {
      name: run.name,
      file,
      seed: run.seed,
      truth: run.truth.map((t) => ({ ...t, start: iso(t.startMs), end: iso(t.endMs) })),
      answer: { incidents: run.incidents.length, top: top ? brief(top) : null },
      scores: {
        detection_correct: score.detectionCorrect,
        faults: score.faults.map(faultRow),
        false_alarms: score.falseAlarms,
        ece: run.layers.ece,
        monitors_g_mean2: run.layers.monitors.gMean2,
        probes_jaccard: run.layers.jaccard,
      },
      layers: run.layers,
      counts: run.counts,
      cost_ms: run.cost,
      notes: run.notes,
    };
  });
  return { summary, scenarios, by_fault_type: byFaultType(scores) };
}

// ------------------------------------------------------------------ text

const yes = (b: boolean): string => (b ? 'yes' : 'no');
const f2 = (x: number | null): string => (x === null ? '-' : x.toFixed(2));
const f3 = (x: number | null): string => (x === null ? '-' : x.toFixed(3));
const secs = (x: number | null): string => (x === null ? '-' : `${Math.round(x)}s`);

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

/** The report as text: a row per scenario, the summary, then the breakdown per fault type. */
export function renderReport(report: BenchReport): string {
  const out: string[] = [];
  const rows = report.scenarios.map((s) => {
    const f = s.scores.faults;
    const what = f.length === 0 ? 'control' : f.map((x) => x.type).join('+');
    const all = (k: 'top1' | 'top3' | 'root_cause'): string => (f.length === 0 ? '-' : yes(f.every((x) => x[k])));
    return [
      s.name,
      what,
      yes(s.scores.detection_correct),
      all('top1'),
      all('top3'),
      all('root_cause'),
      f.length === 0 ? '-' : secs(f[0].ttd_s),
      f.length === 0 ? '-' : secs(f[0].ttd_listed_s),
      f.length === 0 ? '-' : secs(f[0].ttl_s),
      String(s.scores.false_alarms.length),
      f3(s.scores.ece),
      f2(s.scores.monitors_g_mean2),
      f2(s.scores.probes_jaccard),
      `${(s.cost_ms.wallMs / 1000).toFixed(1)}s`,
    ];
  });
  out.push(...table(['scenario', 'fault', 'right', 'top1', 'top3', 'rca', 'ttd', 'listed', 'ttl', 'false', 'ECE', 'gmean2', 'jaccard', 'wall'], rows));
  const s = report.summary;
  out.push('');
  out.push(`${s.scenarios} scenarios (${s.faults} faults, ${s.controls} controls), storage ${s.engine}${s.seed === null ? '' : `, seed ${s.seed}`}`);
  out.push(`  detection accuracy   ${f3(s.detection_accuracy)}`);
  out.push(`  false-positive rate  ${f3(s.false_positive_rate)}   (false alarms in all scenarios: ${s.false_alarms})`);
  out.push(`  localisation top-1   ${f3(s.localization_top1)}   top-3 ${f3(s.localization_top3)}`);
  out.push(`  root cause           ${f3(s.rca_accuracy)}`);
  out.push(`  TTD median           ${secs(s.ttd_median_s)}   (listed by the API after ${secs(s.ttd_listed_median_s)})   TTL median ${secs(s.ttl_median_s)}   (scenario time)`);
  out.push(`  ECE (mean)           ${f3(s.ece_mean)}   monitors g-mean2 ${f3(s.monitors_g_mean2)} (TPR ${f3(s.monitors_tpr)}, TNR ${f3(s.monitors_tnr)})   probes Jaccard ${f3(s.probes_jaccard_mean)}`);
  out.push(`  wall ${s.wall_s.toFixed(1)}s: simulator ${s.sim_s.toFixed(1)}s, Strata ingest ${s.strata_s.toFixed(1)}s, the rest start, drain and questions`);
  const types = Object.entries(report.by_fault_type);
  if (types.length > 0) {
    out.push('');
    out.push(
      ...table(
        ['fault type', 'n', 'detected', 'top1', 'top3', 'rca', 'ttd', 'listed', 'ttl'],
        types.map(([type, t]) => [type === 'none' ? 'none (alarm rate)' : type, String(t.n), f2(t.detected), f2(t.localization_top1), f2(t.localization_top3), f2(t.rca_accuracy), secs(t.ttd_median_s), secs(t.ttd_listed_median_s), secs(t.ttl_median_s)]),
      ),
    );
  }
  const notes = [...new Set(report.scenarios.flatMap((x) => x.notes))];
  if (notes.length > 0) {
    out.push('');
    for (const n of notes) out.push(`note: ${n}`);
  }
  return `${out.join('\n')}\n`;
}
