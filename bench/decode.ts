/**
 * Decode benchmark: spans per second of the hand-written OTLP protobuf decoder against the
 * protobufjs-based decoder (same schema, same output shapes), on realistic GenAI trace payloads,
 * in the same run. The OTLP/JSON decoder is measured too, for reference.
 *
 * Run with `npm run build && npm run bench:decode`. Optional env: BENCH_SECONDS (per round, default 2),
 * BENCH_ROUNDS (default 3), BENCH_REQUESTS (distinct payloads, default 24).
 */
import { isDeepStrictEqual } from 'node:util';
import { decodeTraceJson } from '../src/receivers/otlp/decode-json.js';
import { decodeTraceRequest } from '../src/receivers/otlp/decode-protobuf.js';
import { decodeTraceRequest as decodeTraceRequestPbjs } from '../src/receivers/otlp/decode-protobufjs.js';
import { OTLP_MESSAGES, otlpProtobufType } from '../src/receivers/otlp/protobufjs-schema.js';
import type { ExportTraceRequest } from '../src/receivers/otlp/types.js';
import { makeTraceRequest, makeTraceRequestBytes, makeTraceRequestJson } from './genai-payload.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 24);

interface Payload<T> {
  body: T;
  spans: number;
  bytes: number;
}

function countSpans(req: ExportTraceRequest): number {
  let n = 0;
  for (const rs of req.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}

interface Rate {
  /** Spans per wall-clock second. */
  spansPerSec: number;
  /** Spans per second of this process's CPU time (steadier when other work shares the machine). */
  spansPerCpuSec: number;
  mbPerSec: number;
}

/** Decodes payloads round-robin for about `seconds`. */
function measure<T>(payloads: Payload<T>[], decode: (body: T) => ExportTraceRequest, seconds: number): Rate {
  let spans = 0;
  let bytes = 0;
  let sink = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  for (let i = 0; now < deadline; i++) {
    const p = payloads[i % payloads.length];
    sink += decode(p.body).resourceSpans.length;
    spans += p.spans;
    bytes += p.bytes;
    if ((i & 7) === 7) now = process.hrtime.bigint();
  }
  now = process.hrtime.bigint();
  if (sink < 0) console.log(sink); // keep the results alive
  const used = process.cpuUsage(cpu);
  const secs = Number(now - start) / 1e9;
  return { spansPerSec: spans / secs, spansPerCpuSec: spans / ((used.user + used.system) / 1e6), mbPerSec: bytes / secs / 1e6 };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function main(): void {
  process.stderr.write(`generating ${REQUESTS} GenAI trace requests (50-200 spans each)...\n`);
  const proto: Payload<Uint8Array>[] = [];
  const json: Payload<string>[] = [];
  let totalSpans = 0;
  for (let seed = 1; seed <= REQUESTS; seed++) {
    const spans = 50 + ((seed * 37) % 151);
    const opts = { spans, seed };
    const bytes = makeTraceRequestBytes(opts);
    // Request bodies arrive as Buffers from node:http; give both decoders the same kind of input.
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    proto.push({ body, spans, bytes: body.length });
    const text = makeTraceRequestJson(opts);
    json.push({ body: text, spans, bytes: Buffer.byteLength(text) });
    totalSpans += spans;
    if (seed === 1) {
      const expected = makeTraceRequest(opts);
      if (!isDeepStrictEqual(decodeTraceRequest(body), expected)) throw new Error('hand-written decoder disagrees with the generator');
      if (!isDeepStrictEqual(decodeTraceRequestPbjs(body), expected)) throw new Error('protobufjs decoder disagrees with the generator');
      if (!isDeepStrictEqual(decodeTraceJson(text), expected)) throw new Error('JSON decoder disagrees with the generator');
    }
  }
  const protoBytes = proto.reduce((a, p) => a + p.bytes, 0);
  process.stderr.write(
    `${totalSpans} spans, ${(protoBytes / 1e6).toFixed(1)} MB protobuf (${Math.round(protoBytes / totalSpans)} B/span); ` +
      `outputs of all three decoders checked equal\n`,
  );

  process.stderr.write('warming up...\n');
  measure(proto, decodeTraceRequest, 0.5);
  measure(proto, decodeTraceRequestPbjs, 0.5);
  measure(json, decodeTraceJson, 0.3);

  // protobufjs alone, without converting its messages to the shapes of types.ts (for reference).
  const requestType = otlpProtobufType(OTLP_MESSAGES.traceRequest);
  const rawPbjs = (body: Uint8Array): ExportTraceRequest => {
    requestType.decode(body);
    return { resourceSpans: [] };
  };
  measure(proto, rawPbjs, 0.3);

  const zero: Rate = { spansPerSec: 0, spansPerCpuSec: 0, mbPerSec: 0 };
  const best = { hand: zero, pbjs: zero, json: zero, raw: zero };
  const keepBest = (key: keyof typeof best, r: Rate): void => {
    if (r.spansPerSec > best[key].spansPerSec) best[key] = r;
  };
  for (let round = 1; round <= ROUNDS; round++) {
    const h = measure(proto, decodeTraceRequest, SECONDS);
    const p = measure(proto, decodeTraceRequestPbjs, SECONDS);
    const j = measure(json, decodeTraceJson, SECONDS / 2);
    const r = measure(proto, rawPbjs, SECONDS / 2);
    process.stderr.write(
      `round ${round}/${ROUNDS}: hand-written ${fmt(h.spansPerSec)} spans/s, protobufjs ${fmt(p.spansPerSec)} spans/s ` +
        `(x${(h.spansPerSec / p.spansPerSec).toFixed(2)}); protobufjs without conversion ${fmt(r.spansPerSec)}, json ${fmt(j.spansPerSec)}\n`,
    );
    keepBest('hand', h);
    keepBest('pbjs', p);
    keepBest('json', j);
    keepBest('raw', r);
  }

  const row = (name: string, r: Rate): string =>
    `  ${name.padEnd(40)} ${fmt(r.spansPerSec).padStart(9)} spans/s  ${fmt(r.spansPerCpuSec).padStart(9)} spans/CPU-s  ${r.mbPerSec.toFixed(1).padStart(6)} MB/s`;
  console.log(`OTLP trace decode, GenAI payloads (${REQUESTS} requests, ${totalSpans} spans), best of ${ROUNDS} rounds of ${SECONDS}s:`);
  console.log(row('hand-written protobuf decoder', best.hand));
  console.log(row('protobufjs decoder (same output shapes)', best.pbjs));
  console.log(`  ratio hand-written / protobufjs: ${(best.hand.spansPerSec / best.pbjs.spansPerSec).toFixed(2)}x ` +
    `(per CPU-second: ${(best.hand.spansPerCpuSec / best.pbjs.spansPerCpuSec).toFixed(2)}x)`);
  console.log(row('(protobufjs Type.decode alone)', best.raw));
  console.log(row('(OTLP/JSON decoder, the same requests)', best.json));
}

main();
