/**
 * Progress of a bench run on stderr: on a terminal one bar redrawn in place (scenarios done of all,
 * and the step of each one running); elsewhere (CI logs, files) one plain line per finished scenario.
 * Several scenarios may run at once (`--jobs`), so each call names its scenario by index.
 */

export interface ProgressSink {
  /** Scenario `index` (of `total`) starts; it will take `steps` steps. */
  start(index: number, name: string, steps: number): void;
  /** Scenario `index` reached `step` of its steps. */
  step(index: number, step: number): void;
  /** Scenario `index` finished; `note` is a short outcome (`detected, 3.1 s`). */
  done(index: number, note: string): void;
  /** Clears the bar before other output. */
  close(): void;
}

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const BAR_WIDTH = 24;
/** Redraws at most this often (a bench steps thousands of times a second). */
const REDRAW_MS = 100;

function bar(fraction: number, width: number): string {
  const full = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `${'#'.repeat(full)}${'.'.repeat(width - full)}`;
}

/** A progress display of `total` scenarios on `stream` (normally process.stderr); silent when `quiet`. */
export function createProgress(stream: ProgressStream, total: number, options: { quiet?: boolean; now?: () => number } = {}): ProgressSink {
  const now = options.now ?? Date.now;
  const running = new Map<number, { name: string; steps: number; step: number }>();
  let finished = 0;
  let drawn = Number.NEGATIVE_INFINITY;
  let visible = false;
  const tty = stream.isTTY === true && !options.quiet;

  const draw = (force: boolean): void => {
    if (!tty) return;
    const t = now();
    if (!force && t - drawn < REDRAW_MS) return;
    drawn = t;
    let partial = 0;
    for (const r of running.values()) partial += r.step / r.steps;
    const overall = total === 0 ? 1 : (finished + partial) / total;
    const parts = [...running.values()].map((r) => `${r.name} [${bar(r.step / r.steps, 10)}] ${r.step}/${r.steps}`);
    const line = `bench [${bar(overall, BAR_WIDTH)}] ${finished}/${total} done  ${parts.join('  ')}`;
    const width = Math.max(20, (stream.columns ?? 100) - 1);
    stream.write(`\r\x1b[2K${line.slice(0, width)}`);
    visible = true;
  };

  return {
    start(index, name, steps) {
      running.set(index, { name, steps: Math.max(1, steps), step: 0 });
      draw(true);
    },
    step(index, step) {
      const r = running.get(index);
      if (r) r.step = step;
      draw(false);
    },
    done(index, note) {
      const r = running.get(index);
      running.delete(index);
      finished++;
      if (options.quiet) return;
      if (visible) stream.write('\r\x1b[2K');
      visible = false;
      stream.write(`bench: ${index + 1}/${total} ${r?.name ?? ''}: ${note}\n`);
      draw(true);
    },
    close() {
      if (visible) stream.write('\r\x1b[2K');
      visible = false;
    },
  };
}
