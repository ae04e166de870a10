/**
 * `strata serve` as a child process (so its memory and CPU are measured apart from the load
 * generator): spawns `node bin/strata.js serve` on a data directory with every port 0, reads the
 * bound ports from its stdout, and stops it with SIGINT (the clean path, which also lets
 * `--cpu-prof` write its profile), escalating to SIGKILL after a timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.js';
import { getJson } from './http.js';

/** The repository root (this file is dist/bench/lib/server.js once built). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ServerOptions {
  readonly dataDir: string;
  /** Extra `strata serve` flags, e.g. ['--retention-days', '0']. */
  readonly serveArgs?: readonly string[];
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/x']. */
  readonly nodeArgs?: readonly string[];
  /** Echo the server's stderr (its log) to ours. */
  readonly echoLog?: boolean;
  readonly startTimeoutMs?: number;
}

export interface Health {
  status: string;
  store: string;
  version: string;
  walBytes: number;
  ingest: {
    queuedRecords: number;
    queuedBytes: number;
    committedSeq: number;
    insertedBatches: number;
    failedAttempts: number;
    deadLetters: number;
    lastError: string | null;
  };
}

export interface StrataChild {
  readonly pid: number;
  readonly apiPort: number;
  readonly otlpHttpPort: number;
  readonly otlpGrpcPort: number;
  /** The server's log lines (stderr) so far. */
  readonly log: string[];
  health(): Promise<Health>;
  /** SIGINT, wait up to `timeoutMs` for a clean exit, then SIGKILL. Returns the exit code (null if killed). */
  stop(timeoutMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export async function startStrata(o: ServerOptions): Promise<StrataChild> {
  const args = [
    ...(o.nodeArgs ?? []),
    `${REPO_ROOT}bin/strata.js`,
    'serve',
    '--data-dir',
    o.dataDir,
    '--port',
    '0',
    '--otlp-http-port',
    '0',
    '--otlp-grpc-port',
    '0',
    ...(o.serveArgs ?? []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT });
  const pid = child.pid!;
  const log: string[] = [];
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
  });
  const hardKill = (): void => {
    if (exitCode === undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  const stopNow = async (timeoutMs = 30_000): Promise<number | null> => {
    if (exitCode !== undefined) return exitCode;
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      return exitCode ?? null;
    }
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)))]);
    clearTimeout(timer);
    if (code === 'timeout') {
      process.stderr.write(`strata child ${pid} did not stop within ${timeoutMs} ms; killing it\n`);
      hardKill();
      return exited;
    }
    return code;
  };
  const release = onCleanup(`strata child ${pid}`, hardKill, async () => void (await stopNow(10_000)));

  let stderrBuf = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderrBuf += chunk;
    let nl: number;
    while ((nl = stderrBuf.indexOf('\n')) >= 0) {
      const line = stderrBuf.slice(0, nl);
      stderrBuf = stderrBuf.slice(nl + 1);
      log.push(line);
      if (log.length > 2000) log.shift();
      if (o.echoLog) process.stderr.write(`  [strata] ${line}\n`);
    }
  });

  const ports = await new Promise<{ api: number; http: number; grpc: number }>((resolve, reject) => {
    let out = '';
    const found: { api?: number; http?: number; grpc?: number } = {};
    const timer = setTimeout(() => reject(new Error(`strata did not start within ${o.startTimeoutMs ?? 120_000} ms; log:\n${log.join('\n')}`)), o.startTimeoutMs ?? 120_000);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const http = /OTLP\/HTTP\s+http:\/\/[^:\s]+:(\d+)\//.exec(out);
      const grpc = /OTLP\/gRPC\s+[^:\s]+:(\d+)/.exec(out);
      const api = /API\s+http:\/\/[^:\s]+:(\d+)\/api\/health/.exec(out);
      if (http) found.http = Number(http[1]);
      if (grpc) found.grpc = Number(grpc[1]);
      if (api) found.api = Number(api[1]);
      if (found.api && found.http && found.grpc) {
        clearTimeout(timer);
        resolve({ api: found.api, http: found.http, grpc: found.grpc });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`strata exited with code ${code} before it was ready; log:\n${log.join('\n')}\n${stderrBuf}`));
    });
  });

  return {
    pid,
    apiPort: ports.api,
    otlpHttpPort: ports.http,
    otlpGrpcPort: ports.grpc,
    log,
    exited,
    health: () => getJson<Health>(ports.api, '/api/health', undefined, 10_000),
    stop: async (timeoutMs?: number) => {
      const code = await stopNow(timeoutMs);
      await release();
      return code;
    },
  };
}
