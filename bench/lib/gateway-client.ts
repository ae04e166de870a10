/**
 * The load generator of `bench:gateway`: streamed chat completions over plain `node:http` with a
 * keep-alive agent, `concurrency` closed-loop streams for a fixed time. Per stream it records the
 * time to the first token (from just before the request is sent to the first chunk that carries a
 * token) and, per token chunk, the latency from the upstream's send time (the `bench.sent_ns` the
 * upstream in gateway-upstream.ts writes into each chunk; both read CLOCK_MONOTONIC) to the moment
 * the chunk's bytes reach this process. Parsing is kept to a few `indexOf`s per chunk so the client
 * costs the same, and little, in both modes.
 */
import { request as httpRequest, type Agent } from 'node:http';
import { BENCH_MARK } from './gateway-upstream.js';

export interface PhaseOptions {
  readonly port: number;
  readonly agent: Agent;
  readonly path: string;
  readonly headers: Record<string, string | number>;
  readonly body: Buffer;
  /** Tokens each stream carries (the request's max_tokens). */
  readonly tokens: number;
  readonly concurrency: number;
  /**
   * Stream i starts i/concurrency of this into the phase, so that streams of equal length stay
   * evenly spread instead of starting (and ending) in lock step; the measured window (`seconds`)
   * starts once every stream runs. 0: all start at once.
   */
  readonly rampSeconds?: number;
  readonly seconds: number;
  /** Keep per-chunk samples (false for warm-up). */
  readonly record?: boolean;
}

export interface PhaseResult {
  /** Time to first token per stream whose first token came in the measured window, ms. */
  readonly ttftMs: Float64Array;
  /** Upstream send -> client receive per token chunk received in the measured window, µs. */
  readonly chunkUs: Float64Array;
  /** Token chunks received in the measured window. */
  readonly tokensInWindow: number;
  /** Token chunks received in all, the tail after the deadline included. */
  readonly tokensTotal: number;
  readonly windowSeconds: number;
  /** Start to the end of the last stream (the ramp and the tail after the window included). */
  readonly elapsedSeconds: number;
  readonly streamsOk: number;
  readonly streamsFailed: number;
  /** Bytes of response body received. */
  readonly bytes: number;
  /** Chunks carrying what the client did not ask for (`top_logprobs`, `usage`), or streams with missing/extra tokens. */
  readonly violations: number;
  readonly lastError: string;
}

/** A growable list of doubles. */
class Samples {
  private buf = new Float64Array(4096);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  values(): Float64Array {
    return this.buf.slice(0, this.length);
  }
}

interface PhaseState {
  readonly o: PhaseOptions;
  /** The measured window: samples and tokens count between these. */
  readonly windowStartNs: number;
  readonly deadlineNs: number;
  readonly ttft: Samples;
  readonly chunks: Samples;
  tokensInWindow: number;
  tokensTotal: number;
  ok: number;
  failed: number;
  bytes: number;
  violations: number;
  lastError: string;
}

/** Monotonic ns as a double: exact while the machine's uptime is under ~104 days. */
function nowNs(): number {
  return Number(process.hrtime.bigint());
}

function readInt(s: string, from: number): { value: number; end: number } {
  let i = from;
  if (s.charCodeAt(i) === 0x2d) i++;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  return { value: Number(s.slice(from, i)), end: i };
}

