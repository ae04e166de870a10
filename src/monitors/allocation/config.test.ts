import { describe, expect, it } from 'vitest';
import { configuredMonitors, parseMonitorsConfig } from '../stage-config.js';
import { DEFAULT_BUDGET_FLOOR, DEFAULT_BUDGET_WINDOW_MS, parseBudgetConfig } from './config.js';
import { DEFAULT_RISK_WEIGHTS } from './risk.js';

const judge = { endpoint: 'http://localhost:4100/v1', model: 'judge-1' };

describe('monitors.budget', () => {
  it('is off when absent, and reads every setting with its default', () => {
    expect(parseBudgetConfig(undefined)).toBeNull();
    expect(parseBudgetConfig(false)).toBeNull();
    expect(parseBudgetConfig({ judge: { calls_per_minute: 30 } })).toEqual({
      judge: { calls: 30 },
      probes: null,
      floor: DEFAULT_BUDGET_FLOOR,
      windowMs: DEFAULT_BUDGET_WINDOW_MS,
      newVersionMs: 30 * 60_000,
      flaggedUsers: [],
      weights: DEFAULT_RISK_WEIGHTS,
      seed: 0x5eed,
    });
    expect(
      parseBudgetConfig({
        judge: { calls_per_minute: 30, tokens_per_minute: 20000 },
        probes: { evaluations_per_minute: 600 },
        floor: 0.05,
        window: '10s',
        new_version_minutes: 15,
        flagged_users: ['u-1', 7],
        weights: { anomaly: 0.9 },
        seed: 12,
      }),
    ).toEqual({
      judge: { calls: 30, tokens: 20000 },
      probes: { evaluations: 600 },
      floor: 0.05,
      windowMs: 10_000,
      newVersionMs: 15 * 60_000,
      flaggedUsers: ['u-1', '7'],
      weights: { ...DEFAULT_RISK_WEIGHTS, anomaly: 0.9 },
      seed: 12,
    });
  });

  it('names the field at fault', () => {
    const bad: [unknown, RegExp][] = [
      [{}, /^monitors\.budget: expected judge and\/or probes/],
      [{ judge: 30 }, /^monitors\.budget\.judge: expected a mapping/],
      [{ judge: {} }, /^monitors\.budget\.judge: expected calls_per_minute/],
      [{ judge: { calls_per_minute: -1 } }, /^monitors\.budget\.judge\.calls_per_minute: expected a number in \(0/],
      [{ judge: { calls: 3 } }, /^monitors\.budget\.judge\.calls: unknown setting/],
      [{ judge: { calls_per_minute: 3 }, window: '10s' }, /^monitors\.budget\.judge\.calls_per_minute: 3 per minute is less than one per 10s window/],
      [{ probes: {} }, /^monitors\.budget\.probes\.evaluations_per_minute: required/],
      [{ probes: { evaluations_per_minute: 'lots' } }, /^monitors\.budget\.probes\.evaluations_per_minute: expected a number/],
      [{ judge: { calls_per_minute: 30 }, floor: 0 }, /^monitors\.budget\.floor: expected a number in \(0, 1\]/],
      [{ judge: { calls_per_minute: 30 }, window: '7s' }, /^monitors\.budget\.window: expected a whole number of minutes/],
      [{ judge: { calls_per_minute: 30 }, window: 'soon' }, /^monitors\.budget\.window: expected a duration/],
      [{ judge: { calls_per_minute: 30 }, flagged_users: 'u-1' }, /^monitors\.budget\.flagged_users: expected a list/],
      [{ judge: { calls_per_minute: 30 }, flagged_users: [''] }, /^monitors\.budget\.flagged_users\[0\]: expected a user id/],
      [{ judge: { calls_per_minute: 30 }, weights: { anomaly: 2 } }, /^monitors\.budget\.weights\.anomaly: expected a number in \[0, 1\]/],
      [{ judge: { calls_per_minute: 30 }, weights: { gut_feeling: 1 } }, /^monitors\.budget\.weights\.gut_feeling: unknown setting/],
      [{ judge: { calls_per_minute: 30 }, budget: 1 }, /^monitors\.budget\.budget: unknown setting/],
    ];
    for (const [raw, message] of bad) expect(() => parseBudgetConfig(raw), JSON.stringify(raw)).toThrow(message);
  });

  it('belongs to the monitors section: the judge draws on its pool, and a judge budget needs a judge', () => {
    const config = parseMonitorsConfig({ set: ['reward_hacking'], judge, budget: { judge: { calls_per_minute: 30 } } });
    expect(config.budget?.judge).toEqual({ calls: 30 });
    expect(configuredMonitors(config).map((m) => [m.monitor.name, m.pool])).toEqual([
      ['reward_hacking', undefined],
      ['llm_judge', 'judge'],
    ]);
    // Without a budget the judge reads every span, as before.
    expect(configuredMonitors(parseMonitorsConfig({ judge })).find((m) => m.monitor.name === 'llm_judge')?.pool).toBeUndefined();
    expect(() => parseMonitorsConfig({ budget: { judge: { calls_per_minute: 30 } } })).toThrow(/^monitors\.budget\.judge: no judge to budget/);
    expect(parseMonitorsConfig({ budget: { probes: { evaluations_per_minute: 60 } } }).budget?.probes).toEqual({ evaluations: 60 });
  });
});
