/**
 * Behavioural monitors on the ingest stream: every accepted span that carries reasoning, actions or
 * an answer (captured from every form, processors/reasoning/capture.ts) is read by the monitors
 * configured for its model, in memory, as it arrives; each result goes into `monitor_results`
 * through the write-ahead log like any other record. Deterministic monitors run inline; model-backed
 * ones (the LLM judge) run in the background, bounded, and never hold up ingest.
 *
 * With a budget (`monitors.budget`, allocation/), a monitor assigned to a pool reads only the spans its pool
 * samples: deterministic monitors run first, their flags join the span's risk score, and the pool releases
 * its choice when the event-time window closes; each such result carries `metrics.inclusion_probability`
 * (and `metrics.allocation_risk`) so that rates estimated from them stay unbiased (docs/monitors-budget.md).
 */
import type { SpanRecord } from '../model/span.js';
import type { TablePayloads } from '../pipeline/encode.js';
import type { OfferResult } from '../pipeline/writer.js';
import { captureReasoning, type ReasoningCapture } from '../processors/reasoning/capture.js';
import { jstr } from '../storage/rows/json.js';
import type { Allocation, BudgetPool, PoolName } from './allocation/allocator.js';
import { spanTimeMs } from './allocation/risk.js';
import type { Selected } from './allocation/sampler.js';
import { actionsText, type Monitor, type MonitorInput, type MonitorResult } from './types.js';

/** A monitor and the models it reads (null: every model). */
export interface ConfiguredMonitor {
  readonly monitor: Monitor;
  readonly models: ((model: string) => boolean) | null;
  /** The budget pool an expensive monitor draws on; absent (or no allocation): it reads every span. */
  readonly pool?: PoolName;
}

/** Model-backed calls in flight at most; beyond it a span is not judged (counted as skipped). */
export const MAX_PENDING_ASYNC = 64;
/** Sampled runs waiting for a free slot at most; beyond it a sampled span is not judged (counted as skipped). */
export const MAX_QUEUED_SAMPLED = 10_000;

export interface MonitorStageStats {
  readonly spans: number;
  readonly runs: number;
  readonly flags: number;
  readonly skippedAsync: number;
  readonly notStored: number;
  /** Runs offered to a budget pool, and those the pools sampled. */
  readonly budgetOffered: number;
  readonly budgetSampled: number;
}

/** A budgeted run waiting for its pool's window to close. */
interface Deferred {
  readonly span: SpanRecord;
  readonly cap: ReasoningCapture;
  readonly input: MonitorInput;
  readonly monitor: Monitor;
  readonly pool: BudgetPool<Deferred>;
  readonly rawTokens: number;
  readonly tokens: number;
}

function numberJson(v: number): string {
  return Number.isFinite(v) ? String(v) : '0';
}

/** One `monitor_results` row (JSONEachRow). */
export function monitorResultRow(span: SpanRecord, cap: ReasoningCapture, r: MonitorResult): string {
  const metrics = r.metrics ? Object.entries(r.metrics).filter(([, v]) => Number.isFinite(v)) : [];
  return (
    `{"time":${span.endTimeUnixNano > 0n ? span.endTimeUnixNano : span.startTimeUnixNano},"trace_id":${jstr(span.traceId)},"span_id":${jstr(span.spanId)},` +
    `"service":${jstr(span.service)},"model":${jstr(span.genai.responseModel ?? span.genai.requestModel ?? '')},"monitor":${jstr(r.monitor)},` +
    `"flag":${r.flag},"score":${numberJson(r.score)},"evidence":${jstr(JSON.stringify(r.evidence))},` +
    `"metrics":{${metrics.map(([k, v]) => `${jstr(k)}:${v}`).join(',')}},"cost_tokens":${Math.max(0, Math.round(r.cost.tokens)) || 0},` +
    `"cost_ms":${numberJson(r.cost.ms)},"hidden_reasoning":${cap.hidden},"entities":[${span.entities.refs.map((e) => jstr(`${e.kind}:${e.key}`)).join(',')}]}`
  );
}

export class MonitorStage {
  private pendingAsync = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private counts = { spans: 0, runs: 0, flags: 0, skippedAsync: 0, notStored: 0, budgetOffered: 0, budgetSampled: 0 };
  private readonly pools = new Map<PoolName, BudgetPool<Deferred>>();
  private readonly queue: { readonly d: Deferred; readonly s: Selected<Deferred> }[] = [];

  /** `allocation`: the budgets (allocation/allocator.ts); without it every monitor reads every span. */
  /** Told of every result as it is stored (the detector's monitor flag rates). */
  resultListener: ((span: SpanRecord, result: MonitorResult) => void) | null = null;

  constructor(
    private readonly monitors: readonly ConfiguredMonitor[],
    private readonly offer: (payloads: TablePayloads) => OfferResult,
    private readonly log: (message: string) => void = () => {},
    private readonly allocation: Allocation | null = null,
  ) {
    if (allocation)
      for (const { pool } of monitors) {
        if (pool === undefined || this.pools.has(pool)) continue;
        const p = allocation.pool<Deferred>(pool, (selected) => this.enqueue(selected));
        if (p) this.pools.set(pool, p);
      }
  }

  /** The `IngestListeners.spans` hook. Never throws. */
  readonly onSpans = (spans: readonly SpanRecord[]): void => {
    if (this.monitors.length === 0) return;
    const rows: string[] = [];
    for (const span of spans) {
      try {
        if (this.pools.size > 0) for (const p of this.pools.values()) p.observe(spanTimeMs(span));
        this.monitorSpan(span, rows);
      } catch (err) {
        this.log(`monitors: span ${span.spanId}: ${(err as Error).message}`);
      }
    }
    this.store(rows);
  };

