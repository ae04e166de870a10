/**
 * Prompt and completion content of a span (system instructions, input and output messages),
 * from whichever source carried it.
 */
import type { Attributes, SpanEvent } from '../../receivers/otlp/types.js';
import type { Message, MessagePart } from '../../model/span.js';
import * as A from './aliases.js';
import type { KeyScan } from './scan.js';
import { legacyIndexedMessages, openInferenceMessages } from './indexed.js';
import { legacyEventMessages, parseInstructionsValue, parseMessagesValue, type LegacyEventMessages } from './messages.js';

const NO_MESSAGES: readonly Message[] = Object.freeze([]);
const NO_PARTS: readonly MessagePart[] = Object.freeze([]);

function nonEmpty(msgs: Message[] | null): Message[] | null {
  return msgs !== null && msgs.length > 0 ? msgs : null;
}

/** The content fields of {@link GenAiFields}. */
export interface Content {
  systemInstructions: readonly MessagePart[];
  inputMessages: readonly Message[];
  outputMessages: readonly Message[];
}

/** No content (shared and frozen). */
export const NO_CONTENT: Content = Object.freeze({
  systemInstructions: NO_PARTS,
  inputMessages: NO_MESSAGES,
  outputMessages: NO_MESSAGES,
});

/**
 * A span's prompt and completion content. Sources are tried in this order, the first one found
 * wins: span attribute (`gen_ai.input.messages`, ...), the `gen_ai.client.inference.operation.details`
 * event, the deprecated per-message events, indexed `gen_ai.prompt.N` / `gen_ai.completion.N`,
 * plain `gen_ai.prompt` / `gen_ai.completion`, OpenInference `llm.{input,output}_messages.N`, and
 * on OpenInference spans `input.value` / `output.value`. Legacy `system` messages stay in
 * inputMessages: systemInstructions only holds `gen_ai.system_instructions`.
 */
export function extractContent(
  attrs: Attributes,
  events: readonly SpanEvent[],
  scan: KeyScan,
  genaiEvents: boolean,
  isOI: boolean,
): Content {
  let details: Attributes | null = null;
  if (genaiEvents) {
    for (const e of events) {
      if (e.name === A.DETAILS_EVENT) {
        details = e.attributes;
        break;
      }
    }
  }
  // Deprecated events are only turned into messages when no earlier source had content.
  let legacy: LegacyEventMessages | null | undefined;
  const legacyEvents = (): LegacyEventMessages | null => {
    if (legacy === undefined) legacy = genaiEvents ? legacyEventMessages(events) : null;
    return legacy;
  };

  const instrV = attrs[A.SYSTEM_INSTRUCTIONS_KEY] ?? details?.[A.SYSTEM_INSTRUCTIONS_KEY];
  const systemInstructions = instrV === undefined ? NO_PARTS : parseInstructionsValue(instrV);

  let input = parseMessagesValue(attrs[A.INPUT_MESSAGES_KEY], 'user');
  if (input === null && details !== null) input = parseMessagesValue(details[A.INPUT_MESSAGES_KEY], 'user');
  if (input === null) input = legacyEvents()?.input ?? null;
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
  if (output === null) output = legacyEvents()?.output ?? null;
  if (output === null && scan.completion !== null) {
    output = nonEmpty(legacyIndexedMessages(attrs, scan.completion, A.LEGACY_COMPLETION_PREFIX, 'assistant'));
  }
  if (output === null) output = parseMessagesValue(attrs[A.LEGACY_COMPLETION_KEY], 'assistant');
  if (output === null && scan.oiOutput !== null) {
    output = nonEmpty(openInferenceMessages(attrs, scan.oiOutput, A.OI_OUTPUT_MESSAGES_PREFIX, 'assistant'));
  }
  if (output === null && isOI) output = parseMessagesValue(attrs[A.OI_OUTPUT_VALUE_KEY], 'assistant');

  return { systemInstructions, inputMessages: input ?? NO_MESSAGES, outputMessages: output ?? NO_MESSAGES };
}
