/**
 * Ingest benchmark: end-to-end OTLP/HTTP span ingest into `strata serve` (a child process on a
 * fresh data directory), compared in the same run with the decode-only rate of the same payloads
 * and with the in-process CPU path (decode -> validate -> normalize -> content policy -> encode rows
 * -> WAL append), so the gap between "what the decoder could do" and "what the server does" is
 * visible and attributable.
 *
 *   npm run build && npm run bench:ingest -- [--clients 8] [--seconds 20] [--cpu-prof]
 *
 * A benchmark, not a test: missed goals print FAIL but the exit code stays 0.
 */
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../src/config/config.js';
import { encodeSpans, INSERT_FORMATS } from '../src/pipeline/encode.js';
import { Wal } from '../src/pipeline/wal.js';
import { createContentPolicy } from '../src/processors/capture.js';
import { normalizeTraces } from '../src/processors/index.js';
import { decodeTraceRequest } from '../src/receivers/otlp/decode-protobuf.js';
import { rejectInvalidSpans } from '../src/receivers/otlp/validate.js';
import { parseFlags } from './lib/args.js';
import { tempDir, wasInterrupted } from './lib/cleanup.js';
import { findProfile, topSelfTime } from './lib/cpuprofile.js';
import { keepAliveAgent, request } from './lib/http.js';
import { buildPool, firstTraceId, withRequestNo, type PoolPayload } from './lib/payloads.js';
import { procCpuSeconds, procMemory, sampleRss, selfCpuSeconds, systemCpuSeconds } from './lib/proc.js';
import { fixed, int, mib, msSince, passFail, sleep, table } from './lib/report.js';
import { REPO_ROOT, startStrata, type Health } from './lib/server.js';

const USAGE = `Usage: npm run bench:ingest -- [flags]

Starts \`strata serve\` as a child process on a fresh temporary data directory, POSTs pre-encoded
GenAI OTLP protobuf trace requests (bench/genai-payload.ts; ~100-200 spans each, distinct trace ids
per request) to /v1/traces from concurrent keep-alive clients, waits until every acknowledged span
is queryable, and reports spans/s, the server's peak RSS, and, measured in the same run, the
decode-only and in-process CPU-path rates of the same payloads.`;

const FLAGS = {
  clients: { type: 'number', default: 8, help: 'concurrent HTTP clients (one keep-alive connection each)' },
  seconds: { type: 'number', default: 20, help: 'load duration in seconds' },
  spans: { type: 'number', default: 0, help: 'stop after this many acknowledged spans instead (0 = use --seconds)' },
  pool: { type: 'number', default: 48, help: 'distinct pre-encoded payloads (reused with fresh trace ids)' },
  'min-spans': { type: 'number', default: 100, help: 'fewest spans per request' },
  'max-spans': { type: 'number', default: 200, help: 'most spans per request' },
  seed: { type: 'number', default: 1, help: 'first generator seed' },
  'cpu-seconds': { type: 'number', default: 3, help: 'seconds for each in-process measurement (decode-only and CPU path: best of this many 1 s rounds; store insert)' },
  'content-share': { type: 'number', default: 0.2, help: 'share of spans (0-1) carrying prompt/completion message events of 0.5-2 KB' },
  'keep-timestamps': { type: 'boolean', default: false, help: "keep the generator's timestamps (early 2025, ~12 days) instead of moving spans to now" },
  'cpu-prof': { type: 'boolean', default: false, help: 'run the server child under node --cpu-prof and print its top functions by self time' },
  'cpu-prof-dir': { type: 'string', default: '', help: 'where to keep the .cpuprofile (default: a temp dir, removed)' },
  'server-arg': { type: 'string', default: null, repeat: true, help: 'extra `strata serve` flag, repeatable (e.g. --server-arg=--fsync=never)' },
  'store-insert': { type: 'boolean', default: true, help: 'also time chDB inserts of the encoded rows alone (in this process, before the server starts)' },
  'verify-count': { type: 'boolean', default: true, help: 'after stopping the server, count the stored spans with chDB' },
  'keep-data': { type: 'boolean', default: false, help: 'keep the temporary data directory' },
  'server-log': { type: 'boolean', default: false, help: "echo the server's log" },
  progress: { type: 'number', default: 2, help: 'seconds between progress lines' },
} as const;

