/**
 * Summarises a V8 .cpuprofile (as written by `node --cpu-prof`): functions by self time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTimeRow {
  readonly name: string;
  readonly location: string;
  readonly selfMs: number;
  readonly share: number;
}

/** The newest .cpuprofile in `dir`, or null. */
export function findProfile(dir: string): string | null {
  try {
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
    return files.length ? join(dir, files[files.length - 1]) : null;
  } catch {
    return null;
  }
}

/** Top `n` functions by self time; `root` shortens file URLs. */
export function topSelfTime(
  path: string,
  n = 20,
  root = '',
): { rows: SelfTimeRow[]; totalMs: number; idleMs: number; byFile: { file: string; selfMs: number }[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the next delta to this sample (V8/DevTools convention).
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const agg = new Map<string, { name: string; location: string; us: number }>();
  const files = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    total += us;
    if (f.functionName === '(idle)') idle += us;
    const url = f.url.replace(/^file:\/\//, '');
    const short = root && url.startsWith(root) ? relative(root, url) : url;
    const location = short ? `${short}:${f.lineNumber + 1}` : '';
    const file = short || (f.functionName.startsWith('RegExp:') ? '(regular expressions)' : f.functionName || '(native)');
    files.set(file, (files.get(file) ?? 0) + us);
    const raw = f.functionName || '(anonymous)';
    const name = raw.length > 72 ? `${raw.slice(0, 69)}...` : raw;
    const key = `${name}@${location}`;
    const row = agg.get(key) ?? { name, location, us: 0 };
    row.us += us;
    agg.set(key, row);
  }
  const rows = [...agg.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, n)
    .map((r) => ({ name: r.name, location: r.location, selfMs: r.us / 1000, share: total ? r.us / total : 0 }));
  const byFile = [...files.entries()].sort((a, b) => b[1] - a[1]).map(([file, us]) => ({ file, selfMs: us / 1000 }));
  return { rows, totalMs: total / 1000, idleMs: idle / 1000, byFile };
}
