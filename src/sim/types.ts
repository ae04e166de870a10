/**
 * The simulator's contract with its users (bench/, cli demo): a fleet stepped on a scenario clock.
 * Everything here is deterministic per (scenario, seed): same inputs, same outputs.
 */
import type { FaultType, Layer } from '../model/faults.js';

/** One injected fault as it really happened: what `strata bench` scores against. */
export interface GroundTruth {
  readonly type: FaultType;
  readonly layer: Layer;
  /** Strata entity id of the faulty entity: `gpu:GPU-…`, `replica:gpu-node-1:8001`, `model:…`, `host:…`, `fleet:all`. */
  readonly entity: string;
  /** Scenario-clock ms since the epoch. */
  readonly startMs: number;
  readonly endMs: number;
}

/** A scrape target the fleet exposes: a replica's vLLM `/metrics` or a host's DCGM `/metrics`. */
export interface SimTarget {
  readonly kind: 'vllm' | 'dcgm';
  /** Scenario id of the replica or host. */
  readonly id: string;
  /** Resource attributes the scraper must give what it reads (`host.name`, and `service.instance.id` for replicas). */
  readonly labels: Readonly<Record<string, string>>;
}

/** One request the workload sent, as served by one replica. */
export interface SimRequest {
  /** 32 hex chars / 16 hex chars, deterministic. */
  readonly traceId: string;
  readonly spanId: string;
  /** Scenario id of the replica that served it. */
  readonly replica: string;
  /** Route model (what the client asked for) and the served model version (what the replica reports). */
  readonly model: string;
  readonly modelVersion: string;
  readonly task: string;
  readonly arrivalMs: number;
  /** Queueing before the engine took it, time to first token, end to end; ms. */
  readonly queueMs: number;
  readonly ttftMs: number;
  readonly e2eMs: number;
  /** Gaps between output tokens, µs. */
  readonly interTokenUs: readonly number[];
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly reasoning: string;
  /** The visible answer (may include a `<confidence>` tag). */
  readonly answer: string;
  /** Output tokens with logprob and top-k alternatives ([token, logprob] pairs). */
  readonly tokens: readonly { readonly token: string; readonly logprob: number; readonly top: readonly (readonly [string, number])[] }[];
  /** Latent truth: is the answer correct. */
  readonly correct: boolean;
  /** Probe readings the replica attaches to its own `llm_request` span (may be empty). */
  readonly probes: readonly { readonly name: string; readonly layer: number; readonly score: number; readonly threshold: number; readonly propositions?: readonly { readonly predicate: string; readonly subject: string; readonly object: string }[] }[];
  /** null when served; else the error (e.g. `upstream died`, `engine dead`). */
  readonly error: string | null;
  readonly finishReason: 'stop' | 'length' | 'error';
}

/** Feedback on an earlier request, due at `atMs` (late feedback has a large delay). */
export interface SimFeedback {
  readonly atMs: number;
  readonly traceId: string;
  readonly correct: boolean;
}

export interface Fleet {
  readonly name: string;
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Scrape interval of the scenario, ms. */
  readonly scrapeIntervalMs: number;
  readonly truth: readonly GroundTruth[];
  readonly targets: readonly SimTarget[];
  /** Strata entity id of each replica (`replica:<host>:<port>`), by scenario id. */
  replicaEntity(replica: string): string;
  /** Moves the clock to `toMs` (monotonic) and answers the requests that arrived in (previous, toMs]. */
  advance(toMs: number): SimRequest[];
  /** Serves one request on `replica` at `atMs` (the demo: the gateway chose the replica). */
  serve(replica: string, atMs: number, key: string): SimRequest;
  /** Feedback that became due in (previous, toMs]. */
  feedbackDue(toMs: number): SimFeedback[];
  /** The target's exposition at the current clock, or null when it does not answer (telemetry outage, XID 79 host). */
  exposition(target: SimTarget): string | null;
}
