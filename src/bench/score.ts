/**
 * Scores what Strata answered (its incidents) against what the simulator injected (its ground truth),
 * the way AIOpsLab scores an agent: detection as a yes/no answer (no-fault controls expect no),
 * localisation (top-1 and top-3 entity), root cause (layer and fault type), time to detect and to
 * localise. Pure functions over plain data, so hand-made incidents test them.
 */
import type { GroundTruth } from '../sim/types.js';
import type { Incident } from '../incidents/types.js';

/** How long after a fault ends an incident still counts as its detection. */
export const DETECTION_GRACE_MS = 120_000;

/** One injected fault, scored. */
export interface FaultScore {
  readonly truth: GroundTruth;
  readonly detected: boolean;
  /** The incident that best matches the fault, or null when none does. */
  readonly incidentId: string | null;
  /** Rank (1-based) of the truth entity among the matched incident's causes; null when absent. */
  readonly rank: number | null;
  readonly top1: boolean;
  readonly top3: boolean;
  /** The first cause's layer and fault type are the truth's. */
  readonly rootCause: boolean;
  /** Seconds of scenario time from the fault's start to its detection; null when undetected. */
  readonly ttdS: number | null;
  /** Seconds from the fault's start until the right entity became top-1; null unless top-1 is right. */
  readonly ttlS: number | null;
  /**
   * Seconds from the fault's start until the matched incident was first listed by the API, observed by
   * the bench after each step (an upper bound, to the scrape interval, of when the answer was readable);
   * null when undetected or not observed.
   */
  readonly ttdListedS: number | null;
}

/** One scenario, scored. */
export interface ScenarioScore {
  /** No fault injected: the right answer is "no incident". */
  readonly control: boolean;
  /** The scenario's yes/no detection answer was right (every fault detected; for controls, no incident at all). */
  readonly detectionCorrect: boolean;
  readonly faults: readonly FaultScore[];
  /** Incidents matching no fault: before it, or about unrelated entities (all incidents of a control). */
  readonly falseAlarms: readonly string[];
  readonly incidents: number;
}

/** The interval an incident covers; open incidents reach to the end of time. */
function overlaps(incident: Incident, fromMs: number, toMs: number): boolean {
  const end = incident.endMs ?? Number.POSITIVE_INFINITY;
  return incident.startMs <= toMs && end >= fromMs;
}

/** Whether the incident kind can answer this fault: a telemetry outage must be reported as a gap. */
function kindFits(incident: Incident, truth: GroundTruth): boolean {
  return truth.type === 'telemetry_outage' ? incident.kind === 'gap' : incident.kind === 'fault' || incident.kind === 'gap';
}

function rankOf(incident: Incident, entity: string): number | null {
  const i = incident.causes.findIndex((c) => c.entity === entity);
  return i === -1 ? null : i + 1;
}

function rootCauseRight(incident: Incident, truth: GroundTruth): boolean {
  const first = incident.causes[0];
  return first !== undefined && first.layer === truth.layer && first.faultType === truth.type;
}

/** Whether the incident mentions the truth entity at all (as an affected entity or a cause). */
function mentions(incident: Incident, entity: string): boolean {
  return incident.entities.includes(entity) || incident.causes.some((c) => c.entity === entity);
}

/**
 * The incidents that may answer the fault, best first: overlapping [start, end + grace] with a fitting
 * kind, ordered by the truth entity's rank among the causes (absent last), then a right root cause,
 * then the earliest start.
 */
export function candidatesFor(truth: GroundTruth, incidents: readonly Incident[]): Incident[] {
  const rankKey = (i: Incident): number => rankOf(i, truth.entity) ?? Number.POSITIVE_INFINITY;
  return incidents
    .filter((i) => kindFits(i, truth) && overlaps(i, truth.startMs, truth.endMs + DETECTION_GRACE_MS))
    .sort((a, b) => rankKey(a) - rankKey(b) || Number(rootCauseRight(b, truth)) - Number(rootCauseRight(a, truth)) || a.startMs - b.startMs || a.id.localeCompare(b.id));
}

/**
 * Time to detect: the first anomaly of the incident at or after the fault's start (an incident opened
 * earlier by something else and joined by the fault is detected when the fault's own signs appear);
 * without one, the incident's start, not before the fault's.
 */
function detectedAtMs(incident: Incident, truth: GroundTruth): number {
  let first = Number.POSITIVE_INFINITY;
  for (const a of incident.anomalies) if (a.startMs >= truth.startMs && a.startMs < first) first = a.startMs;
  return Number.isFinite(first) ? first : Math.max(incident.startMs, truth.startMs);
}

export function scoreFault(truth: GroundTruth, incidents: readonly Incident[], firstListedMs: Readonly<Record<string, number>> = {}): FaultScore {
  const best = candidatesFor(truth, incidents)[0];
  if (best === undefined) return { truth, detected: false, incidentId: null, rank: null, top1: false, top3: false, rootCause: false, ttdS: null, ttlS: null, ttdListedS: null };
  const listed = firstListedMs[best.id];
  const rank = rankOf(best, truth.entity);
  const top1 = rank === 1;
  return {
    truth,
    detected: true,
    incidentId: best.id,
    rank,
    top1,
    top3: rank !== null && rank <= 3,
    rootCause: rootCauseRight(best, truth),
    ttdS: (detectedAtMs(best, truth) - truth.startMs) / 1000,
    ttlS: top1 && best.localisedMs !== null ? Math.max(0, best.localisedMs - truth.startMs) / 1000 : null,
    ttdListedS: listed === undefined ? null : Math.max(0, listed - truth.startMs) / 1000,
  };
}

