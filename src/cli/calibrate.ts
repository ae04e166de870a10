import { readFile } from 'node:fs/promises';
import type { ReliabilityBin } from '../calibration/binning.js';
import { CALIBRATION_METHODS, DEFAULT_HELD_OUT_FRACTION, evaluateRecalibration, type CalibrationMethod, type RecalibrationEvaluation } from '../calibration/recalibrate.js';
import { calibrationReport, type CalibrationReport, type MetricName } from '../calibration/report.js';
import { readScoredLines } from '../calibration/scored-lines.js';
import { compileConfidenceRegex } from '../processors/confidence/verbalized.js';
import { integerFlag, parseArgs, UsageError } from './args.js';

export const CALIBRATE_HELP = `Usage: strata calibrate FILE [flags]

Calibration of a model's stated confidence against correctness: accuracy, Brier score, ECE, adaptive ECE,
MCE, AUROC, AURC with 95% bootstrap intervals, and a reliability diagram (docs/calibration.md).

FILE is JSON Lines, one response a line: {"correct": true|false|0|1, "confidence": 0.8} or, instead of
"confidence", "output": a model's text holding <confidence>0.8</confidence> (RLCR rules), a JSON
"confidence" field, or a number matched by --regex. A confidence above 1 and at most 100 is a percentage.
An output without a usable confidence counts at confidence 0 (a format failure, as RLCR counts it).

Flags:
  --bins N                 equal-width bins for ECE, MCE and the diagram (default 10)
  --json                   print one JSON object instead of the table
  --fit METHOD             also fit a recalibration map (${CALIBRATION_METHODS.join('|')}) on part of the
                           data and print its held-out ECE before/after and the map as JSON
  --held-out FRACTION      fraction held out for --fit (default ${DEFAULT_HELD_OUT_FRACTION})
  --on-bad-line skip|fail  skip (default) or stop at lines that cannot be used; either way each is
                           reported on stderr with its line number
  --regex PATTERN          a JavaScript regular expression whose first group is the confidence in "output"
  --resamples N            bootstrap resamples for the intervals (default 1000; 0: no intervals)
  --seed N                 seed of the bootstrap and of the --fit split (default 0)
  --help                   this text

Exit codes: 0 ok, 1 bad input (unreadable file, bad lines with --on-bad-line fail, no usable line), 2 usage.
`;

/** Where the command writes; the process's streams by default, captured in tests. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const PROCESS_IO: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

const MAX_BINS = 1000;
const MAX_RESAMPLES = 100_000;
const BAR_WIDTH = 40;

interface Settings {
  readonly file: string;
  readonly bins: number;
  readonly json: boolean;
  readonly fit: CalibrationMethod | undefined;
  readonly heldOut: number;
  readonly failOnBadLine: boolean;
  readonly regex: string | undefined;
  readonly resamples: number;
  readonly seed: number;
}

/** `strata calibrate FILE`: returns the exit code (0 ok, 1 bad input, 2 usage error). */
export async function calibrate(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  let settings: Settings;
  try {
    const parsed = parseArgs(argv, ['bins', 'fit', 'held-out', 'on-bad-line', 'regex', 'resamples', 'seed'], ['help', 'json']);
    if (parsed.flags.help) {
      io.out(CALIBRATE_HELP);
      return 0;
    }
    settings = settingsOf(parsed.positional, parsed.flags);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`strata calibrate: ${err.message}\n`);
    return 2;
  }

  let text: string;
  try {
    text = await readFile(settings.file, 'utf8');
  } catch (err) {
    io.err(`strata calibrate: cannot read ${settings.file}: ${(err as Error).message}\n`);
    return 1;
  }
  const lines = readScoredLines(text, { regex: settings.regex });
  for (const b of lines.bad) io.err(`strata calibrate: ${settings.file}:${b.line}: ${b.reason}\n`);
  if (lines.bad.length > 0 && settings.failOnBadLine) {
    io.err(`strata calibrate: ${lines.bad.length} bad line(s); stopping (--on-bad-line fail)\n`);
    return 1;
  }
  if (lines.confidence.length === 0) {
    io.err(`strata calibrate: ${settings.file}: no usable line\n`);
    return 1;
  }

  const report = calibrationReport(lines.confidence, lines.correct, { bins: settings.bins, resamples: settings.resamples, seed: settings.seed });
  const fit =
    settings.fit === undefined || lines.confidence.length < 2
      ? undefined
      : evaluateRecalibration(settings.fit, lines.confidence, lines.correct, { heldOutFraction: settings.heldOut, seed: settings.seed, bins: settings.bins });
  if (settings.fit !== undefined && fit === undefined) io.err('strata calibrate: --fit needs at least 2 usable lines; not fitted\n');
  const counts = { formatFailures: lines.formatFailures, badLines: lines.bad.length };
  io.out(settings.json ? `${JSON.stringify({ file: settings.file, ...report, ...counts, ...(fit ? { fit } : {}) })}\n` : renderText(settings, report, counts, fit));
  return 0;
}