interface StageTimes {
  decode: number;
  validateNormalize: number;
  content: number;
  encode: number;
  wal: number;
}

/** Rounds of one second each; the best round is reported (the machine may be shared: noise only slows). */
function roundsFor(seconds: number): number {
  return Math.max(1, Math.round(seconds));
}

/** Decode-only spans/s over the pool: best of `rounds` one-second rounds after a short warm-up. */
function measureDecode(pool: readonly PoolPayload[], rounds: number): { spansPerSec: number; mbPerSec: number; allRounds: number[] } {
  const run = (secs: number): { spans: number; bytes: number; secs: number } => {
    let spans = 0;
    let bytes = 0;
    let sink = 0;
    const t0 = process.hrtime.bigint();
    const deadline = t0 + BigInt(Math.round(secs * 1e9));
    for (let i = 0; ; i++) {
      const p = pool[i % pool.length];
      sink += decodeTraceRequest(p.bytes).resourceSpans.length;
      spans += p.spans;
      bytes += p.bytes.length;
      if ((i & 3) === 3 && process.hrtime.bigint() >= deadline) break;
    }
    if (sink < 0) console.log(sink);
    return { spans, bytes, secs: Number(process.hrtime.bigint() - t0) / 1e9 };
  };
  run(0.5);
  let best = { spansPerSec: 0, mbPerSec: 0 };
  const allRounds: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const x = run(1);
    const rate = x.spans / x.secs;
    allRounds.push(Math.round(rate));
    if (rate > best.spansPerSec) best = { spansPerSec: rate, mbPerSec: x.bytes / x.secs / 1e6 };
  }
  return { ...best, allRounds };
}

/**
 * The server's synchronous per-request CPU path without HTTP and store, with the default content
 * policy (capture on, default redaction patterns), timed per stage; best of `rounds` one-second
 * rounds. WAL appends go to a temp dir (fsync 'interval' as the server's default).
 */
function measureCpuPath(
  pool: readonly PoolPayload[],
  rounds: number,
  walDir: string,
): { spansPerSec: number; stages: StageTimes; spans: number; rowBytesPerSpan: number; allRounds: number[] } {
  const policy = createContentPolicy({ capture: DEFAULT_CONFIG.capture.content, redact: DEFAULT_CONFIG.capture.redact });
  mkdirSync(walDir, { recursive: true });
  const { wal } = Wal.open({ dir: walDir, fsync: 'interval' });
  let rowBytes = 0;
  let rowSpans = 0;
  const run = (secs: number): { stages: StageTimes; spans: number; secs: number } => {
    const stages: StageTimes = { decode: 0, validateNormalize: 0, content: 0, encode: 0, wal: 0 };
    let spans = 0;
    const t0 = process.hrtime.bigint();
    const deadline = t0 + BigInt(Math.round(secs * 1e9));
    let now = t0;
    for (let i = 0; now < deadline; i++) {
      const p = pool[i % pool.length];
      const a = process.hrtime.bigint();
      const req = decodeTraceRequest(p.bytes);
      const b = process.hrtime.bigint();
      rejectInvalidSpans(req);
      const records = normalizeTraces(req);
      const c = process.hrtime.bigint();
      const kept = policy.applyToSpans(records);
      const d = process.hrtime.bigint();
      const payloads = encodeSpans(kept);
      const e = process.hrtime.bigint();
      const rec = wal.append(payloads);
      now = process.hrtime.bigint();
      if ((rec.seq & 63) === 0) wal.commit(rec.seq); // drop old segments (not timed)
      stages.decode += Number(b - a);
      stages.validateNormalize += Number(c - b);
      stages.content += Number(d - c);
      stages.encode += Number(e - d);
      stages.wal += Number(now - e);
      spans += p.spans;
      if (rowSpans < 20_000) {
        rowBytes += payloads.spans?.length ?? 0;
        rowSpans += p.spans;
      }
    }
    return { stages, spans, secs: Number(process.hrtime.bigint() - t0) / 1e9 };
  };
  run(0.5);
  let best: { stages: StageTimes; spans: number; secs: number } | null = null;
  const allRounds: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const x = run(1);
    allRounds.push(Math.round(x.spans / x.secs));
    if (!best || x.spans / x.secs > best.spans / best.secs) best = x;
  }
  wal.close();
  return { spansPerSec: best!.spans / best!.secs, stages: best!.stages, spans: best!.spans, rowBytesPerSpan: rowBytes / rowSpans, allRounds };
}

