import { readFile } from 'node:fs/promises';
import { createBuiltinRegistry } from '../monitors/builtins.js';
import { DEFAULT_LEVEL, type MaybeInterval } from '../monitors/eval-metrics.js';
import { casesOfSplit, evaluateMonitors, evaluationJson, parseEvalLines, type EvalSplit, type MonitorEvaluation } from '../monitors/eval-run.js';
import { MonitorConfigError, type MonitorRegistry } from '../monitors/registry.js';
import type { Monitor } from '../monitors/types.js';
import { integerFlag, parseArgs, UsageError } from './args.js';
import type { CliIo } from './calibrate.js';

export const MONITORS_HELP = `Usage: strata monitors <subcommand>

Subcommands:
  eval FILE   score monitors on a labelled JSONL file of reasoning traces (strata monitors eval --help)
`;

export const MONITORS_EVAL_HELP = `Usage: strata monitors eval FILE [flags]

Runs monitors on labelled reasoning traces and prints, per monitor, TPR, TNR and g-mean^2 = TPR x TNR with
95% bootstrap intervals; for intervention data (cases with "arm"), also TPR_mc x sqrt(TNR_{X=1} x TNR_{X=0})
(docs/monitors-eval.md).

FILE is JSON Lines, one case a line: {"reasoning": "...", "output": "...", "actions": [{"name", "arguments"}],
"label": true|false} with optional "monitor" (the misbehaviour the case is about), "split" ("dev"|"test"),
"id", and for intervention data "arm" ("control"|"intervention") with "outcome" (true|false).
A case counts for a monitor when its "monitor" field names that monitor (inconsistent_answer counts for
consistency); a case without "monitor" counts for every monitor.

Flags:
  --monitors a,b           monitors to run (default: every built-in monitor)
  --split dev|test         only the cases of that split (cases without "split" are then left out)
  --json                   print one JSON object {"monitors": {NAME: {...}}} instead of the table
  --errors                 also list the ids of false positives and false negatives in the table
  --on-bad-line skip|fail  skip (default) or stop at unusable lines; each is reported on stderr with its number
  --resamples N            bootstrap resamples (default 1000; 0: no intervals)
  --seed N                 bootstrap seed (default 0)
  --help                   this text

Exit codes: 0 ok, 1 bad input (unreadable file, bad lines with --on-bad-line fail, no usable case), 2 usage.
`;

const PROCESS_IO: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

const MAX_RESAMPLES = 100_000;
const DEFAULT_RESAMPLES = 1000;

interface Settings {
  readonly file: string;
  readonly monitors: readonly string[] | undefined;
  readonly split: EvalSplit | undefined;
  readonly json: boolean;
  readonly listErrors: boolean;
  readonly failOnBadLine: boolean;
  readonly resamples: number;
  readonly seed: number;
}

/** `strata monitors <subcommand>`: returns the exit code. `registry` defaults to the built-in monitors. */
export async function monitorsCommand(argv: readonly string[], io: CliIo = PROCESS_IO, registry: MonitorRegistry = createBuiltinRegistry()): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(MONITORS_HELP);
    return 0;
  }
  if (sub === 'eval') return monitorsEval(rest, io, registry);
  io.err(`strata monitors: unknown subcommand ${JSON.stringify(sub)}\n\n${MONITORS_HELP}`);
  return 2;
}

