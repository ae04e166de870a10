/** Layer 3, behavioural monitors: the public surface of `src/monitors/`. */
export { actionsText, evidenceSourceText } from './types.js';
export type { Evidence, EvidenceSource, Monitor, MonitorAction, MonitorCost, MonitorInput, MonitorResult, MonitorScope } from './types.js';
export {
  MonitorConfigError,
  MonitorRegistry,
  UnknownMonitorError,
  readNumber,
  readScope,
  readThreshold,
  rejectUnknownOptions,
} from './registry.js';
export type { MonitorFactory, MonitorOptions, MonitorSetConfig, MonitorSpec } from './registry.js';
export { BUILTIN_MONITORS, RULE_MONITOR_NAMES, RULE_PACKS, buildMonitors, createBuiltinRegistry } from './builtins.js';
export { compilePack, matchText, scoreMatches, NEGATED_FACTOR, OTHER_PARTY_FACTOR, QUOTED_FACTOR } from './rules/matcher.js';
export type { CompiledPack, MatchContext, Rule, RuleMatch, RulePack } from './rules/matcher.js';
export { DEFAULT_RULE_THRESHOLD, RulePackMonitor, rulePackFactory } from './rules/pack-monitor.js';
export type { RulePackOptions } from './rules/pack-monitor.js';
export { REWARD_HACKING } from './rules/reward-hacking.js';
export { DECEPTION } from './rules/deception.js';
export { SANDBAGGING } from './rules/sandbagging.js';
export { EVAL_AWARENESS } from './rules/eval-awareness.js';
export { SELF_PRESERVATION } from './rules/self-preservation.js';
export { ConsistencyMonitor, DEFAULT_NUMBER_TOLERANCE, answersAgree, outputAnswer, reasoningConclusion } from './consistency.js';
export type { AnswerKind, ConsistencyOptions, FoundAnswer } from './consistency.js';
export { DEFAULT_LEGIBILITY, LegibilityMonitor, MIN_CHARS, approxTokens, measureLegibility } from './legibility.js';
export type { LegibilityMeasures, LegibilityOptions } from './legibility.js';
