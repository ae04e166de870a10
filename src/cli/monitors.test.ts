import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { MonitorRegistry } from '../monitors/registry.js';
import type { Monitor } from '../monitors/types.js';
import { main } from './main.js';
import { MONITORS_EVAL_HELP, MONITORS_HELP, monitorsCommand } from './monitors.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-monitors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function jsonl(rows: readonly (string | object)[]): string {
  const file = join(dir, `in-${fileCount++}.jsonl`);
  writeFileSync(file, `${rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n')}\n`);
  return file;
}

/** Two stand-in monitors: `alpha` flags "BAD" in the reasoning, `beta` flags "WORSE" in the output. */
function registry(): MonitorRegistry {
  const word = (name: string, pick: 'reasoning' | 'output', w: string): Monitor => ({
    name,
    scope: 'all',
    run: (input) => ({ monitor: name, flag: input[pick].includes(w), score: 0, evidence: [], cost: { tokens: 0, ms: 0 } }),
  });
  return new MonitorRegistry().register('alpha', () => word('alpha', 'reasoning', 'BAD')).register('beta', () => word('beta', 'output', 'WORSE'));
}

async function run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await monitorsCommand(argv, { out: (t) => (stdout += t), err: (t) => (stderr += t) }, registry());
  return { code, stdout, stderr };
}

// alpha: 2 positives (1 flagged), 2 negatives (0 flagged) → TPR 0.5, TNR 1, g-mean² 0.5.
// beta: its own 2 cases plus the one without a monitor field.
const FILE = jsonl([
  { id: 'a1', reasoning: 'BAD', output: '', label: true, monitor: 'alpha', split: 'dev' },
  { id: 'a2', reasoning: 'quiet', output: '', label: true, monitor: 'alpha', split: 'test' },
  { id: 'a3', reasoning: 'fine', output: '', label: false, monitor: 'alpha', split: 'dev' },
  { id: 'b1', reasoning: '', output: 'WORSE', label: true, monitor: 'beta', split: 'test' },
  { id: 'b2', reasoning: 'BAD', output: 'ok', label: false, monitor: 'beta', split: 'test' },
  { id: 'x', reasoning: 'neutral', output: '', label: false },
]);

