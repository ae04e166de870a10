import type { Attributes, Scope, SpanEvent, SpanLink } from '../receivers/otlp/types.js';
import type { ConfidenceSignals } from './confidence.js';
import type { EntityLinks } from './entity.js';

/** One part of a GenAI message (`{type, ...}` as in the GenAI conventions: text, reasoning, tool_call, ...). */
export interface MessagePart {
  readonly type: string;
  readonly content?: string;
  readonly [field: string]: unknown;
}

/** A GenAI message in the `{role, parts}` shape, whatever form it arrived in. */
export interface Message {
  readonly role: string;
  readonly parts: readonly MessagePart[];
  readonly name?: string;
  readonly finishReason?: string;
}

/**
 * The GenAI fields Strata promotes to columns, whichever convention (current or deprecated
 * OTel GenAI names, vLLM's llm_request span, OpenInference) carried them. Absent = null.
 */
export interface GenAiFields {
  readonly operation: string | null;
  readonly provider: string | null;
  readonly requestModel: string | null;
  readonly responseModel: string | null;
  readonly responseId: string | null;
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  readonly cacheReadInputTokens: number | null;
  readonly cacheCreationInputTokens: number | null;
  readonly reasoningOutputTokens: number | null;
  readonly finishReasons: readonly string[];
  readonly temperature: number | null;
  readonly topP: number | null;
  readonly maxTokens: number | null;
  readonly stream: boolean | null;
  readonly conversationId: string | null;
  readonly agentName: string | null;
  readonly toolName: string | null;
  /** Seconds from request to first token/chunk (gen_ai.response.time_to_first_chunk or gen_ai.latency.time_to_first_token). */
  readonly timeToFirstTokenS: number | null;
  /** vLLM phase latencies in seconds keyed by the suffix of gen_ai.latency.* (time_in_queue, e2e, ...). */
  readonly latencies: Readonly<Record<string, number>>;
  readonly systemInstructions: readonly MessagePart[];
  readonly inputMessages: readonly Message[];
  readonly outputMessages: readonly Message[];
}

/** A span after normalisation. Everything received is kept; `genai` and `entities` are derived. */
export interface SpanRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly traceState: string;
  readonly flags: number;
  readonly name: string;
  readonly kind: number;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly statusCode: number;
  readonly statusMessage: string;
  /** resource service.name ('' when absent; OTel's default 'unknown_service' is kept as sent). */
  readonly service: string;
  readonly resource: Attributes;
  readonly resourceSchemaUrl: string;
  readonly scope: Scope;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly events: readonly SpanEvent[];
  readonly droppedEventsCount: number;
  readonly links: readonly SpanLink[];
  readonly droppedLinksCount: number;
  readonly genai: GenAiFields;
  readonly entities: EntityLinks;
  /** Confidence signals (docs/confidence.md); null when the span carries nothing they are computed from. */
  readonly confidence: ConfidenceSignals | null;
}
