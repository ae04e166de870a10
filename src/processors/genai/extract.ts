/**
 * Extraction of {@link GenAiFields} from a span's attributes and events, whichever convention
 * carried them: current OTel GenAI names, deprecated OTel names, vLLM's `llm_request` span,
 * OpenLLMetry's indexed content, OpenInference. Alias priorities live in ./aliases.ts.
 *
 * Hot-path shape: one pass over the attribute keys with first-character/prefix tests finds
 * whether the span is GenAI at all and collects the few prefixed keys (gen_ai.latency.*,
 * indexed content); a span with none of them, and no gen_ai.* event, gets the shared
 * {@link EMPTY_GENAI} without further work.
 */
import type { Attributes, SpanEvent } from '../../receivers/otlp/types.js';
import type { GenAiFields, Message } from '../../model/span.js';
import { asBoolean, asCount, asString, asStringList, pickCount, pickNumber, pickString } from '../attributes.js';
import * as A from './aliases.js';
import { extractContent, NO_CONTENT } from './content.js';
import { scanKeys } from './scan.js';

const NO_STRINGS: readonly string[] = Object.freeze([]);
const NO_LATENCIES: Readonly<Record<string, number>> = Object.freeze({});

/** The GenAI fields of a span that carries no GenAI data (shared and frozen). */
export const EMPTY_GENAI: GenAiFields = Object.freeze({
  operation: null,
  provider: null,
  requestModel: null,
  responseModel: null,
  responseId: null,
  inputTokens: null,
  outputTokens: null,
  cacheReadInputTokens: null,
  cacheCreationInputTokens: null,
  reasoningOutputTokens: null,
  finishReasons: NO_STRINGS,
  temperature: null,
  topP: null,
  maxTokens: null,
  stream: null,
  conversationId: null,
  agentName: null,
  toolName: null,
  timeToFirstTokenS: null,
  latencies: NO_LATENCIES,
  ...NO_CONTENT,
});

function hasGenAiEvent(events: readonly SpanEvent[]): boolean {
  for (const e of events) if (e.name.startsWith('gen_ai.')) return true;
  return false;
}

/**
 * gen_ai.operation.name, else inferred from `openinference.span.kind` (LLM -> chat, EMBEDDING ->
 * embeddings, TOOL -> execute_tool, AGENT -> invoke_agent, RETRIEVER -> retrieval, CHAIN and
 * others -> null), else from OpenLLMetry's `llm.request.type`.
 *
 * vLLM's `llm_request` span is deliberately left at null: it carries no attribute naming the
 * operation and serves both /v1/completions and /v1/chat/completions, so any guess from the span
 * name would be wrong for part of the traffic.
 */
function operationOf(attrs: Attributes, oiKind: string | null): string | null {
  const op = asString(attrs[A.OPERATION_KEY]);
  if (op !== null) return op;
  if (oiKind !== null) {
    const inferred = A.OI_KIND_TO_OPERATION.get(oiKind.toUpperCase());
    if (inferred !== undefined) return inferred;
  }
  const reqType = asString(attrs[A.LLM_REQUEST_TYPE_KEY]);
  return reqType === null ? null : (A.LLM_REQUEST_TYPE_TO_OPERATION.get(reqType) ?? null);
}

/** Finish reasons: an array, a single string, or a string holding a JSON array. */
function finishReasonsOf(attrs: Attributes, output: readonly Message[]): readonly string[] {
  const v = attrs[A.FINISH_REASONS_KEY];
  let reasons: string[] = [];
  if (typeof v === 'string' && v.charCodeAt(0) === 91 /* [ */) {
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed)) reasons = parsed.filter((x): x is string => typeof x === 'string' && x !== '');
    } catch {
      reasons = [v];
    }
  } else {
    reasons = asStringList(v);
  }
  if (reasons.length > 0) return reasons;
  for (const m of output) if (m.finishReason !== undefined) reasons.push(m.finishReason);
  return reasons.length > 0 ? reasons : NO_STRINGS;
}

function latenciesOf(attrs: Attributes, keys: readonly string[] | null): Readonly<Record<string, number>> {
  if (keys === null) return NO_LATENCIES;
  let out: Record<string, number> | null = null;
  const plen = A.LATENCY_PREFIX.length;
  for (const k of keys) {
    const n = asCount(attrs[k]);
    if (n === null || k.length === plen) continue;
    const suffix = k.slice(plen);
    // A plain object keeps a shared hidden class across spans; '__proto__' is no latency name.
    if (suffix !== '__proto__') (out ??= {})[suffix] = n;
  }
  return out ?? NO_LATENCIES;
}

/** Options of {@link extractGenAi}. */
export interface ExtractOptions {
  /**
   * Read prompt/completion content into systemInstructions / inputMessages / outputMessages
   * (default true). False skips all message parsing (the lists stay empty, finish reasons then
   * come from gen_ai.response.finish_reasons only): for deployments that do not keep content.
   */
  readonly content?: boolean;
}

/**
 * The GenAI fields of one span. Spans with no GenAI attribute or event get {@link EMPTY_GENAI}.
 * See ./aliases.ts for the names read and their priorities, and {@link extractContent} for the
 * content sources.
 */
export function extractGenAi(attrs: Attributes, events: readonly SpanEvent[], options?: ExtractOptions): GenAiFields {
  const scan = scanKeys(attrs);
  const oiKind = asString(attrs[A.OI_SPAN_KIND_KEY]);
  const genaiEvents = hasGenAiEvent(events);
  if (!scan.genai && !scan.llm && oiKind === null && !genaiEvents) return EMPTY_GENAI;
  const isOI = oiKind !== null;
  const content = options?.content === false ? NO_CONTENT : extractContent(attrs, events, scan, genaiEvents, isOI);

  return {
    operation: operationOf(attrs, oiKind),
    provider: pickString(attrs, A.PROVIDER_KEYS),
    requestModel: pickString(attrs, A.REQUEST_MODEL_KEYS),
    responseModel: pickString(attrs, A.RESPONSE_MODEL_KEYS),
    responseId: pickString(attrs, A.RESPONSE_ID_KEYS),
    inputTokens: pickCount(attrs, A.INPUT_TOKENS_KEYS),
    outputTokens: pickCount(attrs, A.OUTPUT_TOKENS_KEYS),
    cacheReadInputTokens: pickCount(attrs, A.CACHE_READ_KEYS),
    cacheCreationInputTokens: pickCount(attrs, A.CACHE_CREATION_KEYS),
    reasoningOutputTokens: pickCount(attrs, A.REASONING_TOKENS_KEYS),
    finishReasons: finishReasonsOf(attrs, content.outputMessages),
    temperature: pickNumber(attrs, A.TEMPERATURE_KEYS),
    topP: pickNumber(attrs, A.TOP_P_KEYS),
    maxTokens: pickCount(attrs, A.MAX_TOKENS_KEYS),
    stream: asBoolean(attrs[A.STREAM_KEY]),
    conversationId: pickString(attrs, A.CONVERSATION_ID_KEYS) ?? (isOI ? asString(attrs[A.OI_CONVERSATION_ID_KEY]) : null),
    agentName: pickString(attrs, A.AGENT_NAME_KEYS),
    toolName: pickString(attrs, A.TOOL_NAME_KEYS) ?? (isOI ? asString(attrs[A.OI_TOOL_NAME_KEY]) : null),
    timeToFirstTokenS: pickCount(attrs, A.TTFT_KEYS),
    latencies: latenciesOf(attrs, scan.latency),
    systemInstructions: content.systemInstructions,
    inputMessages: content.inputMessages,
    outputMessages: content.outputMessages,
  };
}
