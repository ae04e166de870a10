import type { Ingest } from '../../pipeline/ingest.js';
import type { OtlpSpan } from '../otlp/types.js';

/** How long a finished request's span may wait before it is handed to the pipeline. */
export const SPAN_FLUSH_MS = 100;
/** Spans handed over at once at most. */
export const SPAN_BATCH = 256;

/**
 * Batches the gateway's spans into one OTLP request per 100 ms (or 256 spans), off the request
 * path: a client's answer never waits for Strata's own bookkeeping. A refused batch (pipeline
 * full) is logged and dropped: the gateway keeps serving traffic.
 */
export class SpanSink {
  private pending: OtlpSpan[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ingest: Ingest,
    private readonly version: string,
    private readonly log: (message: string) => void,
  ) {}

  add(span: OtlpSpan): void {
    this.pending.push(span);
    if (this.pending.length >= SPAN_BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), SPAN_FLUSH_MS);
  }

  /** Hands over everything pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const spans = this.pending;
    this.pending = [];
    try {
      const outcome = this.ingest.traces({
        resourceSpans: [
          {
            resource: { attributes: { 'service.name': 'strata-gateway' }, droppedAttributesCount: 0 },
            scopeSpans: [{ scope: { name: 'strata.gateway', version: this.version, attributes: {}, droppedAttributesCount: 0 }, spans, schemaUrl: '' }],
            schemaUrl: '',
          },
        ],
      });
      if (!outcome.accepted) this.log(`gateway: ${spans.length} span(s) not stored: ${'tooLarge' in outcome ? outcome.tooLarge : 'pipeline busy'}`);
    } catch (err) {
      this.log(`gateway: ${spans.length} span(s) not stored: ${(err as Error).message}`);
    }
  }
}
