import { StringDecoder } from 'node:string_decoder';

/** One server-sent event as received: its raw text (terminator included) and its parsed fields. */
export interface SseEvent {
  /** The event's bytes as text, up to and including the blank line that ended it. */
  readonly raw: string;
  /** The `event:` field, '' when absent. */
  readonly event: string;
  /** The `data:` lines joined with '\n'; null when the event had no data line. */
  readonly data: string | null;
}

/**
 * Splits a text/event-stream into events as bytes arrive. Events end at a blank line (`\n\n`,
 * `\r\n\r\n` or `\r\r`); a partial event waits for its end; UTF-8 sequences split across chunks
 * are reassembled.
 */
export class SseSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  /** Feeds bytes; answers the events they complete, in order. */
  push(chunk: Buffer): SseEvent[] {
    this.pending += this.decoder.write(chunk);
    return this.drain();
  }

  /** The end of the stream: the unterminated remainder, if any, as raw text. */
  end(): string {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    return rest;
  }

  private drain(): SseEvent[] {
    const out: SseEvent[] = [];
    let text = this.pending;
    for (;;) {
      const end = eventEnd(text);
      if (end < 0) break;
      out.push(parseEvent(text.slice(0, end)));
      text = text.slice(end);
    }
    this.pending = text;
    return out;
  }
}

/** The index just past the first blank line, or -1. */
function eventEnd(text: string): number {
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    if (text.charCodeAt(i + 1) === 0x0a) return i + 2;
    if (text.charCodeAt(i + 1) === 0x0d && text.charCodeAt(i + 2) === 0x0a) return i + 3;
  }
  const cr = text.indexOf('\r\r');
  return cr >= 0 && !text.includes('\n') ? cr + 2 : -1;
}

function parseEvent(raw: string): SseEvent {
  let event = '';
  let data: string | null = null;
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data = data === null ? value : `${data}\n${value}`;
    else if (field === 'event') event = value;
  }
  return { raw, event, data };
}

/**
 * Replaces the data of a single-data-line event, keeping every other byte of it. Events with
 * several data lines come back unchanged (OpenAI-compatible servers send one line per event).
 */
export function replaceData(ev: SseEvent, data: string): string {
  if (ev.data === null || ev.data === data) return ev.raw;
  const at = ev.raw.indexOf(ev.data);
  if (at < 0 || ev.data.includes('\n')) return ev.raw;
  return ev.raw.slice(0, at) + data + ev.raw.slice(at + ev.data.length);
}
