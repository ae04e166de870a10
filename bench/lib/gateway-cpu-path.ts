/**
 * The gateway's JavaScript work per streamed chunk, in this process, without sockets: what
 * `relayStream` (src/receivers/gateway/proxy.ts) does with each upstream data event when it must
 * edit the stream (the default: it added logprobs and usage) — split the events, `JSON.parse` the
 * data, feed the meter, strip what it added — timed per stage; and per request, planning the
 * upstream body and building the span. Run on the exact bytes the bench upstream sends the
 * gateway, so the figures can be set beside the end-to-end ones of the same run.
 */
import { createRedactor } from '../../src/processors/redact.js';
import { ResponseMeter } from '../../src/receivers/gateway/meter.js';
import { planRequest, stripAdded } from '../../src/receivers/gateway/request-plan.js';
import { gatewaySpan } from '../../src/receivers/gateway/span.js';
import { replaceData, SseSplitter } from '../../src/receivers/gateway/sse.js';

export interface RelayPathResult {
  /** Data events per stream (role chunk, tokens, usage chunk, [DONE]). */
  readonly eventsPerStream: number;
  readonly bytesPerEvent: number;
  /** µs per data event, by stage, best round. */
  readonly perChunkUs: { readonly split: number; readonly parse: number; readonly meter: number; readonly strip: number; readonly total: number };
  /** µs per request: plan (parse the client body, add logprobs/usage, re-serialise) and span (with capture and the default redaction). */
  readonly perRequestUs: { readonly plan: number; readonly span: number };
}

/**
 * `streamText`: one whole upstream answer as the gateway receives it; `clientBody`: the client's
 * request; `topLogprobs` and `capture`: the route's settings.
 */
export function measureRelayPath(streamText: string, clientBody: Buffer, topLogprobs: number, capture: boolean, rounds = 3, roundSeconds = 0.4): RelayPathResult {
  const events = streamText
    .split('\n\n')
    .filter((e) => e !== '')
    .map((e) => Buffer.from(`${e}\n\n`, 'utf8'));
  const bytes = events.reduce((n, e) => n + e.length, 0);
  const body = JSON.parse(clientBody.toString('utf8')) as Record<string, unknown>;
  const redact = createRedactor(['email', 'api_key', 'card_number']);
  let sink = 0;

  const oneStream = (acc: { split: number; parse: number; meter: number; strip: number }): ResponseMeter => {
    const plan = planRequest('chat', body, clientBody, topLogprobs);
    const sse = new SseSplitter();
    const meter = new ResponseMeter('chat');
    for (const chunk of events) {
      const t0 = process.hrtime.bigint();
      const evs = sse.push(chunk);
      const t1 = process.hrtime.bigint();
      acc.split += Number(t1 - t0);
      let out = '';
      for (const ev of evs) {
        const data = ev.data;
        if (data === null || data === '[DONE]' || data === '') {
          out += ev.raw;
          continue;
        }
        const a = process.hrtime.bigint();
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch {
          parsed = undefined;
        }
        const b = process.hrtime.bigint();
        if (parsed !== undefined) meter.onChunk(parsed, ev.event, b);
        const c = process.hrtime.bigint();
        const kept = stripAdded(plan, data);
        if (kept !== null) out += replaceData(ev, kept);
        const d = process.hrtime.bigint();
        acc.parse += Number(b - a);
        acc.meter += Number(c - b);
        acc.strip += Number(d - c);
      }
      sink += out.length;
    }
    return meter;
  };

  const run = (secs: number): RelayPathResult['perChunkUs'] & { streams: number; lastMeter: ResponseMeter } => {
    const acc = { split: 0, parse: 0, meter: 0, strip: 0 };
    const deadline = process.hrtime.bigint() + BigInt(Math.round(secs * 1e9));
    let streams = 0;
    let meter: ResponseMeter;
    do {
      meter = oneStream(acc);
      streams++;
    } while (process.hrtime.bigint() < deadline);
    const n = streams * events.length;
    const us = (ns: number): number => ns / 1e3 / n;
    return { split: us(acc.split), parse: us(acc.parse), meter: us(acc.meter), strip: us(acc.strip), total: us(acc.split + acc.parse + acc.meter + acc.strip), streams, lastMeter: meter };
  };

  run(Math.min(0.3, roundSeconds));
  let best = run(roundSeconds);
  for (let r = 1; r < rounds; r++) {
    const x = run(roundSeconds);
    if (x.total < best.total) best = x;
  }

  const timePerCall = (fn: () => void): number => {
    for (let i = 0; i < 50; i++) fn();
    let bestUs = Infinity;
    for (let r = 0; r < rounds; r++) {
      const t0 = process.hrtime.bigint();
      const deadline = t0 + BigInt(Math.round(roundSeconds * 0.5e9));
      let n = 0;
      let now = t0;
      do {
        fn();
        n++;
        if ((n & 7) === 0) now = process.hrtime.bigint();
      } while (now < deadline);
      bestUs = Math.min(bestUs, Number(process.hrtime.bigint() - t0) / 1e3 / n);
    }
    return bestUs;
  };
  const plan = timePerCall(() => {
    const parsed = JSON.parse(clientBody.toString('utf8')) as Record<string, unknown>;
    sink += planRequest('chat', parsed, clientBody, topLogprobs).upstreamBody.length;
  });
  const meter = best.lastMeter;
  const span = timePerCall(() => {
    const s = gatewaySpan({
      endpoint: 'chat',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      parentSpanId: '',
      flags: 1,
      startUnixNano: 1n,
      endUnixNano: 2n,
      arrivedNs: meter.tokenTimes[0] ?? 0n,
      dispatchedNs: meter.tokenTimes[0] ?? 0n,
      route: String(body.model),
      provider: 'vllm',
      upstream: new URL('http://127.0.0.1:8000/v1'),
      request: body,
      meter,
      httpStatus: 200,
      errorType: null,
      errorMessage: '',
      capture,
      redact,
    });
    sink += Object.keys(s.attributes).length;
  });
  if (sink < 0) console.log(sink);
  return {
    eventsPerStream: events.length,
    bytesPerEvent: bytes / events.length,
    perChunkUs: { split: best.split, parse: best.parse, meter: best.meter, strip: best.strip, total: best.total },
    perRequestUs: { plan, span },
  };
}
