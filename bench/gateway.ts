/**
 * Gateway benchmark: streamed chat completions sent straight to a local vLLM-shaped upstream
 * ("direct") and through Strata's OpenAI-compatible gateway ("gateway": `strata serve`, the real
 * product path, spans ingested and stored in chDB), the same workload alternated round by round in
 * one run, so the difference is the gateway's cost: added time to the first token, added latency
 * per streamed chunk, and throughput as a ratio to direct. Two reference paths run in the same
 * rounds to attribute that cost: a bare node:http pass-through ("relay": what any Node proxy hop
 * costs on this machine) and `GatewayServer` alone with its spans discarded ("gateway-only": the
 * gateway without the storage pipeline).
 *
 * Every server is a child process (upstream: bench/lib/gateway-upstream.ts; relay and gateway-only:
 * bench/lib/gateway-proxies.ts; `strata serve`); the load generator (bench/lib/gateway-client.ts,
 * node:http with a keep-alive agent) runs here. Per-chunk latency is upstream send -> client
 * receive, both read from CLOCK_MONOTONIC, which every process on the machine shares.
 *
 *   npm run bench:gateway -- [--seconds 3] [--rounds 3] [--concurrency 32] [--tokens 64] [--cpu-prof]
 *
 * A benchmark, not a test: missed goals print FAIL but the exit code stays 0.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseFlags } from './lib/args.js';
import { tempDir, wasInterrupted } from './lib/cleanup.js';
import { findProfile, topSelfTime } from './lib/cpuprofile.js';
import { measureRelayPath, type RelayPathResult } from './lib/gateway-cpu-path.js';
import type { BenchChild } from './lib/gateway-child.js';
import { fetchStream, runPhase, type PhaseOptions } from './lib/gateway-client.js';
import { routeYaml, startProxyChild, type RouteOptions } from './lib/gateway-proxies.js';
import { list, otherCores, pct, signed, summarisePath, type PathSummary, type Phase } from './lib/gateway-summary.js';
import { threadCpuDelta, threadCpuSeconds } from './lib/gateway-threads.js';
import { DEFAULT_UPSTREAM_MODEL, startUpstreamChild, TOKEN_DELAY_HEADER } from './lib/gateway-upstream.js';
import { getJson, keepAliveAgent } from './lib/http.js';
import { procCpuSeconds, procMemory, selfCpuSeconds, systemCpuSeconds } from './lib/proc.js';
import { fixed, int, mib, msSince, passFail, sleep, table } from './lib/report.js';
import { REPO_ROOT, startStrata } from './lib/server.js';

const USAGE = `Usage: npm run bench:gateway -- [flags]

Starts a vLLM-shaped streaming upstream and \`strata serve\` with a gateway route to it (and, for
reference, a bare node:http relay and GatewayServer alone), each as a child process, then streams
chat completions from this process along each path in turn (rounds of --seconds per path, the order
rotated every round): a paced workload (--token-delay-ms before each token, as a GPU-bound engine
emits them) and a saturation workload (no delay). Reports time to first token and per-chunk latency
(p50/p99) per path, the differences to direct, the throughput ratios, and each process's CPU.`;

const PATHS = ['direct', 'relay', 'gateway-only', 'gateway'] as const;
type Path = (typeof PATHS)[number];
const PATH_LABEL: Record<Path, string> = {
  direct: 'direct',
  relay: 'bare relay',
  'gateway-only': 'GatewayServer only',
  gateway: 'strata serve gateway',
};

const FLAGS = {
  seconds: { type: 'number', default: 3, help: 'seconds per measured phase (one path, one round)' },
  rounds: { type: 'number', default: 3, help: 'rounds per workload; each runs every path once, the order rotated' },
  concurrency: { type: 'number', default: 32, help: 'concurrent streams (closed loop, one keep-alive connection each)' },
  tokens: { type: 'number', default: 64, help: 'tokens per stream (the request max_tokens)' },
  'token-delay-ms': { type: 'number', default: 10, help: 'delay before each token in the paced workload, ms' },
  saturation: { type: 'boolean', default: true, help: 'also run the saturation workload (0 ms between tokens)' },
  paths: { type: 'string', default: PATHS.join(','), help: `paths to measure, of ${PATHS.join(', ')} (direct and gateway always run)` },
  warmup: { type: 'number', default: 1, help: 'unrecorded seconds per path before each workload' },
  logprobs: { type: 'number', default: 5, help: 'route setting: alternatives per token the gateway asks for (-1: logprobs off)' },
  capture: { type: 'boolean', default: true, help: 'route setting: keep prompts and completions on the span' },
  'cpu-path': { type: 'boolean', default: true, help: "first time the gateway's per-chunk JavaScript work in this process (no sockets)" },
  'cpu-prof': { type: 'boolean', default: false, help: 'run the strata child under node --cpu-prof and print its top functions by self time' },
  'cpu-prof-dir': { type: 'string', default: '', help: 'where to keep the .cpuprofile (default: a temp dir, removed)' },
  'verify-count': { type: 'boolean', default: true, help: 'after stopping the server, count the stored spans with chDB' },
  'server-log': { type: 'boolean', default: false, help: "echo the server's log" },
  'keep-data': { type: 'boolean', default: false, help: 'keep the temporary data directory' },
} as const;

interface Workload {
  readonly name: string;
  readonly short: string;
  readonly delayMs: number;
}

const PROMPT = [
  { role: 'system', content: 'You are a concise assistant for an operations team. Answer in plain English and cite the passages you used.' },
  {
    role: 'user',
    content:
      "Latency of the summarisation service rose after yesterday's deployment to the European production cluster. Summarise what changed, whether the batch size for prefill matters, and what we should monitor during peak hours next week.",
  },
];

/** A free loopback port (bound, read and released; the gateway binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A stream's text with what differs between two runs of the same request (id, send time) blanked. */
function normalised(text: string): string {
  return text.replace(/"id":"chatcmpl-bench\d+"/g, '"id":""').replace(/"sent_ns":\d+/g, '"sent_ns":0');
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS, USAGE);
  if (!flags) return;
  const seconds = Math.max(0.5, Number(flags.seconds));
  const rounds = Math.max(1, Math.round(Number(flags.rounds)));
  const concurrency = Math.max(1, Math.round(Number(flags.concurrency)));
  const tokens = Math.max(1, Math.round(Number(flags.tokens)));
  const delayMs = Math.max(0, Number(flags['token-delay-ms']));
  const warmup = Math.max(0, Number(flags.warmup));
  const asked = String(flags.paths)
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of asked) if (!(PATHS as readonly string[]).includes(p)) throw new Error(`--paths: unknown path ${p} (known: ${PATHS.join(', ')})`);
  const paths = PATHS.filter((p) => p === 'direct' || p === 'gateway' || asked.includes(p));
  const route: RouteOptions = { topLogprobs: Number(flags.logprobs) < 0 ? null : Math.round(Number(flags.logprobs)), capture: Boolean(flags.capture) };
  const workloads: Workload[] = [
    delayMs > 0 ? { name: `paced (${fixed(delayMs, delayMs % 1 ? 1 : 0)} ms/token)`, short: 'paced', delayMs } : { name: 'saturation (0 ms/token)', short: 'saturation', delayMs: 0 },
  ];
  if (flags.saturation && delayMs > 0) workloads.push({ name: 'saturation (0 ms/token)', short: 'saturation', delayMs: 0 });
  const model = DEFAULT_UPSTREAM_MODEL;

  console.log(
    `bench:gateway: ${concurrency} concurrent streams x ${tokens} tokens; ${workloads.map((w) => w.name).join(' and ')}; paths ${paths.join(', ')}; ` +
      `${rounds} rounds x ${fixed(seconds, 1)} s per path; route logprobs ${route.topLogprobs === null ? 'off' : `top ${route.topLogprobs}`}, capture ${route.capture ? 'on' : 'off'}; ` +
      `node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
  );

  // 1. The upstream, and the reference paths in front of it.
  let t = process.hrtime.bigint();
  const upstream = await startUpstreamChild(model);
  const upstreamBase = `http://127.0.0.1:${upstream.port}/v1`;
  console.log(`upstream (bench/lib/gateway-upstream.ts): pid ${upstream.pid}, :${upstream.port}, started in ${int(msSince(t))} ms`);
  const proxies = new Map<Path, BenchChild>();
  for (const p of ['relay', 'gateway-only'] as const) {
    if (!paths.includes(p)) continue;
    t = process.hrtime.bigint();
    const child = await startProxyChild(p, upstreamBase, route, model);
    proxies.set(p, child);
    console.log(`${PATH_LABEL[p]} (bench/lib/gateway-proxies.ts): pid ${child.pid}, :${child.port} -> upstream, started in ${int(msSince(t))} ms`);
  }

  // 2. strata serve with one gateway route to the upstream.
  const work = tempDir('strata-bench-gateway-', Boolean(flags['keep-data']));
  const dataDir = join(work.path, 'data');
  const configPath = join(work.path, 'strata.yaml');
  writeFileSync(configPath, `gateway:\n  routes:\n${routeYaml(model, upstreamBase, route)}\n`);
  const profDirOwn = flags['cpu-prof'] && !flags['cpu-prof-dir'] ? tempDir('strata-bench-prof-') : null;
  const profDir = flags['cpu-prof'] ? String(flags['cpu-prof-dir'] || profDirOwn!.path) : '';
  const gatewayPort = await freePort();
  t = process.hrtime.bigint();
  const server = await startStrata({
    dataDir,
    serveArgs: ['--config', configPath, '--gateway-port', String(gatewayPort)],
    nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    echoLog: Boolean(flags['server-log']),
  });
  const models = await getJson<{ data: { id: string }[] }>(gatewayPort, '/v1/models');
  if (!models.data.some((m) => m.id === model)) throw new Error(`gateway /v1/models does not list ${model}: ${JSON.stringify(models)}`);
  console.log(
    `strata serve: pid ${server.pid}, gateway :${gatewayPort} -> upstream, API :${server.apiPort}, started in ${int(msSince(t))} ms, RSS ${mib(procMemory(server.pid)?.rss ?? NaN)}${profDir ? ', under --cpu-prof' : ''}`,
  );

  const portOf = (p: Path): number => (p === 'direct' ? upstream.port : p === 'gateway' ? gatewayPort : proxies.get(p)!.port);
  const pidOf = (p: Path): number | null => (p === 'direct' ? null : p === 'gateway' ? server.pid : proxies.get(p)!.pid);
  const agent = keepAliveAgent(concurrency);
  const body = Buffer.from(JSON.stringify({ model, messages: PROMPT, stream: true, max_tokens: tokens, temperature: 0.7 }));
  const headersFor = (delay: number): Record<string, string | number> => ({
    'content-type': 'application/json',
    'content-length': body.length,
    authorization: 'Bearer sk-bench',
    [TOKEN_DELAY_HEADER]: delay,
  });
  let gatewayStreams = 0;

  // 3. What the client gets along every path must be what it gets directly (logprobs and usage stripped).
  {
    const small = Buffer.from(JSON.stringify({ model, messages: PROMPT, stream: true, max_tokens: 8 }));
    const headers = { 'content-type': 'application/json', 'content-length': small.length };
    const direct = await fetchStream({ port: upstream.port, agent, path: '/v1/chat/completions', headers, body: small });
    const notes: string[] = [];
    for (const p of paths.filter((x) => x !== 'direct')) {
      const via = await fetchStream({ port: portOf(p), agent, path: '/v1/chat/completions', headers, body: small });
      if (p === 'gateway') gatewayStreams++;
      const same = direct.status === 200 && via.status === 200 && normalised(direct.text) === normalised(via.text);
      notes.push(`${PATH_LABEL[p]} ${same ? 'identical' : 'DIFFERENT'}`);
      if (!same) console.log(`  direct:\n${direct.text}\n  ${p}:\n${via.text}`);
    }
    const extra = Buffer.from(
      JSON.stringify({ model, messages: PROMPT, stream: true, max_tokens: 8, logprobs: true, top_logprobs: route.topLogprobs ?? 0, stream_options: { include_usage: true } }),
    );
    const upstreamSide = await fetchStream({ port: upstream.port, agent, path: '/v1/chat/completions', headers: { ...headers, 'content-length': extra.length }, body: extra });
    console.log(
      `check: an 8-token stream, ${int(direct.text.length)} B direct; ${notes.join(', ')} (ids and send times aside)` +
        (route.topLogprobs !== null ? `; the gateway asks for logprobs (top ${route.topLogprobs}) and usage, so the upstream sends it ${int(upstreamSide.text.length)} B` : ''),
    );
  }

  // 4. The gateway's JavaScript per chunk, in this process, on the bytes the upstream sends it.
  let relayPath: RelayPathResult | null = null;
  if (flags['cpu-path'] && route.topLogprobs !== null) {
    const extra = Buffer.from(
      JSON.stringify({ model, messages: PROMPT, stream: true, max_tokens: tokens, temperature: 0.7, logprobs: true, top_logprobs: route.topLogprobs, stream_options: { include_usage: true } }),
    );
    const upstreamSide = await fetchStream({ port: upstream.port, agent, path: '/v1/chat/completions', headers: { 'content-type': 'application/json', 'content-length': extra.length }, body: extra });
    process.stdout.write('relay path in-process (split events, JSON.parse, meter, strip logprobs/usage; 1 thread, no sockets; best of 3 x 0.4 s)... ');
    relayPath = measureRelayPath(upstreamSide.text, body, route.topLogprobs, route.capture);
    const c = relayPath.perChunkUs;
    console.log(
      `${fixed(c.total, 1)} µs per chunk (split ${fixed(c.split, 1)}, JSON.parse ${fixed(c.parse, 1)}, meter ${fixed(c.meter, 1)}, strip ${fixed(c.strip, 1)}; ` +
        `${int(relayPath.bytesPerEvent)} B per upstream event); per request: plan ${fixed(relayPath.perRequestUs.plan, 1)} µs, span ${fixed(relayPath.perRequestUs.span, 1)} µs`,
    );
  }

  // 5. Rounds.
  const results = new Map<Workload, Map<Path, Phase[]>>();
  const runOne = async (w: Workload, p: Path, secs: number, record: boolean): Promise<Phase> => {
    // Paced streams all last about tokens x delay: spread their starts over one stream's length.
    const rampSeconds = (tokens * w.delayMs) / 1000;
    const opts: PhaseOptions = { port: portOf(p), agent, path: '/v1/chat/completions', headers: headersFor(w.delayMs), body, tokens, concurrency, seconds: secs, rampSeconds, record };
    const pid = pidOf(p);
    const p0 = pid === null ? 0 : procCpuSeconds(pid);
    const th0 = pid === null ? null : threadCpuSeconds(pid);
    const u0 = procCpuSeconds(upstream.pid);
    const c0 = selfCpuSeconds();
    const m0 = systemCpuSeconds();
    const b0 = p === 'gateway' ? (await server.health()).ingest.insertedBatches : 0;
    const t0 = process.hrtime.bigint();
    const result = await runPhase(opts);
    let insertBatches = 0;
    if (p === 'gateway') {
      // Spans reach the pipeline up to 100 ms after their request (the gateway's span sink); the phase
      // ends once they are in the store, so its storage work is counted here and not in the next phase.
      await sleep(150);
      let h = await server.health();
      for (const deadline = Date.now() + 10_000; h.ingest.queuedRecords > 0 && Date.now() < deadline; h = await server.health()) await sleep(20);
      insertBatches = h.ingest.insertedBatches - b0;
    }
    const secsRun = Number(process.hrtime.bigint() - t0) / 1e9;
    const proxyCpuSeconds = pid === null ? NaN : procCpuSeconds(pid) - p0;
    const threads = pid === null || th0 === null ? { main: NaN, node: NaN, rest: NaN, top: [] } : threadCpuDelta(th0, threadCpuSeconds(pid));
    const upstreamCpuSeconds = procCpuSeconds(upstream.pid) - u0;
    const m1 = systemCpuSeconds();
    if (p === 'gateway') gatewayStreams += result.streamsOk + result.streamsFailed;
    return {
      result,
      proxyCpuSeconds,
      threads,
      upstreamCpuSeconds,
      insertBatches,
      cpuSeconds: secsRun,
      cores: {
        proxy: proxyCpuSeconds / secsRun,
        upstream: upstreamCpuSeconds / secsRun,
        client: (selfCpuSeconds() - c0) / secsRun,
        machine: ((m1.busy - m0.busy) / (m1.total - m0.total)) * cpus().length,
      },
    };
  };
  const loadStart = process.hrtime.bigint();
  for (const w of workloads) {
    if (wasInterrupted()) break;
    const phases = new Map<Path, Phase[]>(paths.map((p) => [p, []]));
    results.set(w, phases);
    if (warmup > 0) {
      process.stdout.write(`${w.name}: warm-up ${fixed(warmup, 1)} s per path... `);
      for (const p of paths) await runOne(w, p, warmup, false);
      console.log('done');
    }
    for (let r = 0; r < rounds && !wasInterrupted(); r++) {
      const order = paths.map((_, i) => paths[(i + r) % paths.length]);
      for (const p of order) {
        const ph = await runOne(w, p, seconds, true);
        phases.get(p)!.push(ph);
        const x = ph.result;
        console.log(
          `  [${w.short} ${r + 1}/${rounds}] ${PATH_LABEL[p].padEnd(20)} ${int(x.tokensInWindow / x.windowSeconds).padStart(7)} tok/s  ` +
            `TTFT p50 ${fixed(pct(x.ttftMs, 50), 2).padStart(6)} p99 ${fixed(pct(x.ttftMs, 99), 2).padStart(6)} ms  ` +
            `chunk p50 ${int(pct(x.chunkUs, 50)).padStart(6)} p99 ${int(pct(x.chunkUs, 99)).padStart(7)} µs  ` +
            `streams ${int(x.streamsOk)}${x.streamsFailed ? ` (+${x.streamsFailed} failed)` : ''}  | cores: ` +
            `${p === 'direct' ? '' : `proxy ${fixed(ph.cores.proxy, 2)}, `}upstream ${fixed(ph.cores.upstream, 2)}, client ${fixed(ph.cores.client, 2)}, machine ${fixed(ph.cores.machine, 2)}`,
        );
      }
    }
  }
  const loadSecs = Number(process.hrtime.bigint() - loadStart) / 1e9;

  // 6. Every gateway request stored as a span.
  await sleep(300);
  let health = await server.health();
  for (const deadline = Date.now() + 60_000; health.ingest.queuedRecords > 0 && Date.now() < deadline; ) {
    await sleep(50);
    health = await server.health();
  }
  const peakRss = procMemory(server.pid)?.peakRss ?? NaN;
  const exitCode = await server.stop(60_000);
  for (const child of proxies.values()) await child.stop();
  await upstream.stop();
  let stored: number | null = null;
  if (flags['verify-count'] && !wasInterrupted()) {
    const { countStoredSpans } = await import('./lib/chdb.js');
    stored = await countStoredSpans(dataDir);
  }

  // 7. Summary.
  const summaries: { workload: Workload; byPath: Map<Path, PathSummary> }[] = [];
  for (const [w, phases] of results) {
    const direct = phases.get('direct')!;
    if (direct.length === 0 || phases.get('gateway')!.length === 0) continue;
    const byPath = new Map<Path, PathSummary>();
    for (const p of paths) byPath.set(p, summarisePath(phases.get(p)!, direct));
    summaries.push({ workload: w, byPath });
  }
  for (const { workload, byPath } of summaries) {
    const d = byPath.get('direct')!;
    const g = byPath.get('gateway')!;
    const cell = (p: Path, v: number, base: number, digits: number, ratio = false): string => {
      const value = digits === 0 ? int(v) : fixed(v, digits);
      if (p === 'direct') return value;
      return `${value} (${ratio ? `x${fixed(v / base, 3)}` : signed(v - base, digits)})`;
    };
    const rows: string[][] = [['measure', ...paths.map((p) => PATH_LABEL[p]), 'gateway - direct per round']];
    const row = (name: string, pick: (s: PathSummary) => number, digits: number, perRound: string, ratio = false): void => {
      rows.push([name, ...paths.map((p) => cell(p, pick(byPath.get(p)!), pick(d), digits, ratio)), perRound]);
    };
    row('TTFT p50 (ms)', (s) => s.ttftP50, 2, list(g.rounds.ttftP50, 2));
    row('TTFT p99 (ms)', (s) => s.ttftP99, 2, list(g.rounds.ttftP99, 2));
    row('per-chunk latency p50 (µs)', (s) => s.chunkP50, 0, list(g.rounds.chunkP50, 0));
    row('per-chunk latency p99 (µs)', (s) => s.chunkP99, 0, list(g.rounds.chunkP99, 0));
    row('throughput (tokens/s)', (s) => s.tokensPerSec, 0, g.rounds.ratio.map((r) => `x${fixed(r, 3)}`).join(', '), true);
    rows.push(['streams ok / failed', ...paths.map((p) => `${int(byPath.get(p)!.ok)} / ${byPath.get(p)!.failed}`), '']);
    rows.push(['cores: proxy process', ...paths.map((p) => (p === 'direct' ? '' : fixed(byPath.get(p)!.cores.proxy, 2))), '']);
    rows.push(['cores: upstream', ...paths.map((p) => fixed(byPath.get(p)!.cores.upstream, 2)), '']);
    rows.push(['cores: client (this process)', ...paths.map((p) => fixed(byPath.get(p)!.cores.client, 2)), '']);
    rows.push(['cores: machine busy (all processes)', ...paths.map((p) => fixed(byPath.get(p)!.cores.machine, 2)), '']);
    rows.push(['cores: other processes (not this benchmark)', ...paths.map((p) => fixed(otherCores(byPath.get(p)!.cores), 2)), '']);
    rows.push(['proxy CPU per token (µs)', ...paths.map((p) => (p === 'direct' ? '' : fixed(byPath.get(p)!.proxyUsPerToken, 1))), '']);
    const th = (p: Path, k: 'main' | 'node' | 'rest'): string => (p === 'direct' ? '' : fixed(byPath.get(p)!.proxyThreadsUsPerToken[k], 1));
    rows.push(['  JavaScript main thread', ...paths.map((p) => th(p, 'main')), '']);
    rows.push(['  Node helper threads (GC, libuv)', ...paths.map((p) => th(p, 'node')), '']);
    rows.push(['  other threads (chDB)', ...paths.map((p) => th(p, 'rest')), g.proxyThreadsUsPerToken.top]);
    rows.push(['upstream CPU per token (µs)', ...paths.map((p) => fixed(byPath.get(p)!.upstreamUsPerToken, 1)), '']);
    rows.push(['bytes to the client per token', ...paths.map((p) => fixed(byPath.get(p)!.bytesPerToken, 0)), '']);
    console.log(`\n${workload.name}, ${concurrency} streams x ${tokens} tokens, ${rounds} rounds x ${fixed(seconds, 1)} s per path (in brackets: difference to direct):`);
    console.log(table(rows));
    for (const p of paths) {
      const s = byPath.get(p)!;
      if (s.violations || s.failed) console.log(`  ${PATH_LABEL[p]}: ${s.violations} chunk/stream violations, ${s.failed} failed streams; last error: ${s.lastError}`);
    }
    if (g.insertBatches > 0) {
      const storeUs = g.proxyThreadsUsPerToken.rest + g.proxyThreadsUsPerToken.node;
      console.log(
        `  store: ${int(g.insertBatches)} insert batches during the gateway phases, ${fixed(g.streamsTotal / g.insertBatches, 1)} spans each; ` +
          `chDB and Node helper threads ${fixed(storeUs, 1)} µs per token = ${fixed((storeUs * tokens) / 1000, 2)} ms per span, ${fixed((storeUs * tokens * g.streamsTotal) / g.insertBatches / 1000, 1)} ms per insert batch`,
      );
    }
    if (relayPath) {
      const js = relayPath.perChunkUs.total + (relayPath.perRequestUs.plan + relayPath.perRequestUs.span) / tokens;
      console.log(
        `  strata CPU per token ${fixed(g.proxyUsPerToken, 1)} µs = relay JavaScript measured in-process ${fixed(js, 1)} (per chunk, plus plan and span per request / ${tokens}) ` +
          `+ ${fixed(g.proxyUsPerToken - js, 1)} for sockets, HTTP, event loop, span ingest, chDB and GC` +
          (byPath.has('relay') ? `; the bare relay needs ${fixed(byPath.get('relay')!.proxyUsPerToken, 1)}` : '') +
          (byPath.has('gateway-only') ? `, GatewayServer without storage ${fixed(byPath.get('gateway-only')!.proxyUsPerToken, 1)}` : ''),
      );
    }
  }

  const paced = summaries.find((s) => s.workload.delayMs > 0) ?? summaries[0];
  const saturation = summaries.find((s) => s.workload.delayMs === 0 && s !== paced);
  const goalsJson: Record<string, string> = {};
  if (paced) {
    const d = paced.byPath.get('direct')!;
    const g = paced.byPath.get('gateway')!;
    const addedTtftP99 = g.ttftP99 - d.ttftP99;
    const chunkP50 = g.chunkP50 - d.chunkP50;
    const chunkP99 = g.chunkP99 - d.chunkP99;
    const ratio = g.tokensPerSec / d.tokensPerSec;
    const goalRows: string[][] = [['goal (strata serve gateway vs direct)', 'workload', 'measured', 'target', '']];
    goalRows.push(['added TTFT at p99', paced.workload.name, `${signed(addedTtftP99, 2)} ms (rounds ${list(g.rounds.ttftP99, 2)})`, '< 2 ms', passFail(addedTtftP99 < 2)]);
    goalRows.push(['per-chunk overhead at p50', paced.workload.name, `${signed(chunkP50, 0)} µs (rounds ${list(g.rounds.chunkP50, 0)})`, '< 50 µs', passFail(chunkP50 < 50)]);
    goalRows.push(['per-chunk overhead at p99', paced.workload.name, `${signed(chunkP99, 0)} µs (rounds ${list(g.rounds.chunkP99, 0)})`, '< 50 µs', passFail(chunkP99 < 50)]);
    goalRows.push(['throughput gateway / direct', paced.workload.name, fixed(ratio, 3), '>= 0.9', passFail(ratio >= 0.9)]);
    goalsJson.addedTtftP99 = passFail(addedTtftP99 < 2);
    goalsJson.chunkOverheadP50 = passFail(chunkP50 < 50);
    goalsJson.chunkOverheadP99 = passFail(chunkP99 < 50);
    goalsJson.throughputPaced = passFail(ratio >= 0.9);
    if (saturation) {
      const sr = saturation.byPath.get('gateway')!.tokensPerSec / saturation.byPath.get('direct')!.tokensPerSec;
      goalRows.push(['throughput gateway / direct', saturation.workload.name, fixed(sr, 3), '>= 0.9', passFail(sr >= 0.9)]);
      goalsJson.throughputSaturation = passFail(sr >= 0.9);
    }
    console.log('\nGoals:');
    console.log(table(goalRows));
  }
  console.log(
    `\nspans: ${int(gatewayStreams)} requests through strata's gateway; stored spans (chDB count() after stop): ${stored === null ? 'n/a' : `${int(stored)} ${stored === gatewayStreams ? '= requests' : '!= requests'}`}; ` +
      `${int(health.ingest.insertedBatches)} store insert batches (${fixed(gatewayStreams / Math.max(1, health.ingest.insertedBatches), 1)} spans each); ` +
      `strata peak RSS ${mib(peakRss)}, exit code ${exitCode}; load phases took ${fixed(loadSecs, 1)} s; load average now ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
  );
  console.log(
    JSON.stringify({
      bench: 'gateway',
      concurrency,
      tokens,
      rounds,
      seconds,
      route,
      workloads: summaries.map(({ workload, byPath }) => ({
        name: workload.name,
        delayMs: workload.delayMs,
        paths: Object.fromEntries(
          [...byPath].map(([p, s]) => [
            p,
            {
              ttftMs: { p50: +s.ttftP50.toFixed(3), p99: +s.ttftP99.toFixed(3) },
              chunkUs: { p50: +s.chunkP50.toFixed(1), p99: +s.chunkP99.toFixed(1) },
              tokensPerSec: Math.round(s.tokensPerSec),
              proxyUsPerToken: Number.isFinite(s.proxyUsPerToken) ? +s.proxyUsPerToken.toFixed(1) : null,
              proxyThreadsUsPerToken:
                p === 'direct'
                  ? undefined
                  : { main: +s.proxyThreadsUsPerToken.main.toFixed(1), node: +s.proxyThreadsUsPerToken.node.toFixed(1), other: +s.proxyThreadsUsPerToken.rest.toFixed(1) },
              upstreamUsPerToken: +s.upstreamUsPerToken.toFixed(1),
              cores: Object.fromEntries(Object.entries(s.cores).map(([k, v]) => [k, Number.isFinite(v) ? +v.toFixed(3) : null])),
              rounds: p === 'direct' ? undefined : s.rounds,
            },
          ]),
        ),
      })),
      relayPathUs: relayPath ? { perChunk: relayPath.perChunkUs, perRequest: relayPath.perRequestUs } : null,
      gatewayRequests: gatewayStreams,
      insertBatches: health.ingest.insertedBatches,
      storedSpans: stored,
      strataPeakRssBytes: peakRss,
      goals: goalsJson,
      loadAverageAtEnd: loadavg().map((x) => +x.toFixed(2)),
    }),
  );

  // 8. Profile.
  if (profDir) {
    const file = findProfile(profDir);
    if (!file) console.log(`no .cpuprofile found in ${profDir} (server exit code ${exitCode})`);
    else printProfile(file);
  }
  const errLines = server.log.filter((l) => /error|fail|warn|not stored/i.test(l));
  if (errLines.length) console.log(`server log (errors/warnings, last 10):\n${errLines.slice(-10).map((l) => `  ${l}`).join('\n')}`);
  agent.destroy();
  await work.remove();
  await profDirOwn?.remove();
}

function printProfile(file: string): void {
  const { rows, totalMs, idleMs, byFile } = topSelfTime(file, 30, REPO_ROOT);
  const busyMs = totalMs - idleMs;
  console.log(`\nstrata CPU profile: ${file}\n  sampled ${fixed(totalMs / 1000, 2)} s, of which idle ${fixed(idleMs / 1000, 2)} s; top functions by self time (share of non-idle):`);
  console.log(table([['function', 'self ms', 'share', 'location'], ...rows.filter((r) => r.name !== '(idle)').slice(0, 25).map((r) => [r.name, int(r.selfMs), `${fixed((100 * r.selfMs) / busyMs, 1)}%`, r.location])]));
  console.log('  by file (self time, share of non-idle):');
  console.log(table([['file', 'self ms', 'share'], ...byFile.filter((r) => r.file !== '(idle)').slice(0, 20).map((r) => [r.file, int(r.selfMs), `${fixed((100 * r.selfMs) / busyMs, 1)}%`])]));
}

main().catch((err) => {
  if (wasInterrupted()) return;
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
