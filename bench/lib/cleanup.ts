/**
 * Cleanup on every way out: normal end, an exception, SIGINT/SIGTERM. Temporary directories are
 * removed and child processes killed (each by its own pid) even when the script dies early.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type SyncTask = () => void;
type AsyncTask = () => Promise<void>;

interface Entry {
  readonly name: string;
  /** Best effort, run in order on a graceful end. */
  readonly graceful?: AsyncTask;
  /** Last resort, synchronous: runs from the 'exit' handler too. */
  readonly hard: SyncTask;
  done: boolean;
}

const entries: Entry[] = [];
let installed = false;
let interrupted = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => runHard());
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) {
      runHard();
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write(`\n${signal}: cleaning up (again to force)...\n`);
    void runGraceful().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** True once SIGINT/SIGTERM arrived: long loops should stop. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/** Registers a cleanup; returns a function that runs it now (gracefully when it can) and unregisters it. */
export function onCleanup(name: string, hard: SyncTask, graceful?: AsyncTask): () => Promise<void> {
  install();
  const entry: Entry = { name, hard, graceful, done: false };
  entries.push(entry);
  return async () => {
    if (entry.done) return;
    entry.done = true;
    try {
      if (graceful) await graceful();
      else hard();
    } catch (err) {
      process.stderr.write(`cleanup ${name}: ${(err as Error).message}\n`);
      try {
        hard();
      } catch {
        // nothing more to do
      }
    }
  };
}

async function runGraceful(): Promise<void> {
  for (const e of [...entries].reverse()) {
    if (e.done) continue;
    e.done = true;
    try {
      if (e.graceful) await e.graceful();
      else e.hard();
    } catch {
      try {
        e.hard();
      } catch {
        // ignore
      }
    }
  }
}

function runHard(): void {
  for (const e of [...entries].reverse()) {
    if (e.done) continue;
    e.done = true;
    try {
      e.hard();
    } catch {
      // ignore
    }
  }
}

/** A fresh temporary directory removed at exit (unless `keep`). */
export function tempDir(prefix: string, keep = false): { path: string; remove: () => Promise<void> } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  const rm = (): void => {
    if (!keep) rmSync(path, { recursive: true, force: true });
  };
  return { path, remove: onCleanup(`remove ${path}`, rm) };
}
