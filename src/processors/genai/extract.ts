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
import type { GenAiFields, Message, MessagePart } from '../../model/span.js';
import { asBoolean, asCount, asString, asStringList, pickCount, pickNumber, pickString } from '../attributes.js';
import * as A from './aliases.js';
import { legacyIndexedMessages, openInferenceMessages } from './indexed.js';
import { legacyEventMessages, parseInstructionsValue, parseMessagesValue } from './messages.js';

const NO_STRINGS: readonly string[] = Object.freeze([]);
const NO_MESSAGES: readonly Message[] = Object.freeze([]);
const NO_PARTS: readonly MessagePart[] = Object.freeze([]);
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
  systemInstructions: NO_PARTS,
  inputMessages: NO_MESSAGES,
  outputMessages: NO_MESSAGES,
});

/** What one pass over the attribute keys found. */
interface KeyScan {
  /** Some key starts with `gen_ai.` / `llm.`. */
  genai: boolean;
  llm: boolean;
  latency: string[] | null;
  prompt: string[] | null;
  completion: string[] | null;
  oiInput: string[] | null;
  oiOutput: string[] | null;
}

function scanKeys(attrs: Attributes): KeyScan {
  const s: KeyScan = { genai: false, llm: false, latency: null, prompt: null, completion: null, oiInput: null, oiOutput: null };
  for (const k in attrs) {
    const c0 = k.charCodeAt(0);
    if (c0 === 103 /* g */) {
      if (!k.startsWith('gen_ai.')) continue;
      s.genai = true;
      const c7 = k.charCodeAt(7);
      if (c7 === 108 /* l */) {
        if (k.startsWith(A.LATENCY_PREFIX)) (s.latency ??= []).push(k);
      } else if (c7 === 112 /* p */) {
        if (k.startsWith(A.LEGACY_PROMPT_PREFIX)) (s.prompt ??= []).push(k);
      } else if (c7 === 99 /* c */) {
        if (k.startsWith(A.LEGACY_COMPLETION_PREFIX)) (s.completion ??= []).push(k);
      }
    } else if (c0 === 108 /* l */) {
      if (!k.startsWith('llm.')) continue;
      s.llm = true;
      const c4 = k.charCodeAt(4);
      if (c4 === 105 /* i */) {
        if (k.startsWith(A.OI_INPUT_MESSAGES_PREFIX)) (s.oiInput ??= []).push(k);
      } else if (c4 === 111 /* o */) {
        if (k.startsWith(A.OI_OUTPUT_MESSAGES_PREFIX)) (s.oiOutput ??= []).push(k);
      }
    }
  }
  return s;
}

function hasGenAiEvent(events: readonly SpanEvent[]): boolean {
  for (const e of events) if (e.name.startsWith('gen_ai.')) return true;
  return false;
}

function nonEmpty(msgs: Message[] | null): Message[] | null {
  return msgs !== null && msgs.length > 0 ? msgs : null;
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
    (out ??= Object.create(null) as Record<string, number>)[k.slice(plen)] = n;
  }
  return out ?? NO_LATENCIES;
}

/**
 * The GenAI fields of one span. Spans with no GenAI attribute or event get {@link EMPTY_GENAI}.
 * See ./aliases.ts for the names read and their priorities; content sources are tried in the
 * order: span attribute, `gen_ai.client.inference.operation.details` event, deprecated events,
 * indexed `gen_ai.prompt.N` / `gen_ai.completion.N`, plain `gen_ai.prompt` / `gen_ai.completion`,
 * OpenInference `llm.{input,output}_messages.N`, OpenInference `input.value` / `output.value`.
 * Legacy `system` messages stay in inputMessages (systemInstructions only holds gen_ai.system_instructions).
 */
