/**
 * The allocation a stage holds: the risk scorer, and one budgeted pool per expensive kind of work (the LLM
 * judge's calls and tokens, the linear probes' evaluations), each a {@link BudgetedSampler} that releases the
 * chosen requests, with their inclusion probabilities, when its event-time window closes. A pool also closes
 * its window when the stream goes quiet for a window's length of wall time, so the last requests of a burst
 * are not held until traffic resumes, and when a window has stayed open for MAX_OPEN_WALL_WINDOWS windows of
 * wall time (a span stamped far in the future opened it): which requests are chosen never depends on the
 * wall clock, only when they are released.
 */
import { TokenEstimator, type BudgetResource } from './budget.js';
import type { BudgetConfig } from './config.js';
import { RiskScorer, type AnomalyCheck } from './risk.js';
import { BudgetedSampler, type Candidate, type SamplerStats, type Selected, type WindowResult } from './sampler.js';

export type PoolName = 'judge' | 'probes';
/** A window open this many window lengths of wall time is closed even while traffic goes on. */
export const MAX_OPEN_WALL_WINDOWS = 3;
const POOL_SEED_STEP: Readonly<Record<PoolName, number>> = { judge: 0, probes: 1 };

export interface AllocationOptions {
  /** Open anomalies on a request's entities raise its risk; default none. Can be wired later (`setAnomalyCheck`). */
  readonly hasOpenAnomaly?: AnomalyCheck;
  /** Wall-clock quiet time after which an open window is closed; default the window's length; null: never. */
  readonly idleFlushMs?: number | null;
}

/** Releases the requests a pool chose, window by window. */
export type OnSelected<T> = (selected: readonly Selected<T>[], window: WindowResult<T>) => void;

/** One budgeted pool on the stream. */
export class BudgetPool<T> {
  private timer: NodeJS.Timeout | null = null;
  private touched = false;
  /** Quiet-stream checks the open window has survived. */
  private checks = 0;

  constructor(
    private readonly sampler: BudgetedSampler<T>,
    private readonly onSelected: OnSelected<T>,
    private readonly idleFlushMs: number | null,
  ) {}

  /** Moves event time on (every span, whether or not it is offered), closing windows that ended. */
  observe(timeMs: number): void {
    this.release(this.sampler.advanceTo(timeMs));
  }

  offer(candidate: Candidate<T>): void {
    this.release(this.sampler.offer(candidate));
    this.touched = true;
    this.arm();
  }

  /** Real spend of a released request, against its estimate (budget.ts debt). */
  settle(resource: BudgetResource, estimated: number, actual: number): void {
    this.sampler.settle(resource, estimated, actual);
  }

  /** Closes the open window now. */
  flush(): void {
    this.release(this.sampler.flush());
  }

  /** Closes the open window and stops the quiet-stream timer. Idempotent. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush();
  }

  stats(): SamplerStats {
    return this.sampler.stats();
  }

  private release(windows: readonly WindowResult<T>[]): void {
    if (windows.length > 0) this.checks = 0;
    for (const w of windows) if (w.selected.length > 0) this.onSelected(w.selected, w);
  }

  private arm(): void {
    if (this.timer !== null || this.idleFlushMs === null) return;
    this.touched = false;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.sampler.holding()) return;
      this.checks++;
      if (this.touched && this.checks < MAX_OPEN_WALL_WINDOWS) this.arm();
      else this.flush();
    }, this.idleFlushMs);
    this.timer.unref();
  }
}

/**
 * @example
 * const allocation = new Allocation(config.monitors.budget, { hasOpenAnomaly: (ids) => detector.hasOpen(ids) });
 * new MonitorStage(configuredMonitors(config.monitors), offer, log, allocation);
 */
export class Allocation {
  readonly risk: RiskScorer;
  /** The judge's token estimate, corrected by the tokens its calls report. */
  readonly judgeTokens = new TokenEstimator();

  constructor(
    readonly config: BudgetConfig,
    private readonly options: AllocationOptions = {},
  ) {
    this.risk = new RiskScorer({
      weights: config.weights,
      flaggedUsers: config.flaggedUsers,
      newVersionMs: config.newVersionMs,
      hasOpenAnomaly: options.hasOpenAnomaly,
    });
  }

  setAnomalyCheck(check: AnomalyCheck | null): void {
    this.risk.setAnomalyCheck(check);
  }

  /** True when the pool has a budget. */
  budgeted(pool: PoolName): boolean {
    return this.config[pool] !== null;
  }

  /** A pool on the stream, or null when the pool has no budget (everything is read, as without a budget). */
  pool<T>(pool: PoolName, onSelected: OnSelected<T>): BudgetPool<T> | null {
    const perMinute = this.config[pool];
    if (perMinute === null) return null;
    const sampler = new BudgetedSampler<T>({
      perMinute,
      windowMs: this.config.windowMs,
      floor: this.config.floor,
      seed: (this.config.seed + POOL_SEED_STEP[pool] * 0x9e3779b9) >>> 0,
    });
    const idle = this.options.idleFlushMs === undefined ? this.config.windowMs : this.options.idleFlushMs;
    return new BudgetPool(sampler, onSelected, idle);
  }
}

/** The allocation for a `monitors.budget` section, or null without one (nothing budgeted). */
export function createAllocation(budget: BudgetConfig | null | undefined, options: AllocationOptions = {}): Allocation | null {
  return budget ? new Allocation(budget, options) : null;
}
