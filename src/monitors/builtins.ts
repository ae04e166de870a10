/** The built-in deterministic monitors, by name, and a registry holding them. */
import { consistencyFactory } from './consistency.js';
import { legibilityFactory } from './legibility.js';
import { MonitorRegistry } from './registry.js';
import type { MonitorFactory, MonitorSetConfig } from './registry.js';
import { DECEPTION } from './rules/deception.js';
import { EVAL_AWARENESS } from './rules/eval-awareness.js';
import type { RulePack } from './rules/matcher.js';
import { rulePackFactory } from './rules/pack-monitor.js';
import { REWARD_HACKING } from './rules/reward-hacking.js';
import { SANDBAGGING } from './rules/sandbagging.js';
import { SELF_PRESERVATION } from './rules/self-preservation.js';
import type { Monitor } from './types.js';

/** The rule packs, in the order they are registered. */
export const RULE_PACKS: readonly RulePack[] = [REWARD_HACKING, DECEPTION, SANDBAGGING, EVAL_AWARENESS, SELF_PRESERVATION];

/** Names of the rule-pack monitors. */
export const RULE_MONITOR_NAMES: readonly string[] = RULE_PACKS.map((p) => p.name);

/** Every built-in monitor's factory by name. */
export const BUILTIN_MONITORS: Readonly<Record<string, MonitorFactory>> = {
  ...Object.fromEntries(RULE_PACKS.map((p) => [p.name, rulePackFactory(p)])),
  consistency: consistencyFactory,
  legibility: legibilityFactory,
};

/** A registry holding every built-in monitor; register more on it (an LLM judge, for example). */
export function createBuiltinRegistry(): MonitorRegistry {
  const registry = new MonitorRegistry();
  for (const [name, factory] of Object.entries(BUILTIN_MONITORS)) registry.register(name, factory);
  return registry;
}

/**
 * Builds the configured monitors from the built-ins.
 *
 * @example buildMonitors(['reward_hacking', { name: 'legibility', options: { maxNonLanguage: 0.6 } }])
 */
export function buildMonitors(config: MonitorSetConfig = Object.keys(BUILTIN_MONITORS)): Monitor[] {
  return createBuiltinRegistry().build(config);
}
