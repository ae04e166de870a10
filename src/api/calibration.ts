/**
 * The calibration API: how well stated confidence matches feedback, overall and per slice
 * (GET /api/calibration), the stream-side drift state (GET /api/calibration/drift), and the fitted
 * recalibration maps (GET /api/calibration/maps, POST /api/calibration/fit).
 */
import type { DriftDetector } from '../calibration/drift.js';
import { queryLabelled, SLICE_KINDS, type LabelledResponse, type SliceKind } from '../calibration/labelled.js';
import { FitError, type MapSliceKind, type OnlineCalibration } from '../calibration/online-map.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../calibration/recalibrate.js';
import { calibrationReport, type CalibrationReport } from '../calibration/report.js';
import type { CalibrationConfig } from '../processors/confidence/config.js';
import type { Store } from '../storage/types.js';
import { ApiError, ok, type ApiRequest, type Handler } from './http.js';
import { isoNanos, parseDuration, parseTime } from './params.js';

export interface CalibrationApiDeps {
  readonly store: Store;
  readonly db: string;
  readonly config: Pick<CalibrationConfig, 'bins' | 'recalibration' | 'drift'>;
  readonly drift?: DriftDetector;
  readonly maps?: OnlineCalibration;
}

/** Range looked at when `from` is not given. */
export const DEFAULT_CALIBRATION_LOOKBACK = '-7d';
/** Bootstrap resamples per slice unless `resamples` says otherwise (0 leaves intervals out). */
export const DEFAULT_RESAMPLES = 200;
export const MAX_RESAMPLES = 10_000;
/**
 * Most (labelled response × resample) pairs one request bootstraps (about a second of CPU): past it the
 * resamples are lowered to fit, and below {@link MIN_RESAMPLES} the intervals are left out. The answer
 * says how many were used.
 */
export const MAX_BOOTSTRAP_WORK = 4_000_000;
export const MIN_RESAMPLES = 50;
export const MAX_BINS = 1000;
const MAX_WINDOW_S = 366 * 86_400;

/** The metrics every group of labelled responses reports. */
interface GroupMetrics {
  readonly n: number;
  readonly accuracy: number;
  readonly meanConfidence: number;
  readonly brier: number;
  readonly ece: number;
  readonly adaptiveEce: number;
  readonly mce: number;
  readonly auroc: number;
  readonly aurc: number;
  readonly bins: CalibrationReport['bins'];
}

/** Metrics of one group of labelled responses. */
export interface CalibrationMetrics extends GroupMetrics {
  readonly intervals: CalibrationReport['intervals'];
  /** The same metrics of `confidence_calibrated`, over the responses that have one; null when none has. */
  readonly recalibrated: RecalibratedMetrics | null;
}