  private monitorSpan(span: SpanRecord, rows: string[]): void {
    const g = span.genai;
    if (g.outputMessages.length === 0 && g.reasoningOutputTokens === null && span.attributes['strata.reasoning.hidden'] === undefined) return;
    const cap = captureReasoning(span);
    if (cap.reasoning === '' && cap.actions.length === 0 && cap.output === '' && !cap.hidden) return;
    this.counts.spans++;
    const input: MonitorInput = { reasoning: cap.reasoning, actions: cap.actions, output: cap.output, task: cap.task };
    const model = g.responseModel ?? g.requestModel ?? '';
    let cheapFlag = false;
    let deferred: { monitor: Monitor; pool: BudgetPool<Deferred> }[] | null = null;
    for (const { monitor, models, pool } of this.monitors) {
      if (models && !models(model)) continue;
      const budgeted = pool === undefined ? undefined : this.pools.get(pool);
      if (budgeted) {
        (deferred ??= []).push({ monitor, pool: budgeted });
        continue;
      }
      const out = monitor.run(input);
      if (out instanceof Promise) {
        if (this.pendingAsync >= MAX_PENDING_ASYNC) {
          this.counts.skippedAsync++;
          continue;
        }
        this.track(monitor, span, cap, out, null);
      } else {
        this.count(out);
        if (out.flag) cheapFlag = true;
        rows.push(monitorResultRow(span, cap, out));
        this.resultListener?.(span, out);
      }
    }
    if (deferred && this.allocation) {
      // Deterministic monitors ran first: a flag from one of them is a risk signal.
      const risk = this.allocation.risk.score(span, cheapFlag);
      const chars = input.reasoning.length + input.output.length + (input.task?.length ?? 0) + actionsText(input.actions).length;
      const rawTokens = this.allocation.judgeTokens.raw(chars);
      const tokens = this.allocation.judgeTokens.estimate(chars);
      const timeMs = spanTimeMs(span);
      for (const { monitor, pool } of deferred) {
        this.counts.budgetOffered++;
        pool.offer({ item: { span, cap, input, monitor, pool, rawTokens, tokens }, risk, cost: { calls: 1, tokens }, timeMs });
      }
    }
  }

  /** Runs a model-backed monitor's result to the store; `sampled`: the pool's choice, for its metrics and costs. */
  private track(monitor: Monitor, span: SpanRecord, cap: ReasoningCapture, out: Promise<MonitorResult>, sampled: { d: Deferred; s: Selected<Deferred> } | null): void {
    this.pendingAsync++;
    const p = out
      .then((r) => this.finish(span, cap, r, sampled))
      .catch((err: unknown) => this.log(`monitors: ${monitor.name}: ${(err as Error).message}`))
      .finally(() => {
        this.pendingAsync--;
        this.inFlight.delete(p);
        this.pump();
      });
    this.inFlight.add(p);
  }

  private finish(span: SpanRecord, cap: ReasoningCapture, r: MonitorResult, sampled: { d: Deferred; s: Selected<Deferred> } | null): void {
    let result = r;
    if (sampled) {
      const { d, s } = sampled;
      if (r.cost.tokens > 0) {
        d.pool.settle('tokens', d.tokens, r.cost.tokens);
        this.allocation?.judgeTokens.learn(d.rawTokens, r.cost.tokens);
      }
      result = { ...r, metrics: { ...r.metrics, inclusion_probability: s.inclusionProbability, allocation_risk: s.risk } };
    }
    this.count(result);
    this.store([monitorResultRow(span, cap, result)]);
    this.resultListener?.(span, result);
  }

  /** A pool's choice for a closed window: queued, then run as slots free up. */
  private enqueue(selected: readonly Selected<Deferred>[]): void {
    for (const s of selected) {
      this.counts.budgetSampled++;
      if (this.queue.length >= MAX_QUEUED_SAMPLED) this.counts.skippedAsync++;
      else this.queue.push({ d: s.item, s });
    }
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0 && this.pendingAsync < MAX_PENDING_ASYNC) {
      const next = this.queue.shift()!;
      const { span, cap, input, monitor } = next.d;
      try {
        const out = monitor.run(input);
        if (out instanceof Promise) this.track(monitor, span, cap, out, next);
        else this.finish(span, cap, out, next);
      } catch (err) {
        this.log(`monitors: ${monitor.name}: ${(err as Error).message}`);
      }
    }
  }

  private count(r: MonitorResult): void {
    this.counts.runs++;
    if (r.flag) this.counts.flags++;
  }

  private store(rows: string[]): void {
    if (rows.length === 0) return;
    const result = this.offer({ monitor_results: Buffer.from(`${rows.join('\n')}\n`) });
    if (!result.ok) {
      this.counts.notStored += rows.length;
      this.log(`monitors: ${rows.length} result(s) not stored: ${'tooLarge' in result ? result.tooLarge : 'pipeline busy'}`);
    }
  }

  stats(): MonitorStageStats {
    return { ...this.counts };
  }

  /** Releases what the budget pools hold, then waits (bounded) for model-backed monitors in flight. Idempotent. */
  async stop(timeoutMs = 5000): Promise<void> {
    for (const p of this.pools.values()) p.stop();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs))).then(() => {
      timedOut = true;
    });
    // Finishing runs start queued ones, so wait until nothing is in flight.
    while (this.inFlight.size > 0 && !timedOut) await Promise.race([Promise.race([...this.inFlight]), timeout]);
    clearTimeout(timer);
  }
}
