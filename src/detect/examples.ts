/**
 * The few most extreme requests of a window or an anomaly (lowest confidence, highest TTFT, flagged
 * with the highest score), kept as they stream past: a request enters only when it beats the weakest
 * one kept, so the cost per request is one comparison.
 */
import type { ExampleRequest } from './types.js';

/** Examples an anomaly carries. */
export const MAX_EXAMPLES = 5;

/** A request and how extreme it is (higher is more extreme). */
export interface ScoredExample {
  readonly traceId: string;
  readonly spanId: string;
  readonly score: number;
}

export class TopExamples {
  readonly items: ScoredExample[] = [];
  /** The weakest score kept once full (-Infinity until then). */
  private floor = -Infinity;

  offer(score: number, traceId: string, spanId: string): void {
    if (this.items.length >= MAX_EXAMPLES && score <= this.floor) return;
    this.insert({ traceId, spanId, score });
  }

  insert(e: ScoredExample): void {
    const items = this.items;
    for (const it of items) if (it.spanId === e.spanId && it.traceId === e.traceId) return;
    if (items.length < MAX_EXAMPLES) {
      items.push(e);
    } else {
      let weakest = 0;
      for (let i = 1; i < items.length; i++) if (items[i].score < items[weakest].score) weakest = i;
      if (e.score <= items[weakest].score) return;
      items[weakest] = e;
    }
    if (items.length >= MAX_EXAMPLES) {
      let min = Infinity;
      for (const it of items) if (it.score < min) min = it.score;
      this.floor = min;
    }
  }

  merge(other: readonly ScoredExample[]): void {
    for (const e of other) this.insert(e);
  }

  /** Most extreme first, as the anomaly shows them. */
  requests(): ExampleRequest[] {
    return [...this.items].sort((a, b) => b.score - a.score).map((e) => ({ traceId: e.traceId, spanId: e.spanId }));
  }
}