function settingsOf(positional: readonly string[], flags: Record<string, string | boolean>): Settings {
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'FILE is missing (see --help)' : `one FILE expected, got ${positional.length}`);
  const fit = flags.fit as string | undefined;
  if (fit !== undefined && !(CALIBRATION_METHODS as readonly string[]).includes(fit)) {
    throw new UsageError(`--fit: expected one of ${CALIBRATION_METHODS.join(', ')}, got ${JSON.stringify(fit)}`);
  }
  const onBadLine = (flags['on-bad-line'] as string | undefined) ?? 'skip';
  if (onBadLine !== 'skip' && onBadLine !== 'fail') throw new UsageError(`--on-bad-line: expected skip or fail, got ${JSON.stringify(onBadLine)}`);
  const regex = flags.regex as string | undefined;
  if (regex !== undefined) {
    try {
      compileConfidenceRegex(regex);
    } catch (err) {
      throw new UsageError(`--${(err as Error).message}`);
    }
  }
  const heldOut = flags['held-out'] === undefined ? DEFAULT_HELD_OUT_FRACTION : Number(flags['held-out']);
  if (!(heldOut > 0 && heldOut < 1)) throw new UsageError(`--held-out: expected a fraction between 0 and 1 (exclusive), got ${JSON.stringify(flags['held-out'])}`);
  return {
    file: positional[0],
    bins: integerFlag(flags, 'bins', 10, 1, MAX_BINS),
    json: flags.json === true,
    fit: fit as CalibrationMethod | undefined,
    heldOut,
    failOnBadLine: onBadLine === 'fail',
    regex,
    resamples: integerFlag(flags, 'resamples', 1000, 0, MAX_RESAMPLES),
    seed: integerFlag(flags, 'seed', 0, 0, 2 ** 32 - 1),
  };
}

// ------------------------------------------------------------------ text output

const ROWS: readonly [MetricName, string][] = [
  ['accuracy', 'accuracy'],
  ['brier', 'Brier'],
  ['ece', 'ECE'],
  ['adaptiveEce', 'adaptive ECE'],
  ['mce', 'MCE'],
  ['auroc', 'AUROC'],
  ['aurc', 'AURC'],
];

function renderText(settings: Settings, r: CalibrationReport, counts: { formatFailures: number; badLines: number }, fit: RecalibrationEvaluation | undefined): string {
  const f4 = (x: number): string => x.toFixed(4);
  const out: string[] = [];
  out.push(`${settings.file}: ${r.n} responses, ${counts.formatFailures} format failure(s) counted at confidence 0, ${counts.badLines} bad line(s) skipped`);
  out.push('');
  out.push(`  ${'metric'.padEnd(14)}${'value'.padStart(8)}   ${r.intervals ? `95% interval (${r.settings.resamples} resamples, seed ${r.settings.seed})` : ''}`);
  for (const [name, label] of ROWS) {
    const interval = r.intervals ? `[${f4(r.intervals[name].low)}, ${f4(r.intervals[name].high)}]` : '';
    out.push(`  ${label.padEnd(14)}${f4(r[name]).padStart(8)}   ${interval}`.trimEnd());
  }
  out.push(`  (ECE and MCE over ${r.settings.bins} equal-width bins, adaptive ECE over ${r.settings.adaptiveBins} equal-mass bins)`);
  out.push('');
  out.push(...reliabilityDiagram(r.bins));
  if (fit) {
    out.push('');
    out.push(`recalibration: ${fit.method}, fitted on ${fit.nFit}, evaluated on ${fit.nHeldOut} held out (seed ${settings.seed})`);
    out.push(`  held-out ECE    ${f4(fit.eceBefore)} -> ${f4(fit.eceAfter)}`);
    out.push(`  held-out Brier  ${f4(fit.brierBefore)} -> ${f4(fit.brierAfter)}`);
    out.push(`  map ${JSON.stringify(fit.map)}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * One row per bin: count, mean confidence, accuracy, and a bar where `#` fills up to the accuracy and `|`
 * marks the mean confidence; `.` between them means over-confident (stated above observed).
 */
export function reliabilityDiagram(bins: readonly ReliabilityBin[]): string[] {
  const digits = bins.length <= 10 ? 1 : bins.length <= 100 ? 2 : 3;
  const label = (b: ReliabilityBin, i: number): string => `[${b.lower.toFixed(digits)}, ${b.upper.toFixed(digits)}${i === bins.length - 1 ? ']' : ')'}`;
  const labels = bins.map(label);
  const width = Math.max(...labels.map((l) => l.length));
  const lines = [
    `reliability: '#' up to the accuracy, '|' at the mean confidence ('.' between: over-confident)`,
    `  ${'bin'.padEnd(width)}  ${'count'.padStart(7)}  ${'conf'.padStart(6)}  ${'acc'.padStart(6)}  0${' '.repeat(BAR_WIDTH - 2)}1`,
  ];
  bins.forEach((b, i) => {
    const conf = b.meanConfidence === null ? '-' : b.meanConfidence.toFixed(3);
    const acc = b.accuracy === null ? '-' : b.accuracy.toFixed(3);
    lines.push(`  ${labels[i].padEnd(width)}  ${String(b.count).padStart(7)}  ${conf.padStart(6)}  ${acc.padStart(6)}  ${bar(b)}`.trimEnd());
  });
  // Edges are numpy.linspace's floating-point values (as RLCR's): a label like 0.6 may lie just below
  // the real edge 0.6000000000000001, and then a confidence of exactly 0.6 is in the bin below the label.
  const below = bins.slice(0, -1).map((b) => Number(b.upper.toFixed(digits))).filter((shown, i) => shown < bins[i].upper);
  if (below.length > 0) {
    lines.push(`  (edges as numpy.linspace computes them: a confidence of exactly ${below.join(', ')} falls in the bin below that label)`);
  }
  return lines;
}

function bar(b: ReliabilityBin): string {
  if (b.count === 0) return '';
  const cells = Array.from({ length: BAR_WIDTH }, () => ' ');
  const filled = Math.round(b.accuracy! * BAR_WIDTH);
  for (let i = 0; i < filled; i++) cells[i] = '#';
  const mark = Math.min(BAR_WIDTH - 1, Math.round(b.meanConfidence! * BAR_WIDTH));
  for (let i = filled; i < mark; i++) cells[i] = '.';
  cells[mark] = '|';
  return cells.join('');
}
