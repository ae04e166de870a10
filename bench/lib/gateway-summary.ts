/**
 * The figures of `bench:gateway` from its phases (one path, one round each): pooled percentiles per
 * path, the per-round differences to direct in the same round, throughput, and CPU per token by
 * process and thread group.
 */
import type { PhaseResult } from './gateway-client.js';
import type { threadCpuDelta } from './gateway-threads.js';
import { fixed } from './report.js';

/** One measured phase: one path, one round, one workload. */
export interface Phase {
  readonly result: PhaseResult;
  /** Seconds the CPU figures cover. */
  readonly cpuSeconds: number;
  /** CPU cores used during the phase (start to the last stream's end; for strata serve, until its spans are stored); proxy: the process in the middle. */
  readonly cores: { proxy: number; upstream: number; client: number; machine: number };
  readonly proxyCpuSeconds: number;
  /** The proxy process's CPU seconds by thread group (zeros for direct). */
  readonly threads: ReturnType<typeof threadCpuDelta>;
  readonly upstreamCpuSeconds: number;
  /** strata serve only: store insert batches during the phase. */
  readonly insertBatches: number;
}

/** Nearest-rank percentile (as bench/lib/report.ts's `percentile`), on a typed array. */
export function pct(values: Float64Array, p: number): number {
  if (values.length === 0) return NaN;
  const s = values.slice().sort();
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** +1.23 / -4.56 */
export function signed(n: number, digits: number): string {
  return Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(digits)}` : String(n);
}

/** Signed values, comma-separated. */
export function list(values: readonly number[], digits: number): string {
  return values.map((v) => signed(v, digits)).join(', ');
}

export interface PathSummary {
  readonly ttftP50: number;
  readonly ttftP99: number;
  readonly chunkP50: number;
  readonly chunkP99: number;
  readonly tokensPerSec: number;
  readonly ok: number;
  readonly failed: number;
  readonly violations: number;
  readonly lastError: string;
  readonly cores: Phase['cores'];
  /** CPU µs per delivered token of the process in the middle (NaN for direct) and of the upstream. */
  readonly proxyUsPerToken: number;
  /** The same by thread group: JavaScript main thread, Node's helpers, other (chDB) threads with the busiest named. */
  readonly proxyThreadsUsPerToken: { main: number; node: number; rest: number; top: string };
  readonly upstreamUsPerToken: number;
  readonly bytesPerToken: number;
  readonly insertBatches: number;
  readonly streamsTotal: number;
  /** Per round, this path minus direct of the same round. */
  readonly rounds: { ttftP50: number[]; ttftP99: number[]; chunkP50: number[]; chunkP99: number[]; ratio: number[] };
}

/** One path's figures over its rounds; `direct`: the direct phases of the same rounds, in order. */
export function summarisePath(phases: readonly Phase[], direct: readonly Phase[]): PathSummary {
  const pooled = (pick: (r: PhaseResult) => Float64Array): Float64Array => concat(phases.map((p) => pick(p.result)));
  const ttft = pooled((r) => r.ttftMs);
  const chunk = pooled((r) => r.chunkUs);
  const sum = (f: (p: Phase) => number): number => phases.reduce((n, p) => n + f(p), 0);
  const secs = sum((p) => p.cpuSeconds);
  const cores = (k: keyof Phase['cores']): number => sum((p) => p.cores[k] * p.cpuSeconds) / secs;
  const tokensTotal = sum((p) => p.result.tokensTotal);
  const rounds = Math.min(phases.length, direct.length);
  const perRound = (f: (x: PhaseResult, d: PhaseResult) => number): number[] => Array.from({ length: rounds }, (_, i) => f(phases[i].result, direct[i].result));
  const rate = (r: PhaseResult): number => r.tokensInWindow / r.windowSeconds;
  return {
    ttftP50: pct(ttft, 50),
    ttftP99: pct(ttft, 99),
    chunkP50: pct(chunk, 50),
    chunkP99: pct(chunk, 99),
    tokensPerSec: sum((p) => p.result.tokensInWindow) / sum((p) => p.result.windowSeconds),
    ok: sum((p) => p.result.streamsOk),
    failed: sum((p) => p.result.streamsFailed),
    violations: sum((p) => p.result.violations),
    lastError: phases.map((p) => p.result.lastError).filter(Boolean).pop() ?? '',
    cores: { proxy: cores('proxy'), upstream: cores('upstream'), client: cores('client'), machine: cores('machine') },
    proxyUsPerToken: (sum((p) => p.proxyCpuSeconds) / tokensTotal) * 1e6,
    proxyThreadsUsPerToken: threadsPerToken(phases, tokensTotal),
    upstreamUsPerToken: (sum((p) => p.upstreamCpuSeconds) / tokensTotal) * 1e6,
    bytesPerToken: sum((p) => p.result.bytes) / tokensTotal,
    insertBatches: sum((p) => p.insertBatches),
    streamsTotal: sum((p) => p.result.streamsOk + p.result.streamsFailed),
    rounds: {
      ttftP50: perRound((x, d) => pct(x.ttftMs, 50) - pct(d.ttftMs, 50)),
      ttftP99: perRound((x, d) => pct(x.ttftMs, 99) - pct(d.ttftMs, 99)),
      chunkP50: perRound((x, d) => pct(x.chunkUs, 50) - pct(d.chunkUs, 50)),
      chunkP99: perRound((x, d) => pct(x.chunkUs, 99) - pct(d.chunkUs, 99)),
      ratio: perRound((x, d) => rate(x) / rate(d)),
    },
  };
}

/** Machine CPU not used by the benchmark's processes: other work on the shared machine. */
export function otherCores(c: Phase['cores']): number {
  return c.machine - c.upstream - c.client - (Number.isFinite(c.proxy) ? c.proxy : 0);
}

function threadsPerToken(phases: readonly Phase[], tokensTotal: number): PathSummary['proxyThreadsUsPerToken'] {
  const us = (secs: number): number => (secs / tokensTotal) * 1e6;
  const named = new Map<string, number>();
  for (const p of phases) for (const [name, secs] of p.threads.top) named.set(name, (named.get(name) ?? 0) + secs);
  const top = [...named]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, secs]) => `${name} ${fixed(us(secs), 0)}`)
    .join(', ');
  return {
    main: us(phases.reduce((n, p) => n + p.threads.main, 0)),
    node: us(phases.reduce((n, p) => n + p.threads.node, 0)),
    rest: us(phases.reduce((n, p) => n + p.threads.rest, 0)),
    top,
  };
}
