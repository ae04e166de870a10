/**
 * GenAI messages as a chat: one block per message with its role, every part in order; text as
 * text, reasoning collapsed (opened, and the matching passages marked, when a monitor's evidence
 * points into it), tool calls and their results as code, other part types as their fields.
 */
import { h } from './dom.js';

/**
 * Text with the evidence passages marked.
 * @param {string} text
 * @param {readonly string[]} passages
 */
export function markedText(text, passages) {
  const ranges = [];
  for (const p of passages) {
    if (!p) continue;
    const at = text.indexOf(p);
    if (at >= 0) ranges.push([at, at + p.length]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const out = [];
  let pos = 0;
  for (const [a, b] of ranges) {
    if (a < pos) continue;
    if (a > pos) out.push(text.slice(pos, a));
    out.push(h('mark.evidence', { title: 'monitor evidence' }, text.slice(a, b)));
    pos = b;
  }
  if (pos < text.length) out.push(text.slice(pos));
  return out;
}

function pretty(v) {
  if (typeof v === 'string') {
    try {
      return JSON.stringify(JSON.parse(v), null, 2);
    } catch {
      return v;
    }
  }
  return JSON.stringify(v, null, 2);
}

/**
 * @param {{type: string, content?: string, [k: string]: unknown}} part
 * @param {readonly string[]} evidence passages a monitor flagged
 */
export function renderPart(part, evidence = []) {
  const text = typeof part.content === 'string' ? part.content : '';
  switch (part.type) {
    case 'text':
      return h('div.part.text', null, ...markedText(text, evidence));
    case 'reasoning': {
      const marked = evidence.some((p) => p && text.includes(p));
      return h(
        'details.part',
        { open: marked || null, 'data-part': 'reasoning' },
        h('summary', null, `Reasoning (${text.length.toLocaleString('en-US')} characters)${marked ? ' · monitor evidence' : ''}`),
        h('div.reasoning', null, ...markedText(text, evidence)),
      );
    }
    case 'tool_call':
      return h(
        'div.part.toolcall',
        { 'data-part': 'tool_call' },
        h('div', null, h('strong', null, `→ ${String(part.name ?? 'tool')}`), part.id ? h('span.muted.small', null, `  ${String(part.id)}`) : null),
        part.arguments !== undefined ? h('pre', null, pretty(part.arguments)) : null,
      );
    case 'tool_call_response':
      return h(
        'div.part.toolcall',
        { 'data-part': 'tool_call_response' },
        h('div.muted.small', null, `← result${part.id ? ` of ${String(part.id)}` : ''}`),
        h('pre', null, pretty(part.response ?? part.result ?? text)),
      );
    default: {
      const { type, ...rest } = part;
      return h('div.part', { 'data-part': type }, h('div.muted.small', null, type), h('pre', null, pretty(rest)));
    }
  }
}

/**
 * @param {readonly {role: string, parts: readonly any[], name?: string, finishReason?: string}[]} messages
 * @param {{evidence?: readonly string[], output?: Node | null}} [options] `output` replaces the last assistant message's text (the token heatmap)
 */
export function renderChat(messages, options = {}) {
  return h(
    'div.chat',
    null,
    messages.map((m, i) =>
      h(
        'div.msg',
        { class: safeRole(m.role), 'data-role': m.role },
        h('div.role', null, m.role, m.name ? ` · ${m.name}` : '', m.finishReason ? ` · ${m.finishReason}` : ''),
        options.output && i === messages.length - 1
          ? [...m.parts.filter((p) => p.type !== 'text').map((p) => renderPart(p, options.evidence)), options.output]
          : m.parts.map((p) => renderPart(p, options.evidence)),
      ),
    ),
  );
}

function safeRole(role) {
  return ['user', 'assistant', 'system', 'tool'].includes(role) ? role : 'other';
}
