/**
 * Budgeted sampling with known inclusion probabilities, in event time.
 *
 * Time is cut into windows of `windowMs` (aligned to the epoch; a budget per minute becomes a budget per
 * window). Each request offered in a window gets two independent uniform draws from a seeded generator:
 * - the **floor**: with probability f it is taken whatever its risk, and its cost is charged first;
 * - a **priority** q = w / u (priority sampling), with weight w = MIN_WEIGHT + risk² and u uniform in (0, 1]:
 *   a request of risk 0.9 weighs 9 times one of 0.3, and 800 times one without any risk signal.
 * f is the configured `floor`, lowered when the floor alone would spend more than `floorShare` of the budget.
 * Per limited resource, with L the window's budget, E the cost offered in the previous window and
 * M = max(E, floorShare · L / floor) the traffic the floor is sized for, a request offered when n has been
 * offered so far in the window (its own cost included) gets f = floorShare · L / M · min(1, (M / n)²), the
 * smallest over the resources. Up to M it is uniform; a burst beyond M gets a floor falling with the square
 * of the excess, so the floor's expected spend stays below 2 · floorShare · L however large the burst.
 * f depends only on what was offered, never on a draw, so it is known exactly.
 * When the window closes, the requests not taken by the floor are ranked by priority and taken in that order
 * while floor + taken fit the window's budget; the first that does not fit stops the ranking, and its priority
 * is the window's threshold τ (0 when everything fit, ∞ when the floor alone used the budget). A request whose
 * cost alone exceeds the window's budget never competes (only the floor can take it).
 *
 * Given every other request's draws, a request is taken exactly when its floor draw hits, or when its priority
 * beats τ, so its inclusion probability is exactly
 *
 *   π = f + (1 − f) · min(1, w / τ)        (the priority part is 0 for a request too large to compete)
 *
 * and τ is the same for every request taken in the window. Each taken request carries its π, so
 * Σ y/π over the taken requests is an unbiased estimate of Σ y over all of them (estimate.ts). Only the best
 * priorities that can still fit are kept while the window is open, so memory is bounded by the budget (plus
 * the floor's takes), not by the traffic.
 *
 * The budget holds in every window as long as the floor's takes fit in it, which the lowered floor sees to
 * unless traffic jumps many times over within one window: a floor draw that hit is always kept. Spend
 * reported after the fact (real token counts) that exceeds the estimate becomes a debt paid from the next
 * windows' budgets (`settle`).
 * Requests are offered in any order; one whose time falls in the window just closed counts in the next one,
 * and one more than a window older than that (or a stream that restarted in the past) starts a window at its
 * own time, so that a window once opened in the far future by a bad clock does not hold later windows there.
 */
import { mulberry32, type Random } from '../../calibration/random.js';
import { limitsPerWindow, Spend, type BudgetResource, type Cost } from './budget.js';

/** The weight of a request of risk 0: low, but never zero, so that spare budget is still spent. */
export const MIN_WEIGHT = 0.001;

/** A request's priority weight from its risk in [0, 1]. */
export function priorityWeight(risk: number): number {
  return MIN_WEIGHT + risk * risk;
}

export interface SamplerOptions {
  /** Budget per minute, per resource (absent: unlimited). */
  readonly perMinute: Cost;
  readonly windowMs: number;
  /** Probability in (0, 1] that any request is taken regardless of risk (lowered under heavy traffic). */
  readonly floor: number;
  /** The share of the budget the floor may spend at the traffic seen, in (0, 1]; default {@link DEFAULT_FLOOR_SHARE}. */
  readonly floorShare?: number;
  readonly seed: number;
}

/** Share of a window's budget the floor may spend; the rest goes to the riskiest requests. */
export const DEFAULT_FLOOR_SHARE = 0.25;

export interface Candidate<T> {
  readonly item: T;
  /** In [0, 1]; higher is riskier. */
  readonly risk: number;
  /** What running the expensive monitor on it will cost (estimated). */
  readonly cost: Cost;
  /** Event time, ms since the epoch. */
  readonly timeMs: number;
}

export interface Selected<T> {
  readonly item: T;
  readonly risk: number;
  readonly cost: Cost;
  readonly timeMs: number;
  /** Exact probability that this request was taken, given the other requests' draws. */
  readonly inclusionProbability: number;
  /** Taken by the floor draw (else by priority). */
  readonly byFloor: boolean;
  /** The floor probability the request had (the configured floor, or lower under heavy traffic). */
  readonly floor: number;
}

/** A closed window: what was offered, taken and spent. */
export interface WindowResult<T> {
  readonly startMs: number;
  readonly endMs: number;
  readonly offered: number;
  readonly selected: readonly Selected<T>[];
  /** τ: 0 when the budget did not bind, Infinity when the floor alone used it. */
  readonly threshold: number;
  /** Estimated spend of the taken requests, plus the debt the window opened with. */
  readonly spent: Cost;
  readonly limits: Cost;
}

