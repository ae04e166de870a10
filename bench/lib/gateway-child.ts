/**
 * The small servers of `bench:gateway` (the upstream, the bare relay, the GatewayServer alone) as
 * child processes, so their CPU is their own and the load generator's does not distort them. A
 * child prints `listening on <port>` once ready and stops on SIGTERM; it is killed at exit whatever
 * happens (bench/lib/cleanup.ts).
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { closeServer, listen } from '../../src/net.js';
import { onCleanup } from './cleanup.js';

export interface BenchChild {
  readonly pid: number;
  readonly port: number;
  /** SIGTERM, SIGKILL after 5 s. Idempotent. */
  stop(): Promise<void>;
}

/** Spawns `node [nodeArgs] script [args]`; resolves with the port it prints. */
export async function startBenchChild(name: string, script: string, args: readonly string[] = [], nodeArgs: readonly string[] = []): Promise<BenchChild> {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = child.pid!;
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => r()));
  void exit.then(() => (exited = true));
  const kill = (signal: NodeJS.Signals): void => {
    if (exited) return;
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  };
  const release = onCleanup(`${name} ${pid}`, () => kill('SIGKILL'), async () => {
    kill('SIGTERM');
    const t = setTimeout(() => kill('SIGKILL'), 5000);
    await exit;
    clearTimeout(t);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => {
      out += c;
      const m = /listening on (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exit.then(() => reject(new Error(`${name} exited before it listened: ${out}`)));
  });
  return { pid, port, stop: release };
}

/** The child side: listens on a free loopback port, prints it, closes on SIGINT/SIGTERM. */
export async function serveAsChild(name: string, server: Server, onStop: () => Promise<void> = async () => {}): Promise<void> {
  const port = await listen(server, 0, '127.0.0.1');
  process.stdout.write(`${name}: listening on ${port}\n`);
  const stop = (): void =>
    void closeServer(server, 100)
      .then(onStop)
      .then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Flag value from argv (`--name value`), or `fallback`. */
export function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
