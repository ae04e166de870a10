/**
 * Runs monitors over a labelled JSONL file of reasoning traces and scores each one (`strata monitors eval`).
 * Parsing reports every unusable line by number; scoring is {@link binaryMetrics} and, for cases with an
 * `arm`, {@link interventionMetrics}, each with bootstrap intervals.
 */
import {
  binaryIntervals,
  binaryMetrics,
  interventionIntervals,
  interventionMetrics,
  type BinaryIntervals,
  type BinaryMetrics,
  type EvalBootstrapOptions,
  type InterventionIntervals,
  type InterventionMetrics,
} from './eval-metrics.js';
import type { Monitor, MonitorAction, MonitorInput } from './types.js';

export type EvalSplit = 'dev' | 'test';
export type EvalArm = 'control' | 'intervention';

/** One usable line of an evaluation file. */
export interface EvalCase {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly id?: string;
  readonly input: MonitorInput;
  readonly label: boolean;
  /** The misbehaviour (category) the case is about; absent: the case counts for every monitor. */
  readonly monitor?: string;
  readonly split?: EvalSplit;
  readonly arm?: EvalArm;
  readonly outcome?: boolean;
}

export interface BadLine {
  readonly line: number;
  readonly reason: string;
}

export interface ParsedEvalFile {
  readonly cases: EvalCase[];
  readonly bad: BadLine[];
}

/**
 * Case categories whose name differs from the monitor that judges them. A case whose `monitor` field is a key
 * here counts for the monitor named by the value (the dataset names misbehaviours; the registry names monitors).
 */
export const DEFAULT_CATEGORY_MONITORS: Readonly<Record<string, string>> = {
  inconsistent_answer: 'consistency',
};

/**
 * Parses JSONL: one object a line with `reasoning` (string) and `label` (boolean); optional `output` (string,
 * default empty), `actions` ([{name, arguments}], arguments given as an object are JSON-encoded), `monitor`,
 * `id`, `split` (`dev`|`test`), and for intervention data `arm` (`control`|`intervention`) with `outcome`
 * (boolean), both or neither. Blank lines are ignored; every other unusable line is in `bad` with its number.
 */
export function parseEvalLines(text: string): ParsedEvalFile {
  const cases: EvalCase[] = [];
  const bad: BadLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      bad.push({ line, reason: 'not valid JSON' });
      continue;
    }
    const result = caseOf(value, line);
    if (typeof result === 'string') bad.push({ line, reason: result });
    else cases.push(result);
  }
  return { cases, bad };
}

function caseOf(value: unknown, line: number): EvalCase | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'expected a JSON object';
  const o = value as Record<string, unknown>;
  if (typeof o.reasoning !== 'string') return '"reasoning" must be a string';
  if (typeof o.label !== 'boolean') return '"label" must be true or false';
  if (o.output !== undefined && typeof o.output !== 'string') return '"output" must be a string';
  if (o.monitor !== undefined && (typeof o.monitor !== 'string' || o.monitor === '')) return '"monitor" must be a non-empty string';
  if (o.id !== undefined && typeof o.id !== 'string' && typeof o.id !== 'number') return '"id" must be a string or a number';
  if (o.split !== undefined && o.split !== 'dev' && o.split !== 'test') return '"split" must be "dev" or "test"';
  if (o.arm !== undefined && o.arm !== 'control' && o.arm !== 'intervention') return '"arm" must be "control" or "intervention"';
  if (o.arm !== undefined && typeof o.outcome !== 'boolean') return '"outcome" must be true or false when "arm" is given';
  if (o.outcome !== undefined && o.arm === undefined) return '"outcome" needs "arm"';
  const actions = actionsOf(o.actions);
  if (typeof actions === 'string') return actions;
  return {
    line,
    ...(o.id !== undefined ? { id: String(o.id) } : {}),
    input: { reasoning: o.reasoning, actions, output: (o.output as string | undefined) ?? '' },
    label: o.label,
    ...(o.monitor !== undefined ? { monitor: o.monitor as string } : {}),
    ...(o.split !== undefined ? { split: o.split as EvalSplit } : {}),
    ...(o.arm !== undefined ? { arm: o.arm as EvalArm, outcome: o.outcome as boolean } : {}),
  };
}

function actionsOf(value: unknown): MonitorAction[] | string {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return '"actions" must be a list';
  const out: MonitorAction[] = [];
  for (let i = 0; i < value.length; i++) {
    const a = value[i] as Record<string, unknown> | null;
    if (a === null || typeof a !== 'object' || typeof a.name !== 'string') return `"actions[${i}].name" must be a string`;
    const args = a.arguments;
    out.push({ name: a.name, arguments: typeof args === 'string' ? args : args === undefined ? '' : JSON.stringify(args) });
  }
  return out;
}

/**
 * Whether a case is scored for a monitor: when its `monitor` field names the monitor (directly or through
 * `categoryMonitors`), or when it has no `monitor` field at all (it then counts for every monitor).
 */
export function countsFor(c: EvalCase, monitor: string, categoryMonitors: Readonly<Record<string, string>> = DEFAULT_CATEGORY_MONITORS): boolean {
  if (c.monitor === undefined) return true;
  return c.monitor === monitor || categoryMonitors[c.monitor] === monitor;
}

/** Cases of one split; with no split, every case. Cases without a `split` field belong to no split. */
export function casesOfSplit(cases: readonly EvalCase[], split: EvalSplit | undefined): EvalCase[] {
  return split === undefined ? [...cases] : cases.filter((c) => c.split === split);
}

