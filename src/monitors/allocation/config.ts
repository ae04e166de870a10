/**
 * The `monitors.budget:` section: how much the expensive monitors may spend, and how requests are chosen.
 *
 * ```yaml
 * monitors:
 *   budget:
 *     judge: { calls_per_minute: 30, tokens_per_minute: 20000 }   # the LLM judge (monitors.judge); either or both
 *     probes: { evaluations_per_minute: 600 }                      # linear probes applied by Strata
 *     floor: 0.02                # every request is taken with at least this probability
 *     window: 1m                 # allocation window, event time: a whole number of minutes, or a divisor of one
 *     new_version_minutes: 30    # a model version counts as new this long after it is first seen
 *     flagged_users: [u-123]     # user.id / enduser.id values whose requests are risky
 *     weights: { low_confidence: 0.6, anomaly: 0.7, new_version: 0.5, flagged_user: 0.8, monitor_flag: 0.8, error: 0.5 }
 *     seed: 1                    # the sampler's random seed (same stream, same choices)
 * ```
 * Without the section every span is read by every monitor, as before. Errors name the field.
 */
import { parseDurationMs } from '../../duration.js';
import { MonitorConfigError } from '../registry.js';
import { MINUTE_MS, type Cost } from './budget.js';
import { DEFAULT_NEW_VERSION_MS, DEFAULT_RISK_WEIGHTS, type RiskWeights } from './risk.js';

export interface BudgetConfig {
  /** Per minute: `calls` and/or `tokens`; null: the judge is not budgeted. */
  readonly judge: Cost | null;
  /** Per minute: `evaluations`; null: probes are not budgeted. */
  readonly probes: Cost | null;
  readonly floor: number;
  readonly windowMs: number;
  readonly newVersionMs: number;
  readonly flaggedUsers: readonly string[];
  readonly weights: RiskWeights;
  readonly seed: number;
}

export const DEFAULT_BUDGET_FLOOR = 0.02;
export const DEFAULT_BUDGET_WINDOW_MS = MINUTE_MS;
export const DEFAULT_BUDGET_SEED = 0x5eed;
const MAX_WINDOW_MS = 60 * MINUTE_MS;

const WEIGHT_KEYS: Readonly<Record<string, keyof RiskWeights>> = {
  low_confidence: 'lowConfidence',
  anomaly: 'anomaly',
  new_version: 'newVersion',
  flagged_user: 'flaggedUser',
  monitor_flag: 'monitorFlag',
  error: 'error',
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function known(raw: Record<string, unknown>, keys: readonly string[], where: string): void {
  for (const k of Object.keys(raw)) if (!keys.includes(k)) throw new MonitorConfigError(`${where}.${k}`, `unknown setting (known: ${keys.join(', ')})`);
}

function number(v: unknown, where: string, min: number, max: number, minOpen = false): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || (minOpen ? n <= min : n < min) || n > max)
    throw new MonitorConfigError(where, `expected a number in ${minOpen ? '(' : '['}${min}, ${max}], got ${JSON.stringify(v)}`);
  return n;
}

function perMinute(v: unknown, where: string): number {
  return number(v, where, 0, Number.MAX_SAFE_INTEGER, true);
}

/** A per-minute limit must allow at least one unit per window, or nothing could ever be taken. */
function atLeastOnePerWindow(limit: number, windowMs: number, where: string): void {
  if ((limit * windowMs) / MINUTE_MS < 1)
    throw new MonitorConfigError(where, `${limit} per minute is less than one per ${windowMs / 1000}s window; raise it or lengthen monitors.budget.window`);
}

function parseJudge(raw: unknown, windowMs: number): Cost {
  const where = 'monitors.budget.judge';
  if (!isRecord(raw)) throw new MonitorConfigError(where, 'expected a mapping with calls_per_minute and/or tokens_per_minute');
  known(raw, ['calls_per_minute', 'tokens_per_minute'], where);
  if (raw.calls_per_minute === undefined && raw.tokens_per_minute === undefined)
    throw new MonitorConfigError(where, 'expected calls_per_minute and/or tokens_per_minute');
  const out: { calls?: number; tokens?: number } = {};
  if (raw.calls_per_minute !== undefined) {
    out.calls = perMinute(raw.calls_per_minute, `${where}.calls_per_minute`);
    atLeastOnePerWindow(out.calls, windowMs, `${where}.calls_per_minute`);
  }
  if (raw.tokens_per_minute !== undefined) {
    out.tokens = perMinute(raw.tokens_per_minute, `${where}.tokens_per_minute`);
    atLeastOnePerWindow(out.tokens, windowMs, `${where}.tokens_per_minute`);
  }
  return out;
}