export interface RecalibratedMetrics extends GroupMetrics {
  /** The raw confidence's ECE and Brier score over the same responses, to compare with. */
  readonly rawEce: number;
  readonly rawBrier: number;
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Every metric of a group of labelled responses (n > 0). */
export function metricsOf(rows: readonly LabelledResponse[], bins: number, resamples: number): CalibrationMetrics {
  const c = rows.map((r) => r.confidence);
  const y = rows.map((r) => r.correct);
  const r = calibrationReport(c, y, { bins, resamples, seed: 0 });
  const withCal = rows.filter((x) => x.calibrated !== null);
  let recalibrated: RecalibratedMetrics | null = null;
  if (withCal.length > 0) {
    const cc = withCal.map((x) => x.calibrated!);
    const cy = withCal.map((x) => x.correct);
    const cal = calibrationReport(cc, cy, { bins, resamples: 0 });
    const raw = calibrationReport(
      withCal.map((x) => x.confidence),
      cy,
      { bins, resamples: 0 },
    );
    recalibrated = {
      n: cal.n,
      accuracy: cal.accuracy,
      meanConfidence: mean(cc),
      brier: cal.brier,
      ece: cal.ece,
      adaptiveEce: cal.adaptiveEce,
      mce: cal.mce,
      auroc: cal.auroc,
      aurc: cal.aurc,
      bins: cal.bins,
      rawEce: raw.ece,
      rawBrier: raw.brier,
    };
  }
  return {
    n: r.n,
    accuracy: r.accuracy,
    meanConfidence: mean(c),
    brier: r.brier,
    ece: r.ece,
    adaptiveEce: r.adaptiveEce,
    mce: r.mce,
    auroc: r.auroc,
    aurc: r.aurc,
    intervals: r.intervals,
    bins: r.bins,
    recalibrated,
  };
}

function intParam(req: ApiRequest, name: string, fallback: number, min: number, max: number): number {
  const raw = req.query.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, `${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

/** `from`/`to` (or `start`/`end`) as nanoseconds. */
function range(req: ApiRequest, defaultFrom: string | null): { fromNs: bigint | null; toNs: bigint | null } {
  const q = req.query;
  const from = q.get('from') ?? q.get('start') ?? defaultFrom;
  const to = q.get('to') ?? q.get('end');
  const fromNs = from === null ? null : parseTime(q.has('from') ? 'from' : 'start', from);
  const toNs = to === null ? null : parseTime(q.has('to') ? 'to' : 'end', to);
  if (fromNs !== null && toNs !== null && toNs <= fromNs) throw new ApiError(400, 'to: must be after from');
  return { fromNs, toNs };
}

/**
 * GET /api/calibration: labelled responses (spans with a confidence and feedback about them) of a model
 * and time range, with every calibration metric overall and per slice.
 */
export function getCalibration(deps: CalibrationApiDeps): Handler {
  return async (req) => {
    const q = req.query;
    const model = q.get('model') || null;
    const { fromNs, toNs } = range(req, DEFAULT_CALIBRATION_LOOKBACK);
    const bins = intParam(req, 'bins', deps.config.bins, 1, MAX_BINS);
    const resamples = intParam(req, 'resamples', DEFAULT_RESAMPLES, 0, MAX_RESAMPLES);
    const windowRaw = q.get('window');
    const sliceRaw = q.get('slice') ?? (windowRaw !== null ? 'window' : null);
    if (sliceRaw !== null && !(SLICE_KINDS as readonly string[]).includes(sliceRaw))
      throw new ApiError(400, `slice: expected one of ${SLICE_KINDS.join(', ')}, got ${JSON.stringify(sliceRaw)}`);
    const slice = sliceRaw as SliceKind | null;
    if (windowRaw !== null && slice !== 'window') throw new ApiError(400, 'window: only with slice=window');
    let windowSeconds: number | undefined;
    if (slice === 'window') {
      windowSeconds = Number(parseDuration('window', windowRaw ?? '1h') / 1_000_000_000n);
      if (windowSeconds < 1 || windowSeconds > MAX_WINDOW_S) throw new ApiError(400, `window: expected from 1s to 366 days, got ${JSON.stringify(windowRaw)}`);
    }
    const { rows, truncated } = await queryLabelled(deps.store, deps.db, { model, fromNs, toNs, slice, windowSeconds }, req.signal);
    const groups = new Map<string, LabelledResponse[]>();
    let grouped = 0;
    if (slice !== null)
      for (const r of rows)
        for (const key of new Set(r.keys)) {
          let g = groups.get(key);
          if (g === undefined) groups.set(key, (g = []));
          g.push(r);
          grouped++;
        }
    const work = rows.length + grouped;
    let used = work > 0 ? Math.min(resamples, Math.floor(MAX_BOOTSTRAP_WORK / work)) : resamples;
    if (used < Math.min(resamples, MIN_RESAMPLES)) used = 0;
    return ok({
      model,
      from: fromNs === null ? null : isoNanos(fromNs),
      to: toNs === null ? null : isoNanos(toNs),
      bins,
      resamples: used,
      slice,
      ...(windowSeconds !== undefined ? { windowSeconds } : {}),
      n: rows.length,
      truncated,
      overall: rows.length > 0 ? metricsOf(rows, bins, used) : null,
      slices: [...groups.keys()].sort().map((key) => ({ slice, key, ...metricsOf(groups.get(key)!, bins, used) })),
    });
  };
}

/** GET /api/calibration/drift: the drift detector's latest state per slice. Filters: `slice`, `drifting=true`. */
export function getDrift(deps: CalibrationApiDeps): Handler {
  return async (req) => {
    if (!deps.drift) throw new ApiError(404, 'calibration drift detection is not running');
    const slice = req.query.get('slice');
    if (slice !== null && !(SLICE_KINDS as readonly string[]).includes(slice)) throw new ApiError(400, `slice: expected one of ${SLICE_KINDS.join(', ')}, got ${JSON.stringify(slice)}`);
    const drifting = req.query.get('drifting');
    if (drifting !== null && drifting !== 'true' && drifting !== 'false') throw new ApiError(400, `drifting: expected true or false, got ${JSON.stringify(drifting)}`);
    const states = deps.drift
      .states()
      .filter((s) => (slice === null || s.slice === slice) && (drifting === null || s.drifting === (drifting === 'true')));
    return ok({ settings: deps.drift.settings, stats: deps.drift.stats(), slices: states });
  };
}

/** GET /api/calibration/maps: the recalibration maps in use. */
export function getMaps(deps: CalibrationApiDeps): Handler {
  return async () => {
    if (!deps.maps) throw new ApiError(404, 'online recalibration is not running');
    return ok({ maps: deps.maps.maps() });
  };
}

/**
 * POST /api/calibration/fit?model=…&method=…: fits a recalibration map on the labelled responses of a
 * model (or `model_version=`, a response model), optionally only those in `from`/`to`; `method=none`
 * removes the slice's map.
 */
export function postFit(deps: CalibrationApiDeps): Handler {
  return async (req) => {
    if (!deps.maps) throw new ApiError(404, 'online recalibration is not running');
    const q = req.query;
    const model = q.get('model');
    const version = q.get('model_version');
    if ((model === null) === (version === null) || (model ?? version) === '') throw new ApiError(400, 'model or model_version: give exactly one, naming the slice to fit');
    const kind: MapSliceKind = model !== null ? 'model' : 'model_version';
    const key = (model ?? version)!;
    const configured = deps.config.recalibration.method;
    const method = q.get('method') ?? (configured === 'none' ? null : configured);
    if (method === null) throw new ApiError(400, `method: required (calibration.recalibration.method is none); one of ${CALIBRATION_METHODS.join(', ')}, or none to remove the map`);
    try {
      if (method === 'none') return ok({ slice: `${kind}:${key}`, removed: deps.maps.remove(kind, key) });
      if (!(CALIBRATION_METHODS as readonly string[]).includes(method))
        throw new ApiError(400, `method: expected one of ${CALIBRATION_METHODS.join(', ')} or none, got ${JSON.stringify(method)}`);
      const { fromNs, toNs } = range(req, null);
      return ok(await deps.maps.fit(kind, key, method as CalibrationMethod, { fromNs, toNs }, req.signal));
    } catch (err) {
      if (err instanceof FitError) throw new ApiError(err.status, err.message);
      throw err;
    }
  };
}