/** A cost or limit as numbers by resource, in BUDGET_RESOURCES order (a limit absent is Infinity). */
type Amounts = [number, number, number];
const EPSILON = 1e-9;

function amounts(cost: Cost, absent: number): Amounts {
  return [cost.calls ?? absent, cost.tokens ?? absent, cost.evaluations ?? absent];
}

interface Held<T> {
  readonly candidate: Candidate<T>;
  readonly amounts: Amounts;
  readonly weight: number;
  readonly priority: number;
  /** False when its cost alone exceeds the window's budget. */
  readonly competes: boolean;
  /** Its floor probability. */
  readonly floor: number;
}

class OpenWindow<T> {
  readonly floorTaken: Held<T>[] = [];
  /** Held competitors, best priority first; every one fits with the floor's takes and those before it. */
  ranked: Held<T>[] = [];
  /** Priority of the first competitor that did not fit; null while none. */
  stopper: number | null = null;
  offered = 0;
  /** Cost offered so far (taken or not): the traffic the floor is sized by. */
  readonly offeredCost: Amounts = [0, 0, 0];
  /** The debt the window opened with, plus the floor's takes. */
  readonly floorSpend: Amounts;
  private readonly limit: Amounts;

  constructor(
    readonly startMs: number,
    readonly endMs: number,
    readonly limits: Cost,
    readonly opening: Cost,
  ) {
    this.floorSpend = amounts(opening, 0);
    this.limit = amounts(limits, Number.POSITIVE_INFINITY);
  }

  /** Re-checks the ranking from position `from` (everything before it still fits) and cuts it at the first misfit. */
  refit(from: number): void {
    const L = this.limit;
    let [a, b, c] = this.floorSpend;
    if (a > L[0] + EPSILON || b > L[1] + EPSILON || c > L[2] + EPSILON) {
      this.stopper = Number.POSITIVE_INFINITY;
      this.ranked = [];
      return;
    }
    const ranked = this.ranked;
    for (let i = 0; i < from; i++) {
      const k = ranked[i].amounts;
      a += k[0];
      b += k[1];
      c += k[2];
    }
    for (let i = from; i < ranked.length; i++) {
      const k = ranked[i].amounts;
      if (a + k[0] > L[0] + EPSILON || b + k[1] > L[1] + EPSILON || c + k[2] > L[2] + EPSILON) {
        this.stopper = ranked[i].priority;
        ranked.length = i;
        return;
      }
      a += k[0];
      b += k[1];
      c += k[2];
    }
  }

  add(held: Held<T>, byFloor: boolean): void {
    this.offered++;
    if (byFloor) {
      this.floorTaken.push(held);
      for (let r = 0; r < 3; r++) this.floorSpend[r] += held.amounts[r];
      this.refit(0);
      return;
    }
    if (!held.competes) return;
    if (this.stopper !== null && held.priority <= this.stopper) return;
    // Binary search for the first position whose priority is lower.
    let lo = 0;
    let hi = this.ranked.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ranked[mid].priority >= held.priority) lo = mid + 1;
      else hi = mid;
    }
    this.ranked.splice(lo, 0, held);
    this.refit(lo);
  }

  close(): WindowResult<T> {
    const tau = this.stopper ?? 0;
    const pi = (h: Held<T>): number => {
      const byPriority = !h.competes ? 0 : tau === 0 ? 1 : Math.min(1, h.weight / tau);
      return Math.min(1, h.floor + (1 - h.floor) * byPriority);
    };
    const selected: Selected<T>[] = [];
    const spend = new Spend(this.opening);
    const take = (h: Held<T>, byFloor: boolean): void => {
      const c = h.candidate;
      spend.add(c.cost);
      selected.push({ item: c.item, risk: c.risk, cost: c.cost, timeMs: c.timeMs, inclusionProbability: pi(h), byFloor, floor: h.floor });
    };
    for (const h of this.floorTaken) take(h, true);
    for (const h of this.ranked) take(h, false);
    return { startMs: this.startMs, endMs: this.endMs, offered: this.offered, selected, threshold: tau, spent: spend.value(), limits: this.limits };
  }
}

export interface SamplerStats {
  readonly offered: number;
  readonly selected: number;
  readonly windows: number;
  /** Estimated spend not yet paid back, per resource. */
  readonly debt: Cost;
}

/**
 * @example
 * const s = new BudgetedSampler<Span>({ perMinute: { calls: 30 }, windowMs: 60_000, floor: 0.02, seed: 1 });
 * for (const span of spans) for (const w of s.offer({ item: span, risk: score(span), cost: { calls: 1 }, timeMs: t(span) })) judge(w.selected);
 * for (const w of s.flush()) judge(w.selected);
 */
