/**
 * Demo CPU benchmark: how much of the machine `strata demo`'s simulator takes and how much is left to
 * Strata. The demo's two halves run as two processes so that each one's CPU is read from /proc: the
 * simulated fleet with its traffic driver, span export and feedback (`strata sim` on the demo's built-in
 * scenario, driving the workload through the gateway) and Strata (`strata serve` with the demo's
 * gateway routes and scrape targets, chDB). Then, for reference, the one-process `strata demo` for the
 * same time.
 *
 *   npm run bench:demo -- [--seconds 120] [--warmup 20]
 *
 * A measurement, not a test: the exit code is 0 whatever the numbers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { demoScenarioDocument } from '../src/cli/demo-scenario.js';
import { parseFlags } from './lib/args.js';
import { onCleanup, tempDir } from './lib/cleanup.js';
import { procCpuSeconds } from './lib/proc.js';
import { fixed, sleep, table } from './lib/report.js';
import { REPO_ROOT, startStrata } from './lib/server.js';

const USAGE = `Usage: npm run bench:demo -- [flags]

Runs the demo's simulator (strata sim, driving the built-in scenario's workload through the gateway)
and Strata (strata serve with the demo's routes and targets) as two processes and reads each one's CPU
from /proc over --seconds after --warmup; then the one-process strata demo for the same time.`;

const FLAGS = {
  seconds: { type: 'number', default: 120, help: 'measured seconds' },
  warmup: { type: 'number', default: 20, help: 'seconds before measuring (start, first scrapes)' },
  'skip-demo': { type: 'boolean', default: false, help: 'do not run the one-process demo afterwards' },
} as const;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Starts `strata <args>` and resolves once a stdout line matches `ready`. */
function startCli(args: readonly string[], ready: RegExp): Promise<{ child: ChildProcess; stdout: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'strata.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT });
  let out = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  onCleanup(`strata ${args[0]} ${child.pid}`, () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  child.stderr!.on('data', () => {});
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`strata ${args[0]}: not ready after 60 s\n${out}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve({ child, stdout: () => out, exited });
      }
    });
    void exited.then((code) => reject(new Error(`strata ${args[0]} exited (${code})\n${out}`)));
  });
}

interface Split {
  readonly simCpu: number;
  readonly strataCpu: number;
  readonly seconds: number;
}

async function measureSplit(seconds: number, warmup: number): Promise<Split & { simLine: string }> {
  const dir = tempDir('strata-bench-demo-');
  const [api, otlp, gateway] = [await freePort(), await freePort(), await freePort()];
  const scenario = join(dir.path, 'demo.yaml');
  writeFileSync(scenario, toYaml(demoScenarioDocument(Date.now())));
  const config = join(dir.path, 'strata.yaml');
  const total = warmup + seconds + 5;
  const sim = await startCli(
    ['sim', scenario, '--gateway', `http://127.0.0.1:${gateway}/v1`, '--otlp', `http://127.0.0.1:${otlp}`, '--api', `http://127.0.0.1:${api}`, '--strata-config', config, '--duration', `${total}s`],
    /running; Ctrl-C stops/,
  );
  if (!existsSync(config)) throw new Error('strata sim wrote no configuration');
  const strata = await startStrata({
    dataDir: join(dir.path, 'data'),
    serveArgs: ['--config', config, '--port', String(api), '--otlp-http-port', String(otlp), '--gateway-port', String(gateway)],
  });
  await sleep(warmup * 1000);
  const s0 = procCpuSeconds(sim.child.pid!);
  const t0 = procCpuSeconds(strata.pid);
  await sleep(seconds * 1000);
  const s1 = procCpuSeconds(sim.child.pid!);
  const t1 = procCpuSeconds(strata.pid);
  await sim.exited;
  await strata.stop();
  await dir.remove();
  const simLine = /strata sim: stopped.*$/m.exec(sim.stdout())?.[0] ?? '';
  return { simCpu: s1 - s0, strataCpu: t1 - t0, seconds, simLine };
}

async function measureDemo(seconds: number, warmup: number): Promise<{ cpu: number; line: string }> {
  const dir = tempDir('strata-bench-demo1-');
  const demo = await startCli(
    ['demo', '--data-dir', join(dir.path, 'data'), '--port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--gateway-port', '0', '--duration', `${warmup + seconds + 2}s`],
    /Ctrl-C stops/,
  );
  await sleep(warmup * 1000);
  const c0 = procCpuSeconds(demo.child.pid!);
  await sleep(seconds * 1000);
  const c1 = procCpuSeconds(demo.child.pid!);
  await demo.exited;
  await dir.remove();
  return { cpu: c1 - c0, line: /strata demo: stopped.*$/m.exec(demo.stdout())?.[0] ?? '' };
}

const flags = parseFlags(process.argv.slice(2), FLAGS, USAGE);
if (flags !== null) {
  const seconds = flags.seconds as number;
  const warmup = flags.warmup as number;
  const load0 = loadavg()[0];
  const split = await measureSplit(seconds, warmup);
  const pct = (cpu: number): string => `${fixed((cpu / seconds) * 100, 1)}%`;
  const rows = [
    ['process', 'CPU s', '% of a core', 'share'],
    ['simulator + driver (strata sim)', fixed(split.simCpu, 1), pct(split.simCpu), `${fixed((split.simCpu / (split.simCpu + split.strataCpu)) * 100, 1)}%`],
    ['Strata (strata serve)', fixed(split.strataCpu, 1), pct(split.strataCpu), `${fixed((split.strataCpu / (split.simCpu + split.strataCpu)) * 100, 1)}%`],
  ];
  process.stdout.write(`demo workload over ${seconds} s (after ${warmup} s warm-up), load average before ${fixed(load0, 2)}\n${table(rows)}\n${split.simLine}\n`);
  if (!flags['skip-demo']) {
    const demo = await measureDemo(seconds, warmup);
    process.stdout.write(`strata demo (one process): ${fixed(demo.cpu, 1)} CPU s, ${pct(demo.cpu)} of a core\n${demo.line}\n`);
  }
}
