/** Per-process memory and CPU from /proc (Linux). */
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  /** Current resident set size, bytes. */
  readonly rss: number;
  /** Peak resident set size since the process started (VmHWM), bytes. */
  readonly peakRss: number;
}

/** RSS and peak RSS of `pid`, or null when the process is gone (or /proc is unavailable). */
export function procMemory(pid: number): ProcMemory | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : NaN;
  };
  return { rss: kb('VmRSS'), peakRss: kb('VmHWM') };
}

/** Clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on every mainstream Linux). */
const CLK_TCK = 100;

/** User + system CPU seconds used so far by `pid` (all threads), or NaN. */
export function procCpuSeconds(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); utime is field 14, stime field 15.
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** This process's CPU seconds (user + system). */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Samples RSS of `pid` every `intervalMs`; `stop()` returns the highest RSS seen. */
export function sampleRss(pid: number, intervalMs = 200): { stop: () => number; max: () => number } {
  let max = 0;
  const tick = (): void => {
    const m = procMemory(pid);
    if (m && m.rss > max) max = m.rss;
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    max: () => max,
    stop: () => {
      clearInterval(timer);
      tick();
      return max;
    },
  };
}

/** Machine-wide CPU seconds: busy (all non-idle time) and total, summed over all CPUs, from /proc/stat. */
export function systemCpuSeconds(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest fields are included in user/nice)
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = v[3] + v[4];
    return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
  } catch {
    return { busy: NaN, total: NaN };
  }
}
