/**
 * Online recalibration: a fitted map per slice (a model, or a model version), fitted on that slice's
 * labelled responses, stored in `calibration_maps` through the WAL, loaded at start, and applied on the
 * ingest path so every new response carries its raw and its calibrated confidence.
 *
 * Maps are fitted on request (`POST /api/calibration/fit`) and, when `calibration.recalibration.method`
 * is not `none`, again on their own each time a model gathers `recalibration.min_labelled` new labelled
 * responses. A fit is judged on held-out data before it is kept: the answer says the held-out ECE
 * before and after; the map kept is then fitted on all the slice's labelled responses.
 */
import type { SpanRecord } from '../model/span.js';
import type { TablePayloads } from '../pipeline/encode.js';
import type { OfferResult } from '../pipeline/writer.js';
import type { CalibrationMapLookup } from '../processors/confidence/types.js';
import type { CalibrationConfig } from '../processors/confidence/config.js';
import { jstr } from '../storage/rows/json.js';
import type { Store } from '../storage/types.js';
import { applyCalibration, CALIBRATION_METHODS, calibrationMapFromJson, evaluateRecalibration, fitCalibration, type CalibrationMap, type CalibrationMethod } from './recalibrate.js';
import { queryLabelled, type LabelledSpan } from './labelled.js';

/** The slices a map can be fitted for. */
export type MapSliceKind = 'model' | 'model_version';

/** One slice's map as kept and shown. */
export interface StoredMap {
  /** `model:<name>` or `model_version:<response model>`. */
  readonly slice: string;
  readonly method: CalibrationMethod;
  readonly map: CalibrationMap;
  readonly fittedAt: string;
  /** Labelled responses it was fitted on. */
  readonly n: number;
  /** Held-out ECE of the raw confidence, and after a map fitted on the rest. */
  readonly eceBefore: number;
  readonly eceAfter: number;
}

export interface FitResult extends StoredMap {
  readonly nFit: number;
  readonly nHeldOut: number;
  readonly brierBefore: number;
  readonly brierAfter: number;
}

/** A fit that cannot be made; `status` is what the API answers. */
export class FitError extends Error {
  override readonly name = 'FitError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface OnlineCalibrationOptions {
  readonly config: Pick<CalibrationConfig, 'bins' | 'recalibration'>;
  readonly store: Store;
  readonly db: string;
  /** Durable hand-off (the writer's `offer`): a map is stored like any other row. */
  readonly offer: (payloads: TablePayloads) => OfferResult;
  readonly log?: (message: string) => void;
  readonly now?: () => number;
}

/** Held-out share of a fit's labelled responses. */
export const FIT_HELD_OUT_FRACTION = 0.3;
/** Most labelled responses one fit reads. */
export const MAX_FIT_ROWS = 200_000;

interface Installed {
  readonly stored: StoredMap;
  readonly apply: (c: number) => number;
}

/**
 * @example
 * const maps = new OnlineCalibration({ config: config.calibration, store, db, offer: (p) => writer.offer(p) });
 * await maps.start();
 * createIngest({ …, calibrationMap: maps.lookup });
 * await maps.fit('model', 'llama-3-8b', 'isotonic');
 */
export class OnlineCalibration {
  private readonly installed = new Map<string, Installed>();
  private readonly sinceFit = new Map<string, number>();
  private readonly fitting = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private lastStamp = 0;

  constructor(private readonly options: OnlineCalibrationOptions) {}

  /** Loads the latest stored map of every slice. */
  async start(): Promise<void> {
    const { store, db, log } = this.options;
    const rows = await store.query<{ slice: string; method: string; params: string; fitted_ms: number; n: number; ece_before: number; ece_after: number }>(
      `SELECT slice, argMax(method, fitted_at) AS method, argMax(params, fitted_at) AS params, toUnixTimestamp64Milli(max(fitted_at)) AS fitted_ms,
              argMax(n, fitted_at) AS n, argMax(ece_before, fitted_at) AS ece_before, argMax(ece_after, fitted_at) AS ece_after
       FROM ${db}.calibration_maps GROUP BY slice`,
    );
    for (const r of rows) {
      if (r.method === 'none') continue; // a removed map
      try {
        const map = calibrationMapFromJson({ method: r.method, params: JSON.parse(r.params) });
        this.install({ slice: r.slice, method: map.method, map, fittedAt: new Date(Number(r.fitted_ms)).toISOString(), n: Number(r.n), eceBefore: r.ece_before, eceAfter: r.ece_after });
      } catch (err) {
        log?.(`calibration: the stored map of ${r.slice} cannot be read (${(err as Error).message}); ignored`);
      }
    }
    if (this.installed.size > 0) log?.(`calibration: loaded ${this.installed.size} calibration map(s)`);
  }

  /** Waits for a fit in progress; fits asked for afterwards are refused. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain.catch(() => undefined);
  }

  /** Every map in use. */
  maps(): StoredMap[] {
    return [...this.installed.values()].map((i) => i.stored).sort((a, b) => a.slice.localeCompare(b.slice));
  }

  /**
   * The map of a span: its response model's (`model_version:`), else its model's (`model:`, by response
   * then request model). Answers from memory: it runs for every span with a confidence.
   */
  readonly lookup: CalibrationMapLookup = (span: SpanRecord) => {
    if (this.installed.size === 0) return null;
    const g = span.genai;
    const found =
      (g.responseModel !== null && (this.installed.get(`model_version:${g.responseModel}`) ?? this.installed.get(`model:${g.responseModel}`))) ||
      (g.requestModel !== null && this.installed.get(`model:${g.requestModel}`)) ||
      undefined;
    return found?.apply ?? null;
  };

