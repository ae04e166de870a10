import { describe, expect, it } from 'vitest';
import { BUILTIN_MONITORS, buildMonitors, createBuiltinRegistry } from './builtins.js';
import { MonitorConfigError, MonitorRegistry, UnknownMonitorError } from './registry.js';
import type { Monitor } from './types.js';

describe('registry', () => {
  it('registers the built-ins by name', () => {
    expect(createBuiltinRegistry().names()).toEqual([
      'reward_hacking', 'deception', 'sandbagging', 'eval_awareness', 'self_preservation', 'consistency', 'legibility',
    ]);
    expect(buildMonitors().map((m) => m.name)).toEqual(Object.keys(BUILTIN_MONITORS));
  });
  it('builds from a list or an object, with options', () => {
    const [a, b] = buildMonitors(['deception', { name: 'reward_hacking', options: { threshold: 0.9, scope: 'cot' } }]);
    expect(a.name).toBe('deception');
    expect(b).toMatchObject({ name: 'reward_hacking', scope: 'cot', threshold: 0.9 });
    expect(buildMonitors({ legibility: { maxNonLanguage: 0.7 }, consistency: true, deception: false }).map((m) => m.name)).toEqual(['legibility', 'consistency']);
  });
  it('an unknown monitor is named, with the known ones', () => {
    expect(() => buildMonitors(['reward_hacking', 'mind_reading'])).toThrow(UnknownMonitorError);
    expect(() => buildMonitors(['reward_hacking', 'mind_reading'])).toThrow(/monitors\[1\]: unknown monitor "mind_reading" \(known: reward_hacking, deception/);
  });
  it('option errors name the field', () => {
    expect(() => buildMonitors({ reward_hacking: { threshold: 2 } })).toThrow('monitors.reward_hacking.threshold: must be a number in [0, 1], got 2');
    expect(() => buildMonitors([{ name: 'deception', options: { scope: 'everything' } }])).toThrow(/monitors\[0\]\.scope: must be "cot", "action" or "all"/);
    expect(() => buildMonitors({ legibility: { maxSwitches: 3 } })).toThrow(/monitors\.legibility\.maxSwitches: unknown option/);
    expect(() => buildMonitors(['consistency', 'consistency'])).toThrow(/monitors\[1\]: monitor "consistency" is configured twice/);
    expect(() => buildMonitors([{ name: 'consistency', options: { tolerance: -1 } }])).toThrow(MonitorConfigError);
  });
  it('rejects duplicate and malformed registrations', () => {
    const r = new MonitorRegistry();
    const m: Monitor = { name: 'x', scope: 'all', run: () => ({ monitor: 'x', flag: false, score: 0, evidence: [], cost: { tokens: 0, ms: 0 } }) };
    r.register('x', () => m);
    expect(() => r.register('x', () => m)).toThrow(/already registered/);
    expect(() => r.register('Bad Name', () => m)).toThrow(/must match/);
    expect(r.create('x')).toBe(m);
  });
});