export interface MonitorEvaluation {
  readonly monitor: string;
  readonly metrics: BinaryMetrics;
  /** Absent when bootstrap was switched off (`resamples: 0`) or no case counted. */
  readonly intervals?: BinaryIntervals;
  /** Present when some counted case has an `arm`. */
  readonly intervention?: { readonly metrics: InterventionMetrics; readonly intervals?: InterventionIntervals };
  /** Cases whose run threw or rejected: left out of every figure. */
  readonly errors: number;
  /** Ids (or line numbers) of misclassified cases, for tuning on a dev split. */
  readonly falsePositives: readonly string[];
  readonly falseNegatives: readonly string[];
}

export interface EvaluateOptions extends EvalBootstrapOptions {
  /** 0 switches the intervals off. */
  readonly resamples?: number;
  readonly categoryMonitors?: Readonly<Record<string, string>>;
  /** Called for a case whose run failed. */
  readonly onError?: (monitor: string, c: EvalCase, err: unknown) => void;
}

/**
 * Runs each monitor on the cases that count for it (one case at a time, in file order) and scores it.
 *
 * @example
 * const { cases } = parseEvalLines(text);
 * const [result] = await evaluateMonitors(casesOfSplit(cases, 'test'), [registry.create('deception')]);
 * result.metrics.gMean2;
 */
export async function evaluateMonitors(cases: readonly EvalCase[], monitors: readonly Monitor[], options: EvaluateOptions = {}): Promise<MonitorEvaluation[]> {
  const out: MonitorEvaluation[] = [];
  for (const monitor of monitors) {
    const scored: { c: EvalCase; flag: boolean }[] = [];
    let errors = 0;
    for (const c of cases) {
      if (!countsFor(c, monitor.name, options.categoryMonitors)) continue;
      try {
        const result = await monitor.run(c.input);
        scored.push({ c, flag: result.flag });
      } catch (err) {
        errors++;
        options.onError?.(monitor.name, c, err);
      }
    }
    out.push(evaluationOf(monitor.name, scored, errors, options));
  }
  return out;
}

function evaluationOf(monitor: string, scored: readonly { c: EvalCase; flag: boolean }[], errors: number, options: EvaluateOptions): MonitorEvaluation {
  const flagged = scored.map(({ c, flag }) => ({ flag, label: c.label }));
  const withIntervals = (options.resamples ?? 1) > 0 && scored.length > 0;
  const arms = scored.filter(({ c }) => c.arm !== undefined).map(({ c, flag }) => ({ flag, arm: c.arm as EvalArm, outcome: c.outcome as boolean }));
  const name = (c: EvalCase): string => c.id ?? `line ${c.line}`;
  return {
    monitor,
    metrics: binaryMetrics(flagged),
    ...(withIntervals ? { intervals: binaryIntervals(flagged, options) } : {}),
    ...(arms.length > 0
      ? { intervention: { metrics: interventionMetrics(arms), ...(withIntervals ? { intervals: interventionIntervals(arms, options) } : {}) } }
      : {}),
    errors,
    falsePositives: scored.filter(({ c, flag }) => flag && !c.label).map(({ c }) => name(c)),
    falseNegatives: scored.filter(({ c, flag }) => !flag && c.label).map(({ c }) => name(c)),
  };
}

// ------------------------------------------------------------------------------------------- JSON shape

type Json = null | number | string | boolean | Json[] | { [key: string]: Json };

const round = (x: number | null): number | null => (x === null ? null : Math.round(x * 1e6) / 1e6);
const intervalJson = (i: { low: number; high: number; defined: number } | null | undefined): Json =>
  i ? { low: round(i.low), high: round(i.high), defined: i.defined } : null;

/**
 * The `--json` object: `{"monitors": {NAME: {"tpr", "tnr", "g_mean2", "n", …, "intervals", "intervention"?}}}`.
 * Rates are rounded to 6 decimals; an undefined rate is null.
 */
export function evaluationJson(results: readonly MonitorEvaluation[], bootstrap: { resamples: number; seed: number; level: number }): { monitors: Record<string, Json> } {
  const monitors: Record<string, Json> = {};
  for (const r of results) {
    const m = r.metrics;
    const entry: { [key: string]: Json } = {
      tpr: round(m.tpr),
      tnr: round(m.tnr),
      g_mean2: round(m.gMean2),
      n: m.n,
      positives: m.positives,
      negatives: m.negatives,
      true_positives: m.truePositives,
      true_negatives: m.trueNegatives,
      errors: r.errors,
      intervals: r.intervals ? { tpr: intervalJson(r.intervals.tpr), tnr: intervalJson(r.intervals.tnr), g_mean2: intervalJson(r.intervals.gMean2) } : null,
      bootstrap: r.intervals ? { resamples: bootstrap.resamples, seed: bootstrap.seed, level: bootstrap.level } : null,
      false_positives: [...r.falsePositives],
      false_negatives: [...r.falseNegatives],
    };
    if (r.intervention) {
      const v = r.intervention.metrics;
      const iv = r.intervention.intervals;
      entry.intervention = {
        value: round(v.value),
        tpr_mc: round(v.tprMc),
        tnr_intervention: round(v.tnrIntervention),
        tnr_control: round(v.tnrControl),
        attributable_fraction: round(v.attributableFraction),
        p_outcome_intervention: round(v.pOutcomeIntervention),
        p_outcome_control: round(v.pOutcomeControl),
        p_flag_followed: round(v.pFlagFollowed),
        n_control: v.nControl,
        n_intervention: v.nIntervention,
        undefined_reason: v.undefinedReason ?? null,
        intervals: iv
          ? { value: intervalJson(iv.value), tpr_mc: intervalJson(iv.tprMc), tnr_intervention: intervalJson(iv.tnrIntervention), tnr_control: intervalJson(iv.tnrControl) }
          : null,
      };
    }
    monitors[r.monitor] = entry;
  }
  return { monitors };
}
