/**
 * GPU telemetry for hosts without a DCGM exporter: runs nvidia-smi on an interval and hands what it
 * reads to the pipeline as OTLP gauges, like any other receiver.
 */
import { hostname } from 'node:os';
import type { Ingest } from '../../pipeline/ingest.js';
import type { Attributes, ExportMetricsRequest, NumberDataPoint, OtlpMetric, Resource } from '../otlp/types.js';
import { NvidiaSmiOutputError, parseQueryCsv, type GpuReading } from './parse-csv.js';
import {
  FIELD_UNITS,
  LEGACY_THROTTLE_FIELD,
  METRIC_PREFIX,
  queryArgs,
  queryFields,
  saysInvalidField,
  THROTTLE_FIELD,
  UP_METRIC,
  type ThrottleField,
} from './query.js';
import { runCommand, type RunOutcome } from './run.js';

/** The binary run when none is configured: looked up on PATH. */
export const DEFAULT_NVIDIA_SMI_BINARY = 'nvidia-smi';
/** Time between the end of one poll and the start of the next. */
export const DEFAULT_NVIDIA_SMI_INTERVAL_MS = 15_000;
/** How long one nvidia-smi run may take before it is killed and the poll counts as failed. */
export const DEFAULT_NVIDIA_SMI_TIMEOUT_MS = 5_000;
/** The `service.name` of the resource the gauges are reported under. */
export const NVIDIA_SMI_SERVICE = 'nvidia-smi';

/** How the poller is configured; every field has a default. */
export interface NvidiaSmiPollerOptions {
  /** Path of nvidia-smi, or a name looked up on PATH. Default {@link DEFAULT_NVIDIA_SMI_BINARY}. */
  readonly binary?: string;
  /** Milliseconds from the end of one poll to the start of the next. Default {@link DEFAULT_NVIDIA_SMI_INTERVAL_MS}. */
  readonly intervalMs?: number;
  /** Milliseconds one run may take. Default {@link DEFAULT_NVIDIA_SMI_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** The resource's `host.name`. Default: `os.hostname()`. */
  readonly hostName?: string;
  /** Where state changes are reported (failing, answering again, the older field name in use). */
  readonly log?: (message: string) => void;
}

/** What the poller needs of the pipeline. */
export type NvidiaSmiIngest = Pick<Ingest, 'metrics'>;

/** The outcome of one poll. */
export interface NvidiaSmiPollResult {
  /** True when nvidia-smi answered with output that parsed. */
  readonly up: boolean;
  readonly gpus: number;
  /** Why the poll failed (also logged, once per change). */
  readonly error?: string;
}

function positiveInteger(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`nvidia-smi ${field}: expected a positive integer of milliseconds, got ${value}`);
  return value;
}

/**
 * Polls nvidia-smi and reports, per GPU, gauges named `nvidia_smi.<field>` (e.g.
 * `nvidia_smi.temperature.gpu`, units as nvidia-smi prints them: Cel, %, MiB, W, MHz, and the throttle
 * bitmask) with attributes `gpu.uuid`, `gpu.index`, `gpu.name`, under a resource with `host.name` and
 * `service.name` = `nvidia-smi`; plus `nvidia_smi.up` (1, or 0 when the binary is missing, exits
 * non-zero, times out or prints something else). Values nvidia-smi cannot read are left out.
 * Drivers that do not know `clocks_event_reasons.active` are asked once more with
 * `clocks_throttle_reasons.active`, which is then used from there on.
 *
 * Lifecycle: `start()` resolves at once and polls right away, then every `intervalMs` after each poll
 * ends (polls never overlap); `stop()` is idempotent, safe without `start()`, kills a run in flight
 * and resolves when the poll has ended. Nothing thrown (by nvidia-smi handling or by `ingest`) escapes
 * the timer: it is logged.
 * @example
 * const poller = new NvidiaSmiPoller({ intervalMs: 10_000, log: console.error }, ingest);
 * await poller.start();
 * // … later
 * await poller.stop();
 */
