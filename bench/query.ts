/**
 * Query benchmark: trace-list and trace-detail latency of the query API over a store of millions
 * of GenAI spans.
 *
 * The store is filled directly with ClickHouse SQL (INSERT ... SELECT FROM numbers_mt, see
 * bench/lib/fill.ts) through chDB in this process after running the project's migrations, then
 * closed; `strata serve` is started on the same directory as a child process and the API is timed
 * over HTTP (warm-up, then ~20 repetitions per query; median and p95), next to a baseline request
 * that touches no data (GET /api/health). Before the server starts, the same handlers run
 * in-process against the store with each SQL statement timed, to show where the time goes.
 *
 *   npm run build && npm run bench:query -- [--spans 5000000] [--reps 20]
 *
 * A benchmark, not a test: a missed goal prints FAIL but the exit code stays 0.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { ApiRequest, ApiResponse } from '../src/api/http.js';
import { getTrace, listTraces } from '../src/api/traces.js';
import { migrate } from '../src/storage/migrate.js';
import type { QueryParams, Store } from '../src/storage/types.js';
import { parseFlags } from './lib/args.js';
import { openChdbStore } from './lib/chdb.js';
import { tempDir, wasInterrupted } from './lib/cleanup.js';
import { findProfile, topSelfTime } from './lib/cpuprofile.js';
import { fillSql, MODELS, SERVICES } from './lib/fill.js';
import { keepAliveAgent, request } from './lib/http.js';
import { procMemory } from './lib/proc.js';
import { fixed, int, median, mib, msSince, passFail, percentile, sleep, table } from './lib/report.js';
import { REPO_ROOT, startStrata } from './lib/server.js';

const USAGE = `Usage: npm run bench:query -- [flags]

Fills a chDB store with synthetic GenAI spans (SQL, not HTTP), starts \`strata serve\` on it as a
child process and times the trace API: (a) newest 50 traces of a model, (b) the same with a service
filter, (c) the second page via the cursor, (d) one trace by id, (e) an attribute filter,
(g) newest 50 traces without a filter, against (f) GET /api/health as the baseline.`;

const DB = 'strata';

const FLAGS = {
  spans: { type: 'number', default: 5_000_000, help: 'spans to generate (5 per trace)' },
  chunk: { type: 'number', default: 500_000, help: 'spans per INSERT (progress is printed after each)' },
  reps: { type: 'number', default: 20, help: 'timed repetitions per query' },
  warmup: { type: 'number', default: 3, help: 'untimed repetitions per query first' },
  budget: { type: 'number', default: 10, help: 'seconds at most per query (at least 5 repetitions are kept)' },
  'inprocess-reps': { type: 'number', default: 3, help: 'in-process repetitions per query with per-SQL timing (0 = skip)' },
  'inprocess-budget': { type: 'number', default: 5, help: 'seconds at most per in-process query (at least 2 repetitions)' },
  'settle-seconds': { type: 'number', default: 20, help: 'after the fill, wait up to this long for background merges' },
  model: { type: 'string', default: MODELS[0][0], help: 'model for the filters' },
  service: { type: 'string', default: SERVICES[0], help: 'service for (b)' },
  attr: { type: 'string', default: 'user.id=user-42', help: 'attribute filter for (e), key=value' },
  'data-dir': { type: 'string', default: '', help: 'use (and keep) this data dir; filled only when it holds fewer spans than --spans' },
  'keep-data': { type: 'boolean', default: false, help: 'keep the temporary data directory' },
  'cpu-prof': { type: 'boolean', default: false, help: 'run the server child under node --cpu-prof and print its top functions by self time' },
  'server-log': { type: 'boolean', default: false, help: "echo the server's log" },
} as const;

interface Timed {
  readonly ms: number[];
  readonly status: number;
  readonly bytes: number;
  readonly body: unknown;
}

/** A store whose queries are timed one by one (in call order). */
function timingStore(inner: Store): Store & { calls: number[] } {
  const calls: number[] = [];
  return {
    kind: inner.kind,
    calls,
    insert: (t, b, f, d) => inner.insert(t, b, f, d),
    exec: (sql) => inner.exec(sql),
    close: () => inner.close(),
    async query<T>(sql: string, params?: QueryParams, signal?: AbortSignal): Promise<T[]> {
      const t0 = process.hrtime.bigint();
      try {
        return await inner.query<T>(sql, params, signal);
      } finally {
        calls.push(msSince(t0));
      }
    },
  };
}