/**
 * Store-only: the encoded rows of the pool, batched as the writer batches them (up to the default
 * max batch bytes, every table), inserted into chDB in this process for about `seconds`. Uses a
 * scratch database in the server's (not yet started) data directory, dropped afterwards.
 */
async function measureStoreInsert(pool: readonly PoolPayload[], seconds: number, dataDir: string): Promise<{ spansPerSec: number; mbPerSec: number; cores: number; batchMb: number; batches: number }> {
  const { openChdbStore } = await import('./lib/chdb.js');
  const { migrate } = await import('../src/storage/migrate.js');
  const policy = createContentPolicy({ capture: DEFAULT_CONFIG.capture.content, redact: DEFAULT_CONFIG.capture.redact });
  const encoded = pool.map((p) => ({ spans: p.spans, payloads: encodeSpans(policy.applyToSpans(normalizeTraces(decodeTraceRequest(p.bytes)))) }));
  const maxBatch = DEFAULT_CONFIG.ingest.maxBatchBytes;
  const db = 'strata_bench_insert';
  const store = openChdbStore(dataDir, db);
  try {
    await migrate(store, db);
    let spans = 0;
    let bytes = 0;
    let batches = 0;
    let batchBytesTotal = 0;
    const cpu0 = selfCpuSeconds();
    const t0 = process.hrtime.bigint();
    const deadline = t0 + BigInt(Math.round(seconds * 1e9));
    let i = 0;
    while (process.hrtime.bigint() < deadline && !wasInterrupted()) {
      const parts: Record<string, Buffer[]> = {};
      let size = 0;
      let n = 0;
      while (size === 0 || size + totalBytes(encoded[i % encoded.length].payloads) <= maxBatch) {
        const e = encoded[i++ % encoded.length];
        for (const [table, buf] of Object.entries(e.payloads)) if (buf) (parts[table] ??= []).push(buf);
        size += totalBytes(e.payloads);
        n += e.spans;
      }
      for (const [table, bufs] of Object.entries(parts)) await store.insert(table as 'spans', bufs, INSERT_FORMATS[table as 'spans'], `bench:${batches}`);
      spans += n;
      bytes += size;
      batches++;
      batchBytesTotal += size;
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cores = (selfCpuSeconds() - cpu0) / secs;
    await store.exec(`DROP DATABASE IF EXISTS ${db} SYNC`);
    return { spansPerSec: spans / secs, mbPerSec: bytes / secs / 1e6, cores, batchMb: batchBytesTotal / batches / 1e6, batches };
  } finally {
    await store.close();
  }
}

function totalBytes(payloads: Partial<Record<string, Buffer>>): number {
  let n = 0;
  for (const b of Object.values(payloads)) n += b?.length ?? 0;
  return n;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS, USAGE);
  if (!flags) return;
  const clients = Math.max(1, Number(flags.clients));
  const seconds = Number(flags.seconds);
  const spanLimit = Number(flags.spans);
  const cpuSeconds = Number(flags['cpu-seconds']);
  const keepTimestamps = Boolean(flags['keep-timestamps']);

  console.log(`bench:ingest  node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, clients ${clients}, ${spanLimit > 0 ? `${int(spanLimit)} spans` : `${seconds} s`}`);

  // 1. Payload pool (not timed).
  let t = process.hrtime.bigint();
  const pool = buildPool({
    size: Math.max(1, Number(flags.pool)),
    minSpans: Number(flags['min-spans']),
    maxSpans: Math.max(Number(flags['min-spans']), Number(flags['max-spans'])),
    seed: Number(flags.seed),
    shiftToNow: !keepTimestamps,
    contentShare: Number(flags['content-share']),
  });
  const poolSpans = pool.reduce((s, p) => s + p.spans, 0);
  const poolBytes = pool.reduce((s, p) => s + p.bytes.length, 0);
  console.log(
    `payload pool: ${pool.length} requests, ${int(poolSpans)} spans (${Math.round(Number(flags['content-share']) * 100)}% with message content), ${fixed(poolBytes / 1e6, 1)} MB protobuf (${int(poolBytes / poolSpans)} B/span, ${int(poolSpans / pool.length)} spans/request avg), built in ${int(msSince(t))} ms` +
      (keepTimestamps ? ", generator's timestamps kept" : ', span times moved to the last minutes'),
  );

  // 2. In-process measurements on the same payloads, before the server exists (nothing competes for CPU).
  const work = tempDir('strata-bench-ingest-', Boolean(flags['keep-data']));
  const rounds = roundsFor(cpuSeconds);
  process.stdout.write(`decode-only (decodeTraceRequest, 1 thread, best of ${rounds} x 1 s)... `);
  const decodeOnly = measureDecode(pool, rounds);
  console.log(`${int(decodeOnly.spansPerSec)} spans/s (${fixed(decodeOnly.mbPerSec, 0)} MB/s; rounds ${decodeOnly.allRounds.map(int).join(', ')})`);
  process.stdout.write(`CPU path (decode -> validate+normalize -> content policy -> encode rows -> WAL append, 1 thread, best of ${rounds} x 1 s)... `);
  const cpu = measureCpuPath(pool, rounds, join(work.path, 'cpu-path-wal'));
  console.log(`${int(cpu.spansPerSec)} spans/s (${int(cpu.rowBytesPerSpan)} B of insert payload per span; rounds ${cpu.allRounds.map(int).join(', ')})`);
  const dataDir = join(work.path, 'data');
  let storeOnly: Awaited<ReturnType<typeof measureStoreInsert>> | null = null;
  if (flags['store-insert']) {
    process.stdout.write(`store insert only (encoded rows -> chDB insert in ${fixed(DEFAULT_CONFIG.ingest.maxBatchBytes / 1048576, 0)} MiB batches, ${cpuSeconds} s)... `);
    storeOnly = await measureStoreInsert(pool, cpuSeconds, dataDir);
    console.log(`${int(storeOnly.spansPerSec)} spans/s (${fixed(storeOnly.mbPerSec, 0)} MB/s of rows, ${storeOnly.batches} batches of ${fixed(storeOnly.batchMb, 1)} MB, ${fixed(storeOnly.cores, 2)} cores busy)`);
  }

  // 3. The server.
  const profDirOwn = flags['cpu-prof'] && !flags['cpu-prof-dir'] ? tempDir('strata-bench-prof-') : null;
  const profDir = flags['cpu-prof'] ? String(flags['cpu-prof-dir'] || profDirOwn!.path) : '';
  if (profDir) mkdirSync(profDir, { recursive: true });
  // Passed through as given (`strata serve` accepts --name=value).
  const serveArgs = [...(keepTimestamps ? ['--retention-days=0'] : []), ...((flags['server-arg'] as string[]) ?? [])];
  t = process.hrtime.bigint();
  const server = await startStrata({
    dataDir,
    serveArgs,
    nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    echoLog: Boolean(flags['server-log']),
  });
  console.log(`strata serve: pid ${server.pid}, OTLP/HTTP :${server.otlpHttpPort}, API :${server.apiPort}, started in ${int(msSince(t))} ms, RSS ${mib(procMemory(server.pid)?.rss ?? NaN)}${serveArgs.length ? `, args ${serveArgs.join(' ')}` : ''}${profDir ? ', under --cpu-prof' : ''}`);

  // 4. Load.
  const agent = keepAliveAgent(clients);
  const rss = sampleRss(server.pid, 100);
  let nextRequest = 1;
  let ackedSpans = 0;
  let ackedRequests = 0;
  let busy = 0;
  let errors = 0;
  let lastError = '';
  let inflightSpans = 0;
  let stop = false;
  const latencies: number[] = [];
  const samples: { requestNo: number; traceId: string; spans: number }[] = [];
  let lastSample: { requestNo: number; traceId: string; spans: number } | null = null;
  const serverCpu0 = procCpuSeconds(server.pid);
  const selfCpu0 = selfCpuSeconds();
  const sys0 = systemCpuSeconds();
  const loadStart = process.hrtime.bigint();
  const deadline = loadStart + BigInt(Math.round(seconds * 1e9));
  let lastAckAt = loadStart;

  const client = async (): Promise<void> => {
    while (!stop && !wasInterrupted()) {
      if (spanLimit > 0 ? ackedSpans + inflightSpans >= spanLimit : process.hrtime.bigint() >= deadline) break;
      const requestNo = nextRequest++;
      const p = pool[(requestNo - 1) % pool.length];
      const body = withRequestNo(p, requestNo);
      inflightSpans += p.spans;
      const t0 = process.hrtime.bigint();
      let status = 0;
      let res;
      try {
        res = await request({ port: server.otlpHttpPort, method: 'POST', path: '/v1/traces', headers: { 'Content-Type': 'application/x-protobuf' }, body, agent, timeoutMs: 60_000 });
        status = res.status;
      } catch (err) {
        lastError = (err as Error).message;
      }
      inflightSpans -= p.spans;
      const now = process.hrtime.bigint();
      if (status === 200) {
        ackedSpans += p.spans;
        ackedRequests++;
        lastAckAt = now;
        if (latencies.length < 200_000) latencies.push(Number(now - t0) / 1e6);
        if (ackedRequests === 1 || ackedRequests % 500 === 0) samples.push({ requestNo, traceId: firstTraceId(p, body), spans: p.firstTrace.spans });
        lastSample = { requestNo, traceId: firstTraceId(p, body), spans: p.firstTrace.spans };
      } else if (status === 503) {
        busy++;
        const retry = Number(res?.headers['retry-after'] ?? 1);
        await sleep(Math.min(1000, Math.max(50, retry * 1000) / 4));
      } else {
        errors++;
        if (res) lastError = `HTTP ${status}: ${res.body.toString('utf8').slice(0, 200)}`;
        if (errors > 100) stop = true;
        await sleep(10);
      }
    }
  };
  const progressMs = Math.max(0.5, Number(flags.progress)) * 1000;
  let prevSpans = 0;
  let prevAt = loadStart;
  const progress = setInterval(() => {
    const now = process.hrtime.bigint();
    const rate = ((ackedSpans - prevSpans) / Number(now - prevAt)) * 1e9;
    prevSpans = ackedSpans;
    prevAt = now;
    const mem = procMemory(server.pid);
    server
      .health()
      .then((h) => h, () => null)
      .then((h: Health | null) => {
        console.log(
          `  [${fixed(Number(now - loadStart) / 1e9, 1).padStart(5)} s] acked ${int(ackedSpans).padStart(11)} spans  now ${int(rate).padStart(7)}/s  avg ${int((ackedSpans / Number(now - loadStart)) * 1e9).padStart(7)}/s  | server RSS ${mib(mem?.rss ?? NaN)}` +
            (h ? `, queued ${h.ingest.queuedRecords} req / ${fixed(h.ingest.queuedBytes / 1e6, 0)} MB, batches ${h.ingest.insertedBatches}` : '') +
            (busy ? `, 503s ${busy}` : '') +
            (errors ? `, errors ${errors}` : ''),
        );
      });
  }, progressMs);

  await Promise.all(Array.from({ length: clients }, () => client()));
  const loadEnd = lastAckAt;
  clearInterval(progress);
  const loadSecs = Number(loadEnd - loadStart) / 1e9;
  const selfCpuLoad = selfCpuSeconds() - selfCpu0;
  const serverCpuLoad = procCpuSeconds(server.pid) - serverCpu0;
  const sys1 = systemCpuSeconds();
  const machineBusy = sys1.busy - sys0.busy;
  const otherCpuLoad = machineBusy - serverCpuLoad - selfCpuLoad;
  console.log(`load done: ${int(ackedSpans)} spans in ${int(ackedRequests)} requests acknowledged in ${fixed(loadSecs, 2)} s; waiting until queryable...`);

  // 5. Until everything acknowledged is in the store.
  let health: Health | null = null;
  let queryableAt = process.hrtime.bigint();
  const waitDeadline = Date.now() + 180_000;
  for (;;) {
    health = await server.health();
    queryableAt = process.hrtime.bigint();
    if (health.ingest.queuedRecords === 0 && health.ingest.committedSeq >= ackedRequests) break;
    if (Date.now() > waitDeadline || wasInterrupted()) {
      console.log(`gave up waiting: ${JSON.stringify(health.ingest)}`);
      break;
    }
    await sleep(20);
  }
  const totalSecs = Number(queryableAt - loadStart) / 1e9;
  const serverCpuTotal = procCpuSeconds(server.pid) - serverCpu0;
  const drainSecs = Number(queryableAt - loadEnd) / 1e9;
  console.log(
    `queryable: committed seq ${health.ingest.committedSeq} (acked requests ${ackedRequests}), ${health.ingest.insertedBatches} insert batches, ` +
      `${health.ingest.failedAttempts} failed attempts, ${health.ingest.deadLetters} dead letters, ${fixed(drainSecs, 2)} s after the last ack`,
  );

  // 6. Spot checks by trace id.
  if (lastSample) samples.push(lastSample);
  let spotOk = 0;
  const spotFailures: string[] = [];
  for (const s of samples.filter((_, i) => i === 0 || i === samples.length - 1 || i % Math.max(1, Math.floor(samples.length / 6)) === 0)) {
    const res = await request({ port: server.apiPort, path: `/api/traces/${s.traceId}`, timeoutMs: 30_000 });
    const got = res.status === 200 ? (JSON.parse(res.body.toString('utf8')) as { spans: unknown[] }).spans.length : -1;
    if (got === s.spans) spotOk++;
    else spotFailures.push(`request ${s.requestNo} trace ${s.traceId}: expected ${s.spans} spans, got ${got === -1 ? `HTTP ${res.status}` : got}`);
  }
  const spotTotal = spotOk + spotFailures.length;
  console.log(`spot checks (GET /api/traces/:id): ${spotOk}/${spotTotal} traces complete${spotFailures.length ? `; ${spotFailures.join('; ')}` : ''}`);

  // 7. Memory, stop, count.
  const mem = procMemory(server.pid);
  const sampledMax = rss.stop();
  const peakRss = mem?.peakRss ?? sampledMax;
  const exitCode = await server.stop(60_000);
  let stored: number | null = null;
  if (flags['verify-count'] && !wasInterrupted()) {
    const { countStoredSpans } = await import('./lib/chdb.js');
    stored = await countStoredSpans(dataDir);
    console.log(`stored spans (chDB count() after stop): ${int(stored)} ${stored === ackedSpans ? '= acknowledged' : `!= acknowledged ${int(ackedSpans)}`}`);
  }

  // 8. Summary.
  const ackRate = ackedSpans / loadSecs;
  const e2eRate = ackedSpans / totalSecs;
  const ratio = e2eRate / decodeOnly.spansPerSec;
  const s = cpu.stages;
  const stageTotal = s.decode + s.validateNormalize + s.content + s.encode + s.wal;
  const usPerSpan = (ns: number): number => ns / 1e3 / cpu.spans;
  const sorted = [...latencies].sort((a, b) => a - b);
  const lat = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

  console.log('\nCPU path per stage (in-process, 1 thread):');
  console.log(
    table([
      ['stage', 'µs/span', 'share', 'spans/s alone'],
      ...(
        [
          ['decode (hand-written protobuf)', s.decode],
          ['validate + normalize (GenAI, entities)', s.validateNormalize],
          ['content policy (default redaction)', s.content],
          ['encode rows (insert payload + entities)', s.encode],
          ['WAL append (writeSync, crc32)', s.wal],
          ['total (timed stages)', stageTotal],
        ] as const
      ).map(([name, ns]) => [name, fixed(usPerSpan(ns), 2), `${fixed((100 * ns) / stageTotal, 1)}%`, int(cpu.spans / (ns / 1e9))]),
    ]),
  );

  const goals = {
    e2e: e2eRate >= 50_000,
    ratio: ratio >= 0.5,
    rss: peakRss < 1024 ** 3,
  };
  console.log('\nSummary:');
  console.log(
    table([
      ['measure', 'value', 'goal', ''],
      ['spans/s acknowledged (HTTP 200)', int(ackRate), '', ''],
      ['spans/s acknowledged and queryable', int(e2eRate), '>= 50,000', passFail(goals.e2e)],
      ['decode-only spans/s (same payloads, 1 thread)', int(decodeOnly.spansPerSec), '', ''],
      ['ratio end-to-end / decode-only', fixed(ratio, 3), '>= 0.5', passFail(goals.ratio)],
      ['CPU path spans/s (no HTTP, no store, 1 thread)', int(cpu.spansPerSec), '', ''],
      ['ratio end-to-end / CPU path', fixed(e2eRate / cpu.spansPerSec, 3), '', ''],
      ['store insert only spans/s (chDB, in-process)', storeOnly ? int(storeOnly.spansPerSec) : 'n/a', '', ''],
      ['store insert only CPU (cores)', storeOnly ? fixed(storeOnly.cores, 2) : 'n/a', '', ''],
      ['server peak RSS (VmHWM)', mib(peakRss), '< 1024 MiB', passFail(goals.rss)],
      ['server max sampled RSS', mib(sampledMax), '', ''],
      ['server CPU during load (cores)', fixed(serverCpuLoad / loadSecs, 2), '', ''],
      ['bench client CPU during load (cores)', fixed(selfCpuLoad / loadSecs, 2), '', ''],
      ['other processes CPU during load (cores)', fixed(otherCpuLoad / loadSecs, 2), '', ''],
      ['machine CPU busy during load', `${fixed((100 * machineBusy) / (sys1.total - sys0.total), 0)}% of ${cpus().length} CPUs`, '', ''],
      ['server CPU-s per 100k spans (incl. drain)', fixed((serverCpuTotal / ackedSpans) * 1e5, 2), '', ''],
      ['request latency p50 / p99 (ms)', `${fixed(lat(50), 1)} / ${fixed(lat(99), 1)}`, '', ''],
      ['acked spans / requests', `${int(ackedSpans)} / ${int(ackedRequests)}`, '', ''],
      ['load s / until queryable s', `${fixed(loadSecs, 2)} / ${fixed(totalSecs, 2)}`, '', ''],
      ['503 busy / other errors', `${busy} / ${errors}`, '', ''],
      ['spot checks ok', `${spotOk}/${spotTotal}`, '', ''],
      ['stored spans (count after stop)', stored === null ? 'n/a' : int(stored), '= acked', stored === null ? '' : passFail(stored === ackedSpans)],
    ]),
  );
  if (lastError) console.log(`last error: ${lastError}`);
  const summary = {
    bench: 'ingest',
    clients,
    loadSeconds: +loadSecs.toFixed(3),
    untilQueryableSeconds: +totalSecs.toFixed(3),
    ackedSpans,
    ackedRequests,
    spansPerSecAcked: Math.round(ackRate),
    spansPerSecQueryable: Math.round(e2eRate),
    decodeOnlySpansPerSec: Math.round(decodeOnly.spansPerSec),
    ratioEndToEndToDecode: +ratio.toFixed(4),
    cpuPathSpansPerSec: Math.round(cpu.spansPerSec),
    storeInsertOnlySpansPerSec: storeOnly ? Math.round(storeOnly.spansPerSec) : null,
    storeInsertOnlyCores: storeOnly ? +storeOnly.cores.toFixed(2) : null,
    cpuPathUsPerSpan: {
      decode: +usPerSpan(s.decode).toFixed(3),
      validateNormalize: +usPerSpan(s.validateNormalize).toFixed(3),
      contentPolicy: +usPerSpan(s.content).toFixed(3),
      encodeRows: +usPerSpan(s.encode).toFixed(3),
      walAppend: +usPerSpan(s.wal).toFixed(3),
    },
    peakRssBytes: peakRss,
    serverCpuCores: +(serverCpuLoad / loadSecs).toFixed(3),
    clientCpuCores: +(selfCpuLoad / loadSecs).toFixed(3),
    otherProcessesCpuCores: +(otherCpuLoad / loadSecs).toFixed(3),
    loadAverageAtEnd: loadavg().map((x) => +x.toFixed(2)),
    latencyMsP50: +lat(50).toFixed(2),
    latencyMsP99: +lat(99).toFixed(2),
    busy503: busy,
    errors,
    spotChecks: `${spotOk}/${spotTotal}`,
    storedSpans: stored,
    serverExitCode: exitCode,
    goals: { spansPerSec50k: passFail(goals.e2e), ratioHalfOfDecode: passFail(goals.ratio), peakRssUnder1GiB: passFail(goals.rss) },
  };
  console.log(JSON.stringify(summary));

  // 9. Profile.
  if (profDir) {
    const file = findProfile(profDir);
    if (!file) console.log(`no .cpuprofile found in ${profDir} (server exit code ${exitCode})`);
    else printProfile(file);
  }
  const errLines = server.log.filter((l) => /error|fail|warn/i.test(l));
  if (errLines.length) console.log(`server log (errors/warnings, last 10):\n${errLines.slice(-10).map((l) => `  ${l}`).join('\n')}`);
  await work.remove();
  await profDirOwn?.remove();
}

export function printProfile(file: string): void {
  const { rows, totalMs, idleMs, byFile } = topSelfTime(file, 25, REPO_ROOT);
  console.log(`\nserver CPU profile: ${file}\n  sampled ${fixed(totalMs / 1000, 2)} s, of which idle ${fixed(idleMs / 1000, 2)} s; top functions by self time (share of non-idle):`);
  const busyMs = totalMs - idleMs;
  console.log(table([['function', 'self ms', 'share', 'location'], ...rows.filter((r) => r.name !== '(idle)').slice(0, 20).map((r) => [r.name, int(r.selfMs), `${fixed((100 * r.selfMs) / busyMs, 1)}%`, r.location])]));
  console.log('  by file (self time, share of non-idle):');
  console.log(table([['file', 'self ms', 'share'], ...byFile.filter((r) => r.file !== '(idle)').slice(0, 15).map((r) => [r.file, int(r.selfMs), `${fixed((100 * r.selfMs) / busyMs, 1)}%`])]));
}

main().catch((err) => {
  if (wasInterrupted()) return;
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
