/**
 * Monitors benchmark: every built-in monitor (the five rule packs, reasoning–answer consistency,
 * legibility) on one span whose reasoning is ~4,000 tokens (~16,000 characters), median and p99 per span
 * after warm-up, against a baseline measured alternately in the same run: one `toLowerCase` + `indexOf`
 * pass over the same reasoning.
 *
 *   npm run bench:monitors -- [--iterations 5000] [--chars 16000]
 *
 * A benchmark, not a test: a missed goal prints FAIL but the exit code stays 0.
 */
import { buildMonitors } from '../src/monitors/index.js';
import type { MonitorInput, MonitorResult } from '../src/monitors/index.js';
import { parseFlags } from './lib/args.js';
import { fixed, median, passFail, percentile, table } from './lib/report.js';
import { mulberry32 } from '../src/calibration/random.js';

const USAGE = `Usage: npm run bench:monitors -- [flags]

Runs every built-in monitor on a span with a long reasoning text (median and p99 over --iterations, after
warm-up), alternating with a lower-case + indexOf pass over the same text (the baseline).`;

const FLAGS = {
  iterations: { type: 'number', default: 5000, help: 'timed spans' },
  warmup: { type: 'number', default: 1000, help: 'untimed spans first' },
  chars: { type: 'number', default: 16000, help: 'reasoning length in characters (≈ 4 per token)' },
} as const;

/** Goal (issue 5): monitors add under 0.5 ms per span for a 4,000-token reasoning text. */
const GOAL_MS = 0.5;

const prng = mulberry32;

// Working sentences of a coding/maths agent, written for this benchmark; a few carry rule vocabulary
// (tests, hide, evaluation, shutdown) innocently, so the context checks run too.
const SENTENCES = [
  'First I read the failing test to see which input triggers the error.',
  'The function takes a list of orders and groups them by customer before summing the amounts.',
  'Amounts are stored as floats, so the totals drift by a cent after many additions.',
  'Keeping the running total in integer cents removes the drift.',
  'Let me check the edge case where the list is empty; the result should be an empty map.',
  'Now 17 * 3 = 51, and 51 + 4 = 55, which matches the expected subtotal.',
  'The second helper parses the date with the local time zone, which is wrong for UTC inputs.',
  'I will not hide anything from the user: the summary lists both fixes.',
  'The test suite passes without modification once the parser is fixed.',
  'Running the evaluation script on the validation split gives an accuracy of 0.91.',
  'The server shutdown hook flushes the queue, so no orders are lost on restart.',
  'Next I compare the two approaches: a dictionary keyed by id, or sorting first and scanning once.',
  'Sorting costs n log n, while the dictionary is linear, so the dictionary wins for large inputs.',
  'I should double-check the rounding mode; banker’s rounding would change the last digit.',
  'The config file sets the retry count to three, which is fine for this service.',
  'Option B drops the currency conversion, so it cannot be right.',
  'If the input contains duplicates, the grouping still works because amounts are added.',
  'I will write a small example by hand: two orders for customer 7, one for customer 9.',
  'Customer 7 owes 12.50 + 7.25 = 19.75 and customer 9 owes 3.00.',
  'That matches what the function returns after the change.',
];

function reasoningText(chars: number, rnd: () => number): string {
  const parts: string[] = [];
  let n = 0;
  while (n < chars - 40) {
    const s = SENTENCES[Math.floor(rnd() * SENTENCES.length)];
    parts.push(s);
    n += s.length + 1;
    if (rnd() < 0.15) {
      parts.push('\n\n');
      n += 2;
    }
  }
  parts.push('So the answer is 42.');
  return parts.join(' ');
}

function ms(ns: bigint): number {
  return Number(ns) / 1e6;
}

function main(): void {
  const flags = parseFlags(process.argv.slice(2), FLAGS, USAGE);
  if (!flags) return;
  const iterations = Math.max(10, Number(flags.iterations));
  const warmup = Math.max(0, Number(flags.warmup));
  const reasoning = reasoningText(Number(flags.chars), prng(7));
  const input: MonitorInput = {
    reasoning,
    actions: [{ name: 'edit_file', arguments: JSON.stringify({ path: 'src/orders.py', patch: '-    total += amount\n+    total_cents += round(amount * 100)' }) }],
    output: 'Fixed the rounding drift: totals are kept in integer cents. The answer is 42.',
    task: 'The revenue totals are off by a cent for some customers; find and fix the cause.',
  };
  const monitors = buildMonitors();
  const names = monitors.map((m) => m.name);
  const runOne = (i: number): MonitorResult => monitors[i].run(input) as MonitorResult;

  let sink = 0;
  const baselineOnce = (): number => reasoning.toLowerCase().indexOf('zzzz-not-there');
  for (let i = 0; i < warmup; i++) {
    sink += baselineOnce();
    for (let j = 0; j < monitors.length; j++) sink += runOne(j).score;
  }
  const baseline: number[] = [];
  const total: number[] = [];
  const per: number[][] = monitors.map(() => []);
  for (let i = 0; i < iterations; i++) {
    // Alternate, so both see the same machine load.
    let t0 = process.hrtime.bigint();
    sink += baselineOnce();
    baseline.push(ms(process.hrtime.bigint() - t0));
    const tStart = process.hrtime.bigint();
    for (let j = 0; j < monitors.length; j++) {
      t0 = process.hrtime.bigint();
      sink += runOne(j).score;
      per[j].push(ms(process.hrtime.bigint() - t0));
    }
    total.push(ms(process.hrtime.bigint() - tStart));
  }
  if (sink === Number.MIN_VALUE) console.log(sink);

  const results = monitors.map((_, j) => runOne(j));
  const bMed = median(baseline);
  const rows: string[][] = [['measure', 'median', 'p99', '× baseline (median)', 'flag / score']];
  rows.push(['baseline: toLowerCase + indexOf', `${fixed(bMed, 4)} ms`, `${fixed(percentile(baseline, 99), 4)} ms`, '1.0', '']);
  names.forEach((name, j) => {
    const med = median(per[j]);
    rows.push([name, `${fixed(med, 4)} ms`, `${fixed(percentile(per[j], 99), 4)} ms`, fixed(med / bMed, 1), `${results[j].flag} / ${fixed(results[j].score, 2)}`]);
  });
  const tMed = median(total);
  const tP99 = percentile(total, 99);
  rows.push(['every built-in monitor, one span', `${fixed(tMed, 4)} ms`, `${fixed(tP99, 4)} ms`, fixed(tMed / bMed, 1), '']);
  console.log(`reasoning: ${reasoning.length.toLocaleString('en-US')} chars (≈ ${Math.ceil(reasoning.length / 4)} tokens); ${iterations} spans after ${warmup} warm-up\n`);
  console.log(table(rows));
  console.log(`\ngoal: monitors add < ${GOAL_MS} ms per span: median ${passFail(tMed < GOAL_MS)}, p99 ${passFail(tP99 < GOAL_MS)}`);
  console.log(
    JSON.stringify({
      bench: 'monitors',
      chars: reasoning.length,
      iterations,
      baselineMs: { median: bMed, p99: percentile(baseline, 99) },
      monitorsMs: Object.fromEntries(names.map((n, j) => [n, { median: median(per[j]), p99: percentile(per[j], 99) }])),
      totalMs: { median: tMed, p99: tP99 },
      ratioToBaseline: tMed / bMed,
      goals: { medianUnder05ms: passFail(tMed < GOAL_MS), p99Under05ms: passFail(tP99 < GOAL_MS) },
    }),
  );
}

main();
