/**
 * Behavioural monitors on the ingest stream: every accepted span that carries reasoning, actions or
 * an answer (captured from every form, processors/reasoning/capture.ts) is read by the monitors
 * configured for its model, in memory, as it arrives; each result goes into `monitor_results`
 * through the write-ahead log like any other record. Deterministic monitors run inline; model-backed
 * ones (the LLM judge) run in the background, bounded, and never hold up ingest.
 */
import type { SpanRecord } from '../model/span.js';
import type { TablePayloads } from '../pipeline/encode.js';
import type { OfferResult } from '../pipeline/writer.js';
import { captureReasoning, type ReasoningCapture } from '../processors/reasoning/capture.js';
import { jstr } from '../storage/rows/json.js';
import type { Monitor, MonitorInput, MonitorResult } from './types.js';

/** A monitor and the models it reads (null: every model). */
export interface ConfiguredMonitor {
  readonly monitor: Monitor;
  readonly models: ((model: string) => boolean) | null;
}

/** Model-backed calls in flight at most; beyond it a span is not judged (counted as skipped). */
export const MAX_PENDING_ASYNC = 64;

export interface MonitorStageStats {
  readonly spans: number;
  readonly runs: number;
  readonly flags: number;
  readonly skippedAsync: number;
  readonly notStored: number;
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
  private counts = { spans: 0, runs: 0, flags: 0, skippedAsync: 0, notStored: 0 };

  constructor(
    private readonly monitors: readonly ConfiguredMonitor[],
    private readonly offer: (payloads: TablePayloads) => OfferResult,
    private readonly log: (message: string) => void = () => {},
  ) {}

  /** The `IngestListeners.spans` hook. Never throws. */
  readonly onSpans = (spans: readonly SpanRecord[]): void => {
    if (this.monitors.length === 0) return;
    const rows: string[] = [];
    for (const span of spans) {
      try {
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
    for (const { monitor, models } of this.monitors) {
      if (models && !models(model)) continue;
      const out = monitor.run(input);
      if (out instanceof Promise) {
        if (this.pendingAsync >= MAX_PENDING_ASYNC) {
          this.counts.skippedAsync++;
          continue;
        }
        this.pendingAsync++;
        const p = out
          .then((r) => {
            this.count(r);
            this.store([monitorResultRow(span, cap, r)]);
          })
          .catch((err: unknown) => this.log(`monitors: ${monitor.name}: ${(err as Error).message}`))
          .finally(() => {
            this.pendingAsync--;
            this.inFlight.delete(p);
          });
        this.inFlight.add(p);
      } else {
        this.count(out);
        rows.push(monitorResultRow(span, cap, out));
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

  /** Waits (bounded) for model-backed monitors in flight. Idempotent. */
  async stop(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }
}