export function extractGenAi(attrs: Attributes, events: readonly SpanEvent[]): GenAiFields {
  const scan = scanKeys(attrs);
  const oiKind = asString(attrs[A.OI_SPAN_KIND_KEY]);
  const genaiEvents = hasGenAiEvent(events);
  if (!scan.genai && !scan.llm && oiKind === null && !genaiEvents) return EMPTY_GENAI;
  const isOI = oiKind !== null;

  let details: Attributes | null = null;
  if (genaiEvents) {
    for (const e of events) if (e.name === A.DETAILS_EVENT) { details = e.attributes; break; }
  }
  const legacyEvents = genaiEvents ? legacyEventMessages(events) : null;

  const instrV = attrs[A.SYSTEM_INSTRUCTIONS_KEY] ?? details?.[A.SYSTEM_INSTRUCTIONS_KEY];
  const systemInstructions = instrV === undefined ? NO_PARTS : parseInstructionsValue(instrV);

  let input = parseMessagesValue(attrs[A.INPUT_MESSAGES_KEY], 'user');
  if (input === null && details !== null) input = parseMessagesValue(details[A.INPUT_MESSAGES_KEY], 'user');
  if (input === null && legacyEvents !== null) input = legacyEvents.input;
  if (input === null && scan.prompt !== null) {
    input = nonEmpty(legacyIndexedMessages(attrs, scan.prompt, A.LEGACY_PROMPT_PREFIX, 'user'));
  }
  if (input === null) input = parseMessagesValue(attrs[A.LEGACY_PROMPT_KEY], 'user');
  if (input === null && scan.oiInput !== null) {
    input = nonEmpty(openInferenceMessages(attrs, scan.oiInput, A.OI_INPUT_MESSAGES_PREFIX, 'user'));
  }
  if (input === null && isOI) input = parseMessagesValue(attrs[A.OI_INPUT_VALUE_KEY], 'user');

  let output = parseMessagesValue(attrs[A.OUTPUT_MESSAGES_KEY], 'assistant');
  if (output === null && details !== null) output = parseMessagesValue(details[A.OUTPUT_MESSAGES_KEY], 'assistant');
  if (output === null && legacyEvents !== null) output = legacyEvents.output;
  if (output === null && scan.completion !== null) {
    output = nonEmpty(legacyIndexedMessages(attrs, scan.completion, A.LEGACY_COMPLETION_PREFIX, 'assistant'));
  }
  if (output === null) output = parseMessagesValue(attrs[A.LEGACY_COMPLETION_KEY], 'assistant');
  if (output === null && scan.oiOutput !== null) {
    output = nonEmpty(openInferenceMessages(attrs, scan.oiOutput, A.OI_OUTPUT_MESSAGES_PREFIX, 'assistant'));
  }
  if (output === null && isOI) output = parseMessagesValue(attrs[A.OI_OUTPUT_VALUE_KEY], 'assistant');
  const outputMessages = output ?? NO_MESSAGES;

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
    finishReasons: finishReasonsOf(attrs, outputMessages),
    temperature: pickNumber(attrs, A.TEMPERATURE_KEYS),
    topP: pickNumber(attrs, A.TOP_P_KEYS),
    maxTokens: pickCount(attrs, A.MAX_TOKENS_KEYS),
    stream: asBoolean(attrs[A.STREAM_KEY]),
    conversationId: pickString(attrs, A.CONVERSATION_ID_KEYS) ?? (isOI ? asString(attrs[A.OI_CONVERSATION_ID_KEY]) : null),
    agentName: pickString(attrs, A.AGENT_NAME_KEYS),
    toolName: pickString(attrs, A.TOOL_NAME_KEYS) ?? (isOI ? asString(attrs[A.OI_TOOL_NAME_KEY]) : null),
    timeToFirstTokenS: pickCount(attrs, A.TTFT_KEYS),
    latencies: latenciesOf(attrs, scan.latency),
    systemInstructions,
    inputMessages: input ?? NO_MESSAGES,
    outputMessages,
  };
}
