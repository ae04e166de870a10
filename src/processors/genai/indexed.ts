/**
 * Messages flattened into indexed attributes:
 * - obsolete OTel / OpenLLMetry: `gen_ai.prompt.{i}.role|content|tool_call_id`,
 *   `gen_ai.completion.{i}.role|content|finish_reason|reasoning_content`,
 *   `...{i}.tool_calls.{j}.id|name|arguments`;
 * - OpenInference: `llm.input_messages.{i}.message.role|content|name|tool_call_id`,
 *   `...message.contents.{j}.message_content.type|text|image.image.url`,
 *   `...message.tool_calls.{j}.tool_call.id|function.name|function.arguments`.
 *
 * Messages are ordered by numeric index (10 after 9), not by key order. Keys whose index is not
 * a decimal number (e.g. `gen_ai.prompt.name`) are ignored.
 */
import type { AnyValue, Attributes } from '../../receivers/otlp/types.js';
import type { Message } from '../../model/span.js';
import { toPlain } from '../attributes.js';
import { partsFromContentText } from './messages.js';
import { toMessage } from './parts.js';

/** The sub-keys (after `{prefix}{i}.`) and values of one index. */
export type IndexGroup = Map<string, AnyValue>;

/**
 * Groups `[key, value]` pairs whose key is `{prefix}{digits}.{rest}` by index, answering the
 * groups in ascending index order. Other keys are skipped.
 */
export function groupByIndex(pairs: Iterable<readonly [string, AnyValue]>, prefix: string): IndexGroup[] {
  const byIndex = new Map<number, IndexGroup>();
  const plen = prefix.length;
  for (const [key, value] of pairs) {
    if (!key.startsWith(prefix)) continue;
    let i = plen;
    let n = 0;
    while (i < key.length) {
      const c = key.charCodeAt(i);
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      i++;
    }
    // Need 1..9 digits then a dot and a non-empty rest.
    if (i === plen || i - plen > 9 || key.charCodeAt(i) !== 46 || i + 1 >= key.length) continue;
    let g = byIndex.get(n);
    if (g === undefined) byIndex.set(n, (g = new Map()));
    g.set(key.slice(i + 1), value);
  }
  if (byIndex.size === 0) return [];
  const indices = [...byIndex.keys()].sort((a, b) => a - b);
  return indices.map((n) => byIndex.get(n)!);
}

/** `[key, attrs[key]]` for the given keys. */
function pairsOf(attrs: Attributes, keys: readonly string[]): Array<readonly [string, AnyValue]> {
  return keys.map((k) => [k, attrs[k]] as const);
}

/** A `content` value: text that may hold a JSON list of typed parts, or a structured value. */
function contentOf(v: AnyValue | undefined): unknown {
  if (v === undefined) return undefined;
  if (typeof v === 'string') {
    const c = v.charCodeAt(0);
    return c === 91 /* [ */ ? partsFromContentText(v) : v;
  }
  return toPlain(v);
}

/** Copies group entries named in `map` (sub-key -> plain field) into `into`. */
function copyFields(g: IndexGroup, map: readonly (readonly [string, string])[], into: Record<string, unknown>): void {
  for (const [sub, field] of map) {
    const v = g.get(sub);
    if (v !== undefined) into[field] = toPlain(v);
  }
}

const LEGACY_FIELDS = [
  ['role', 'role'],
  ['name', 'name'],
  ['tool_call_id', 'tool_call_id'],
  ['finish_reason', 'finish_reason'],
  ['reasoning_content', 'reasoning_content'],
  ['reasoning', 'reasoning'],
] as const;
const LEGACY_TOOL_FIELDS = [
  ['id', 'id'],
  ['name', 'name'],
  ['arguments', 'arguments'],
] as const;

/**
 * Messages from obsolete indexed attributes with the given prefix (`gen_ai.prompt.` or
 * `gen_ai.completion.`); `keys` are the attribute keys already known to start with it.
 */
export function legacyIndexedMessages(
  attrs: Attributes,
  keys: readonly string[],
  prefix: string,
  defaultRole: string,
): Message[] {
  const out: Message[] = [];
  for (const g of groupByIndex(pairsOf(attrs, keys), prefix)) {
    const fields: Record<string, unknown> = {};
    copyFields(g, LEGACY_FIELDS, fields);
    const content = contentOf(g.get('content'));
    if (content !== undefined) fields.content = content;
    addToolCalls(g, 'tool_calls.', LEGACY_TOOL_FIELDS, fields);
    out.push(toMessage(fields, defaultRole));
  }
  return out;
}

/** `fields.tool_calls` from the indexed entries under `prefix`, each mapped with `map`; nothing when there are none. */
function addToolCalls(g: IndexGroup, prefix: string, map: Parameters<typeof copyFields>[1], fields: Record<string, unknown>): void {
  const calls = groupByIndex(g, prefix);
  if (calls.length === 0) return;
  fields.tool_calls = calls.map((c) => {
    const call: Record<string, unknown> = {};
    copyFields(c, map, call);
    return call;
  });
}

const OI_FIELDS = [
  ['message.role', 'role'],
  ['message.name', 'name'],
  ['message.tool_call_id', 'tool_call_id'],
  ['message.finish_reason', 'finish_reason'],
] as const;
const OI_TOOL_FIELDS = [
  ['tool_call.id', 'id'],
  ['tool_call.function.name', 'name'],
  ['tool_call.function.arguments', 'arguments'],
] as const;

/** One OpenInference `message_content` entry as a part (text; images as a `uri` part with modality image). */
function oiContentPart(c: IndexGroup): Record<string, unknown> {
  const type = c.get('message_content.type');
  const text = c.get('message_content.text');
  const url = c.get('message_content.image.image.url');
  if (url !== undefined && (type === 'image' || text === undefined)) {
    return { type: 'uri', modality: 'image', uri: toPlain(url) };
  }
  return { type: typeof type === 'string' && type !== '' ? type : 'text', text: toPlain(text ?? null) };
}

/**
 * Messages from OpenInference indexed attributes with the given prefix (`llm.input_messages.`
 * or `llm.output_messages.`); `keys` are the attribute keys already known to start with it.
 */
export function openInferenceMessages(
  attrs: Attributes,
  keys: readonly string[],
  prefix: string,
  defaultRole: string,
): Message[] {
  const out: Message[] = [];
  for (const g of groupByIndex(pairsOf(attrs, keys), prefix)) {
    const fields: Record<string, unknown> = {};
    copyFields(g, OI_FIELDS, fields);
    const content = g.get('message.content');
    if (content !== undefined) {
      fields.content = contentOf(content);
    } else {
      const contents = groupByIndex(g, 'message.contents.');
      if (contents.length > 0) fields.content = contents.map(oiContentPart);
    }
    addToolCalls(g, 'message.tool_calls.', OI_TOOL_FIELDS, fields);
    out.push(toMessage(fields, defaultRole));
  }
  return out;
}