/** One streamed request; resolves when it ends (never rejects). */
function streamOnce(st: PhaseState): Promise<void> {
  const o = st.o;
  return new Promise((resolve) => {
    const t0 = nowNs();
    let firstToken = true;
    let tokens = 0;
    let done = false;
    let pending = '';
    let settled = false;
    const finish = (ok: boolean, err = ''): void => {
      if (settled) return;
      settled = true;
      if (ok && (tokens !== o.tokens || !done)) {
        st.violations++;
        err = `stream ended with ${tokens}/${o.tokens} tokens${done ? '' : ', no [DONE]'}`;
        ok = false;
      }
      if (ok) st.ok++;
      else {
        st.failed++;
        st.lastError = err;
      }
      resolve();
    };
    const req = httpRequest({ host: '127.0.0.1', port: o.port, method: 'POST', path: o.path, headers: o.headers, agent: o.agent }, (res) => {
      if (res.statusCode !== 200) {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => finish(false, `HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        res.on('error', (e) => finish(false, e.message));
        return;
      }
      res.on('data', (buf: Buffer) => {
        const at = nowNs();
        st.bytes += buf.length;
        pending += buf.toString('latin1');
        let start = 0;
        for (let end = pending.indexOf('\n\n'); end >= 0; end = pending.indexOf('\n\n', start)) {
          const from = start;
          start = end + 2;
          const m = pending.indexOf(BENCH_MARK, from);
          if (m < 0 || m > end) {
            if (pending.startsWith('data: [DONE]', from)) done = true;
            continue;
          }
          const seq = readInt(pending, m + BENCH_MARK.length);
          if (seq.value < 0) continue;
          const ev = pending.slice(from, end);
          if (ev.includes('"top_logprobs"') || ev.includes('"usage"')) st.violations++;
          if (seq.value >= o.tokens) continue;
          tokens++;
          st.tokensTotal++;
          const inWindow = at >= st.windowStartNs && at <= st.deadlineNs;
          if (firstToken) {
            firstToken = false;
            if (inWindow) st.ttft.push((at - t0) / 1e6);
          }
          if (inWindow) {
            st.tokensInWindow++;
            if (o.record !== false) {
              const s = pending.indexOf('"sent_ns":', seq.end);
              if (s >= 0 && s < end) st.chunks.push((at - readInt(pending, s + 10).value) / 1e3);
            }
          }
        }
        pending = start > 0 ? pending.slice(start) : pending;
      });
      res.on('end', () => finish(true));
      res.on('error', (e) => finish(false, e.message));
      res.on('close', () => finish(false, 'connection closed mid-stream'));
    });
    req.on('error', (e) => finish(false, e.message));
    req.end(o.body);
  });
}

/** `concurrency` closed-loop streams until `seconds` have passed; in-flight streams then finish. */
export async function runPhase(o: PhaseOptions): Promise<PhaseResult> {
  const startNs = nowNs();
  const ramp = Math.max(0, o.rampSeconds ?? 0);
  const st: PhaseState = {
    o,
    windowStartNs: startNs + ramp * 1e9,
    deadlineNs: startNs + (ramp + o.seconds) * 1e9,
    ttft: new Samples(),
    chunks: new Samples(),
    tokensInWindow: 0,
    tokensTotal: 0,
    ok: 0,
    failed: 0,
    bytes: 0,
    violations: 0,
    lastError: '',
  };
  const loop = async (_: unknown, i: number): Promise<void> => {
    const delay = (ramp * 1000 * i) / o.concurrency;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    while (nowNs() < st.deadlineNs) {
      await streamOnce(st);
      if (st.failed > 100 && st.failed > st.ok) break;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, loop));
  const endNs = nowNs();
  return {
    ttftMs: st.ttft.values(),
    chunkUs: st.chunks.values(),
    tokensInWindow: st.tokensInWindow,
    tokensTotal: st.tokensTotal,
    windowSeconds: o.seconds,
    elapsedSeconds: (endNs - startNs) / 1e9,
    streamsOk: st.ok,
    streamsFailed: st.failed,
    bytes: st.bytes,
    violations: st.violations,
    lastError: st.lastError,
  };
}

/** One stream's whole body, for the byte-level check (not timed). */
export function fetchStream(o: Pick<PhaseOptions, 'port' | 'agent' | 'path' | 'headers' | 'body'>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: o.port, method: 'POST', path: o.path, headers: o.headers, agent: o.agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
