/**
 * The `monitors:` section: which monitors read the stream, for which models, and the LLM judge.
 *
 * ```yaml
 * monitors:
 *   set: { reward_hacking: { threshold: 0.6 }, legibility: false }   # default: every built-in monitor
 *   models: ["*"]                                                      # globs on the response's model
 *   judge:                                                             # off unless configured
 *     endpoint: http://localhost:4100/v1      # any OpenAI-compatible endpoint, Strata's gateway too
 *     model: gpt-4o-mini
 *     scope: cot                               # cot | action | all
 *     threshold: 0.5
 *     api_key_env: OPENAI_API_KEY
 *     prompt: "..."                            # {{task}} {{reasoning}} {{actions}} {{output}}
 *     models: ["llama-*"]
 *   budget:                                                            # off unless configured (allocation/config.ts)
 *     judge: { calls_per_minute: 30, tokens_per_minute: 20000 }
 *     probes: { evaluations_per_minute: 600 }
 *     floor: 0.02
 * ```
 * `monitors: false` runs none.
 */
import { globMatcher } from '../glob.js';
import { BUILTIN_MONITORS, buildMonitors } from './builtins.js';
import { parseDurationMs } from '../duration.js';
import { createJudgeMonitor, type JudgeOptions } from './judge.js';
import { MonitorConfigError, type MonitorSetConfig } from './registry.js';
import { parseBudgetConfig, type BudgetConfig } from './allocation/config.js';
import type { ConfiguredMonitor } from './stage.js';
import type { MonitorScope } from './types.js';

export interface MonitorsConfig {
  readonly set: MonitorSetConfig;
  readonly models: readonly string[] | null;
  readonly judge: (JudgeOptions & { readonly models: readonly string[] | null }) | null;
  /** How much the expensive monitors may spend (docs/monitors-budget.md); absent or null: no budget. */
  readonly budget?: BudgetConfig | null;
}

export const DEFAULT_MONITORS_CONFIG: MonitorsConfig = { set: Object.keys(BUILTIN_MONITORS), models: null, judge: null };
export const NO_MONITORS: MonitorsConfig = { set: [], models: null, judge: null };

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function globs(v: unknown, where: string): readonly string[] | null {
  if (v === undefined) return null;
  if (!Array.isArray(v) || v.some((g) => typeof g !== 'string' || g === '')) throw new MonitorConfigError(where, 'expected a list of model globs');
  return v as string[];
}

function text(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new MonitorConfigError(where, `expected a non-empty string, got ${JSON.stringify(v)}`);
  return v.trim();
}

/** Validates the section; the monitors are built once here too, so a bad option fails at start. */
export function parseMonitorsConfig(raw: unknown): MonitorsConfig {
  if (raw === undefined || raw === null || raw === true) return DEFAULT_MONITORS_CONFIG;
  if (raw === false) return NO_MONITORS;
  if (!isRecord(raw)) throw new MonitorConfigError('monitors', 'expected false or a mapping with set, models, judge, budget');
  for (const k of Object.keys(raw)) if (!['set', 'models', 'judge', 'budget'].includes(k)) throw new MonitorConfigError(`monitors.${k}`, 'unknown setting (known: set, models, judge, budget)');
  const set = (raw.set ?? DEFAULT_MONITORS_CONFIG.set) as MonitorSetConfig;
  buildMonitors(set);
  let judge: MonitorsConfig['judge'] = null;
  if (raw.judge !== undefined && raw.judge !== false) {
    const j = raw.judge;
    if (!isRecord(j)) throw new MonitorConfigError('monitors.judge', 'expected a mapping with endpoint and model');
    const known = ['endpoint', 'model', 'scope', 'threshold', 'api_key_env', 'prompt', 'timeout', 'max_tokens', 'models', 'name'];
    for (const k of Object.keys(j)) if (!known.includes(k)) throw new MonitorConfigError(`monitors.judge.${k}`, `unknown setting (known: ${known.join(', ')})`);
    const endpoint = text(j.endpoint, 'monitors.judge.endpoint');
    try {
      new URL(endpoint);
    } catch {
      throw new MonitorConfigError('monitors.judge.endpoint', `expected a URL such as http://localhost:4100/v1, got ${JSON.stringify(endpoint)}`);
    }
    const scope = (j.scope ?? 'all') as MonitorScope;
    if (!['cot', 'action', 'all'].includes(scope)) throw new MonitorConfigError('monitors.judge.scope', 'expected cot, action or all');
    const threshold = j.threshold === undefined ? undefined : Number(j.threshold);
    if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new MonitorConfigError('monitors.judge.threshold', 'expected a number in [0, 1]');
    judge = {
      endpoint,
      model: text(j.model, 'monitors.judge.model'),
      scope,
      threshold,
      name: j.name === undefined ? undefined : text(j.name, 'monitors.judge.name'),
      apiKeyEnv: j.api_key_env === undefined ? undefined : text(j.api_key_env, 'monitors.judge.api_key_env'),
      prompt: j.prompt === undefined ? undefined : text(j.prompt, 'monitors.judge.prompt'),
      timeoutMs: j.timeout === undefined ? undefined : parseDurationMs(j.timeout, (expected) => { throw new MonitorConfigError('monitors.judge.timeout', `expected ${expected}, got ${JSON.stringify(j.timeout)}`); }),
      maxTokens: j.max_tokens === undefined ? undefined : Number(j.max_tokens),
      models: globs(j.models, 'monitors.judge.models'),
    };
  }
  const budget = parseBudgetConfig(raw.budget);
  if (budget?.judge && judge === null) throw new MonitorConfigError('monitors.budget.judge', 'no judge to budget: configure monitors.judge');
  return { set, models: globs(raw.models, 'monitors.models'), judge, budget };
}

/** The monitors the stage runs, built from the section. */
export function configuredMonitors(config: MonitorsConfig): ConfiguredMonitor[] {
  const matcher = (list: readonly string[] | null): ((m: string) => boolean) | null => {
    if (list === null) return null;
    const ms = list.map(globMatcher);
    return (m) => ms.some((f) => f(m));
  };
  const out: ConfiguredMonitor[] = buildMonitors(config.set).map((monitor) => ({ monitor, models: matcher(config.models) }));
  if (config.judge)
    out.push({ monitor: createJudgeMonitor(config.judge), models: matcher(config.judge.models), ...(config.budget?.judge ? { pool: 'judge' as const } : {}) });
  return out;
}
