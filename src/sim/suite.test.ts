/**
 * The benchmark suite in scenarios/: every file loads, and together they cover what `strata bench`
 * promises: every fault type at least three times with different seeds, timings and topologies, at
 * least six no-fault controls with moving load, in the documented ranges.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FAULT_TYPES, FAULTS } from '../model/faults.js';
import { loadScenarioFile, type Scenario } from './scenario.js';

const DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const suite: Scenario[] = FILES.map((f) => loadScenarioFile(`${DIR}${f}`));
const MIN = 60_000;

function kindOf(s: Scenario): string {
  return s.faults.length === 0 ? 'control' : s.faults[0].type;
}

describe('the scenario suite', () => {
  it('every file loads and is named <fault>-<n>.yaml or control-<n>.yaml after its content', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(45);
    for (const [i, s] of suite.entries()) {
      expect(FILES[i]).toMatch(/^[a-z0-9_]+-\d+\.yaml$/);
      expect(`${s.name}.yaml`).toBe(FILES[i]);
      expect(s.name.replace(/-\d+$/, '')).toBe(kindOf(s));
      expect(s.faults.length).toBeLessThanOrEqual(1);
    }
  });

  it('covers every fault type at least three times, with different seeds, timings and topologies', () => {
    for (const type of FAULT_TYPES) {
      const runs = suite.filter((s) => kindOf(s) === type);
      expect(runs.length, type).toBeGreaterThanOrEqual(3);
      const distinct = (f: (s: Scenario) => unknown) => new Set(runs.map((s) => JSON.stringify(f(s)))).size;
      expect(distinct((s) => s.seed), type).toBe(runs.length);
      expect(distinct((s) => [s.faults[0].startMs, s.faults[0].endMs]), type).toBe(runs.length);
      expect(distinct((s) => [s.hosts.map((h) => h.gpus.length), s.replicas.map((r) => r.gpus.length)]), type).toBe(runs.length);
    }
    expect(new Set(suite.map((s) => s.seed)).size).toBe(suite.length);
  });

  it('has at least six no-fault controls whose load moves (a ramp or a step)', () => {
    const controls = suite.filter((s) => s.faults.length === 0);
    expect(controls.length).toBeGreaterThanOrEqual(6);
    for (const s of controls) {
      expect(s.workload.schedule.length, s.name).toBeGreaterThan(0);
      const rates = [s.workload.rate, ...s.workload.schedule.map((p) => p.rate)];
      expect(Math.max(...rates) / Math.min(...rates), s.name).toBeGreaterThan(1.2);
    }
  });

  it('keeps every scenario in the documented ranges', () => {
    for (const s of suite) {
      const where = s.name;
      expect(s.durationMs, where).toBeGreaterThanOrEqual(20 * MIN);
      expect(s.durationMs, where).toBeLessThanOrEqual(25 * MIN);
      expect(s.scrapeIntervalMs, where).toBe(10_000);
      for (const rate of [s.workload.rate, ...s.workload.schedule.map((p) => p.rate)]) {
        expect(rate, where).toBeGreaterThanOrEqual(1.5);
        expect(rate, where).toBeLessThanOrEqual(3);
      }
      expect(s.hosts.length, where).toBeGreaterThanOrEqual(2);
      expect(s.hosts.length, where).toBeLessThanOrEqual(4);
      for (const h of s.hosts) expect(h.gpus.length, where).toBeLessThanOrEqual(4);
      expect(s.replicas.length, where).toBeGreaterThanOrEqual(3);
      expect(s.replicas.length, where).toBeLessThanOrEqual(6);
      expect(new Set(s.replicas.map((r) => r.model)).size, where).toBeLessThanOrEqual(2);
      for (const f of s.faults) {
        // At least five minutes of healthy warm-up; faults start 6-14 minutes in and last 4-10 minutes.
        expect(f.startMs, where).toBeGreaterThanOrEqual(6 * MIN);
        expect(f.startMs, where).toBeLessThanOrEqual(14 * MIN);
        expect(f.endMs - f.startMs, where).toBeGreaterThanOrEqual(4 * MIN);
        expect(f.endMs - f.startMs, where).toBeLessThanOrEqual(10 * MIN);
      }
    }
  });

  it('aims each fault where it has a signature', () => {
    for (const s of suite)
      for (const f of s.faults) {
        const kind = FAULTS[f.type].entityKind;
        const users = s.replicas.filter((r) => f.target !== null && r.gpus.includes(f.target));
        if (kind === 'gpu') expect(users.length, `${s.name}: a replica runs on the GPU`).toBeGreaterThan(0);
        if (f.type === 'nvlink_errors') expect(users.some((r) => r.gpus.length > 1), `${s.name}: a multi-GPU replica`).toBe(true);
        if (f.type === 'reasoning_regression') {
          expect(s.workload.reasoning, s.name).toBe(true);
          const served = s.replicas.filter((r) => r.version === f.target);
          expect(served.length, s.name).toBeGreaterThan(0);
          // Another version of the same model keeps serving: a regression of one version, not of the model.
          const model = served[0].model;
          expect(new Set(s.replicas.filter((r) => r.model === model).map((r) => r.version)).size, s.name).toBe(2);
        }
        if (f.type === 'telemetry_outage') expect(s.hosts.map((h) => h.name), s.name).toContain(f.target);
      }
  });
});
