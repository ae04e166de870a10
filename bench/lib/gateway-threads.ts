/**
 * CPU of one process split by thread (Linux /proc/<pid>/task): the JavaScript main thread (tid =
 * pid), Node's other threads (V8 GC and compiler helpers, the libuv pool: all named `node`), and
 * the rest, which in `strata serve` are chDB's (QueryPipelineEx, MergeMutate, ThreadPool, ...).
 * Tells the gateway's event loop apart from the embedded store working beside it on the same cores.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ, as in bench/lib/proc.ts. */
const CLK_TCK = 100;

export interface ThreadCpu {
  /** The JavaScript main thread. */
  readonly main: number;
  /** Node's other threads (comm `node`). */
  readonly node: number;
  /** Every other thread (chDB's in strata serve), by thread name. */
  readonly other: Readonly<Record<string, number>>;
}

function ticks(path: string): number {
  const text = readFileSync(path, 'utf8');
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

/** CPU seconds so far by thread group; threads that ended are missing (their time is lost). */
export function threadCpuSeconds(pid: number): ThreadCpu {
  let main = 0;
  let node = 0;
  const other: Record<string, number> = {};
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { main: NaN, node: NaN, other };
  }
  for (const tid of tids) {
    try {
      const secs = ticks(`/proc/${pid}/task/${tid}/stat`) / CLK_TCK;
      if (Number(tid) === pid) {
        main += secs;
        continue;
      }
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      if (name === 'node') node += secs;
      else other[name] = (other[name] ?? 0) + secs;
    } catch {
      // the thread ended meanwhile
    }
  }
  return { main, node, other };
}

/** `b - a`, per group; the `other` groups summed as `rest`, the largest named. */
export function threadCpuDelta(a: ThreadCpu, b: ThreadCpu): { main: number; node: number; rest: number; top: [string, number][] } {
  const top: [string, number][] = [];
  let rest = 0;
  for (const [name, secs] of Object.entries(b.other)) {
    const d = secs - (a.other[name] ?? 0);
    if (d <= 0) continue;
    rest += d;
    top.push([name, d]);
  }
  top.sort((x, y) => y[1] - x[1]);
  return { main: b.main - a.main, node: b.node - a.node, rest, top: top.slice(0, 4) };
}