  /**
   * Fits `method` on the labelled responses of one slice (all of them, or those in [fromNs, toNs)),
   * keeps it when the held-out evaluation ran, stores it, and uses it for new spans from now on.
   * Throws {@link FitError}: 400 for too few labelled responses, 503 when the store refuses for now.
   */
  fit(kind: MapSliceKind, key: string, method: CalibrationMethod, range: { fromNs?: bigint | null; toNs?: bigint | null } = {}, signal?: AbortSignal): Promise<FitResult> {
    if (this.stopped) return Promise.reject(new FitError(503, 'shutting down'));
    const run = this.chain.then(() => this.fitNow(kind, key, method, range, signal));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Stops using a slice's map and stores that (method `none`), so a restart does not load it again.
   * Returns whether a map was in use; throws {@link FitError} 503 when the store refuses for now.
   */
  remove(kind: MapSliceKind, key: string): boolean {
    const slice = `${kind}:${key}`;
    const at = this.stamp();
    const outcome = this.offerRow(`{"slice":${jstr(slice)},"method":"none","params":"{}","fitted_at":${at},"n":0,"ece_before":0,"ece_after":0}`);
    if (!outcome.ok) throw new FitError(503, 'the ingest queue is full; retry later');
    return this.installed.delete(slice);
  }

  /**
   * The drift detector's `onLabelled`: counts labelled responses per model and, when recalibration is
   * on, refits a model's map after every `recalibration.min_labelled` new ones (in the background).
   */
  readonly noteLabelled = (span: LabelledSpan, _correct: boolean): void => {
    const { method, minLabelled } = this.options.config.recalibration;
    if (method === 'none' || this.stopped) return;
    for (const { slice, key } of span.slices) {
      if (slice !== 'model') continue;
      const id = `model:${key}`;
      const n = (this.sinceFit.get(id) ?? 0) + 1;
      this.sinceFit.set(id, n);
      if (n < minLabelled || this.fitting.has(id)) continue;
      this.sinceFit.set(id, 0);
      this.fitting.add(id);
      this.fit('model', key, method)
        .then((r) => this.options.log?.(`calibration: refitted ${r.slice} (${r.method}, n=${r.n}): held-out ECE ${r.eceBefore.toFixed(4)} -> ${r.eceAfter.toFixed(4)}`))
        .catch((err: Error) => this.options.log?.(`calibration: refitting ${id} failed: ${err.message}`))
        .finally(() => this.fitting.delete(id));
    }
  };

  private async fitNow(kind: MapSliceKind, key: string, method: CalibrationMethod, range: { fromNs?: bigint | null; toNs?: bigint | null }, signal?: AbortSignal): Promise<FitResult> {
    if (!(CALIBRATION_METHODS as readonly string[]).includes(method)) throw new FitError(400, `method: expected one of ${CALIBRATION_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
    const { config, store, db } = this.options;
    const slice = `${kind}:${key}`;
    const { rows } = await queryLabelled(
      store,
      db,
      { model: kind === 'model' ? key : null, modelVersion: kind === 'model_version' ? key : null, fromNs: range.fromNs, toNs: range.toNs, limit: MAX_FIT_ROWS },
      signal,
    );
    const need = config.recalibration.minLabelled;
    if (rows.length < need)
      throw new FitError(400, `${slice} has ${rows.length} labelled response(s) with a confidence; a fit needs at least ${need} (calibration.recalibration.min_labelled)`);
    const confidence = rows.map((r) => r.confidence);
    const correct = rows.map((r) => r.correct);
    const evaluation = evaluateRecalibration(method, confidence, correct, { bins: config.bins, heldOutFraction: FIT_HELD_OUT_FRACTION, seed: 0 });
    const map = fitCalibration(method, confidence, correct, { bins: config.bins });
    const fittedMs = this.stamp();
    const stored: StoredMap = { slice, method, map, fittedAt: new Date(fittedMs).toISOString(), n: rows.length, eceBefore: evaluation.eceBefore, eceAfter: evaluation.eceAfter };
    const outcome = this.offerRow(
      `{"slice":${jstr(slice)},"method":"${method}","params":${jstr(JSON.stringify(map.params))},"fitted_at":${fittedMs},"n":${rows.length}` +
        `,"ece_before":${finite(evaluation.eceBefore)},"ece_after":${finite(evaluation.eceAfter)}}`,
    );
    if (!outcome.ok) throw new FitError('tooLarge' in outcome ? 413 : 503, 'tooLarge' in outcome ? outcome.tooLarge : 'the ingest queue is full; retry later');
    this.install(stored);
    return { ...stored, nFit: evaluation.nFit, nHeldOut: evaluation.nHeldOut, brierBefore: evaluation.brierBefore, brierAfter: evaluation.brierAfter };
  }

  /** A fit time later than every one this instance gave: the latest row of a slice is the one in force. */
  private stamp(): number {
    this.lastStamp = Math.max((this.options.now ?? Date.now)(), this.lastStamp + 1);
    return this.lastStamp;
  }

  private offerRow(line: string): OfferResult {
    return this.options.offer({ calibration_maps: Buffer.from(`${line}\n`) });
  }

  private install(stored: StoredMap): void {
    const map = stored.map;
    this.installed.set(stored.slice, { stored, apply: (c) => applyCalibration(map, c) });
  }
}

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