/**
 * Scores one scenario. An incident is a false alarm unless it answers some fault: it overlaps the
 * fault's window with a fitting kind and is the fault's best match or mentions the fault's entity.
 */
export function scoreScenario(truth: readonly GroundTruth[], incidents: readonly Incident[], firstListedMs: Readonly<Record<string, number>> = {}): ScenarioScore {
  const faults = truth.map((t) => scoreFault(t, incidents, firstListedMs));
  const related = new Set<string>();
  for (const t of truth) {
    for (const i of candidatesFor(t, incidents)) if (mentions(i, t.entity)) related.add(i.id);
  }
  for (const f of faults) if (f.incidentId !== null) related.add(f.incidentId);
  const falseAlarms = incidents.filter((i) => !related.has(i.id)).map((i) => i.id);
  const control = truth.length === 0;
  return {
    control,
    detectionCorrect: control ? incidents.length === 0 : faults.every((f) => f.detected),
    faults,
    falseAlarms,
    incidents: incidents.length,
  };
}

/** The median of the numbers, null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function rate(hits: number, n: number): number | null {
  return n === 0 ? null : hits / n;
}

/** The headline numbers over a set of scored scenarios. */
export interface DetectionSummary {
  readonly scenarios: number;
  readonly controls: number;
  readonly faults: number;
  /** Right yes/no answers over every scenario. */
  readonly detection_accuracy: number | null;
  /** Controls with any incident, over the controls. */
  readonly false_positive_rate: number | null;
  /** Over injected faults (a scenario may hold several). */
  readonly localization_top1: number | null;
  readonly localization_top3: number | null;
  readonly rca_accuracy: number | null;
  readonly ttd_median_s: number | null;
  readonly ttl_median_s: number | null;
  /** Median of the times to detect observed through the API after each step (see FaultScore.ttdListedS). */
  readonly ttd_listed_median_s: number | null;
  /** Incidents that answered no fault, over every scenario. */
  readonly false_alarms: number;
}

export function summarise(scores: readonly ScenarioScore[]): DetectionSummary {
  const faults = scores.flatMap((s) => s.faults);
  const controls = scores.filter((s) => s.control);
  return {
    scenarios: scores.length,
    controls: controls.length,
    faults: faults.length,
    detection_accuracy: rate(scores.filter((s) => s.detectionCorrect).length, scores.length),
    false_positive_rate: rate(controls.filter((s) => s.incidents > 0).length, controls.length),
    localization_top1: rate(faults.filter((f) => f.top1).length, faults.length),
    localization_top3: rate(faults.filter((f) => f.top3).length, faults.length),
    rca_accuracy: rate(faults.filter((f) => f.rootCause).length, faults.length),
    ttd_median_s: median(faults.flatMap((f) => (f.ttdS === null ? [] : [f.ttdS]))),
    ttl_median_s: median(faults.flatMap((f) => (f.ttlS === null ? [] : [f.ttlS]))),
    ttd_listed_median_s: median(faults.flatMap((f) => (f.ttdListedS === null ? [] : [f.ttdListedS]))),
    false_alarms: scores.reduce((n, s) => n + s.falseAlarms.length, 0),
  };
}

/** Per fault type (and `none` for the controls). */
export interface FaultTypeSummary {
  readonly n: number;
  readonly detected: number | null;
  readonly localization_top1: number | null;
  readonly localization_top3: number | null;
  readonly rca_accuracy: number | null;
  readonly ttd_median_s: number | null;
  readonly ttl_median_s: number | null;
  readonly ttd_listed_median_s: number | null;
}

export function byFaultType(scores: readonly ScenarioScore[]): Record<string, FaultTypeSummary> {
  const groups = new Map<string, FaultScore[]>();
  for (const f of scores.flatMap((s) => s.faults)) groups.set(f.truth.type, [...(groups.get(f.truth.type) ?? []), f]);
  const out: Record<string, FaultTypeSummary> = {};
  for (const [type, fs] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    out[type] = {
      n: fs.length,
      detected: rate(fs.filter((f) => f.detected).length, fs.length),
      localization_top1: rate(fs.filter((f) => f.top1).length, fs.length),
      localization_top3: rate(fs.filter((f) => f.top3).length, fs.length),
      rca_accuracy: rate(fs.filter((f) => f.rootCause).length, fs.length),
      ttd_median_s: median(fs.flatMap((f) => (f.ttdS === null ? [] : [f.ttdS]))),
      ttl_median_s: median(fs.flatMap((f) => (f.ttlS === null ? [] : [f.ttlS]))),
      ttd_listed_median_s: median(fs.flatMap((f) => (f.ttdListedS === null ? [] : [f.ttdListedS]))),
    };
  }
  const controls = scores.filter((s) => s.control);
  if (controls.length > 0) {
    out.none = {
      n: controls.length,
      detected: rate(controls.filter((s) => s.incidents > 0).length, controls.length),
      localization_top1: null,
      localization_top3: null,
      rca_accuracy: null,
      ttd_median_s: null,
      ttl_median_s: null,
      ttd_listed_median_s: null,
    };
  }
  return out;
}
