/**
 * `strata bench [SCENARIO_FILES...]`: runs scenarios in simulated time against a fresh in-process
 * Strata each, scores its incidents against the injected faults (src/bench/), and prints a table or
 * one JSON object. docs/bench.md says what is scored and how to read it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProgress, type ProgressStream } from '../bench/progress.js';
import { buildReport, renderReport, type ScoredRun } from '../bench/report.js';
import { runInWorkers, workerCommand } from '../bench/pool.js';
import { runFleet, type BenchEngine, type FleetRun } from '../bench/runner.js';
import { scoreScenario, type ScenarioScore } from '../bench/score.js';
import { DEFAULT_BENCH_SIM, type BenchSim } from '../bench/sim-kit.js';
import { ScenarioError } from '../sim/scenario.js';
import type { Fleet } from '../sim/types.js';
import { integerFlag, parseArgs, UsageError } from './args.js';
import type { CliIo } from './calibrate.js';

export const BENCH_HELP = `Usage: strata bench [SCENARIO_FILES...] [flags]

Runs each scenario in simulated time (a 30-minute scenario in seconds) against a fresh in-process
Strata: requests enter as OTLP spans, feedback through /api/feedback, metrics through Strata's
scraper reading the simulated fleet's /metrics. Then scores Strata's incidents against the injected
faults: detection (yes/no, no-fault controls expect no incident), localisation (top-1, top-3 entity),
root cause (layer and fault type), time to detect and to localise; and each layer's metric on the same
run (ECE of confidence, g-mean^2 of the monitors, Jaccard of the probes). See docs/bench.md.

Without files, runs every scenarios/*.yaml of the installation.

Flags:
  --json              print one JSON object {summary, scenarios, by_fault_type} instead of the table
  --out FILE          also write that JSON object to FILE
  --seed N            use seed N for every scenario instead of each file's own
  --storage chdb|memory  where each run's Strata keeps its data (default chdb, in a temporary
                      directory; memory is faster but answers no SQL: no ECE or monitor scores)
  --jobs N            scenarios run at once, each in its own process (default: the number of cores, at most 2)
  --quiet             no progress on stderr
  --help              this text

Exit codes: 0 ran (whatever the scores), 1 a scenario file is unusable or a run failed, 2 usage.
`;

const PROCESS_IO: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

export interface BenchDeps {
  readonly io?: CliIo;
  /** Where progress is drawn (default process.stderr). */
  readonly progress?: ProgressStream;
  readonly sim?: BenchSim;
  /** The data directory of the runs (default: one per process, removed at its exit); tests give theirs. */
  readonly dataRoot?: string;
}

/** The checkout or installation root: the nearest directory above this module with Strata's package.json. */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'strata') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