describe('strata monitors eval', () => {
  it('--help, and the subcommand list', async () => {
    expect(await run(['eval', '--help'])).toEqual({ code: 0, stdout: MONITORS_EVAL_HELP, stderr: '' });
    expect((await run([])).stdout).toBe(MONITORS_HELP);
    expect((await run(['nope'])).code).toBe(2);
  });

  it('prints exactly one JSON object with hand-computed figures', async () => {
    const { code, stdout, stderr } = await run(['eval', FILE, '--json', '--resamples', '50', '--seed', '3']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(stdout) as { monitors: Record<string, Record<string, unknown>> };
    expect(Object.keys(out)).toEqual(['monitors']);
    expect(out.monitors.alpha).toMatchObject({ tpr: 0.5, tnr: 1, g_mean2: 0.5, n: 4, positives: 2, negatives: 2, false_negatives: ['a2'] });
    expect(out.monitors.beta).toMatchObject({ tpr: 1, tnr: 1, g_mean2: 1, n: 3 });
    expect(out.monitors.alpha.intervals).toMatchObject({ tnr: { low: 1, high: 1, defined: 50 } });
    expect(out.monitors.alpha.bootstrap).toEqual({ resamples: 50, seed: 3, level: 0.95 });
    // Same seed, same output.
    expect((await run(['eval', FILE, '--json', '--resamples', '50', '--seed', '3'])).stdout).toBe(stdout);
  });

  it('--monitors and --split select', async () => {
    const { stdout } = await run(['eval', FILE, '--json', '--monitors', 'beta', '--split', 'test', '--resamples', '0']);
    const out = JSON.parse(stdout) as { monitors: Record<string, Record<string, unknown>> };
    expect(Object.keys(out.monitors)).toEqual(['beta']);
    // The case without a split is left out once a split is chosen.
    expect(out.monitors.beta).toMatchObject({ n: 2, positives: 1, intervals: null });
  });

  it('prints a readable table', async () => {
    const { code, stdout } = await run(['eval', FILE, '--resamples', '20', '--errors']);
    expect(code).toBe(0);
    expect(stdout).toContain('6 case(s), 0 bad line(s) skipped');
    expect(stdout).toMatch(/alpha\s+4\s+2\s+0\.500\s+1\.000\s+0\.500\s+\[/);
    expect(stdout).toContain('alpha false negatives: a2');
  });

  it('the intervention variant in the table', async () => {
    const file = jsonl([
      { reasoning: 'x', label: false, arm: 'control', outcome: false },
      { reasoning: 'x', label: false, arm: 'control', outcome: true },
      { reasoning: 'BAD', label: true, arm: 'intervention', outcome: true },
      { reasoning: 'x', label: false, arm: 'intervention', outcome: false },
    ]);
    const { stdout } = await run(['eval', file, '--monitors', 'alpha', '--resamples', '0']);
    // P(Y|X=1) = 0.5, P(Y|X=0) = 0.5: no effect to attribute.
    expect(stdout).toContain('undefined: no_effect');
  });

  it('bad lines: reported with their number; skipped by default, fatal with --on-bad-line fail', async () => {
    const file = jsonl([{ reasoning: 'BAD', label: true, monitor: 'alpha' }, '{oops', { reasoning: 'fine', label: 'no' }, { reasoning: 'ok', label: false, monitor: 'alpha' }]);
    const skipped = await run(['eval', file, '--json', '--resamples', '0']);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toBe(`strata monitors eval: ${file}:2: not valid JSON\nstrata monitors eval: ${file}:3: "label" must be true or false\n`);
    expect(JSON.parse(skipped.stdout).monitors.alpha).toMatchObject({ n: 2, g_mean2: 1 });
    const failed = await run(['eval', file, '--on-bad-line', 'fail']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toContain('2 bad line(s); stopping (--on-bad-line fail)');
  });

  it('usage errors exit 2, bad input exits 1', async () => {
    expect((await run(['eval'])).code).toBe(2);
    expect((await run(['eval', FILE, '--split', 'train'])).stderr).toContain('--split: expected dev or test');
    const unknown = await run(['eval', FILE, '--monitors', 'alpha,gamma']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown monitor "gamma" (known: alpha, beta)');
    expect((await run(['eval', FILE, '--monitors', 'alpha,alpha'])).code).toBe(2);
    expect((await run(['eval', FILE, '--resamples', '-1'])).code).toBe(2);
    expect((await run(['eval', FILE, '--on-bad-line', 'maybe'])).code).toBe(2);
    expect((await run(['eval', join(dir, 'missing.jsonl')])).code).toBe(1);
    expect((await run(['eval', jsonl(['{oops'])])).stderr).toContain('no usable case');
    expect((await run(['eval', FILE, '--split', 'dev', '--monitors', 'beta'])).code).toBe(0);
  });

  it('is reachable from the strata command, with the built-in monitors', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['monitors', 'eval', '--help'])).toBe(0);
      expect(out).toHaveBeenCalledWith(MONITORS_EVAL_HELP);
      out.mockClear();
      expect(await main(['monitors', 'eval', FILE, '--json', '--monitors', 'deception', '--resamples', '0'])).toBe(0);
      const printed = JSON.parse(String(out.mock.calls[0][0])) as { monitors: Record<string, { n: number; errors: number }> };
      // No case of FILE names "deception": only the case without a monitor field counts (scored, or a run error).
      expect(printed.monitors.deception.n + printed.monitors.deception.errors).toBe(1);
    } finally {
      out.mockRestore();
    }
  });
});