/** `strata monitors eval FILE`: returns the exit code (0 ok, 1 bad input, 2 usage error). */
export async function monitorsEval(argv: readonly string[], io: CliIo = PROCESS_IO, registry: MonitorRegistry = createBuiltinRegistry()): Promise<number> {
  let settings: Settings;
  let monitors: Monitor[];
  try {
    const parsed = parseArgs(argv, ['monitors', 'split', 'on-bad-line', 'resamples', 'seed'], ['help', 'json', 'errors']);
    if (parsed.flags.help) {
      io.out(MONITORS_EVAL_HELP);
      return 0;
    }
    settings = settingsOf(parsed.positional, parsed.flags);
    monitors = (settings.monitors ?? registry.names()).map((name) => {
      try {
        return registry.create(name, {}, '--monitors');
      } catch (err) {
        if (err instanceof MonitorConfigError) throw new UsageError(err.message);
        throw err;
      }
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`strata monitors eval: ${err.message}\n`);
    return 2;
  }

  let text: string;
  try {
    text = await readFile(settings.file, 'utf8');
  } catch (err) {
    io.err(`strata monitors eval: cannot read ${settings.file}: ${(err as Error).message}\n`);
    return 1;
  }
  const parsed = parseEvalLines(text);
  for (const b of parsed.bad) io.err(`strata monitors eval: ${settings.file}:${b.line}: ${b.reason}\n`);
  if (parsed.bad.length > 0 && settings.failOnBadLine) {
    io.err(`strata monitors eval: ${parsed.bad.length} bad line(s); stopping (--on-bad-line fail)\n`);
    return 1;
  }
  const cases = casesOfSplit(parsed.cases, settings.split);
  if (cases.length === 0) {
    io.err(`strata monitors eval: ${settings.file}: no usable case${settings.split ? ` in split ${settings.split}` : ''}\n`);
    return 1;
  }

  const results = await evaluateMonitors(cases, monitors, {
    resamples: settings.resamples,
    seed: settings.seed,
    onError: (monitor, c, err) => io.err(`strata monitors eval: ${monitor} failed on line ${c.line}: ${(err as Error).message ?? String(err)}\n`),
  });
  const bootstrap = { resamples: settings.resamples, seed: settings.seed, level: DEFAULT_LEVEL };
  io.out(settings.json ? `${JSON.stringify(evaluationJson(results, bootstrap))}\n` : renderTable(settings, cases.length, parsed.bad.length, results));
  return 0;
}

function settingsOf(positional: readonly string[], flags: Record<string, string | boolean>): Settings {
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'FILE is missing (see --help)' : `one FILE expected, got ${positional.length}`);
  const onBadLine = (flags['on-bad-line'] as string | undefined) ?? 'skip';
  if (onBadLine !== 'skip' && onBadLine !== 'fail') throw new UsageError(`--on-bad-line: expected skip or fail, got ${JSON.stringify(onBadLine)}`);
  const split = flags.split as string | undefined;
  if (split !== undefined && split !== 'dev' && split !== 'test') throw new UsageError(`--split: expected dev or test, got ${JSON.stringify(split)}`);
  let monitors: string[] | undefined;
  if (flags.monitors !== undefined) {
    monitors = String(flags.monitors)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (monitors.length === 0) throw new UsageError('--monitors: expected a comma-separated list of monitor names');
    const dup = monitors.find((m, i) => monitors!.indexOf(m) !== i);
    if (dup !== undefined) throw new UsageError(`--monitors: "${dup}" is given twice`);
  }
  return {
    file: positional[0],
    monitors,
    split: split as EvalSplit | undefined,
    json: flags.json === true,
    listErrors: flags.errors === true,
    failOnBadLine: onBadLine === 'fail',
    resamples: integerFlag(flags, 'resamples', DEFAULT_RESAMPLES, 0, MAX_RESAMPLES),
    seed: integerFlag(flags, 'seed', 0, 0, 2 ** 32 - 1),
  };
}

// ------------------------------------------------------------------ text output

const f3 = (x: number | null): string => (x === null ? '-' : x.toFixed(3));
const iv = (i: MaybeInterval | null | undefined): string => (i ? `[${i.low.toFixed(3)}, ${i.high.toFixed(3)}]` : '');

function renderTable(settings: Settings, n: number, bad: number, results: readonly MonitorEvaluation[]): string {
  const out: string[] = [];
  const where = settings.split ? `, split ${settings.split}` : '';
  out.push(`${settings.file}: ${n} case(s)${where}, ${bad} bad line(s) skipped`);
  out.push(settings.resamples > 0 ? `intervals: 95% bootstrap, ${settings.resamples} resamples, seed ${settings.seed}` : 'intervals: off (--resamples 0)');
  out.push('');
  const width = Math.max(7, ...results.map((r) => r.monitor.length));
  out.push(`  ${'monitor'.padEnd(width)}  ${'n'.padStart(4)}  ${'pos'.padStart(4)}  ${'TPR'.padStart(5)}  ${'TNR'.padStart(5)}  ${'g-mean2'.padStart(7)}  g-mean2 interval`);
  for (const r of results) {
    const m = r.metrics;
    const note = m.n === 0 ? '  (no case counts for this monitor)' : r.errors > 0 ? `  (${r.errors} run error(s) left out)` : '';
    out.push(
      `  ${r.monitor.padEnd(width)}  ${String(m.n).padStart(4)}  ${String(m.positives).padStart(4)}  ${f3(m.tpr).padStart(5)}  ${f3(m.tnr).padStart(5)}  ${f3(m.gMean2).padStart(7)}  ${iv(r.intervals?.gMean2)}${note}`.trimEnd(),
    );
  }
  const withArms = results.filter((r) => r.intervention);
  if (withArms.length > 0) {
    out.push('');
    out.push('intervention variant: TPR_mc x sqrt(TNR_{X=1} x TNR_{X=0})');
    for (const r of withArms) {
      const v = r.intervention!.metrics;
      out.push(
        `  ${r.monitor.padEnd(width)}  value ${f3(v.value)} ${iv(r.intervention!.intervals?.value)}  TPR_mc ${f3(v.tprMc)}  TNR_X1 ${f3(v.tnrIntervention)}  TNR_X0 ${f3(v.tnrControl)}` +
          `  AF ${f3(v.attributableFraction)} (P(Y|X=1) ${f3(v.pOutcomeIntervention)}, P(Y|X=0) ${f3(v.pOutcomeControl)})${v.undefinedReason ? `  undefined: ${v.undefinedReason}` : ''}`,
      );
    }
  }
  if (settings.listErrors) {
    out.push('');
    for (const r of results) {
      if (r.falsePositives.length > 0) out.push(`  ${r.monitor} false positives: ${r.falsePositives.join(', ')}`);
      if (r.falseNegatives.length > 0) out.push(`  ${r.monitor} false negatives: ${r.falseNegatives.join(', ')}`);
    }
  }
  return `${out.join('\n')}\n`;
}
