/**
 * A simulated fleet running in real time (or accelerated): its HTTP servers, a clock that keeps the
 * fleet moving (faults begin and end, GPUs heat and cool) whether or not requests come, and on demand
 * a traffic driver sending the scenario's workload through a gateway, the replicas' span export and
 * the feedback relay. `strata sim` and `strata demo` are thin shells around it.
 */
import { createFleet } from './fleet.js';
import { FeedbackRelay } from './feedback-relay.js';
import type { Scenario } from './scenario.js';
import { startSimServers, type SimServers } from './servers.js';
import { TrafficDriver } from './traffic.js';
import type { Fleet, SimFeedback, SimRequest } from './types.js';
import { ArrivalStream } from './workload.js';

export interface LiveFleetOptions {
  readonly scenario: Scenario;
  readonly seed?: number;
  /** Scenario time per wall-clock time; default 1. */
  readonly speed?: number;
  readonly host?: string;
  readonly basePort?: number;
  /** The replicas export their `llm_request` spans to this OTLP/HTTP base URL (null: known later or never). */
  readonly otlp?: { readonly url: string | (() => string | null); readonly key?: string | null } | null;
  /** Encoders (sim/otlp-spans.ts). */
  readonly requestsToOtlpJson: (fleet: Fleet, requests: readonly SimRequest[]) => unknown;
  readonly feedbackToJson: (items: readonly SimFeedback[]) => unknown;
  /** Wall clock, ms; default Date.now. */
  readonly wallClock?: () => number;
  readonly log?: (message: string) => void;
}

/** How often the fleet's clock moves on its own, ms of wall time. */
export const LIVE_TICK_MS = 1000;

export class LiveFleet {
  private traffic: TrafficDriver | null = null;
  private feedback: FeedbackRelay | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly fleet: Fleet,
    readonly scenario: Scenario,
    readonly servers: SimServers,
    readonly now: () => number,
    private readonly options: LiveFleetOptions,
  ) {}

  /**
   * Starts the servers with the scenario moved to begin now; requests arrive only through the servers
   * (the fleet's own workload is what a traffic driver sends).
   */
  static async start(options: LiveFleetOptions): Promise<LiveFleet> {
    const wall = options.wallClock ?? Date.now;
    const speed = options.speed ?? 1;
    if (!(speed > 0)) throw new Error(`speed: expected a positive number, got ${speed}`);
    const t0 = wall();
    const scenario: Scenario = { ...options.scenario, startMs: t0 };
    const fleet = createFleet(scenario, options.seed ?? scenario.seed, { traffic: 'external' });
    const now = (): number => t0 + (wall() - t0) * speed;
    let live: LiveFleet | null = null;
    const servers = await startSimServers(fleet, {
      now,
      timeFactor: 1 / speed,
      host: options.host,
      basePort: options.basePort,
      otlp: options.otlp ? { url: options.otlp.url, key: options.otlp.key, toOtlpJson: (requests) => options.requestsToOtlpJson(fleet, requests) } : null,
      models: Object.fromEntries(scenario.replicas.map((r) => [r.id, r.model])),
      onServed: (served) => live?.feedback?.noteServed(served),
      log: options.log,
    });
    live = new LiveFleet(fleet, scenario, servers, now, options);
    live.ticker = setInterval(() => live!.tick(), LIVE_TICK_MS);
    return live;
  }

  private tick(): void {
    const t = Math.min(this.now(), this.fleet.endMs);
    this.servers.work.measure(() => this.fleet.advance(t));
  }

  /** Sends the scenario's workload to `baseUrl` (an OpenAI base URL, e.g. the gateway's `/v1`). */
  startTraffic(baseUrl: string, key: string | null = null): TrafficDriver {
    if (this.traffic) return this.traffic;
    const arrivals = new ArrivalStream(this.scenario, this.options.seed ?? this.scenario.seed);
    // The workload starts now: arrivals of the time the fleet already ran (while Strata started) are skipped, not sent in a burst.
    arrivals.next(this.now());
    this.traffic = new TrafficDriver({ baseUrl, arrivals: (t) => arrivals.next(t), now: this.now, key, log: this.options.log, measure: this.servers.work.measure });
    this.traffic.start();
    return this.traffic;
  }

  /** Posts the fleet's feedback, as it becomes due, to a Strata API. */
  startFeedback(apiUrl: string, key: string | null = null): FeedbackRelay {
    if (this.feedback) return this.feedback;
    this.feedback = new FeedbackRelay({
      apiUrl,
      fleet: this.fleet,
      feedbackToJson: this.options.feedbackToJson,
      now: this.now,
      key,
      log: this.options.log,
      measure: this.servers.work.measure,
    });
    this.feedback.start();
    return this.feedback;
  }

  get trafficStats(): TrafficDriver['stats'] | null {
    return this.traffic?.stats ?? null;
  }

  get feedbackStats(): FeedbackRelay['stats'] | null {
    return this.feedback?.stats ?? null;
  }

  /** Stops the traffic (answers in flight get a moment), the feedback, the clock and the servers. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.ticker) clearInterval(this.ticker);
      this.ticker = null;
      await this.traffic?.stop(1000);
      await this.feedback?.stop();
      await this.servers.stop();
    })();
    return this.stopping;
  }
}
