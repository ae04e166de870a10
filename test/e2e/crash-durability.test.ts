/**
 * Durability of acknowledged data across kill -9, and robustness against malformed input.
 *
 * The CLI runs as a child process (`node bin/strata.js serve`, built dist/), so it can be killed
 * with SIGKILL while receiving. Only after the last child has stopped does this process open the
 * data directory itself (one chDB data directory per process) to count the stored rows, which the
 * API cannot show (it collapses duplicate span ids).
 */
import { randomBytes } from 'node:crypto';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createChdbStore } from '../../src/storage/chdb-store.js';
import { startCli, tempDir, type RunningServer } from '../helpers/cli.js';
import { getJson, getOk, post, type RawResponse } from '../helpers/http.js';
import { decodeRpcStatus, encodeProtobuf, nowNanos, randomTraceId, simpleTrace, traceRequest, type Json } from '../helpers/otlp.js';
import { pollUntil, sleep } from '../helpers/poll.js';

const SPANS_PER_TRACE = 3;
const TRACES_PER_REQUEST = 2;

const servers: RunningServer[] = [];
const cleanups: (() => void)[] = [];

afterAll(async () => {
  for (const s of servers) await s.kill9();
  for (const c of cleanups) c();
});

async function start(dataDir: string, args: string[] = []): Promise<RunningServer> {
  const s = await startCli(dataDir, args);
  servers.push(s);
  return s;
}

// ------------------------------------------------------------------ load generator

interface Load {
  /** Trace ids whose request was answered 2xx. */
  readonly acked: Set<string>;
  readonly stats: { requests: number; ok: number; failed: number; unexpected: string[]; inFlight: number };
  stop(): Promise<void>;
}

/**
 * `workers` concurrent senders, each posting requests of TRACES_PER_REQUEST new traces of
 * SPANS_PER_TRACE spans, alternately OTLP/JSON and OTLP/protobuf, as fast as answers come.
 */