async function fill(store: Store, total: number, chunk: number, already: number): Promise<void> {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const t0 = process.hrtime.bigint();
  const threads = Math.max(1, cpus().length);
  const columns = new Set(
    (await store.query<{ name: string }>(`SELECT name FROM system.columns WHERE database = '${DB}' AND table = 'spans'`)).map((r) => r.name),
  );
  console.log(
    `filling ${int(total - already)} spans (${int(chunk)} per INSERT ... SELECT FROM numbers_mt, max_threads=${threads}; prompts/completions in ${columns.has('input_messages') ? 'the *_messages columns' : 'gen_ai.*.messages attributes'})...`,
  );
  for (let offset = already; offset < total && !wasInterrupted(); offset += chunk) {
    const n = Math.min(chunk, total - offset);
    await store.exec(`${fillSql(DB, offset, n, nowNs, total, columns)} SETTINGS max_threads=${threads}, max_insert_threads=${threads}`);
    const secs = msSince(t0) / 1000;
    const done = offset + n - already;
    console.log(`  [${fixed(secs, 1).padStart(5)} s] ${int(offset + n).padStart(10)} rows inserted (${int(done / secs)} rows/s)`);
  }
}

async function settle(store: Store, seconds: number): Promise<{ parts: number; merging: number }> {
  const parts = async (): Promise<{ parts: number; merging: number }> => {
    const [p] = await store.query<{ n: number }>(`SELECT count() AS n FROM system.parts WHERE database = '${DB}' AND table = 'spans' AND active`);
    const [m] = await store.query<{ n: number }>(`SELECT count() AS n FROM system.merges WHERE database = '${DB}' AND table = 'spans'`);
    return { parts: Number(p.n), merging: Number(m.n) };
  };
  const deadline = Date.now() + seconds * 1000;
  let s = await parts();
  let quiet = 0;
  while (Date.now() < deadline && !wasInterrupted()) {
    quiet = s.merging === 0 ? quiet + 1 : 0;
    if (quiet >= 3) break;
    await sleep(1000);
    s = await parts();
  }
  return s;
}

function apiRequest(path: string, query: string, params: Record<string, string> = {}): ApiRequest {
  return { method: 'GET', path, query: new URLSearchParams(query), params, signal: new AbortController().signal, authorized: true };
}

