/**
 * Runs nvidia-smi once and classifies what happened. Never rejects: every failure is an outcome.
 */
import { execFile, type ExecFileException } from 'node:child_process';

/** Most output read from one run; nvidia-smi prints about 150 bytes per GPU. */
export const MAX_OUTPUT_BYTES = 1024 * 1024;

/** How one run ended. */
export type RunOutcome =
  | { readonly kind: 'ok'; readonly stdout: string; readonly stderr: string }
  /** The binary ran and exited non-zero (or was killed by a signal other than ours). */
  | { readonly kind: 'exit'; readonly code: number | null; readonly signal: string | null; readonly stdout: string; readonly stderr: string }
  /** No such binary (ENOENT): not installed, or not on PATH. */
  | { readonly kind: 'missing' }
  /** Still running after the timeout: killed. */
  | { readonly kind: 'timeout' }
  /** Stopped through the abort signal. */
  | { readonly kind: 'aborted' }
  /** Could not be started (permissions, …) or printed more than {@link MAX_OUTPUT_BYTES}. */
  | { readonly kind: 'error'; readonly message: string };

/**
 * Runs `binary args` (no shell), killing it with SIGKILL after `timeoutMs`. The timeout settles the
 * outcome at once, even if a grandchild still holds the output pipes open.
 */
export function runCommand(binary: string, args: readonly string[], timeoutMs: number, signal: AbortSignal): Promise<RunOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: RunOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    let timer: NodeJS.Timeout | undefined;
    let child: ReturnType<typeof execFile>;
    try {
      child = execFile(
        binary,
        args,
        { encoding: 'utf8', maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true, signal, killSignal: 'SIGKILL' },
        (err, stdout, stderr) => settle(classify(err, stdout, stderr)),
      );
    } catch (err) {
      settle({ kind: 'error', message: (err as Error).message });
      return;
    }
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
      settle({ kind: 'timeout' });
    }, timeoutMs);
  });
}

function classify(err: ExecFileException | null, stdout: string, stderr: string): RunOutcome {
  if (err === null) return { kind: 'ok', stdout, stderr };
  if (err.name === 'AbortError') return { kind: 'aborted' };
  if (err.code === 'ENOENT') return { kind: 'missing' };
  if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return { kind: 'error', message: `more than ${MAX_OUTPUT_BYTES} bytes of output` };
  if (typeof err.code === 'number' || err.signal) {
    return { kind: 'exit', code: typeof err.code === 'number' ? err.code : null, signal: err.signal ?? null, stdout, stderr };
  }
  return { kind: 'error', message: err.message };
}
