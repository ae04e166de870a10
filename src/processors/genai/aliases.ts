/**
 * Attribute names that carry each GenAI field, in priority order: the current OTel GenAI name
 * first, then deprecated OTel names, then other conventions (OpenInference, OpenLLMetry).
 * When several are present, the first one holding a usable value wins.
 */

/** Provider: current, deprecated, OpenInference. */
export const PROVIDER_KEYS = ['gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system'] as const;

export const OPERATION_KEY = 'gen_ai.operation.name';
export const REQUEST_MODEL_KEYS = ['gen_ai.request.model', 'llm.model_name'] as const;
export const RESPONSE_MODEL_KEYS = ['gen_ai.response.model'] as const;
export const RESPONSE_ID_KEYS = ['gen_ai.response.id'] as const;

export const INPUT_TOKENS_KEYS = [
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.prompt_tokens',
  'llm.token_count.prompt',
] as const;
export const OUTPUT_TOKENS_KEYS = [
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.completion_tokens',
  'llm.token_count.completion',
] as const;
export const CACHE_READ_KEYS = [
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'llm.token_count.prompt_details.cache_read',
] as const;
export const CACHE_CREATION_KEYS = [
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  'llm.token_count.prompt_details.cache_write',
] as const;
export const REASONING_TOKENS_KEYS = [
  'gen_ai.usage.reasoning.output_tokens',
  'llm.token_count.completion_details.reasoning',
] as const;

export const FINISH_REASONS_KEY = 'gen_ai.response.finish_reasons';
export const TEMPERATURE_KEYS = ['gen_ai.request.temperature'] as const;
export const TOP_P_KEYS = ['gen_ai.request.top_p'] as const;
export const MAX_TOKENS_KEYS = ['gen_ai.request.max_tokens'] as const;
export const STREAM_KEY = 'gen_ai.request.stream';
export const CONVERSATION_ID_KEYS = ['gen_ai.conversation.id'] as const;
export const AGENT_NAME_KEYS = ['gen_ai.agent.name'] as const;
export const TOOL_NAME_KEYS = ['gen_ai.tool.name'] as const;
export const TTFT_KEYS = ['gen_ai.response.time_to_first_chunk', 'gen_ai.latency.time_to_first_token'] as const;

/** Prefix of vLLM's per-request phase latencies (seconds). */
export const LATENCY_PREFIX = 'gen_ai.latency.';

// ---- content ----
export const SYSTEM_INSTRUCTIONS_KEY = 'gen_ai.system_instructions';
export const INPUT_MESSAGES_KEY = 'gen_ai.input.messages';
export const OUTPUT_MESSAGES_KEY = 'gen_ai.output.messages';
/** Obsolete plain-string content (also the attributes of the obsolete gen_ai.content.* events). */
export const LEGACY_PROMPT_KEY = 'gen_ai.prompt';
export const LEGACY_COMPLETION_KEY = 'gen_ai.completion';
/** Indexed obsolete content: gen_ai.prompt.{i}.role, gen_ai.completion.{i}.content, ... */
export const LEGACY_PROMPT_PREFIX = 'gen_ai.prompt.';
export const LEGACY_COMPLETION_PREFIX = 'gen_ai.completion.';

/** Event carrying the current-convention content on a span. */
export const DETAILS_EVENT = 'gen_ai.client.inference.operation.details';
/** Deprecated per-message events and the role each implies. */
export const LEGACY_MESSAGE_EVENTS: ReadonlyMap<string, string> = new Map([
  ['gen_ai.system.message', 'system'],
  ['gen_ai.user.message', 'user'],
  ['gen_ai.assistant.message', 'assistant'],
  ['gen_ai.tool.message', 'tool'],
]);
export const LEGACY_CHOICE_EVENT = 'gen_ai.choice';
/** Obsolete content events whose attribute is gen_ai.prompt / gen_ai.completion. */
export const LEGACY_CONTENT_PROMPT_EVENT = 'gen_ai.content.prompt';
export const LEGACY_CONTENT_COMPLETION_EVENT = 'gen_ai.content.completion';

// ---- OpenInference ----
export const OI_SPAN_KIND_KEY = 'openinference.span.kind';
export const OI_INPUT_MESSAGES_PREFIX = 'llm.input_messages.';
export const OI_OUTPUT_MESSAGES_PREFIX = 'llm.output_messages.';
/**
 * Generic names OpenInference gives GenAI meaning to. They are read only on spans that carry
 * `openinference.span.kind`: `session.id` in particular is also OTel's browser session id.
 */
export const OI_CONVERSATION_ID_KEY = 'session.id';
export const OI_TOOL_NAME_KEY = 'tool.name';
export const OI_INPUT_VALUE_KEY = 'input.value';
export const OI_OUTPUT_VALUE_KEY = 'output.value';

/**
 * gen_ai.operation.name inferred from `openinference.span.kind` when the span has no
 * gen_ai.operation.name. CHAIN and the kinds without a GenAI counterpart (RERANKER, GUARDRAIL,
 * EVALUATOR, PROMPT, UNKNOWN) give null.
 */
export const OI_KIND_TO_OPERATION: ReadonlyMap<string, string> = new Map([
  ['LLM', 'chat'],
  ['EMBEDDING', 'embeddings'],
  ['TOOL', 'execute_tool'],
  ['AGENT', 'invoke_agent'],
  ['RETRIEVER', 'retrieval'],
]);

/** OpenLLMetry's `llm.request.type`, read after gen_ai.operation.name and openinference.span.kind. */
export const LLM_REQUEST_TYPE_KEY = 'llm.request.type';
export const LLM_REQUEST_TYPE_TO_OPERATION: ReadonlyMap<string, string> = new Map([
  ['chat', 'chat'],
  ['completion', 'text_completion'],
  ['embedding', 'embeddings'],
]);