export class NvidiaSmiPoller {
  private readonly binary: string;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly resource: Resource;
  private readonly log: (message: string) => void;
  private throttleField: ThrottleField = THROTTLE_FIELD;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<NvidiaSmiPollResult> | null = null;
  private abort = new AbortController();
  private running = false;
  /** Last reported state, so each change is logged once ('' = never polled). */
  private lastState = '';
  private lastIngestProblem = '';

  constructor(options: NvidiaSmiPollerOptions, private readonly ingest: NvidiaSmiIngest) {
    this.binary = options.binary ?? DEFAULT_NVIDIA_SMI_BINARY;
    if (this.binary.trim() === '') throw new Error('nvidia-smi binary: must not be empty');
    this.intervalMs = positiveInteger('intervalMs', options.intervalMs, DEFAULT_NVIDIA_SMI_INTERVAL_MS);
    this.timeoutMs = positiveInteger('timeoutMs', options.timeoutMs, DEFAULT_NVIDIA_SMI_TIMEOUT_MS);
    this.resource = {
      attributes: { 'host.name': options.hostName ?? hostname(), 'service.name': NVIDIA_SMI_SERVICE },
      droppedAttributesCount: 0,
    };
    this.log = options.log ?? (() => {});
  }

  /** Starts polling (the first poll at once). Resolves without waiting for nvidia-smi. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.schedule(0);
  }

  /** Stops polling; kills a run in flight and waits for its poll to end. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.inFlight;
  }

  /**
   * Runs one poll and hands its gauges to the pipeline (nothing once stopped mid-run). Never rejects.
   * Used by the timer; callable directly, e.g. by tests.
   */
  pollOnce(): Promise<NvidiaSmiPollResult> {
    const poll = this.poll().catch((err: unknown): NvidiaSmiPollResult => {
      this.log(`nvidia-smi: unexpected error: ${(err as Error).stack ?? err}`);
      return { up: false, gpus: 0, error: String(err) };
    });
    this.inFlight = poll;
    void poll.finally(() => {
      if (this.inFlight === poll) this.inFlight = null;
    });
    return poll;
  }

  private schedule(delayMs: number): void {
    const timer = setTimeout(() => {
      void this.pollOnce().then(() => {
        if (this.running) this.schedule(this.intervalMs);
      });
    }, delayMs);
    timer.unref();
    this.timer = timer;
  }

  private async poll(): Promise<NvidiaSmiPollResult> {
    const signal = this.abort.signal;
    const read = await this.read(signal);
    if (read.kind === 'aborted') return { up: false, gpus: 0, error: 'stopped' };
    const now = BigInt(Date.now()) * 1_000_000n;
    if (read.kind === 'failed') {
      this.noteState(`failing:${read.key}`, `nvidia-smi: ${read.error}; reporting ${UP_METRIC} = 0`);
      this.hand(this.request(now, false, [], []));
      return { up: false, gpus: 0, error: read.error };
    }
    this.noteState('up', this.lastState === '' ? `nvidia-smi: reading ${read.gpus.length} GPU(s)` : `nvidia-smi: answering again (${read.gpus.length} GPU(s))`);
    this.hand(this.request(now, true, read.gpus, queryFields(read.field)));
    return { up: true, gpus: read.gpus.length };
  }

  /** Runs the query, falling back once to the older throttle field name. */
  private async read(
    signal: AbortSignal,
  ): Promise<
    | { kind: 'ok'; gpus: GpuReading[]; field: ThrottleField }
    | { kind: 'failed'; key: string; error: string }
    | { kind: 'aborted' }
  > {
    const field = this.throttleField;
    let outcome = await runCommand(this.binary, queryArgs(field), this.timeoutMs, signal);
    let used = field;
    if (field === THROTTLE_FIELD && invalidField(outcome, THROTTLE_FIELD)) {
      used = LEGACY_THROTTLE_FIELD;
      outcome = await runCommand(this.binary, queryArgs(used), this.timeoutMs, signal);
      if (outcome.kind === 'ok') {
        this.throttleField = used;
        this.log(`nvidia-smi: this driver does not know ${THROTTLE_FIELD}; using ${LEGACY_THROTTLE_FIELD}`);
      }
    }
    switch (outcome.kind) {
      case 'aborted':
        return { kind: 'aborted' };
      case 'missing':
        return { kind: 'failed', key: 'missing', error: `${this.binary} not found (is the NVIDIA driver installed, and nvidia-smi on PATH?)` };
      case 'timeout':
        return { kind: 'failed', key: 'timeout', error: `${this.binary} did not answer within ${this.timeoutMs} ms` };
      case 'error':
        return { kind: 'failed', key: 'error', error: `${this.binary} could not run: ${outcome.message}` };
      case 'exit': {
        const how = outcome.code !== null ? `exited with status ${outcome.code}` : `was killed by ${outcome.signal}`;
        return { kind: 'failed', key: `exit:${outcome.code ?? outcome.signal}`, error: `${this.binary} ${how}: ${firstLine(outcome.stderr || outcome.stdout)}` };
      }
      case 'ok':
        try {
          return { kind: 'ok', gpus: parseQueryCsv(outcome.stdout, queryFields(used)), field: used };
        } catch (err) {
          if (!(err instanceof NvidiaSmiOutputError)) throw err;
          return { kind: 'failed', key: 'output', error: `${this.binary} printed unreadable output (${err.message})` };
        }
    }
  }

