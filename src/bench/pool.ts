/**
 * Runs a bench's scenarios in N child processes (worker.ts), each taking the next scenario when it is
 * free. The runs are the same as in-process ones (event time, the scenario clock): only the wall time
 * shrinks. Each worker has its own data directory.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchEngine, FleetRun } from './runner.js';

export interface BenchTask {
  readonly index: number;
  readonly file: string;
  readonly seed: number | null;
}

export type ToWorker =
  | { readonly type: 'run'; readonly index: number; readonly file: string; readonly seed: number | null; readonly engine: BenchEngine; readonly dataDir: string; readonly database: string }
  | { readonly type: 'exit' };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'step'; readonly index: number; readonly step: number; readonly steps: number }
  | { readonly type: 'done'; readonly index: number; readonly run: FleetRun }
  | { readonly type: 'error'; readonly index: number; readonly message: string };

export interface PoolEvents {
  readonly start: (index: number) => void;
  readonly step: (index: number, step: number) => void;
  readonly done: (index: number, run: FleetRun) => void;
}

/**
 * How to start a worker: the compiled `worker.js` beside this module, or from a source checkout the
 * TypeScript through vite-node; null when neither is there (the bench then runs in-process).
 */
export function workerCommand(here = new URL('.', import.meta.url)): { module: string; args: string[] } | null {
  const js = fileURLToPath(new URL('worker.js', here));
  if (existsSync(js)) return { module: js, args: [] };
  const ts = fileURLToPath(new URL('worker.ts', here));
  const viteNode = fileURLToPath(new URL('../../node_modules/vite-node/vite-node.mjs', here));
  if (existsSync(ts) && existsSync(viteNode)) return { module: viteNode, args: [ts] };
  return null;
}

export interface PoolOptions {
  readonly jobs: number;
  readonly engine: BenchEngine;
  /** Each worker's data directory is `<root>/worker-<n>`. */
  readonly root: string;
  /** The worker to start (default {@link workerCommand}). */
  readonly command?: { readonly module: string; readonly args: readonly string[] };
}

/** Runs every task in `jobs` workers; rejects on the first failed run (naming its scenario). */
export function runInWorkers(tasks: readonly BenchTask[], options: PoolOptions, events: PoolEvents): Promise<FleetRun[]> {
  const command = options.command ?? workerCommand();
  if (command === null) return Promise.reject(new Error('no bench worker to start'));
  const runs: FleetRun[] = new Array(tasks.length);
  const queue = [...tasks];
  const children: ChildProcess[] = [];
  let remaining = tasks.length;
  return new Promise<FleetRun[]>((resolve, reject) => {
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      for (const c of children) c.kill();
      reject(err);
    };
    const current = new Map<ChildProcess, BenchTask>();
    const next = (child: ChildProcess, slot: number): void => {
      const task = queue.shift();
      current.delete(child);
      if (task === undefined) {
        child.send({ type: 'exit' } satisfies ToWorker);
        return;
      }
      current.set(child, task);
      events.start(task.index);
      const message: ToWorker = { type: 'run', index: task.index, file: task.file, seed: task.seed, engine: options.engine, dataDir: join(options.root, `worker-${slot}`), database: `bench_${process.pid}_${task.index}` };
      child.send(message);
    };
    const workers = Math.max(1, Math.min(options.jobs, tasks.length));
    if (tasks.length === 0) return resolve(runs);
    for (let slot = 0; slot < workers; slot++) {
      const child = fork(command.module, [...command.args], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
      children.push(child);
      child.on('message', (m: FromWorker) => {
        if (m.type === 'ready') return next(child, slot);
        if (m.type === 'step') return events.step(m.index, m.step);
        if (m.type === 'error') return fail(new Error(`${tasks.find((t) => t.index === m.index)?.file ?? m.index}: ${m.message}`));
        runs[tasks.findIndex((t) => t.index === m.index)] = m.run;
        events.done(m.index, m.run);
        if (--remaining === 0) resolve(runs);
        next(child, slot);
      });
      child.on('exit', (code, signal) => {
        const task = current.get(child);
        if (task !== undefined) fail(new Error(`${task.file}: the bench worker stopped (code ${code}, signal ${signal})`));
      });
      child.on('error', fail);
    }
  });
}
