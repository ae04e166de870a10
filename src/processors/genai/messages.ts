/**
 * GenAI content carried as whole values: `gen_ai.input.messages` / `gen_ai.output.messages` /
 * `gen_ai.system_instructions` (a JSON string or a structured AnyValue), the obsolete plain
 * `gen_ai.prompt` / `gen_ai.completion` strings, and the deprecated per-message span events.
 *
 * Nothing here throws: text that is not JSON, or JSON that is not message-shaped, is kept
 * verbatim as one text part. Each string is JSON-parsed at most once.
 */
import type { AnyValue, Attributes, SpanEvent } from '../../receivers/otlp/types.js';
import type { Message, MessagePart } from '../../model/span.js';
import { asString, setOwn, toPlain } from '../attributes.js';
import {
  LEGACY_CHOICE_EVENT,
  LEGACY_COMPLETION_KEY,
  LEGACY_CONTENT_COMPLETION_EVENT,
  LEGACY_CONTENT_PROMPT_EVENT,
  LEGACY_MESSAGE_EVENTS,
  LEGACY_PROMPT_KEY,
} from './aliases.js';
import { jsonText, textPart, toMessage, toMessages, toPart, toParts } from './parts.js';

/** Sentinel for "not JSON". */
const NOT_JSON: unique symbol = Symbol('not-json');

/** JSON.parse when the text could be a JSON object or array; NOT_JSON otherwise or on error. */
function parseJsonish(s: string): unknown {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) <= 32) i++;
  const c = s.charCodeAt(i);
  if (c !== 123 /* { */ && c !== 91 /* [ */) return NOT_JSON;
  try {
    return JSON.parse(s);
  } catch {
    return NOT_JSON;
  }
}

/** An AnyValue as a plain JS value, parsing it when it is a JSON string (at most once). */
function plainOf(v: AnyValue): unknown {
  return typeof v === 'string' ? parseJsonish(v) : toPlain(v);
}

/**
 * Messages from a whole-value attribute (JSON string or structured). Undefined/null/empty gives
 * null (absent); unparseable or non-message content gives one text message with `defaultRole`.
 */
export function parseMessagesValue(v: AnyValue | undefined, defaultRole: string): Message[] | null {
  if (v === undefined || v === null || v === '') return null;
  const plain = plainOf(v);
  if (plain !== NOT_JSON) {
    const msgs = toMessages(plain, defaultRole);
    if (msgs !== null) return msgs;
  }
  // Not message-shaped: keep the text as sent (structured values as their JSON text).
  const raw = typeof v === 'string' ? v : (asString(v) ?? jsonText(plain));
  return [{ role: defaultRole, parts: [textPart(raw)] }];
}

/**
 * System instructions: a list of parts (JSON string or structured), a message whose parts are
 * taken, or plain text (one text part). Absent gives an empty list.
 */
export function parseInstructionsValue(v: AnyValue | undefined): MessagePart[] {
  if (v === undefined || v === null || v === '') return [];
  const plain = plainOf(v);
  if (plain === NOT_JSON) return [textPart(v as string)];
  if (Array.isArray(plain)) return toParts(plain);
  if (typeof plain === 'object' && plain !== null) {
    const o = plain as { parts?: unknown; type?: unknown };
    if (Array.isArray(o.parts)) return toParts(o.parts);
    if (typeof o.type === 'string') return [toPart(o)];
  }
  return [textPart(typeof v === 'string' ? v : (asString(v) ?? jsonText(plain)))];
}

/**
 * The text of an indexed `content` attribute: a JSON list of typed parts
 * (`[{"type":"text","text":...}]`, as some instrumentations write multimodal content) becomes
 * those parts, any other text one text part.
 */
export function partsFromContentText(s: string): MessagePart[] {
  const plain = parseJsonish(s);
  if (
    Array.isArray(plain) &&
    plain.length > 0 &&
    plain.every((p) => typeof p === 'object' && p !== null && typeof (p as { type?: unknown }).type === 'string')
  ) {
    return toParts(plain);
  }
  return s === '' ? [] : [textPart(s)];
}

