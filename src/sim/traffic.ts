/**
 * A client population in real time: the scenario's arrivals (workload.ts) sent as streamed chat
 * completions to an OpenAI-compatible endpoint (Strata's gateway in `strata demo`), each carrying its
 * arrival number as `x-strata-sim-key` so that whichever replica the gateway picks serves the same
 * simulated request. The answers are read to their end, as a client would.
 */
import { Agent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Arrival } from './workload.js';

export interface TrafficOptions {
  /** OpenAI base URL, e.g. `http://127.0.0.1:4100/v1`. */
  readonly baseUrl: string;
  /** The arrivals up to a time (ArrivalStream.next). */
  readonly arrivals: (toMs: number) => readonly Arrival[];
  readonly now: () => number;
  /** Sent as `Authorization: Bearer` when set. */
  readonly key?: string | null;
  /** How often arrivals are collected and sent; default 100 ms. */
  readonly tickMs?: number;
  /** Requests in flight beyond which new arrivals are dropped (and counted); default 256. */
  readonly maxInFlight?: number;
  readonly log?: (message: string) => void;
  /** Accumulates the time spent in the driver's own work. */
  readonly measure?: <T>(fn: () => T) => T;
}

export interface TrafficStats {
  sent: number;
  ok: number;
  failed: number;
  dropped: number;
  inFlight: number;
}

export const DEFAULT_TICK_MS = 100;
export const DEFAULT_MAX_IN_FLIGHT = 256;

const PROMPTS = [
  'Solve step by step: a train leaves at 9:40 and arrives at 13:05; how long is the trip?',
  'Summarise the causes of the 1929 stock market crash in three sentences.',
  'Write a Python function that merges two sorted lists.',
  'Is 391 a prime number? Explain.',
  'Translate "the quick brown fox" into French and German.',
];

export class TrafficDriver {
  readonly stats: TrafficStats = { sent: 0, ok: 0, failed: 0, dropped: 0, inFlight: 0 };
  private timer: NodeJS.Timeout | null = null;
  private readonly controllers = new Set<AbortController>();
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;
  private lastError: string | null = null;

  constructor(private readonly options: TrafficOptions) {}

  start(): void {
    if (this.timer !== null || this.stopped) return;
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? DEFAULT_TICK_MS);
  }

  /** Sends the arrivals due now. */
  tick(): void {
    if (this.stopped) return;
    const measure = this.options.measure ?? ((fn) => fn());
    const due = measure(() => this.options.arrivals(this.options.now()));
    for (const a of due) {
      if (this.stats.inFlight >= (this.options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT)) {
        this.stats.dropped++;
        continue;
      }
      const p = this.send(a).finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
  }

  /** Stops sending; answers in flight get `graceMs` to finish, then are aborted. Idempotent. */
  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const all = Promise.all([...this.pending]);
    const timer = setTimeout(() => {
      for (const c of this.controllers) c.abort();
    }, graceMs);
    await all;
    clearTimeout(timer);
  }

  private async send(a: Arrival): Promise<void> {
    const ac = new AbortController();
    this.controllers.add(ac);
    this.stats.sent++;
    this.stats.inFlight++;
    const body = JSON.stringify({ model: a.model, stream: true, messages: [{ role: 'user', content: PROMPTS[a.index % PROMPTS.length] }] });
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-strata-sim-key': `arrival-${a.index}` };
    if (this.options.key) headers.authorization = `Bearer ${this.options.key}`;
    try {
      const status = await post(`${this.options.baseUrl.replace(/\/+$/, '')}/chat/completions`, headers, body, ac.signal);
      if (status >= 200 && status < 300) {
        this.stats.ok++;
        this.lastError = null;
      } else {
        this.stats.failed++;
      }
    } catch (err) {
      this.stats.failed++;
      const message = (err as Error).message;
      if (message !== this.lastError && !this.stopped) this.options.log?.(`traffic: ${message}`);
      this.lastError = message;
    } finally {
      this.stats.inFlight--;
      this.controllers.delete(ac);
    }
  }
}

/** Keep-alive connections for the driver (node:http: a fraction of fetch's CPU per streamed chunk). */
const agents = { http: new Agent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** POSTs and reads the answer to its end, as a client does (the content itself is not needed); resolves with the status. */
function post(url: string, headers: Record<string, string | number>, body: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const https = url.startsWith('https:');
    const req = (https ? httpsRequest : httpRequest)(url, { method: 'POST', headers, agent: https ? agents.https : agents.http, signal }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