interface QueryCase {
  readonly key: string;
  readonly label: string;
  /** Path and query for request number i. */
  readonly path: (i: number) => string;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS, USAGE);
  if (!flags) return;
  const total = Math.round(Number(flags.spans));
  const chunk = Math.max(1000, Math.round(Number(flags.chunk)));
  const reps = Math.max(1, Number(flags.reps));
  const warmup = Math.max(0, Number(flags.warmup));
  const budgetMs = Number(flags.budget) * 1000;
  const model = String(flags.model);
  const service = String(flags.service);
  const [attrKey, ...attrRest] = String(flags.attr).split('=');
  const attrValue = attrRest.join('=');
  const started = process.hrtime.bigint();
  console.log(`bench:query  node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ${int(total)} spans`);

  // 1. Fill.
  const own = flags['data-dir'] ? null : tempDir('strata-bench-query-', Boolean(flags['keep-data']));
  const dataDir = own ? join(own.path, 'data') : resolve(String(flags['data-dir']));
  if (!own && existsSync(dataDir)) console.log(`using existing data dir ${dataDir}`);
  else if (flags['keep-data'] || !own) console.log(`data dir (kept): ${dataDir}`);
  const inner = openChdbStore(dataDir, DB);
  const store = timingStore(inner);
  let storeOpen = true;
  const t = process.hrtime.bigint();
  await migrate(store, DB);
  const [{ n: existing }] = await store.query<{ n: number }>(`SELECT count() AS n FROM ${DB}.spans`);
  if (Number(existing) < total) await fill(store, total, chunk, Number(existing));
  else console.log(`store already holds ${int(Number(existing))} spans; not filling`);
  const fillSecs = msSince(t) / 1000;
  const [stats] = await store.query<{ n: number; traces: number; bytes: number; raw: number }>(
    `SELECT sum(rows) AS n, (SELECT uniq(trace_id) FROM ${DB}.spans) AS traces, sum(bytes_on_disk) AS bytes, sum(data_uncompressed_bytes) AS raw
     FROM system.parts WHERE database = '${DB}' AND table = 'spans' AND active`,
  );
  const spans = Number(stats.n);
  console.log(
    `store: ${int(spans)} spans, ~${int(Number(stats.traces))} traces, ${mib(Number(stats.bytes))} on disk (${mib(Number(stats.raw))} uncompressed); fill took ${fixed(fillSecs, 1)} s`,
  );
  const settled = await settle(store, Number(flags['settle-seconds']));
  console.log(`parts: ${settled.parts} active, ${settled.merging} merging`);

  // 2. In-process: the same handlers against the store, each SQL statement timed.
  const inprocessReps = Math.max(0, Number(flags['inprocess-reps']));
  const inprocessBudgetMs = Number(flags['inprocess-budget']) * 1000;
  const inproc: Record<string, { total: number[]; sql: number[][] }> = {};
  let firstPage = null as { traces: { traceId: string }[]; next: string | null } | null;
  if (inprocessReps > 0 && !wasInterrupted()) {
    const list = listTraces(store, DB);
    const one = getTrace(store, DB);
    const run = async (key: string, call: () => Promise<ApiResponse>): Promise<ApiResponse> => {
      let last: ApiResponse | null = null;
      const rec = { total: [] as number[], sql: [] as number[][] };
      const t0 = Date.now();
      for (let i = 0; i < inprocessReps + 1; i++) {
        store.calls.length = 0;
        const s = process.hrtime.bigint();
        last = await call();
        const ms = msSince(s);
        if (i > 0) {
          rec.total.push(ms);
          store.calls.forEach((c, j) => (rec.sql[j] ??= []).push(c));
        }
        if (Date.now() - t0 > inprocessBudgetMs && i >= 2) break;
      }
      inproc[key] = rec;
      return last!;
    };
    const q = (o: Record<string, string>): string => new URLSearchParams(o).toString();
    const a = await run('a', () => list(apiRequest('/api/traces', q({ model, limit: '50' }))));
    firstPage = a.body as typeof firstPage;
    await run('b', () => list(apiRequest('/api/traces', q({ model, service, limit: '50' }))));
    if (firstPage?.next) await run('c', () => list(apiRequest('/api/traces', q({ model, limit: '50', cursor: firstPage!.next! }))));
    const ids = firstPage?.traces.map((x) => x.traceId) ?? [];
    let k = 0;
    if (ids.length) await run('d', () => one({ ...apiRequest(`/api/traces/${ids[0]}`, ''), params: { traceId: ids[k++ % ids.length] } }));
    await run('e', () => list(apiRequest('/api/traces', q({ [`attr.${attrKey}`]: attrValue, limit: '50' }))));
    await run('g', () => list(apiRequest('/api/traces', q({ limit: '50' }))));
    console.log('\nin-process (handlers from src/api/traces.ts on the chDB store, no HTTP), median ms:');
    const names: Record<string, string> = { a: '(a) model', b: '(b) model+service', c: '(c) page 2', d: '(d) by id', e: '(e) attribute', g: '(g) no filter' };
    console.log(
      table([
        ['query', 'n', 'handler', 'SQL 1 (page/spans)', 'SQL 2 (summaries)'],
        ...Object.entries(inproc).map(([key, r]) => [
          names[key],
          String(r.total.length),
          fixed(median(r.total), 1),
          r.sql[0] ? fixed(median(r.sql[0]), 1) : '',
          r.sql[1] ? fixed(median(r.sql[1]), 1) : '',
        ]),
      ]),
    );
  }
  await store.close();
  storeOpen = false;
  if (wasInterrupted()) return;

  // 3. The server.
  const prof = flags['cpu-prof'] ? tempDir('strata-bench-prof-') : null;
  const t1 = process.hrtime.bigint();
  const server = await startStrata({
    dataDir,
    nodeArgs: prof ? ['--cpu-prof', `--cpu-prof-dir=${prof.path}`] : [],
    echoLog: Boolean(flags['server-log']),
  });
  console.log(`\nstrata serve: pid ${server.pid}, API :${server.apiPort}, started in ${int(msSince(t1))} ms, RSS ${mib(procMemory(server.pid)?.rss ?? NaN)}`);
  const agent = keepAliveAgent(1);

  const timeCase = async (path: (i: number) => string): Promise<Timed> => {
    const ms: number[] = [];
    let status = 0;
    let bytes = 0;
    let body: unknown = null;
    for (let i = 0; i < warmup; i++) await request({ port: server.apiPort, path: path(i), agent, timeoutMs: 120_000 });
    const t0 = Date.now();
    for (let i = 0; i < reps && !wasInterrupted(); i++) {
      const s = process.hrtime.bigint();
      const res = await request({ port: server.apiPort, path: path(warmup + i), agent, timeoutMs: 120_000 });
      ms.push(msSince(s));
      status = res.status;
      bytes = res.body.length;
      if (i === 0) body = JSON.parse(res.body.toString('utf8'));
      if (res.status !== 200) break;
      if (Date.now() - t0 > budgetMs && ms.length >= 5) break;
    }
    return { ms, status, bytes, body };
  };

  const enc = encodeURIComponent;
  const first = await request({ port: server.apiPort, path: `/api/traces?model=${enc(model)}&limit=50`, agent, timeoutMs: 120_000 });
  const page1 = JSON.parse(first.body.toString('utf8')) as { traces: { traceId: string; spanCount: number }[]; next: string | null; error?: string };
  if (first.status !== 200) throw new Error(`GET /api/traces?model=${model}: HTTP ${first.status}: ${first.body.toString('utf8').slice(0, 300)}`);
  const ids = page1.traces.map((x) => x.traceId);
  const cases: QueryCase[] = [
    { key: 'f', label: '(f) baseline GET /api/health', path: () => '/api/health' },
    { key: 'a', label: `(a) newest 50 traces, model=${model}`, path: () => `/api/traces?model=${enc(model)}&limit=50` },
    { key: 'b', label: `(b) (a) + service=${service}`, path: () => `/api/traces?model=${enc(model)}&service=${enc(service)}&limit=50` },
    { key: 'c', label: '(c) (a), second page (cursor)', path: () => `/api/traces?model=${enc(model)}&limit=50&cursor=${enc(page1.next ?? '')}` },
    { key: 'd', label: '(d) one trace by id', path: (i) => `/api/traces/${ids[i % Math.max(1, ids.length)]}` },
    { key: 'e', label: `(e) attr.${attrKey}=${attrValue}`, path: () => `/api/traces?attr.${enc(attrKey)}=${enc(attrValue)}&limit=50` },
    { key: 'g', label: '(g) newest 50 traces, no filter', path: () => '/api/traces?limit=50' },
  ];
  const results: Record<string, Timed> = {};
  console.log(`timing over HTTP: ${warmup} warm-up + up to ${reps} repetitions per query (at most ~${flags.budget} s each)`);
  for (const c of cases) {
    if (wasInterrupted()) break;
    if (c.key === 'c' && !page1.next) continue;
    if (c.key === 'd' && ids.length === 0) continue;
    const r = await timeCase(c.path);
    results[c.key] = r;
    console.log(`  ${c.label.padEnd(44)} n=${String(r.ms.length).padStart(2)}  median ${fixed(median(r.ms), 1).padStart(8)} ms  p95 ${fixed(percentile(r.ms, 95), 1).padStart(8)} ms  HTTP ${r.status}`);
  }
  const mem = procMemory(server.pid);
  const exitCode = await server.stop(60_000);

  // 4. Summary.
  const base = median(results.f?.ms ?? []);
  const describe = (key: string, r: Timed): string => {
    const b = r.body as { traces?: unknown[]; spans?: unknown[]; error?: string } | null;
    if (r.status !== 200) return `HTTP ${r.status} ${b?.error ?? ''}`.slice(0, 60);
    if (b?.traces) return `${b.traces.length} traces`;
    if (b?.spans) return `${b.spans.length} spans`;
    return key === 'f' ? 'no data' : '';
  };
  const medA = median(results.a?.ms ?? []);
  const goalA = medA < 200;
  console.log(`\nSummary (${int(spans)} spans; HTTP, keep-alive, sequential):`);
  console.log(
    table([
      ['query', 'n', 'median ms', 'p95 ms', 'x baseline', 'result', 'bytes'],
      ...cases
        .filter((c) => results[c.key])
        .map((c) => {
          const r = results[c.key];
          return [c.label, String(r.ms.length), fixed(median(r.ms), 1), fixed(percentile(r.ms, 95), 1), `${fixed(median(r.ms) / base, 1)}x`, describe(c.key, r), int(r.bytes)];
        }),
    ]),
  );
  console.log(`goal (a) median < 200 ms with ${int(spans)} spans: ${fixed(medA, 1)} ms  ${passFail(goalA)}`);
  console.log(`server peak RSS ${mib(mem?.peakRss ?? NaN)}; total bench time ${fixed(msSince(started) / 1000, 1)} s`);
  const summary: Record<string, unknown> = {
    bench: 'query',
    spans,
    fillSeconds: +fillSecs.toFixed(1),
    parts: settled.parts,
    baselineMs: +base.toFixed(2),
    queries: Object.fromEntries(
      cases
        .filter((c) => results[c.key])
        .map((c) => {
          const r = results[c.key];
          return [c.key, { n: r.ms.length, medianMs: +median(r.ms).toFixed(2), p95Ms: +percentile(r.ms, 95).toFixed(2), xBaseline: +(median(r.ms) / base).toFixed(1), status: r.status }];
        }),
    ),
    inProcessMedianMs: Object.fromEntries(
      Object.entries(inproc).map(([k, r]) => [k, { handler: +median(r.total).toFixed(1), sql: r.sql.map((x) => +median(x).toFixed(1)) }]),
    ),
    serverPeakRssBytes: mem?.peakRss ?? null,
    serverExitCode: exitCode,
    goal: { aMedianUnder200ms: passFail(goalA) },
  };
  console.log(JSON.stringify(summary));

  if (prof) {
    const file = findProfile(prof.path);
    if (file) {
      const { rows, totalMs, idleMs } = topSelfTime(file, 25, REPO_ROOT);
      const busy = totalMs - idleMs;
      console.log(`\nserver CPU profile: sampled ${fixed(totalMs / 1000, 2)} s, idle ${fixed(idleMs / 1000, 2)} s; top functions by self time (share of non-idle):`);
      console.log(table([['function', 'self ms', 'share', 'location'], ...rows.filter((r) => r.name !== '(idle)').slice(0, 15).map((r) => [r.name, int(r.selfMs), `${fixed((100 * r.selfMs) / busy, 1)}%`, r.location])]));
    } else console.log(`no .cpuprofile written (server exit code ${exitCode})`);
    await prof.remove();
  }
  if (storeOpen) await store.close();
  await own?.remove();
}

main().catch((err) => {
  if (wasInterrupted()) return;
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