/** Input and output messages found on deprecated span events (null: no such event). */
export interface LegacyEventMessages {
  input: Message[] | null;
  output: Message[] | null;
}

/**
 * A message from a deprecated per-message event (`gen_ai.{system,user,assistant,tool}.message`):
 * `content`, `tool_calls`, `id` from the attributes or a structured body; role from the `role`
 * field, else from the event name.
 */
export function messageFromLegacyEvent(eventRole: string, attrs: Attributes, body?: AnyValue): Message {
  const fields: Record<string, unknown> = {};
  const b = body === undefined || body === null ? null : toPlain(body);
  if (typeof b === 'object' && b !== null && !Array.isArray(b)) Object.assign(fields, b);
  for (const k of ['role', 'content', 'tool_calls', 'id', 'tool_call_id', 'reasoning_content', 'name']) {
    const v = attrs[k];
    if (v !== undefined) fields[k] = toPlain(v);
  }
  if (typeof fields.content === 'string') {
    const parsed = parseJsonish(fields.content);
    if (Array.isArray(parsed)) fields.content = parsed;
  }
  return toMessage(fields, eventRole);
}

/** An output message from a deprecated `gen_ai.choice` event (`message.{role,content,tool_calls}`, `finish_reason`). */
export function messageFromChoiceEvent(attrs: Attributes, body?: AnyValue): Message {
  const b = body === undefined || body === null ? null : toPlain(body);
  const fields: Record<string, unknown> =
    typeof b === 'object' && b !== null && !Array.isArray(b) ? { ...(b as Record<string, unknown>) } : {};
  for (const k in attrs) setOwn(fields, k, toPlain(attrs[k]));
  let msg = fields.message;
  if (typeof msg === 'string') {
    const parsed = parseJsonish(msg);
    msg = parsed === NOT_JSON ? { content: msg } : parsed;
  }
  const merged: Record<string, unknown> =
    typeof msg === 'object' && msg !== null && !Array.isArray(msg) ? { ...(msg as Record<string, unknown>) } : {};
  // Flattened forms: message.content / message.role as attribute names.
  for (const k of ['role', 'content', 'tool_calls']) {
    const flat = fields[`message.${k}`];
    if (merged[k] === undefined && flat !== undefined) merged[k] = flat;
  }
  if (merged.finish_reason === undefined && fields.finish_reason !== undefined) {
    merged.finish_reason = fields.finish_reason;
  }
  return toMessage(merged, 'assistant');
}

/**
 * Collects messages from deprecated span events, in event order: the per-message events and
 * `gen_ai.choice`, and the obsolete `gen_ai.content.prompt` / `gen_ai.content.completion` events
 * (whose `gen_ai.prompt` / `gen_ai.completion` attribute is parsed like the plain attributes).
 */
export function legacyEventMessages(events: readonly SpanEvent[]): LegacyEventMessages {
  let input: Message[] | null = null;
  let output: Message[] | null = null;
  for (const e of events) {
    const role = LEGACY_MESSAGE_EVENTS.get(e.name);
    if (role !== undefined) {
      (input ??= []).push(messageFromLegacyEvent(role, e.attributes));
    } else if (e.name === LEGACY_CHOICE_EVENT) {
      (output ??= []).push(messageFromChoiceEvent(e.attributes));
    } else if (e.name === LEGACY_CONTENT_PROMPT_EVENT) {
      const msgs = parseMessagesValue(e.attributes[LEGACY_PROMPT_KEY], 'user');
      if (msgs !== null) (input ??= []).push(...msgs);
    } else if (e.name === LEGACY_CONTENT_COMPLETION_EVENT) {
      const msgs = parseMessagesValue(e.attributes[LEGACY_COMPLETION_KEY], 'assistant');
      if (msgs !== null) (output ??= []).push(...msgs);
    }
  }
  return { input, output };
}
