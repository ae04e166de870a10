/**
 * One receiver's queue: the ledger of what it is owed (incident-ledger.ts), and a loop that sends one
 * message at a time when it falls due, with retries (delivery.ts) and a dead letter when it gives up,
 * plus the periodic re-send of open alerts for channels that want one (Alertmanager). A slow or dead
 * receiver delays only its own queue.
 */
import type { Incident } from '../incidents/types.js';
import type { Clock } from './clock.js';
import type { ReceiverConfig } from './config.js';
import type { DeadLetterLog } from './dead-letter.js';
import { deliver } from './delivery.js';
import { IncidentLedger, type DueMessage } from './incident-ledger.js';
import type { Channel, NotificationOutcome } from './types.js';

export interface ReceiverQueueOptions {
  readonly receiver: ReceiverConfig;
  readonly channel: Channel;
  readonly capacity: number;
  readonly flapWindowMs: number;
  /** Re-send open incidents this often when the channel can (`Channel.resend`); null: never. */
  readonly resendIntervalMs: number | null;
  readonly clock: Clock;
  readonly random?: () => number;
  readonly deadLetters: DeadLetterLog;
  readonly onOutcome?: (receiver: string, outcome: NotificationOutcome) => void;
  readonly log?: (message: string) => void;
}

export interface ReceiverStats {
  readonly receiver: string;
  readonly type: ReceiverConfig['type'];
  readonly sent: number;
  readonly retries: number;
  readonly failed: number;
  readonly dropped: number;
  /** States that replaced one not yet sent (flaps and bursts absorbed). */
  readonly coalesced: number;
  readonly resends: number;
  readonly resendFailures: number;
  /** Incidents with a message owed. */
  readonly pending: number;
}

export class ReceiverQueue {
  private readonly ledger: IncidentLedger;
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private stopped: Promise<void> | null = null;
  private stopping = false;
  private idle = false;
  private wakeUp: (() => void) | null = null;
  private idleWaiters: (() => void)[] = [];
  private nextResendAt: number | null = null;
  private counts = { sent: 0, retries: 0, failed: 0, resends: 0, resendFailures: 0 };

  constructor(private readonly options: ReceiverQueueOptions) {
    const r = options.receiver;
    this.ledger = new IncidentLedger({ minIntervalMs: r.minIntervalMs, flapWindowMs: options.flapWindowMs, capacity: options.capacity, changes: r.changes });
  }