function startLoad(server: RunningServer, service: string, workers = 4): Load {
  const acked = new Set<string>();
  const stats = { requests: 0, ok: 0, failed: 0, unexpected: [] as string[], inFlight: 0 };
  let stopping = false;
  const loops = Array.from({ length: workers }, async (_, w) => {
    let n = 0;
    while (!stopping) {
      const ids = Array.from({ length: TRACES_PER_REQUEST }, randomTraceId);
      const spans = ids.flatMap((id) => simpleTrace(id, SPANS_PER_TRACE, nowNanos(), { 'load.worker': w }));
      const req = traceRequest(service, spans);
      const protobuf = (w + n++) % 2 === 1;
      stats.requests++;
      stats.inFlight++;
      try {
        const res = await fetch(`${server.otlpHttpUrl}/v1/traces`, {
          method: 'POST',
          headers: { 'Content-Type': protobuf ? 'application/x-protobuf' : 'application/json' },
          body: protobuf ? new Uint8Array(encodeProtobuf('traces', req)) : JSON.stringify(req),
        });
        const body = Buffer.from(await res.arrayBuffer());
        if (res.status >= 200 && res.status < 300) {
          // A 2xx with a partial_success would not be a full acknowledgement.
          if (protobuf ? body.length !== 0 : body.toString() !== '{}') stats.unexpected.push(`2xx with body ${body.toString('hex')}`);
          for (const id of ids) acked.add(id);
          stats.ok++;
        } else if (res.status === 503) {
          await sleep(50); // back-pressure: retry later
        } else {
          stats.unexpected.push(`${res.status} ${body.toString()}`);
        }
      } catch {
        stats.failed++; // connection refused / reset: the server is gone
        await sleep(5);
      } finally {
        stats.inFlight--;
      }
    }
  });
  return {
    acked,
    stats,
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

/** Every trace of `service` listed by the API, with its span count (follows `next` cursors). */
async function listAll(server: RunningServer, service: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const q = new URLSearchParams({ service, limit: '1000' });
    if (cursor) q.set('cursor', cursor);
    const body: { traces: { traceId: string; spanCount: number }[]; next: string | null } = await getOk(`${server.apiUrl}/api/traces?${q}`);
    for (const t of body.traces) {
      if (out.has(t.traceId)) throw new Error(`trace ${t.traceId} listed twice`);
      out.set(t.traceId, t.spanCount);
    }
    cursor = body.next;
    if (!cursor) return out;
  }
  throw new Error('too many pages');
}

/** Waits until every id in `expected` is listed; returns the listing. */
async function waitForAll(server: RunningServer, service: string, expected: Set<string>): Promise<Map<string, number>> {
  let missing: string[] = [];
  try {
    return await pollUntil(
      async () => {
        const listed = await listAll(server, service);
        missing = [...expected].filter((id) => !listed.has(id));
        return missing.length === 0 ? listed : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: 'every acknowledged trace to be readable' },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${missing.length} of ${expected.size} acknowledged traces missing, e.g. ${missing.slice(0, 5).join(', ')}\nserver stderr:\n${server.stderr()}`);
  }
}

/** Sends until at least `minAcked` traces are acknowledged, then kill -9 while requests are in flight. */
async function loadAndKill(server: RunningServer, service: string, minAcked: number): Promise<{ acked: Set<string>; inFlightAtKill: number; stats: Load['stats'] }> {
  const load = startLoad(server, service);
  await pollUntil(() => load.acked.size >= minAcked, { timeoutMs: 20_000, intervalMs: 5, what: `${minAcked} acknowledged traces` });
  const inFlightAtKill = load.stats.inFlight;
  await server.kill9();
  await load.stop();
  return { acked: load.acked, inFlightAtKill, stats: load.stats };
}

// ------------------------------------------------------------------ tests

describe('kill -9 while receiving', () => {
  it('keeps every acknowledged trace, exactly once, across two crashes and restarts', async () => {
    const { dir, cleanup } = tempDir('strata-e2e-crash-');
    cleanups.push(cleanup);
    const service = `crash-e2e-${randomBytes(3).toString('hex')}`;

    // Run 1: receive, crash mid-stream.
    const s1 = await start(dir);
    const r1 = await loadAndKill(s1, service, 300);
    expect(r1.stats.unexpected).toEqual([]);
    expect(r1.inFlightAtKill).toBeGreaterThan(0); // really killed mid-stream
    expect((await s1.exited).signal).toBe('SIGKILL');

    // Run 2: everything acknowledged before the crash is back; receive more, crash again.
    const s2 = await start(dir);
    const listed2 = await waitForAll(s2, service, r1.acked);
    for (const id of r1.acked) expect(listed2.get(id), id).toBe(SPANS_PER_TRACE);
    const r2 = await loadAndKill(s2, service, 300);
    expect(r2.stats.unexpected).toEqual([]);
    expect(r2.inFlightAtKill).toBeGreaterThan(0);
    expect((await s2.exited).signal).toBe('SIGKILL');

    // Run 3: both crashes' acknowledged traces are readable, each with all its spans.
    const acked = new Set([...r1.acked, ...r2.acked]);
    expect(acked.size).toBe(r1.acked.size + r2.acked.size);
    const s3 = await start(dir);
    const listed3 = await waitForAll(s3, service, acked);
    for (const id of acked) expect(listed3.get(id), id).toBe(SPANS_PER_TRACE);
    // Traces that were written but not acknowledged (in flight at the kill) may exist; nothing else.
    expect(listed3.size).toBeLessThanOrEqual(acked.size + (r1.inFlightAtKill + r2.inFlightAtKill) * TRACES_PER_REQUEST);
    // Spot-check full reads.
    for (const id of [...acked].slice(0, 10)) {
      const t = await getOk<{ spans: { traceId: string; service: string }[] }>(`${s3.apiUrl}/api/traces/${id}`);
      expect(t.spans).toHaveLength(SPANS_PER_TRACE);
      expect(t.spans.every((s) => s.traceId === id && s.service === service)).toBe(true);
    }
    const stopped = await s3.stop();
    expect(stopped.code).toBe(0);
    // For the record: how much the restarts had to replay from the WAL.
    const replays = [s2, s3].map((s) => /wal: replaying (\d+)/.exec(s.stderr())?.[1] ?? '0');
    console.log(
      `crash test: run 1 acked ${r1.acked.size} traces (${r1.inFlightAtKill} requests in flight at kill), run 2 acked ${r2.acked.size} ` +
        `(${r2.inFlightAtKill} in flight); WAL records replayed at restart: ${replays.join(', ')}; listed after: ${listed3.size}`,
    );

    // No duplicated rows: the API collapses duplicate span ids, so count the stored rows directly.
    const store = createChdbStore(dir, 'strata');
    try {
      const rows = await store.query<{ trace_id: string; n: number; spans: number }>(
        `SELECT trace_id, count() AS n, uniqExact(span_id) AS spans FROM strata.spans WHERE service = {service:String} GROUP BY trace_id`,
        { service },
      );
      const stored = new Map(rows.map((r) => [r.trace_id, r]));
      for (const id of acked) expect(stored.has(id), `acknowledged trace ${id} stored`).toBe(true);
      const duplicated = rows.filter((r) => Number(r.n) !== SPANS_PER_TRACE || Number(r.spans) !== SPANS_PER_TRACE);
      expect(duplicated, `traces stored with a span count other than ${SPANS_PER_TRACE}`).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

// ------------------------------------------------------------------ malformed input

/** ~1 GiB of zeros as gzip, ~1 MB on the wire: 16 gzip members of 64 MiB each, made by streaming zlib. */
async function gzipBomb(): Promise<{ body: Buffer; inflatedBytes: number }> {
  const gz = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gz.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((r) => gz.on('end', r));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < 64; i++) if (!gz.write(zeros)) await new Promise((r) => gz.once('drain', r));
  gz.end();
  await ended;
  const member = Buffer.concat(chunks);
  return { body: Buffer.concat(Array.from({ length: 16 }, () => member)), inflatedBytes: 16 * 64 * 1024 * 1024 };
}

function jsonStatus(res: RawResponse): { code: number; message: string } {
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(res.body.toString()) as { code: number; message: string };
  expect(typeof body.code).toBe('number');
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  return body;
}

function protobufStatus(res: RawResponse): { code: number; message: string } {
  expect(res.headers['content-type']).toBe('application/x-protobuf');
  const body = decodeRpcStatus(res.body);
  expect(body.message.length).toBeGreaterThan(0);
  return body;
}

describe('malformed input', () => {
  it('is refused with the right status and a google.rpc.Status, and loses nothing already stored', async () => {
    const { dir, cleanup } = tempDir('strata-e2e-malformed-');
    cleanups.push(cleanup);
    const [s, bomb] = await Promise.all([start(dir, ['--max-body-bytes', '1MiB']), gzipBomb()]);
    const service = `malformed-e2e-${randomBytes(3).toString('hex')}`;
    const traces = `${s.otlpHttpUrl}/v1/traces`;
    const JSON_CT = { 'Content-Type': 'application/json' };
    const PB_CT = { 'Content-Type': 'application/x-protobuf' };

    // Store some spans first: 5 over JSON, 4 over protobuf.
    const idA = randomTraceId();
    const idB = randomTraceId();
    expect((await post(traces, JSON.stringify(traceRequest(service, simpleTrace(idA, 5, nowNanos()))), { headers: JSON_CT })).status).toBe(200);
    expect((await post(traces, encodeProtobuf('traces', traceRequest(service, simpleTrace(idB, 4, nowNanos()))), { headers: PB_CT })).status).toBe(200);
    const before = await waitForAll(s, service, new Set([idA, idB]));
    expect(Object.fromEntries(before)).toEqual({ [idA]: 5, [idB]: 4 });

    const alive = async (): Promise<void> => {
      const h = await getJson<{ status: string }>(`${s.apiUrl}/api/health`);
      expect(h.status).toBe(200);
      expect(h.body.status).toBe('ok');
    };

    // 1. Garbage protobuf: field 1 claims 4 GiB of bytes that are not there. Answered in protobuf (the request's encoding).
    const garbage = await post(traces, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02, 0x03]), { headers: PB_CT });
    expect(garbage.status).toBe(400);
    expect(protobufStatus(garbage).code).toBe(3); // INVALID_ARGUMENT
    await alive();

    // 2. Invalid JSON.
    const badJson = await post(traces, '{"resourceSpans": [{"scopeSpans": [', { headers: JSON_CT });
    expect(badJson.status).toBe(400);
    expect(jsonStatus(badJson).code).toBe(3);
    await alive();

    // 3. Gzip bomb: under the 1 MiB limit on the wire, ~1 GiB inflated.
    expect(bomb.body.length).toBeLessThan(1024 * 1024);
    const t0 = Date.now();
    const bombRes = await post(traces, bomb.body, { headers: { ...JSON_CT, 'Content-Encoding': 'gzip' } });
    expect(bombRes.status).toBe(413);
    const bombStatus = jsonStatus(bombRes);
    expect(bombStatus.code).toBe(8); // RESOURCE_EXHAUSTED
    expect(bombStatus.message).toMatch(/decompress/);
    expect(Date.now() - t0).toBeLessThan(5000); // refused while inflating, not after inflating 1 GiB
    await alive();

    // 4. A body over the limit. Declared by a Content-Length past what the receiver would drain (8x the
    // limit): refused before any of it is read (the body is never sent). Streamed chunked without a
    // length: refused once past the limit (sent just over it; see the separate test below for large bodies).
    const tooBig = await post(traces, Buffer.alloc(16 * 1024 * 1024, 0x20), { headers: JSON_CT, headersOnly: true });
    expect(tooBig.status).toBe(413);
    expect(jsonStatus(tooBig).code).toBe(8);
    await alive();
    const tooBigChunked = await post(traces, Buffer.alloc(1024 * 1024 + 16 * 1024, 0x20), { headers: JSON_CT, chunked: true });
    expect(tooBigChunked.status).toBe(413);
    expect(jsonStatus(tooBigChunked).code).toBe(8);
    await alive();

    // 5. Wrong content type.
    const wrongType = await post(traces, JSON.stringify(traceRequest(service, simpleTrace(randomTraceId(), 1, nowNanos()))), {
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
    expect(jsonStatus(wrongType).message).toMatch(/content type/);
    await alive();

    // 6. Trace ids of the wrong length, next to a valid span: the whole request is refused.
    const validInBadRequest = randomTraceId();
    const shortId: Json = traceRequest(service, [...simpleTrace(validInBadRequest, 1, nowNanos()), ...simpleTrace('ab'.repeat(15), 1, nowNanos())]);
    const badIdJson = await post(traces, JSON.stringify(shortId), { headers: JSON_CT });
    expect(badIdJson.status).toBe(400);
    expect(jsonStatus(badIdJson).message).toMatch(/traceId|trace_id|hex|bytes/i);
    const longId: Json = traceRequest(service, [...simpleTrace(validInBadRequest, 1, nowNanos()), ...simpleTrace('ab'.repeat(17), 1, nowNanos())]);
    const badIdPb = await post(traces, encodeProtobuf('traces', longId), { headers: PB_CT });
    expect(badIdPb.status).toBe(400);
    expect(protobufStatus(badIdPb).code).toBe(3);
    await alive();

    // 7. Wrong method and path.
    const get = await fetch(traces);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const nowhere = await post(`${s.otlpHttpUrl}/v1/nowhere`, '{}', { headers: JSON_CT });
    expect(nowhere.status).toBe(404);
    expect(jsonStatus(nowhere).message).toMatch(/\/v1\/traces/);
    await alive();

    // A valid request still goes through after all that, plain and gzip-compressed.
    const idC = randomTraceId();
    expect((await post(traces, JSON.stringify(traceRequest(service, simpleTrace(idC, 2, nowNanos()))), { headers: JSON_CT })).status).toBe(200);
    const idD = randomTraceId();
    const gz = gzipSync(encodeProtobuf('traces', traceRequest(service, simpleTrace(idD, 3, nowNanos()))));
    expect((await post(traces, gz, { headers: { ...PB_CT, 'Content-Encoding': 'gzip' } })).status).toBe(200);
    const after = await waitForAll(s, service, new Set([idA, idB, idC, idD]));
    // The earlier spans are all still there, and nothing from the refused requests was stored.
    expect(Object.fromEntries(after)).toEqual({ [idA]: 5, [idB]: 4, [idC]: 2, [idD]: 3 });
    expect((await getJson(`${s.apiUrl}/api/traces/${validInBadRequest}`)).status).toBe(404);
    for (const [id, n] of [[idA, 5], [idB, 4]] as const) {
      const t = await getOk<{ spans: unknown[] }>(`${s.apiUrl}/api/traces/${id}`);
      expect(t.spans).toHaveLength(n);
    }
    const health = await getOk<{ ingest: { deadLetters: number; lastError: string | null } }>(`${s.apiUrl}/api/health`);
    expect(health.ingest.deadLetters).toBe(0);
    expect(health.ingest.lastError).toBeNull();
    expect((await s.stop()).code).toBe(0);
  });
});

describe('oversized bodies', () => {
  /**
   * A client that sends a body far over the limit must still receive the 413: OTLP exporters treat
   * a 413 as permanent but a connection error as retryable, so a reset makes them resend the same
   * oversized batch. A receiver that answered and closed the connection with request bytes still
   * arriving would make the client's writes fail (EPIPE / ECONNRESET) before it reads the answer;
   * Strata reads and discards the rest of the body (up to 8x the limit) before answering.
   */
  it('always reach the client as 413, not as a connection error', async () => {
    const { dir, cleanup } = tempDir('strata-e2e-oversize-');
    cleanups.push(cleanup);
    const s = await start(dir, ['--max-body-bytes', '1MiB']);
    const big = Buffer.alloc(8 * 1024 * 1024, 0x20);
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) {
      for (const chunked of [false, true]) {
        try {
          const r = await post(`${s.otlpHttpUrl}/v1/traces`, big, { headers: { 'Content-Type': 'application/json' }, chunked });
          outcomes.push(`${chunked ? 'chunked' : 'content-length'}: ${r.status}`);
        } catch (err) {
          outcomes.push(`${chunked ? 'chunked' : 'content-length'}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
      }
    }
    expect((await getJson(`${s.apiUrl}/api/health`)).status).toBe(200);
    expect(outcomes.filter((o) => !o.endsWith(': 413'))).toEqual([]);
    await s.stop();
  });
});
