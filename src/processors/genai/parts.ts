/**
 * Plain JS values (from JSON.parse, or from an AnyValue through toPlain) to Strata's
 * {@link Message} / {@link MessagePart} shapes.
 *
 * Accepted message shapes:
 * - current GenAI: `{role, parts: [{type, ...}], name?, finish_reason?}` (parts kept with all their fields);
 * - chat-completions style: `{role, content: string | [{type: 'text', text}, ...], tool_calls?,
 *   tool_call_id?, reasoning_content?}`, as carried by the deprecated events and older instrumentations.
 *
 * Part rules: every field is kept; a part's `content`, when not a string, is replaced by its
 * JSON text (MessagePart.content is a string); a `text` part without `content` gets its `text`
 * moved to `content`; a bare string becomes a text part.
 */
import type { Message, MessagePart } from '../../model/span.js';

type Plain = Record<string, unknown>;

function isObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmptyString(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** JSON text of any plain value (bigints as decimal strings); strings stay as they are. */
export function jsonText(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A text part. */
export function textPart(content: string): MessagePart {
  return { type: 'text', content };
}

/**
 * One part from a plain value (see the module comment for the rules). Plain objects come from
 * JSON.parse or toPlain, so they are owned here and adjusted in place rather than copied.
 */
export function toPart(v: unknown): MessagePart {
  if (typeof v === 'string') return textPart(v);
  if (!isObject(v)) return textPart(jsonText(v));
  let type = nonEmptyString(v.type);
  if (type === null) type = typeof v.text === 'string' || typeof v.content === 'string' ? 'text' : 'unknown';
  v.type = type;
  const content = v.content;
  if (content !== undefined && content !== null && typeof content !== 'string') {
    v.content = jsonText(content);
  } else if (content == null && type === 'text' && typeof v.text === 'string') {
    v.content = v.text;
    delete v.text;
  }
  return v as unknown as MessagePart;
}

/** Parts from a plain value that is a list of parts, a single part or a string. */
export function toParts(v: unknown): MessagePart[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(toPart);
  return [toPart(v)];
}

/** `[{id, type: 'function', function: {name, arguments}}]` or `[{id, name, arguments}]` to tool_call parts. */
function toolCallParts(calls: unknown, into: MessagePart[]): void {
  if (!Array.isArray(calls)) return;
  for (const c of calls) {
    if (!isObject(c)) continue;
    const fn = isObject(c.function) ? c.function : c;
    const part: Plain = { type: 'tool_call' };
    if (c.id !== undefined && c.id !== null) part.id = c.id;
    if (fn.name !== undefined) part.name = fn.name;
    if (fn.arguments !== undefined) part.arguments = fn.arguments;
    into.push(part as unknown as MessagePart);
  }
}

/**
 * Parts for a chat-completions style message (`content`, `tool_calls`, `reasoning_content`, ...).
 * A tool-role message with a tool_call_id becomes one tool_call_response part.
 */
function legacyParts(o: Plain, role: string): MessagePart[] {
  const parts: MessagePart[] = [];
  const reasoning = nonEmptyString(o.reasoning_content) ?? nonEmptyString(o.reasoning);
  if (reasoning !== null) parts.push({ type: 'reasoning', content: reasoning });
  const callId = o.tool_call_id ?? (role === 'tool' ? o.id : undefined);
  if (role === 'tool' && callId !== undefined && callId !== null) {
    parts.push({ type: 'tool_call_response', id: callId, response: o.content ?? null });
    return parts;
  }
  const content = o.content;
  if (typeof content === 'string') {
    if (content !== '') parts.push(textPart(content));
  } else if (content !== undefined && content !== null) {
    for (const p of toParts(content)) parts.push(p);
  }
  toolCallParts(o.tool_calls, parts);
  return parts;
}

/** True when a plain object looks like a message rather than, say, a request body. */
export function looksLikeMessage(v: unknown): v is Plain {
  return isObject(v) && (typeof v.role === 'string' || Array.isArray(v.parts) || v.content !== undefined);
}

/** One message from a plain value; `defaultRole` applies when the value names no role. */
export function toMessage(v: unknown, defaultRole: string): Message {
  if (!isObject(v)) {
    return { role: defaultRole, parts: v === undefined || v === null ? [] : [toPart(v)] };
  }
  const role = nonEmptyString(v.role) ?? defaultRole;
  const parts = Array.isArray(v.parts) ? v.parts.map(toPart) : legacyParts(v, role);
  const msg: { role: string; parts: MessagePart[]; name?: string; finishReason?: string } = { role, parts };
  const name = nonEmptyString(v.name);
  if (name !== null) msg.name = name;
  const finish = nonEmptyString(v.finish_reason) ?? nonEmptyString(v.finishReason);
  if (finish !== null) msg.finishReason = finish;
  return msg;
}

/** True for a list whose entries are all messages or strings (a string is a text message). */
function isMessageList(v: readonly unknown[]): boolean {
  for (const m of v) if (typeof m !== 'string' && !looksLikeMessage(m)) return false;
  return true;
}

/**
 * Messages from a parsed plain value: an array of messages, an object with a `messages` array
 * (a request body), or one message object. Returns null when the value is none of these (e.g.
 * `[{"query": ...}]`), so the caller can keep the original text instead of losing it.
 */
export function toMessages(v: unknown, defaultRole: string): Message[] | null {
  let list: unknown[] | null = null;
  if (Array.isArray(v)) list = v;
  else if (isObject(v)) {
    if (Array.isArray(v.messages)) list = v.messages;
    else if (looksLikeMessage(v)) return [toMessage(v, defaultRole)];
  }
  if (list === null || !isMessageList(list)) return null;
  return list.map((m) => toMessage(m, defaultRole));
}