  /** One export: a gauge per field with a point per GPU that has a value, and the up gauge. */
  private request(now: bigint, up: boolean, gpus: readonly GpuReading[], fields: readonly string[]): ExportMetricsRequest {
    const metrics: OtlpMetric[] = [];
    for (const field of fields) {
      const unit = FIELD_UNITS[field];
      if (unit === undefined) continue; // index, uuid, name: attributes
      const points: NumberDataPoint[] = [];
      for (const gpu of gpus) {
        const value = gpu.values.get(field);
        if (value !== undefined) points.push(point(gpuAttributes(gpu), now, value));
      }
      if (points.length > 0) metrics.push(gauge(`${METRIC_PREFIX}${field}`, unit, `nvidia-smi --query-gpu=${field}`, points));
    }
    metrics.push(gauge(UP_METRIC, '1', '1 when nvidia-smi answered with readable output', [point({}, now, up ? 1 : 0)]));
    return {
      resourceMetrics: [
        {
          resource: this.resource,
          schemaUrl: '',
          scopeMetrics: [{ scope: { name: 'strata.nvidia-smi', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', metrics }],
        },
      ],
    };
  }

  /** Hands a request to the pipeline; a refusal or an error is logged once per change, never thrown. */
  private hand(req: ExportMetricsRequest): void {
    let problem = '';
    try {
      const outcome = this.ingest.metrics(req);
      if (!outcome.accepted) problem = 'tooLarge' in outcome ? `refused: ${outcome.tooLarge}` : 'busy';
    } catch (err) {
      problem = `error: ${(err as Error).message}`;
    }
    if (problem !== this.lastIngestProblem) {
      this.log(problem === '' ? 'nvidia-smi: the pipeline accepts readings again' : `nvidia-smi: the pipeline did not take a reading (${problem})`);
      this.lastIngestProblem = problem;
    }
  }

  private noteState(state: string, message: string): void {
    if (state === this.lastState) return;
    this.lastState = state;
    this.log(message);
  }
}

function invalidField(outcome: RunOutcome, field: string): boolean {
  return (outcome.kind === 'exit' || outcome.kind === 'ok') && saysInvalidField(`${outcome.stdout}\n${outcome.stderr}`, field);
}

function firstLine(text: string): string {
  const line = text.trim().split(/\r?\n/, 1)[0] ?? '';
  return line === '' ? '(no output)' : line.slice(0, 300);
}

function gpuAttributes(gpu: GpuReading): Attributes {
  const attrs: Attributes = { 'gpu.uuid': gpu.uuid, 'gpu.index': { int: BigInt(gpu.index) } };
  if (gpu.name !== '') attrs['gpu.name'] = gpu.name;
  return attrs;
}

function point(attributes: Attributes, timeUnixNano: bigint, value: number): NumberDataPoint {
  return { attributes, startTimeUnixNano: 0n, timeUnixNano, exemplars: [], flags: 0, value, isInt: Number.isInteger(value) };
}

function gauge(name: string, unit: string, description: string, dataPoints: NumberDataPoint[]): OtlpMetric {
  return { name, description, unit, data: { type: 'gauge', dataPoints }, metadata: {} };
}
