import type { LogRecord } from '../model/log.js';
import type { SpanRecord } from '../model/span.js';
import type { AnyValue, Attributes, SpanEvent } from '../receivers/otlp/types.js';
import { createRedactor, REDACTED } from './redact.js';

/**
 * What Strata keeps of prompts and completions. With capture off, content-bearing attributes,
 * events and log bodies are removed before anything is stored, and the parsed messages are dropped;
 * with capture on, every string in them passes through the redaction rules (matches become
 * `[REDACTED]`). Stored content lives in attributes and events only (messages are derived from them
 * when read), so that is where redaction applies; stream listeners see the parsed messages unredacted.
 */
export interface ContentPolicy {
  /** False when content is not kept at all: normalisation may skip parsing it. */
  readonly captures: boolean;
  applyToSpans(spans: SpanRecord[]): SpanRecord[];
  applyToLogs(records: LogRecord[]): LogRecord[];
}

export interface ContentPolicyOptions {
  readonly capture: boolean;
  /** Built-in redactor names or regular expression sources (see redact.ts); empty = no redaction. */
  readonly redact: readonly string[];
}

export { REDACTED };

/** Attribute keys (exact or as a dotted prefix) that carry prompt or completion content. */
const CONTENT_KEYS = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.prompt',
  'gen_ai.completion',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'gen_ai.tool.definitions',
  'llm.input_messages',
  'llm.output_messages',
  'llm.prompts',
  'input.value',
  'output.value',
  'content',
  'message',
  'body',
];

/** Events whose attributes are content as a whole (the GenAI message events). */
function isContentEvent(name: string): boolean {
  return name.startsWith('gen_ai.') && (name.endsWith('.message') || name === 'gen_ai.choice' || name === 'gen_ai.client.inference.operation.details');
}

/** Answers per key, remembered: the same few dozen keys recur on every span. Bounded. */
const contentKeyCache = new Map<string, boolean>();
const CONTENT_KEY_CACHE_LIMIT = 10_000;

export function isContentKey(key: string): boolean {
  const known = contentKeyCache.get(key);
  if (known !== undefined) return known;
  let answer = false;
  for (const k of CONTENT_KEYS) {
    if (key === k || (key.length > k.length && key.startsWith(k) && key.charCodeAt(k.length) === 46 /* . */)) {
      answer = true;
      break;
    }
  }
  if (contentKeyCache.size >= CONTENT_KEY_CACHE_LIMIT) contentKeyCache.clear();
  contentKeyCache.set(key, answer);
  return answer;
}

export function createContentPolicy(options: ContentPolicyOptions): ContentPolicy {
  const redactor = createRedactor(options.redact);
  if (options.capture && !redactor) return { captures: true, applyToSpans: (s) => s, applyToLogs: (l) => l };
  const text = redactor ?? ((s: string): string => s);
  const value = (v: AnyValue): AnyValue => redactValue(v, text);

  /** Returns the attributes with content removed or redacted, or the same object when nothing changed. */
  function filterAttributes(attrs: Attributes, all: boolean): Attributes {
    let out: Attributes | null = null;
    for (const key in attrs) {
      if (!all && !isContentKey(key)) continue;
      out ??= { ...attrs };
      if (options.capture) out[key] = value(attrs[key]);
      else delete out[key];
    }
    return out ?? attrs;
  }

  function filterEvents(events: readonly SpanEvent[]): readonly SpanEvent[] {
    let out: SpanEvent[] | null = null;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      const attributes = filterAttributes(e.attributes, isContentEvent(e.name));
      if (attributes !== e.attributes) {
        out ??= events.slice();
        out[i] = { ...e, attributes };
      }
    }
    return out ?? events;
  }

  return {
    captures: options.capture,
    applyToSpans(spans) {
      return spans.map((span) => {
        const attributes = filterAttributes(span.attributes, false);
        const events = filterEvents(span.events);
        const g = span.genai;
        const dropMessages = !options.capture && (g.inputMessages.length || g.outputMessages.length || g.systemInstructions.length);
        if (attributes === span.attributes && events === span.events && !dropMessages) return span;
        return {
          ...span,
          attributes,
          events,
          genai: dropMessages ? { ...g, inputMessages: [], outputMessages: [], systemInstructions: [] } : g,
        };
      });
    },
    applyToLogs(records) {
      return records.map((r) => {
        const whole = isContentEvent(r.eventName);
        const attributes = filterAttributes(r.attributes, whole);
        if (!whole && attributes === r.attributes) return r;
        return { ...r, attributes, body: whole ? (options.capture ? value(r.body) : null) : r.body };
      });
    },
  };
}

function redactValue(v: AnyValue, text: (s: string) => string): AnyValue {
  if (typeof v === 'string') return text(v);
  if (Array.isArray(v)) return v.map((x) => redactValue(x, text));
  if (v !== null && typeof v === 'object' && 'kvlist' in v) {
    const out: Attributes = {};
    for (const k in v.kvlist) out[k] = redactValue(v.kvlist[k], text);
    return { kvlist: out };
  }
  return v;
}
