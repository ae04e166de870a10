import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { calibrationMapFromJson } from '../calibration/recalibrate.js';
import { calibrate, CALIBRATE_HELP, reliabilityDiagram } from './calibrate.js';
import { main } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-calibrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function jsonl(lines: readonly (string | object)[]): string {
  const file = join(dir, `in-${fileCount++}.jsonl`);
  writeFileSync(file, `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`);
  return file;
}

async function run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await calibrate(argv, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

interface Fixture {
  readonly methods: Record<string, { correct: number[]; confidence: number[]; expected: { accuracy: number; brier_score: number; ece: number; auroc: number } }>;
}
const gpqa = (JSON.parse(readFileSync(new URL('../../test/fixtures/rlcr/gpqa.json', import.meta.url), 'utf8')) as Fixture).methods.RLCR;

/** The RLCR gpqa responses written three ways: a number, a percentage, and an RLCR-format output. */
function rlcrLines(): object[] {
  return gpqa.confidence.map((c, i) => {
    const correct = i % 2 === 0 ? gpqa.correct[i] === 1 : gpqa.correct[i];
    if (i % 3 === 0) return { correct, confidence: c };
    if (i % 3 === 1) return { correct, confidence: c > 0.01 ? c * 100 : c, id: i }; // (1, 100]: a percentage
    return { correct, output: `<think>…</think><answer>B</answer><analysis>…</analysis><confidence>${c}</confidence>` };
  });
}

describe('strata calibrate --json', () => {
  it('reproduces the RLCR reference metrics from a JSONL file (numbers, percentages, tags)', async () => {
    // c * 100 / 100 may differ from c in the last bit: compare with the reference tolerance
    const r = await run([jsonl(rlcrLines()), '--json', '--resamples', '50']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out.n).toBe(gpqa.confidence.length);
    const e = gpqa.expected;
    for (const [key, want] of [['accuracy', e.accuracy], ['brier', e.brier_score], ['ece', e.ece], ['auroc', e.auroc]] as const) {
      expect(Math.abs((out[key] as number) - want) <= 1e-9, `${key}: ${String(out[key])} vs ${want}`).toBe(true);
    }
    for (const key of ['adaptiveEce', 'mce', 'aurc', 'intervals', 'bins', 'settings']) expect(out).toHaveProperty(key);
    expect(out.formatFailures).toBe(0);
    expect(out.badLines).toBe(0);
    expect(out.bins).toHaveLength(10);
    expect((out.intervals as Record<string, { low: number; high: number }>).ece.low).toBeLessThan(out.ece as number);
    expect(out).not.toHaveProperty('fit');
  });

  it('--bins, --seed and --resamples reach the report; the same seed gives the same output', async () => {
    const file = jsonl(rlcrLines());
    const a = await run([file, '--json', '--bins', '5', '--resamples', '20', '--seed', '3']);
    const b = await run([file, '--json', '--bins=5', '--resamples=20', '--seed=3']);
    expect(a.stdout).toBe(b.stdout);
    const out = JSON.parse(a.stdout) as { bins: unknown[]; settings: unknown };
    expect(out.bins).toHaveLength(5);
    expect(out.settings).toEqual({ bins: 5, adaptiveBins: 5, resamples: 20, seed: 3 });
    const none = JSON.parse((await run([file, '--json', '--resamples', '0'])).stdout) as { intervals: unknown };
    expect(none.intervals).toBeNull();
  });

  it('--fit adds the held-out evaluation and a map that parses back', async () => {
    const r = await run([jsonl(rlcrLines()), '--json', '--resamples', '0', '--fit', 'isotonic', '--held-out', '0.4']);
    expect(r.code).toBe(0);
    const { fit } = JSON.parse(r.stdout) as { fit: { method: string; nFit: number; nHeldOut: number; eceBefore: number; eceAfter: number; map: unknown } };
    expect(fit.method).toBe('isotonic');
    expect(fit.nHeldOut).toBe(Math.round(gpqa.confidence.length * 0.4));
    expect(fit.nFit + fit.nHeldOut).toBe(gpqa.confidence.length);
    expect(fit.eceAfter).toBeLessThan(fit.eceBefore);
    expect(calibrationMapFromJson(fit.map).method).toBe('isotonic');
  });
});

describe('strata calibrate (text)', () => {
  it('prints the metrics table with intervals and a reliability diagram', async () => {
    const r = await run([jsonl(rlcrLines()), '--resamples', '100']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toContain(`${gpqa.confidence.length} responses, 0 format failure(s)`);
    for (const label of ['accuracy', 'Brier', 'ECE', 'adaptive ECE', 'MCE', 'AUROC', 'AURC']) {
      expect(lines.some((l) => new RegExp(`^  ${label} +\\d\\.\\d{4}   \\[\\d\\.\\d{4}, \\d\\.\\d{4}\\]$`).test(l)), label).toBe(true);
    }
    expect(r.stdout).toContain(`ECE             ${gpqa.expected.ece.toFixed(4)}`);
    const rows = lines.filter((l) => /^ {2}\[\d\.\d, \d\.\d[)\]]/.test(l));
    expect(rows).toHaveLength(10);
    expect(rows[0]).toMatch(/^ {2}\[0\.0, 0\.1\) +0 +- +-$/); // an empty bin: no bar
    // a bin with examples: count, mean confidence, accuracy, then the bar of 40 cells
    const full = rows.find((l) => l.startsWith('  [0.7, 0.8)'))!;
    const m = /^ {2}\[0\.7, 0\.8\) +(\d+) +(\d\.\d{3}) +(\d\.\d{3}) {2}([#.| ]+)$/.exec(full)!;
    expect(m).not.toBeNull();
    const [count, conf, acc, bar] = [Number(m[1]), Number(m[2]), Number(m[3]), m[4]];
    expect(count).toBeGreaterThan(0);
    expect(bar.indexOf('|')).toBe(Math.round(conf * 40));
    expect(bar.replace(/[^#]/g, '').length).toBe(Math.round(acc * 40) - (Math.round(conf * 40) < Math.round(acc * 40) ? 1 : 0));
    expect(rows[9].startsWith('  [0.9, 1.0]')).toBe(true);
    expect(r.stdout).toContain('a confidence of exactly 0.3, 0.6, 0.7 falls in the bin below that label');
  });

  it('--fit prints the held-out ECE before and after and the map JSON', async () => {
    const r = await run([jsonl(rlcrLines()), '--resamples', '0', '--fit', 'platt']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/recalibration: platt, fitted on \d+, evaluated on \d+ held out \(seed 0\)/);
    expect(r.stdout).toMatch(/held-out ECE +\d\.\d{4} -> \d\.\d{4}/);
    const mapLine = r.stdout.split('\n').find((l) => l.startsWith('  map '))!;
    expect(calibrationMapFromJson(JSON.parse(mapLine.slice('  map '.length))).method).toBe('platt');
    expect(r.stdout).not.toContain('95% interval');
  });

  it('--regex reads confidences the tag does not hold', async () => {
    const file = jsonl([
      { correct: true, output: 'Answer: 4. Confidence: 90%' },
      { correct: false, output: 'Answer: 5. Confidence: 60%' },
    ]);
    const r = await run([file, '--json', '--resamples', '0', '--regex', String.raw`Confidence: (\d+)%`]);
    const out = JSON.parse(r.stdout) as { n: number; formatFailures: number; brier: number };
    expect(out).toMatchObject({ n: 2, formatFailures: 0 });
    expect(out.brier).toBeCloseTo((0.01 + 0.36) / 2, 12);
    const without = JSON.parse((await run([file, '--json', '--resamples', '0'])).stdout) as { formatFailures: number };
    expect(without.formatFailures).toBe(2);
  });
});

describe('reliabilityDiagram', () => {
  it('notes the labels that lie below their floating-point edge, only when there are any', () => {
    const bins = (n: number) => Array.from({ length: n }, (_, k) => ({ lower: k / n, upper: (k + 1) * (1 / n), count: 0, meanConfidence: null, accuracy: null }));
    expect(reliabilityDiagram(bins(4)).join('\n')).not.toContain('falls in the bin below');
    expect(reliabilityDiagram(bins(4))).toHaveLength(2 + 4);
  });
});

describe('bad lines and exit codes', () => {
  const mixed = (): string =>
    jsonl([
      { correct: 1, confidence: 0.9 },
      'not json at all',
      { correct: 'maybe', confidence: 0.5 },
      { correct: 0, output: '<confidence>0.8</confidence>' },
      { correct: 1 },
      { correct: 1, output: 'I am not sure' },
    ]);

  it('skip (default): each bad line on stderr by line number, counted in the output, exit 0', async () => {
    const r = await run([mixed(), '--json', '--resamples', '0']);
    expect(r.code).toBe(0);
    const errors = r.stderr.trim().split('\n');
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/in-\d+\.jsonl:2: invalid JSON$/);
    expect(errors[1]).toMatch(/:3: "correct" must be true, false, 0 or 1, got "maybe"$/);
    expect(errors[2]).toMatch(/:5: no "confidence" and no "output"$/);
    const out = JSON.parse(r.stdout) as { n: number; badLines: number; formatFailures: number; accuracy: number };
    expect(out).toMatchObject({ n: 3, badLines: 3, formatFailures: 1 });
    expect(out.accuracy).toBeCloseTo(2 / 3, 15);
    const text = await run([mixed(), '--resamples', '0']);
    expect(text.stdout).toContain('3 responses, 1 format failure(s) counted at confidence 0, 3 bad line(s) skipped');
  });

  it('--on-bad-line fail: every bad line reported, nothing on stdout, exit 1', async () => {
    const r = await run([mixed(), '--on-bad-line', 'fail']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/:2: invalid JSON\n[\s\S]*:3: [\s\S]*:5: [\s\S]*3 bad line\(s\); stopping/);
    const clean = await run([jsonl([{ correct: 1, confidence: 0.5 }]), '--on-bad-line', 'fail', '--resamples', '0']);
    expect(clean.code).toBe(0);
  });

  it('exit 1: unreadable file, or no usable line', async () => {
    const missing = await run([join(dir, 'nope.jsonl')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope\.jsonl/);
    const empty = await run([jsonl(['', 'garbage'])]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/:2: invalid JSON\n.*no usable line/);
  });

  it('exit 2: usage errors name the flag', async () => {
    const file = jsonl([{ correct: 1, confidence: 0.5 }]);
    const cases: [string[], RegExp][] = [
      [[], /FILE is missing/],
      [[file, file], /one FILE expected/],
      [[file, '--bins', '0'], /--bins: expected an integer from 1 to 1000, got "0"/],
      [[file, '--bins', '2.5'], /--bins/],
      [[file, '--bins'], /--bins needs a value/],
      [[file, '--fit', 'magic'], /--fit: expected one of temperature, platt, isotonic, histogram/],
      [[file, '--on-bad-line', 'ignore'], /--on-bad-line: expected skip or fail/],
      [[file, '--regex', '('], /--regex: /],
      [[file, '--regex', 'no group'], /--regex: .*no capture group/],
      [[file, '--held-out', '1'], /--held-out/],
      [[file, '--resamples', '-1'], /--resamples/],
      [[file, '--frobnicate'], /unknown flag --frobnicate/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });

  it('--help lists every flag and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(CALIBRATE_HELP);
    for (const flag of ['--bins', '--json', '--fit', '--held-out', '--on-bad-line', '--regex', '--resamples', '--seed', '--help']) expect(r.stdout).toContain(flag);
  });
});

describe('registered in strata main', () => {
  it('strata --help lists calibrate; strata calibrate --help prints its usage', async () => {
    let written = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
    try {
      expect(await main(['--help'])).toBe(0);
      expect(written).toMatch(/^\s+calibrate\s/m);
      written = '';
      expect(await main(['calibrate', '--help'])).toBe(0);
      expect(written).toContain('Usage: strata calibrate FILE [flags]');
    } finally {
      spy.mockRestore();
    }
  });
});
