/**
 * The worker pool of `--jobs`: tasks go to free workers, the runs come back in task order, each run's
 * start, steps and end are reported, and a failed run or a crashed worker fails the whole with the
 * scenario's name. A stand-in worker (plain JS, speaking the protocol of pool.ts) replaces the real one,
 * which needs a built Strata to start quickly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInWorkers, workerCommand, type PoolEvents } from './pool.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Answers each run after a delay taken from the file name (`slow` 200 ms), with its pid; `broken` fails, `crash` exits. */
const WORKER = `
process.on('message', (m) => {
  if (m.type === 'exit') return process.disconnect();
  if (m.file.includes('crash')) process.exit(3);
  if (m.file.includes('broken')) return process.send({ type: 'error', index: m.index, message: 'cannot read' });
  process.send({ type: 'step', index: m.index, step: 1, steps: 2 });
  setTimeout(() => {
    process.send({ type: 'step', index: m.index, step: 2, steps: 2 });
    process.send({ type: 'done', index: m.index, run: { name: m.file, seed: m.seed, pid: process.pid, dataDir: m.dataDir, database: m.database, engine: m.engine } });
  }, m.file.includes('slow') ? 200 : 10);
});
process.send({ type: 'ready' });
`;
const module = join(dir, 'worker.mjs');
writeFileSync(module, WORKER);
const command = { module, args: [] };

function recorder(): { events: string[]; sink: PoolEvents } {
  const events: string[] = [];
  return { events, sink: { start: (i) => events.push(`start ${i}`), step: (i, s) => events.push(`step ${i} ${s}`), done: (i) => events.push(`done ${i}`) } };
}

describe('bench worker pool', () => {
  it('finds the real worker in a source checkout', () => {
    const c = workerCommand();
    expect(c?.args[0] ?? c?.module).toMatch(/worker\.(ts|js)$/);
  });

  it('spreads the tasks over the workers and answers in task order', async () => {
    const { events, sink } = recorder();
    const files = ['a-slow.yaml', 'b.yaml', 'c.yaml', 'd.yaml'];
    const runs = (await runInWorkers(files.map((file, index) => ({ index, file, seed: 9 })), { jobs: 2, engine: 'memory', root: dir, command }, sink)) as unknown as { name: string; seed: number; pid: number; dataDir: string; engine: string }[];
    expect(runs.map((r) => r.name)).toEqual(files);
    expect(runs.every((r) => r.seed === 9 && r.engine === 'memory')).toBe(true);
    // While the slow one runs in one worker, the other takes the rest.
    expect(new Set(runs.map((r) => r.pid)).size).toBe(2);
    expect(runs[1].pid).toBe(runs[2].pid);
    expect(new Set(runs.map((r) => r.dataDir))).toEqual(new Set([join(dir, 'worker-0'), join(dir, 'worker-1')]));
    for (const i of [0, 1, 2, 3]) {
      expect(events.indexOf(`start ${i}`)).toBeLessThan(events.indexOf(`step ${i} 2`));
      expect(events.indexOf(`step ${i} 2`)).toBeLessThan(events.indexOf(`done ${i}`));
    }
  });

  it('fails with the scenario’s name when a run fails or its worker dies', async () => {
    await expect(runInWorkers([{ index: 0, file: 'ok.yaml', seed: null }, { index: 1, file: 'broken.yaml', seed: null }], { jobs: 2, engine: 'chdb', root: dir, command }, recorder().sink)).rejects.toThrow('broken.yaml: cannot read');
    await expect(runInWorkers([{ index: 0, file: 'crash.yaml', seed: null }], { jobs: 1, engine: 'chdb', root: dir, command }, recorder().sink)).rejects.toThrow(/crash\.yaml: the bench worker stopped \(code 3/);
  });

  it('answers at once with no task', async () => {
    expect(await runInWorkers([], { jobs: 2, engine: 'chdb', root: dir, command }, recorder().sink)).toEqual([]);
  });
});