function parseProbes(raw: unknown, windowMs: number): Cost {
  const where = 'monitors.budget.probes';
  if (!isRecord(raw)) throw new MonitorConfigError(where, 'expected a mapping with evaluations_per_minute');
  known(raw, ['evaluations_per_minute'], where);
  if (raw.evaluations_per_minute === undefined) throw new MonitorConfigError(`${where}.evaluations_per_minute`, 'required');
  const evaluations = perMinute(raw.evaluations_per_minute, `${where}.evaluations_per_minute`);
  atLeastOnePerWindow(evaluations, windowMs, `${where}.evaluations_per_minute`);
  return { evaluations };
}

function parseWindow(v: unknown): number {
  const where = 'monitors.budget.window';
  if (v === undefined) return DEFAULT_BUDGET_WINDOW_MS;
  const ms = parseDurationMs(v, (expected) => {
    throw new MonitorConfigError(where, `expected ${expected}, got ${JSON.stringify(v)}`);
  });
  if (ms < 1000 || ms > MAX_WINDOW_MS || !Number.isInteger(ms) || (MINUTE_MS % ms !== 0 && ms % MINUTE_MS !== 0))
    throw new MonitorConfigError(where, `expected a whole number of minutes up to 60m, or a divisor of a minute of at least 1s (10s, 15s, 30s), got ${JSON.stringify(v)}`);
  return ms;
}

function parseWeights(v: unknown): RiskWeights {
  const where = 'monitors.budget.weights';
  if (v === undefined) return DEFAULT_RISK_WEIGHTS;
  if (!isRecord(v)) throw new MonitorConfigError(where, `expected a mapping of ${Object.keys(WEIGHT_KEYS).join(', ')}`);
  known(v, Object.keys(WEIGHT_KEYS), where);
  const out: Record<keyof RiskWeights, number> = { ...DEFAULT_RISK_WEIGHTS };
  for (const [k, field] of Object.entries(WEIGHT_KEYS)) if (v[k] !== undefined) out[field] = number(v[k], `${where}.${k}`, 0, 1);
  return out;
}

function parseUsers(v: unknown): readonly string[] {
  if (v === undefined) return [];
  const where = 'monitors.budget.flagged_users';
  if (!Array.isArray(v)) throw new MonitorConfigError(where, 'expected a list of user ids');
  return v.map((u, i) => {
    if (typeof u === 'number' && Number.isInteger(u)) return String(u);
    if (typeof u !== 'string' || u.trim() === '') throw new MonitorConfigError(`${where}[${i}]`, `expected a user id, got ${JSON.stringify(u)}`);
    return u.trim();
  });
}

/** Validates `monitors.budget`; null when absent or false (no budget: every span is read). */
export function parseBudgetConfig(raw: unknown): BudgetConfig | null {
  if (raw === undefined || raw === null || raw === false) return null;
  const where = 'monitors.budget';
  if (!isRecord(raw)) throw new MonitorConfigError(where, 'expected a mapping with judge and/or probes');
  known(raw, ['judge', 'probes', 'floor', 'window', 'new_version_minutes', 'flagged_users', 'weights', 'seed'], where);
  if (raw.judge === undefined && raw.probes === undefined) throw new MonitorConfigError(where, 'expected judge and/or probes: a budget for something');
  const windowMs = parseWindow(raw.window);
  return {
    judge: raw.judge === undefined ? null : parseJudge(raw.judge, windowMs),
    probes: raw.probes === undefined ? null : parseProbes(raw.probes, windowMs),
    floor: raw.floor === undefined ? DEFAULT_BUDGET_FLOOR : number(raw.floor, `${where}.floor`, 0, 1, true),
    windowMs,
    newVersionMs: raw.new_version_minutes === undefined ? DEFAULT_NEW_VERSION_MS : number(raw.new_version_minutes, `${where}.new_version_minutes`, 0, 7 * 24 * 60) * MINUTE_MS,
    flaggedUsers: parseUsers(raw.flagged_users),
    weights: parseWeights(raw.weights),
    seed: raw.seed === undefined ? DEFAULT_BUDGET_SEED : Math.trunc(number(raw.seed, `${where}.seed`, 0, 2 ** 32 - 1)),
  };
}
