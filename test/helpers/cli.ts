/**
 * Runs the built CLI (`bin/strata.js`, which imports dist/) as a child process.
 * Build first: `npx tsc -p tsconfig.build.json`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(REPO_ROOT, 'bin', 'strata.js');

/** The environment without STRATA_* variables, so the host's settings cannot leak into a test. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STRATA_')) env[k] = v;
  return { ...env, ...extra };
}

export function assertBuilt(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` before the e2e tests');
}

/** A fresh temporary directory; removed by the returned cleanup. */
export function tempDir(prefix = 'strata-e2e-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/strata.js ...args` to completion. */
export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  assertBuilt();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: options.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`strata ${args.join(' ')}: no exit after ${options.timeoutMs ?? 20_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

export interface ServerPorts {
  readonly api: number;
  readonly otlpHttp: number;
  readonly otlpGrpc: number;
}

export interface RunningServer {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly ports: ServerPorts;
  /** http://127.0.0.1:<api port> */
  readonly apiUrl: string;
  /** http://127.0.0.1:<otlp http port> */
  readonly otlpHttpUrl: string;
  /** 127.0.0.1:<otlp grpc port> */
  readonly otlpGrpcAddress: string;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** kill -9, then waits for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (clean stop), then waits for the exit; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const PORT_LINES = {
  otlpHttp: /strata: OTLP\/HTTP\s+http:\/\/\S+?:(\d+)\/v1\//,
  otlpGrpc: /strata: OTLP\/gRPC\s+\S+?:(\d+)\s*$/m,
  api: /strata: API\s+http:\/\/\S+?:(\d+)\/api\/health/,
};

/**
 * Starts `node bin/strata.js serve --data-dir <dataDir> --port 0 --otlp-http-port 0 --otlp-grpc-port 0 --gateway-port 0 ...args`
 * and resolves once the bound ports are printed on stdout.
 */
export function startCli(dataDir: string, args: readonly string[] = [], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunningServer> {
  assertBuilt();
  const argv = [BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--gateway-port', '0', ...args];
  const child = spawn(process.execPath, argv, { env: options.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`strata serve: ${why}\nstdout: ${stdout}\nstderr: ${stderr}`));
    };
    const timer = setTimeout(() => fail(`ports not printed within ${options.timeoutMs ?? 30_000} ms`), options.timeoutMs ?? 30_000);
    child.on('error', (err) => fail(err.message));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(`exited before it was ready (code ${code}, signal ${signal})`);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (settled) return;
      const m = { api: PORT_LINES.api.exec(stdout), otlpHttp: PORT_LINES.otlpHttp.exec(stdout), otlpGrpc: PORT_LINES.otlpGrpc.exec(stdout) };
      if (!m.api || !m.otlpHttp || !m.otlpGrpc) return;
      settled = true;
      clearTimeout(timer);
      const ports = { api: Number(m.api[1]), otlpHttp: Number(m.otlpHttp[1]), otlpGrpc: Number(m.otlpGrpc[1]) };
      const server: RunningServer = {
        child,
        pid: child.pid!,
        ports,
        apiUrl: `http://127.0.0.1:${ports.api}`,
        otlpHttpUrl: `http://127.0.0.1:${ports.otlpHttp}`,
        otlpGrpcAddress: `127.0.0.1:${ports.otlpGrpc}`,
        stdout: () => stdout,
        stderr: () => stderr,
        exited,
        async kill9() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
        async stop(timeoutMs = 15_000) {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          const r = await exited;
          clearTimeout(t);
          return r;
        },
      };
      resolvePromise(server);
    });
  });
}