/** Every `scenarios/*.yaml` of the installation, sorted. */
export function defaultScenarioFiles(): string[] {
  const root = packageRoot();
  const dir = root === null ? null : join(root, 'scenarios');
  if (dir === null || !existsSync(dir)) throw new UsageError('no scenario files given and no scenarios/ directory found next to Strata');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

interface Settings {
  readonly files: readonly string[];
  readonly json: boolean;
  readonly out: string | null;
  readonly seed: number | null;
  readonly engine: BenchEngine;
  readonly quiet: boolean;
  readonly jobs: number;
}

/** Scenarios run at once by default: one per core, at most two (Strata itself uses more than one thread). */
export const DEFAULT_JOBS = Math.max(1, Math.min(2, availableParallelism()));
const MAX_JOBS = 16;

function settingsOf(argv: readonly string[]): Settings | 'help' {
  const { positional, flags } = parseArgs(argv, ['seed', 'out', 'storage', 'jobs'], ['help', 'json', 'quiet']);
  if (flags.help) return 'help';
  const engine = (flags.storage as string | undefined) ?? 'chdb';
  if (engine !== 'chdb' && engine !== 'memory') throw new UsageError(`--storage: expected chdb or memory, got ${JSON.stringify(engine)}`);
  return {
    files: positional.length > 0 ? positional.map((f) => resolve(f)) : defaultScenarioFiles(),
    json: flags.json === true,
    out: typeof flags.out === 'string' ? resolve(flags.out) : null,
    seed: flags.seed === undefined ? null : integerFlag(flags, 'seed', 0, 0, 2 ** 32 - 1),
    engine,
    quiet: flags.quiet === true,
    jobs: integerFlag(flags, 'jobs', DEFAULT_JOBS, 1, MAX_JOBS),
  };
}

/**
 * The bench's data directory, one per process and removed at its exit: chDB binds one data directory
 * per process, so every run of this process (each with a database of its own) uses the same.
 */
let sharedRoot: string | null = null;
let runCounter = 0;

function benchRoot(): string {
  if (sharedRoot === null) {
    const dir = mkdtempSync(join(tmpdir(), 'strata-bench-'));
    sharedRoot = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return sharedRoot;
}

function verdict(run: FleetRun): { score: ScenarioScore; note: string } {
  const score = scoreScenario(run.truth, run.incidents, run.firstListedMs);
  const what = score.control ? (score.detectionCorrect ? 'no incident (right)' : `${run.incidents.length} incident(s) on a control`) : score.detectionCorrect ? 'detected' : 'missed';
  return { score, note: `${what}, ${(run.cost.wallMs / 1000).toFixed(1)} s` };
}

/** `strata bench`: returns the exit code. */
export async function benchCommand(argv: readonly string[], deps: BenchDeps = {}): Promise<number> {
  const io = deps.io ?? PROCESS_IO;
  const sim = deps.sim ?? DEFAULT_BENCH_SIM;
  let settings: Settings;
  try {
    const s = settingsOf(argv);
    if (s === 'help') {
      io.out(BENCH_HELP);
      return 0;
    }
    settings = s;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`strata bench: ${err.message}\n`);
    return 2;
  }

  // Read every scenario before running any, so a typo in the last file fails at once.
  const fleets: { file: string; fleet: Fleet }[] = [];
  for (const file of settings.files) {
    try {
      fleets.push({ file, fleet: sim.fleetOf(file, settings.seed) });
    } catch (err) {
      const message = err instanceof ScenarioError ? err.message : `${file}: ${(err as Error).message}`;
      io.err(`strata bench: ${message}\n`);
      return 1;
    }
  }

  const progress = createProgress(deps.progress ?? process.stderr, fleets.length, { quiet: settings.quiet });
  const root = deps.dataRoot ?? benchRoot();
  const began = performance.now();
  const runs: ScoredRun[] = [];
  const stepsOf = (fleet: Fleet): number => Math.floor((fleet.endMs - fleet.startMs) / fleet.scrapeIntervalMs) + 1;
  // Several at once in child processes (each its own chDB), unless a test gave its own simulator or one job is asked.
  const parallel = deps.sim === undefined && settings.jobs > 1 && fleets.length > 1 && workerCommand() !== null;
  try {
    if (parallel) {
      const done = await runInWorkers(
        fleets.map(({ file }, index) => ({ index, file, seed: settings.seed })),
        { jobs: settings.jobs, engine: settings.engine, root },
        {
          start: (i) => progress.start(i, fleets[i].fleet.name, stepsOf(fleets[i].fleet)),
          step: (i, step) => progress.step(i, step),
          done: (i, run) => progress.done(i, verdict(run).note),
        },
      );
      for (const [i, run] of done.entries()) runs.push({ file: fleets[i].file, run, score: verdict(run).score });
    } else {
      for (const [i, { file, fleet }] of fleets.entries()) {
        progress.start(i, fleet.name, stepsOf(fleet));
        const run = await runFleet(fleet, sim.encoders, { dataDir: join(root, 'data'), database: `bench_${runCounter++}`, engine: settings.engine, onStep: (step) => progress.step(i, step) }).catch((err: Error) => {
          throw new Error(`${fleet.name} (${file}): ${err.message}`);
        });
        const v = verdict(run);
        runs.push({ file, run, score: v.score });
        progress.done(i, v.note);
      }
    }
  } catch (err) {
    progress.close();
    io.err(`strata bench: ${(err as Error).message}\n`);
    return 1;
  } finally {
    progress.close();
  }
  const report = buildReport(runs, { engine: settings.engine, seed: settings.seed, wallMs: performance.now() - began });
  if (settings.out !== null) writeFileSync(settings.out, `${JSON.stringify(report, null, 2)}\n`);
  io.out(settings.json ? `${JSON.stringify(report)}\n` : renderReport(report));
  return 0;
}