  get name(): string {
    return this.options.receiver.name;
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Records the change; never waits. Ignored once stopping. */
  notify(incident: Incident): void {
    if (this.stopping) return;
    const dropped = this.ledger.record(incident, this.options.clock.now());
    for (let i = 0; i < dropped; i++) {
      this.options.onOutcome?.(this.name, 'dropped');
      this.options.log?.(`alerting: ${this.name}: queue full (${this.options.capacity} incidents), dropped the oldest pending notification`);
    }
    this.wake();
  }

  /** Resolves when nothing is due now and nothing is in flight (or the queue has stopped). */
  whenIdle(): Promise<void> {
    if ((this.idle && this.wakeUp !== null) || (this.stopping && this.running === null)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking changes, sends what is owed at once (holds and intervals ignored) for up to `graceMs`,
   * then aborts: whatever is still undelivered becomes a dead letter. Idempotent.
   */
  stop(graceMs: number): Promise<void> {
    this.stopped ??= this.shutdown(graceMs);
    return this.stopped;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    if (graceMs <= 0) this.abort.abort();
    const cancel = graceMs > 0 ? this.options.clock.setTimer(graceMs, () => this.abort.abort()) : () => {};
    this.start();
    this.wake();
    await this.running;
    cancel();
    this.abort.abort();
    this.running = null;
    this.releaseIdle();
  }

  stats(): ReceiverStats {
    const r = this.options.receiver;
    return { receiver: r.name, type: r.type, ...this.counts, dropped: this.ledger.dropped, coalesced: this.ledger.coalesced, pending: this.ledger.pendingCount };
  }

  private wake(): void {
    this.idle = false;
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private releaseIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async loop(): Promise<void> {
    for (;;) {
      const now = this.options.clock.now();
      const message = this.ledger.take(now, this.stopping);
      if (message) {
        await this.send(message);
        continue;
      }
      if (this.stopping) return;
      if (this.nextResendAt !== null && this.nextResendAt <= now) {
        await this.resend();
        continue;
      }
      await this.waitForWork();
    }
  }

  /** Waits for a new change, the next due time or the next re-send, whichever comes first. */
  private waitForWork(): Promise<void> {
    const due = [this.ledger.nextDueAt(), this.nextResendAt].filter((t): t is number => t !== null);
    return new Promise((resolve) => {
      let cancel = (): void => {};
      this.wakeUp = () => {
        cancel();
        resolve();
      };
      if (due.length > 0) cancel = this.options.clock.setTimer(Math.min(...due) - this.options.clock.now(), () => this.wake());
      this.idle = true;
      this.releaseIdle();
    });
  }

  private async send(message: DueMessage): Promise<void> {
    const { receiver, channel, clock } = this.options;
    const { incident, change, version } = message;
    const payload = channel.render(incident, change, clock.now());
    const result = await deliver({
      url: channel.url,
      body: JSON.stringify(payload),
      headers: receiver.headers,
      timeoutMs: receiver.timeoutMs,
      retry: receiver.retry,
      signal: this.abort.signal,
      clock,
      random: this.options.random,
      onRetry: () => {
        this.counts.retries++;
        this.options.onOutcome?.(this.name, 'retry');
      },
    });
    const now = clock.now();
    if (result.ok) {
      channel.delivered?.(incident, change);
      this.ledger.settle(incident.id, version, change, now, true);
      this.counts.sent++;
      this.options.onOutcome?.(this.name, 'sent');
      if (channel.resend && this.options.resendIntervalMs !== null && this.nextResendAt === null) this.nextResendAt = now + this.options.resendIntervalMs;
      return;
    }
    this.ledger.settle(incident.id, version, change, now, false);
    this.counts.failed++;
    this.options.onOutcome?.(this.name, 'failed');
    this.options.log?.(
      `alerting: ${this.name}: gave up on the ${change} of incident ${incident.id} after ${result.attempts} attempt(s): ${result.error}; recorded in ${this.options.deadLetters.path}`,
    );
    void this.options.deadLetters.write({
      time: new Date(now).toISOString(),
      receiver: receiver.name,
      type: receiver.type,
      url: channel.url,
      incidentId: incident.id,
      change,
      error: result.error,
      attempts: result.attempts,
      status: result.status,
      payload,
    });
  }

  /** Re-states every open incident in one request, once (the next re-send is the retry). */
  private async resend(): Promise<void> {
    const { receiver, channel, clock } = this.options;
    const now = clock.now();
    const incidents = this.ledger.resendable();
    const payload = incidents.length > 0 ? channel.resend?.(incidents, now) : null;
    if (payload === null || payload === undefined) {
      this.nextResendAt = null;
      return;
    }
    this.nextResendAt = now + this.options.resendIntervalMs!;
    const result = await deliver({
      url: channel.url,
      body: JSON.stringify(payload),
      headers: receiver.headers,
      timeoutMs: receiver.timeoutMs,
      retry: { ...receiver.retry, attempts: 1 },
      signal: this.abort.signal,
      clock,
    });
    if (result.ok) {
      for (const i of incidents) channel.delivered?.(i, 'update');
      this.ledger.resent(incidents);
      this.counts.resends++;
    } else {
      this.counts.resendFailures++;
      this.options.log?.(`alerting: ${this.name}: re-sending ${incidents.length} open alert(s) failed: ${result.error}; next try in ${this.options.resendIntervalMs} ms`);
    }
  }
}