export class BudgetedSampler<T> {
  private readonly rand: Random;
  private readonly limits: Cost;
  private open: OpenWindow<T> | null = null;
  /** End of the last closed window: later offers with earlier times count in the open window. */
  private closedUntilMs = Number.NEGATIVE_INFINITY;
  private readonly debt: Record<BudgetResource, number> = { calls: 0, tokens: 0, evaluations: 0 };
  /** Cost offered in the last closed window. */
  private previousTraffic: Amounts = [0, 0, 0];
  /** The window's budget as numbers (Infinity: unlimited). */
  private readonly limit: Amounts;
  private readonly floorShare: number;
  private counts = { offered: 0, selected: 0, windows: 0 };

  constructor(private readonly options: SamplerOptions) {
    if (!(options.floor > 0 && options.floor <= 1)) throw new RangeError(`floor must be in (0, 1], got ${options.floor}`);
    if (!(options.windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${options.windowMs}`);
    this.floorShare = options.floorShare ?? DEFAULT_FLOOR_SHARE;
    if (!(this.floorShare > 0 && this.floorShare <= 1)) throw new RangeError(`floorShare must be in (0, 1], got ${this.floorShare}`);
    this.rand = mulberry32(options.seed);
    this.limits = limitsPerWindow(options.perMinute, options.windowMs);
    this.limit = amounts(this.limits, Number.POSITIVE_INFINITY);
  }

  /** The floor for the next request of `w`, whose cost is already counted in the window's traffic. */
  private floorFor(w: OpenWindow<T>): number {
    const floor = this.options.floor;
    let f = floor;
    for (let r = 0; r < 3; r++) {
      const limit = this.limit[r];
      if (limit === Number.POSITIVE_INFINITY) continue;
      const share = this.floorShare * limit;
      const sizedFor = Math.max(this.previousTraffic[r], share / floor);
      const n = w.offeredCost[r];
      const burst = n > sizedFor ? (sizedFor / n) ** 2 : 1;
      f = Math.min(f, (share / sizedFor) * burst);
    }
    return f;
  }

  /** The budget of one window. */
  windowLimits(): Cost {
    return this.limits;
  }

  /** Offers one request; returns the windows this offer's time closed (usually none). */
  offer(c: Candidate<T>): WindowResult<T>[] {
    const closed = this.advanceTo(c.timeMs);
    if (this.open === null) this.open = this.openWindow(c.timeMs);
    // Both draws always happen, so the sequence of draws depends only on the order of offers.
    const floorDraw = this.rand();
    const u = 1 - this.rand();
    const risk = Number.isFinite(c.risk) ? Math.min(1, Math.max(0, c.risk)) : 0;
    const weight = priorityWeight(risk);
    const k = amounts(c.cost, 0);
    for (let r = 0; r < 3; r++) this.open.offeredCost[r] += k[r];
    const floor = this.floorFor(this.open);
    const competes = k[0] <= this.limit[0] + EPSILON && k[1] <= this.limit[1] + EPSILON && k[2] <= this.limit[2] + EPSILON;
    this.open.add({ candidate: risk === c.risk ? c : { ...c, risk }, amounts: k, weight, priority: weight / u, competes, floor }, floorDraw < floor);
    this.counts.offered++;
    return closed;
  }

  /** Moves event time to `timeMs`: closes the open window when the time is at or past its end. */
  advanceTo(timeMs: number): WindowResult<T>[] {
    if (this.open !== null && timeMs >= this.open.endMs) return this.flush();
    return [];
  }

  /** Closes the open window now (at shutdown, or when the stream has gone quiet). */
  flush(): WindowResult<T>[] {
    const w = this.open;
    if (w === null) return [];
    this.open = null;
    this.closedUntilMs = w.endMs;
    this.previousTraffic = [...w.offeredCost];
    const result = w.close();
    this.counts.windows++;
    this.counts.selected += result.selected.length;
    return [result];
  }

  /** True while a window holds requests not yet released. */
  holding(): boolean {
    return this.open !== null;
  }

  /**
   * Reports what a taken request really cost (`actual`) against its estimate; spend beyond the estimate is a
   * debt charged to the next windows that open (never more than one window's budget each), spend below it
   * pays off debt.
   */
  settle(resource: BudgetResource, estimated: number, actual: number): void {
    if (!Number.isFinite(estimated) || !Number.isFinite(actual)) return;
    this.debt[resource] = Math.max(0, this.debt[resource] + actual - estimated);
  }

  stats(): SamplerStats {
    return { ...this.counts, debt: { ...this.debt } };
  }

  private openWindow(timeMs: number): OpenWindow<T> {
    const w = this.options.windowMs;
    const aligned = Math.floor(timeMs / w) * w;
    const start = aligned >= this.closedUntilMs - w ? Math.max(aligned, this.closedUntilMs) : aligned;
    const opening: Partial<Record<BudgetResource, number>> = {};
    for (const r of Object.keys(this.debt) as BudgetResource[]) {
      const limit = this.limits[r];
      if (limit === undefined || this.debt[r] <= 0) continue;
      const charged = Math.min(this.debt[r], limit);
      opening[r] = charged;
      this.debt[r] -= charged;
    }
    return new OpenWindow<T>(start, start + w, this.limits, opening);
  }
}
