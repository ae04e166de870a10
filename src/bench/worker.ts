/**
 * A child process of `strata bench --jobs N`: runs the scenarios its parent sends, one at a time, each
 * against its own fresh Strata (chDB binds one data directory per process, so parallel runs need
 * processes), and sends back the raw run; the parent scores. Messages are in pool.ts.
 */
import { runFleet } from './runner.js';
import { DEFAULT_BENCH_SIM } from './sim-kit.js';
import type { FromWorker, ToWorker } from './pool.js';

/** Steps are reported at most this often, ms (a run steps hundreds of times a second). */
const STEP_REPORT_MS = 100;

function send(message: FromWorker): void {
  process.send?.(message);
}

let busy: Promise<void> = Promise.resolve();

process.on('message', (message: ToWorker) => {
  if (message.type === 'exit') {
    void busy.then(() => process.disconnect?.());
    return;
  }
  busy = busy.then(async () => {
    const { index, file, seed, engine, dataDir, database } = message;
    try {
      const fleet = DEFAULT_BENCH_SIM.fleetOf(file, seed);
      let last = 0;
      const run = await runFleet(fleet, DEFAULT_BENCH_SIM.encoders, {
        dataDir,
        database,
        engine,
        onStep: (step, steps) => {
          const t = Date.now();
          if (t - last < STEP_REPORT_MS && step !== steps) return;
          last = t;
          send({ type: 'step', index, step, steps });
        },
      });
      send({ type: 'done', index, run });
    } catch (err) {
      send({ type: 'error', index, message: (err as Error).message });
    }
  });
});

send({ type: 'ready' });
