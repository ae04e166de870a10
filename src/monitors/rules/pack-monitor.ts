/**
 * A rule pack as a {@link Monitor}: scans the texts its scope covers (reasoning for `cot`, the actions for
 * `action`, reasoning + actions + output for `all`), scores the matches, flags at the threshold.
 */
import { readScope, readThreshold, rejectUnknownOptions } from '../registry.js';
import type { MonitorOptions } from '../registry.js';
import { actionsText } from '../types.js';
import type { EvidenceSource, Monitor, MonitorInput, MonitorResult, MonitorScope } from '../types.js';
import { compilePack, evidenceOf, matchText, scoreMatches } from './matcher.js';
import type { CompiledPack, RuleMatch, RulePack } from './matcher.js';

/** A rule pack flags when its score reaches this, unless configured otherwise. */
export const DEFAULT_RULE_THRESHOLD = 0.5;

export interface RulePackOptions {
  /** Flag when the score is at least this; default {@link DEFAULT_RULE_THRESHOLD}. */
  readonly threshold?: number;
  /** Which texts to read; default `all`. */
  readonly scope?: MonitorScope;
}

export class RulePackMonitor implements Monitor {
  readonly name: string;
  readonly scope: MonitorScope;
  readonly threshold: number;
  private readonly compiled: CompiledPack;

  constructor(pack: RulePack, options: RulePackOptions = {}) {
    this.name = pack.name;
    this.compiled = compilePack(pack);
    this.threshold = options.threshold ?? DEFAULT_RULE_THRESHOLD;
    this.scope = options.scope ?? 'all';
  }

  run(input: MonitorInput): MonitorResult {
    const t0 = performance.now();
    const matches: RuleMatch[] = [];
    const acts = this.scope === 'cot' ? '' : actionsText(input.actions);
    if (this.scope !== 'action') matchText(this.compiled, input.reasoning, 'reasoning', matches);
    if (acts.length > 0) matchText(this.compiled, acts, 'actions', matches);
    if (this.scope === 'all') matchText(this.compiled, input.output, 'output', matches);
    const score = scoreMatches(matches);
    const texts: Record<EvidenceSource, string> = { reasoning: input.reasoning, output: input.output, actions: acts };
    return {
      monitor: this.name,
      flag: score >= this.threshold && matches.length > 0,
      score,
      evidence: matches.length === 0 ? [] : evidenceOf(matches, texts),
      cost: { tokens: 0, ms: performance.now() - t0 },
    };
  }
}

/** The registry factory of a pack: options `threshold` and `scope`. */
export function rulePackFactory(pack: RulePack): (options: MonitorOptions) => RulePackMonitor {
  return (options) => {
    rejectUnknownOptions(options, ['threshold', 'scope']);
    return new RulePackMonitor(pack, { threshold: readThreshold(options, DEFAULT_RULE_THRESHOLD), scope: readScope(options, 'all') });
  };
}
