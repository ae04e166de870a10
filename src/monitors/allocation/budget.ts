/**
 * Budget arithmetic for expensive monitors: limits per minute turned into limits per allocation window
 * (event time), what a window has spent, and the estimate of a judge call's tokens from the text it reads,
 * corrected by the tokens calls really cost.
 */

/** What a budget limits: model calls, model tokens (prompt + completion), probe evaluations. */
export type BudgetResource = 'calls' | 'tokens' | 'evaluations';
export const BUDGET_RESOURCES: readonly BudgetResource[] = ['calls', 'tokens', 'evaluations'];

/** An amount of each resource; an absent resource is 0 (as a cost) or unlimited (as a limit). */
export type Cost = Readonly<Partial<Record<BudgetResource, number>>>;

export const MINUTE_MS = 60_000;
/** Slack for floating-point sums when comparing spend with a limit. */
const EPSILON = 1e-9;

/**
 * The limits of one window of `windowMs`, from limits per minute.
 *
 * @example limitsPerWindow({ calls: 30, tokens: 20_000 }, 10_000) // { calls: 5, tokens: 3333.33… }
 */
export function limitsPerWindow(perMinute: Cost, windowMs: number): Cost {
  const out: Partial<Record<BudgetResource, number>> = {};
  for (const r of BUDGET_RESOURCES) {
    const v = perMinute[r];
    if (v !== undefined) out[r] = (v * windowMs) / MINUTE_MS;
  }
  return out;
}

/** True when `cost` alone is within every limit (it could be afforded by an empty window). */
export function affordable(cost: Cost, limits: Cost): boolean {
  for (const r of BUDGET_RESOURCES) {
    const limit = limits[r];
    if (limit !== undefined && (cost[r] ?? 0) > limit + EPSILON) return false;
  }
  return true;
}

/** A running total of spend, checked against limits. */
export class Spend {
  private readonly totals: Record<BudgetResource, number> = { calls: 0, tokens: 0, evaluations: 0 };

  constructor(opening: Cost = {}) {
    this.add(opening);
  }

  add(cost: Cost): void {
    for (const r of BUDGET_RESOURCES) this.totals[r] += cost[r] ?? 0;
  }

  /** True when the total plus `cost` stays within every limit. */
  fitsWith(cost: Cost, limits: Cost): boolean {
    for (const r of BUDGET_RESOURCES) {
      const limit = limits[r];
      if (limit !== undefined && this.totals[r] + (cost[r] ?? 0) > limit + EPSILON) return false;
    }
    return true;
  }

  /** True when the total itself stays within every limit. */
  within(limits: Cost): boolean {
    return this.fitsWith({}, limits);
  }

  copy(): Spend {
    return new Spend(this.totals);
  }

  value(): Cost {
    return { ...this.totals };
  }
}

/** Characters per token assumed before any call reported its real cost. */
export const DEFAULT_CHARS_PER_TOKEN = 4;
/** Tokens of a judge call besides the text it reads: the prompt template and the answer. */
export const DEFAULT_OVERHEAD_TOKENS = 300;
/** How fast the correction follows the real costs (exponential average weight of the newest call). */
export const DEFAULT_CORRECTION_RATE = 0.2;
const MIN_RATIO = 0.05;
const MAX_RATIO = 20;

/**
 * Tokens a judge call will cost, from the length of the text it reads: (chars / 4 + overhead) × ratio,
 * where the ratio (1 at first) follows real cost / raw estimate of the calls that reported their tokens.
 *
 * @example
 * const t = new TokenEstimator();
 * t.estimate(4000);           // 1300
 * t.learn(t.raw(4000), 2600); // the call cost twice the guess
 * t.estimate(4000);           // 1560: the ratio moved a fifth of the way to 2
 */
export class TokenEstimator {
  private correction = 1;

  constructor(
    private readonly charsPerToken = DEFAULT_CHARS_PER_TOKEN,
    private readonly overheadTokens = DEFAULT_OVERHEAD_TOKENS,
    private readonly rate = DEFAULT_CORRECTION_RATE,
  ) {}

  /** The uncorrected estimate for a text of `chars` characters. */
  raw(chars: number): number {
    return Math.max(0, chars) / this.charsPerToken + this.overheadTokens;
  }

  /** The corrected estimate, rounded up to whole tokens. */
  estimate(chars: number): number {
    return Math.ceil(this.raw(chars) * this.correction);
  }

  /** Learns from one call: its raw estimate and the tokens it really cost (ignored unless both are positive). */
  learn(raw: number, actual: number): void {
    if (!(raw > 0) || !(actual > 0) || !Number.isFinite(actual)) return;
    const next = this.correction + this.rate * (actual / raw - this.correction);
    this.correction = Math.min(MAX_RATIO, Math.max(MIN_RATIO, next));
  }

  /** The current correction factor. */
  ratio(): number {
    return this.correction;
  }
}
