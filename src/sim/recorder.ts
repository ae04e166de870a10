/**
 * Steps a fleet through its whole scenario and keeps what came out: every request, every feedback item,
 * and every target's exposition at every scrape, with readers for one series over time. What a bench
 * run sees, without Strata: for tests that compare runs, and for looking at a scenario's numbers.
 */
import { parseExposition } from '../receivers/prometheus/parse-text.js';
import type { Fleet, SimFeedback, SimRequest, SimTarget } from './types.js';

export interface ScrapeRecord {
  readonly atMs: number;
  /** Exposition text by target id; null when the target did not answer. */
  readonly texts: ReadonlyMap<string, string | null>;
}

export interface RunRecord {
  readonly fleet: Fleet;
  readonly requests: readonly SimRequest[];
  readonly feedback: readonly SimFeedback[];
  readonly scrapes: readonly ScrapeRecord[];
}

/** One sample of a series at a scrape; null when the target did not answer or the series was absent. */
export interface Point {
  readonly atMs: number;
  readonly value: number | null;
}

/** Runs `fleet` from its start to its end, scraping every target every scrape interval. */
export function recordRun(fleet: Fleet): RunRecord {
  const requests: SimRequest[] = [];
  const feedback: SimFeedback[] = [];
  const scrapes: ScrapeRecord[] = [];
  for (let t = fleet.startMs; t <= fleet.endMs; t += fleet.scrapeIntervalMs) {
    requests.push(...fleet.advance(t));
    feedback.push(...fleet.feedbackDue(t));
    scrapes.push({ atMs: t, texts: new Map(fleet.targets.map((x: SimTarget) => [x.id, fleet.exposition(x)])) });
  }
  return { fleet, requests, feedback, scrapes };
}

const parsed = new WeakMap<ScrapeRecord, Map<string, Map<string, number>>>();

/** `name{k="v",...}` with labels sorted: the key of one series. */
function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  return `${name}{${keys.map((k) => `${k}=${labels[k]}`).join(',')}}`;
}

/** The samples of one target at one scrape, by series key (parsed once). */
export function samplesAt(scrape: ScrapeRecord, target: string): ReadonlyMap<string, number> | null {
  const text = scrape.texts.get(target);
  if (text === null || text === undefined) return null;
  let byTarget = parsed.get(scrape);
  if (!byTarget) parsed.set(scrape, (byTarget = new Map()));
  let samples = byTarget.get(target);
  if (!samples) {
    samples = new Map();
    const p = parseExposition(text, { openMetrics: false, scrapeTimeMs: scrape.atMs });
    for (const f of p.families) for (const s of f.samples) samples.set(seriesKey(s.name, s.labels), s.value);
    byTarget.set(target, samples);
  }
  return samples;
}

/**
 * One series of one target over the run: the sample named `name` whose labels include `labels` (the
 * first such series when several match).
 */
export function seriesOf(run: RunRecord, target: string, name: string, labels: Readonly<Record<string, string>> = {}): Point[] {
  const want = Object.entries(labels);
  return run.scrapes.map((scrape) => {
    const samples = samplesAt(scrape, target);
    if (samples === null) return { atMs: scrape.atMs, value: null };
    for (const [key, value] of samples) {
      if (!key.startsWith(`${name}{`)) continue;
      if (want.every(([k, v]) => key.includes(`${k}=${v},`) || key.endsWith(`${k}=${v}}`))) return { atMs: scrape.atMs, value };
    }
    return { atMs: scrape.atMs, value: null };
  });
}

/** Mean of the non-null values of the points in [fromMs, toMs). */
export function meanIn(points: readonly Point[], fromMs: number, toMs: number): number {
  let sum = 0;
  let n = 0;
  for (const p of points) {
    if (p.atMs < fromMs || p.atMs >= toMs || p.value === null) continue;
    sum += p.value;
    n++;
  }
  return n === 0 ? NaN : sum / n;
}

/** The lines of an exposition that belong to one GPU (its `UUID` label). */
export function gpuLines(text: string | null, uuid: string): string {
  if (text === null) return 'null';
  const tag = `UUID="${uuid}"`;
  return text
    .split('\n')
    .filter((l) => l.includes(tag))
    .join('\n');
}

/**
 * Scrape times at which two runs of one scenario show `target` differently (restricted to one GPU's lines
 * when `uuid` is given): where a fault left a trace.
 */
export function differences(a: RunRecord, b: RunRecord, target: string, uuid?: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.scrapes.length, b.scrapes.length); i++) {
    const x = a.scrapes[i].texts.get(target) ?? null;
    const y = b.scrapes[i].texts.get(target) ?? null;
    const same = uuid === undefined ? x === y : gpuLines(x, uuid) === gpuLines(y, uuid);
    if (!same) out.push(a.scrapes[i].atMs);
  }
  return out;
}
