/**
 * The notifier: hands every incident change to each configured receiver's queue without waiting, and
 * owns their lifecycle. Delivery (queues, coalescing, retries, dead letters) is in receiver-queue.ts;
 * what is sent is in webhook.ts, slack.ts and alertmanager.ts. docs/alerting.md describes it all.
 */
import type { Incident, IncidentChange, IncidentSink } from '../incidents/types.js';
import { AlertmanagerChannel } from './alertmanager.js';
import { systemClock, type Clock } from './clock.js';
import type { AlertingConfig, ReceiverConfig } from './config.js';
import { DeadLetterLog } from './dead-letter.js';
import { ReceiverQueue, type ReceiverStats } from './receiver-queue.js';
import { slackChannel } from './slack.js';
import type { Channel, NotificationOutcome } from './types.js';
import { webhookChannel } from './webhook.js';

/** How long `stop()` keeps trying to deliver what is owed before giving up on it. */
export const DEFAULT_STOP_GRACE_MS = 5000;

export interface NotifierOptions {
  readonly config: AlertingConfig;
  /** Where the dead-letter file goes (the integrator's default for `alerting.dead_letter_dir`). */
  readonly deadLetterDir: string;
  /** Wall clock for delivery timing (default the system clock). */
  readonly clock?: Clock;
  /** Jitter source in [0, 1) (default Math.random). */
  readonly random?: () => number;
  /** Every outcome, for `strata_notifications_total{receiver,outcome}`. */
  readonly onOutcome?: (receiver: string, outcome: NotificationOutcome) => void;
  readonly log?: (message: string) => void;
}

function channelFor(receiver: ReceiverConfig, config: AlertingConfig): Channel {
  switch (receiver.type) {
    case 'webhook':
      return webhookChannel(receiver.url);
    case 'slack':
      return slackChannel(receiver.url, config.externalUrl);
    case 'alertmanager':
      return new AlertmanagerChannel(receiver.url, config.resendIntervalMs, config.externalUrl);
  }
}

export class Notifier {
  private readonly queues: ReceiverQueue[];
  private readonly deadLetters: DeadLetterLog;
  private state: 'new' | 'started' | 'stopped' = 'new';
  private stopping: Promise<void> | null = null;

  constructor(options: NotifierOptions) {
    const { config } = options;
    const clock = options.clock ?? systemClock;
    this.deadLetters = new DeadLetterLog(options.deadLetterDir, options.log);
    this.queues = config.receivers.map(
      (receiver) =>
        new ReceiverQueue({
          receiver,
          channel: channelFor(receiver, config),
          capacity: config.queueSize,
          flapWindowMs: config.flapWindowMs,
          resendIntervalMs: receiver.type === 'alertmanager' ? config.resendIntervalMs : null,
          clock,
          random: options.random,
          deadLetters: this.deadLetters,
          onOutcome: options.onOutcome,
          log: options.log,
        }),
    );
  }

  /** The dead-letter file (created on the first dead letter). */
  get deadLetterPath(): string {
    return this.deadLetters.path;
  }

  /** The receivers' names, in configuration order. */
  get receivers(): readonly string[] {
    return this.queues.map((q) => q.name);
  }

  /** Starts every receiver's queue. Changes notified before are kept and sent now. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'started';
    for (const q of this.queues) q.start();
  }

  /** An IncidentSink: records the change for every receiver and returns at once. Ignored after stop(). */
  readonly notify: IncidentSink = (incident: Incident, _change: IncidentChange): void => {
    if (this.state === 'stopped') return;
    for (const q of this.queues) q.notify(incident);
  };

  /** Resolves when every receiver has nothing due now and nothing in flight (tests, and the CLI's demo). */
  async whenIdle(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.whenIdle()));
  }

  stats(): ReceiverStats[] {
    return this.queues.map((q) => q.stats());
  }

  /**
   * Sends what is owed at once, for up to `graceMs`, then aborts; undelivered notifications become dead
   * letters, all written before this resolves. Idempotent.
   */
  stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    this.stopping ??= (async () => {
      this.state = 'stopped';
      await Promise.all(this.queues.map((q) => q.stop(graceMs)));
      await this.deadLetters.flush();
    })();
    return this.stopping;
  }
}
