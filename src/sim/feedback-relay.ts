/**
 * Ground truth in real time: the fleet's feedback, as it becomes due, POSTed to Strata's
 * `/api/feedback`. A request served behind a gateway lives in the gateway's trace, not the one the
 * simulator named, so each served request's trace is remembered and the feedback sent for that one.
 */
import type { ReplicaCall } from './servers.js';
import type { Fleet, SimFeedback } from './types.js';

export interface FeedbackRelayOptions {
  /** Strata API base URL, e.g. `http://127.0.0.1:4000`. */
  readonly apiUrl: string;
  readonly fleet: Fleet;
  /** Body of POST /api/feedback for the items (sim/otlp-spans.ts `feedbackToJson`). */
  readonly feedbackToJson: (items: readonly SimFeedback[]) => unknown;
  readonly now: () => number;
  readonly key?: string | null;
  /** Default 1 s. */
  readonly tickMs?: number;
  /** Served requests are remembered this long for their feedback; default 1 h. */
  readonly rememberMs?: number;
  readonly log?: (message: string) => void;
  readonly measure?: <T>(fn: () => T) => T;
}

export class FeedbackRelay {
  readonly stats = { posted: 0, unknown: 0, failed: 0 };
  /** Simulator trace id -> the trace the request was served in, with when it was seen. */
  private readonly traces = new Map<string, { traceId: string; atMs: number }>();
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> = Promise.resolve();

  constructor(private readonly options: FeedbackRelayOptions) {}

  /** Remembers where a served request's feedback must go (its caller's trace, else its own). */
  noteServed(served: ReplicaCall): void {
    this.traces.set(served.request.traceId, { traceId: served.parent?.traceId ?? served.request.traceId, atMs: this.options.now() });
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.tick(), this.options.tickMs ?? 1000);
  }

  /** Sends the feedback due now; resolves when it has been answered. */
  tick(): Promise<void> {
    this.busy = this.busy.then(() => this.send());
    return this.busy;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.busy;
  }

  private async send(): Promise<void> {
    const measure = this.options.measure ?? ((fn) => fn());
    const now = this.options.now();
    const due = measure(() => this.options.fleet.feedbackDue(now));
    const items: SimFeedback[] = [];
    for (const f of due) {
      const t = this.traces.get(f.traceId);
      if (t === undefined) {
        this.stats.unknown++;
        continue;
      }
      items.push({ ...f, traceId: t.traceId });
    }
    const horizon = now - (this.options.rememberMs ?? 3_600_000);
    for (const [k, v] of this.traces) {
      if (v.atMs >= horizon) break;
      this.traces.delete(k);
    }
    if (items.length === 0) return;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.key) headers.authorization = `Bearer ${this.options.key}`;
    try {
      const res = await fetch(`${this.options.apiUrl.replace(/\/+$/, '')}/api/feedback?partial=true`, { method: 'POST', headers, body: measure(() => JSON.stringify(this.options.feedbackToJson(items))) });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status} ${text.slice(0, 200)}`);
      this.stats.posted += items.length;
    } catch (err) {
      this.stats.failed += items.length;
      this.options.log?.(`feedback: ${(err as Error).message}`);
    }
  }
}
