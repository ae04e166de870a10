/**
 * `strata demo`: Strata and a small simulated fleet in real time on one machine, no GPU needed. The
 * fleet's replicas and exporters are real HTTP servers; Strata's gateway routes to the replicas,
 * its scraper reads their /metrics and the hosts' DCGM /metrics, a traffic driver sends the workload
 * through the gateway (streamed), the replicas export their own llm_request spans to Strata's OTLP
 * receiver, and feedback arrives on /api/feedback. Faults come on a cycle (demo-scenario.ts).
 */
import { CONFIG_FLAGS, loadConfig } from '../config/load.js';
import { isLoopback, type StrataConfig } from '../config/config.js';
import { DEFAULT_GATEWAY_PORT, parseGatewayConfig } from '../receivers/gateway/config.js';
import { parseScrapeConfig } from '../receivers/prometheus/scrape-config.js';
import { LiveFleet } from '../sim/live.js';
import { feedbackToJson, requestsToOtlpJson } from '../sim/otlp-spans.js';
import { strataSectionsFor } from '../sim/strata-sections.js';
import { Strata } from '../strata.js';
import { integerFlag, parseArgs, UsageError } from './args.js';
import type { CliIo } from './calibrate.js';
import { DEMO_FAULT_EVERY_MS, DEMO_FAULT_MS, DEMO_FIRST_FAULT_MS, demoScenario } from './demo-scenario.js';
import { durationFlag, untilStopped } from './sim.js';

export const DEFAULT_DEMO_DATA_DIR = './.strata-demo';
export const DEFAULT_STATUS_EVERY_MS = 15_000;

export const DEMO_HELP = `Usage: strata demo [flags]

Starts Strata (embedded chDB under --data-dir) with its gateway, and a small simulated fleet in real
time: 2 hosts, 4 GPUs, 3 replicas of a reasoning model. Traffic flows through the gateway, the
replicas export their own spans, the GPUs and engines are scraped every 10 s, feedback arrives on
/api/feedback. Faults are injected on a cycle: the first ${DEMO_FIRST_FAULT_MS / 1000} s in, each for ${DEMO_FAULT_MS / 60_000} min, a new one every
${DEMO_FAULT_EVERY_MS / 60_000} min (GPU thermal slowdown, bad rollout, KV-cache exhaustion, uncorrectable ECC). Ctrl-C stops.

Flags:
  --duration D                stop after D (e.g. 10m); default: run until Ctrl-C
  --seed N                    the simulation's seed (default 1)
  --speed X                   run the simulation X times faster than real time (default 1)
  --status-every D            how often the status line is printed (default 15s)
  --config <file>             YAML configuration, as for strata serve (the demo adds its routes and targets)
${CONFIG_FLAGS.map((f) => `  --${f.flag.padEnd(26)}${f.path} / ${f.env}`).join('\n')}
  --help                      this text

The data directory defaults to ${DEFAULT_DEMO_DATA_DIR}.
`;

const PROCESS_IO: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** Strata's configuration with the demo fleet's gateway routes and scrape targets added (theirs first). */
export function demoConfig(base: StrataConfig, live: LiveFleet): StrataConfig {
  const sections = strataSectionsFor(live.scenario, live.servers);
  return {
    ...base,
    gateway: { ...base.gateway, port: base.gateway.port ?? DEFAULT_GATEWAY_PORT, routes: [...parseGatewayConfig({ routes: sections.gateway.routes }).routes, ...base.gateway.routes] },
    scrape: [...parseScrapeConfig(sections.scrape), ...base.scrape],
  };
}

const elapsed = (ms: number): string => new Date(Math.max(0, ms)).toISOString().slice(11, 19);

/** Open incidents from the API (id and summary), or null when it cannot say (not served yet, or failing). */
async function openIncidents(api: string, key: string | null): Promise<{ id: string; summary: string }[] | null> {
  try {
    const res = await fetch(`${api}/api/incidents?status=open`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    if (!res.ok) {
      await res.arrayBuffer();
      return null;
    }
    const body = (await res.json()) as { incidents?: { id: string; summary: string }[] };
    return Array.isArray(body.incidents) ? body.incidents : null;
  } catch {
    return null;
  }
}

/** `strata demo`: runs until Ctrl-C (or --duration), then stops everything; returns the exit code. */
export async function demoCommand(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  let settings;
  let base: StrataConfig;
  try {
    const { positional, flags } = parseArgs(argv, ['config', 'duration', 'seed', 'speed', 'status-every', ...CONFIG_FLAGS.map((f) => f.flag)], ['help']);
    if (flags.help) {
      io.out(DEMO_HELP);
      return 0;
    }
    if (positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])} (see --help)`);
    const speed = flags.speed === undefined ? 1 : Number(flags.speed);
    if (!(speed > 0 && speed <= 100)) throw new UsageError(`--speed: expected a number above 0 and at most 100, got ${JSON.stringify(flags.speed)}`);
    settings = {
      durationMs: durationFlag(flags, 'duration'),
      statusEveryMs: durationFlag(flags, 'status-every') ?? DEFAULT_STATUS_EVERY_MS,
      seed: integerFlag(flags, 'seed', 1, 0, 2 ** 32 - 1),
      speed,
    };
    base = loadConfig({ file: flags.config as string | undefined, env: process.env, flags: { 'data-dir': DEFAULT_DEMO_DATA_DIR, ...flags } });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`strata demo: ${err.message}\n`);
    return 2;
  }

  const log = (m: string): void => io.err(`strata demo: ${m}\n`);
  let otlpUrl: string | null = null;
  const ingestKey = base.auth.ingestKeys[0] ?? null;
  const apiKey = base.auth.apiKeys[0] ?? null;
  const live = await LiveFleet.start({
    scenario: demoScenario(Date.now(), settings.seed),
    seed: settings.seed,
    speed: settings.speed,
    otlp: { url: () => otlpUrl, key: ingestKey },
    requestsToOtlpJson,
    feedbackToJson,
    log,
  });
  const config = demoConfig(base, live);
  const strata = new Strata(config, log);
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  let status: NodeJS.Timeout | null = null;
  try {
    const ports = await strata.start();
    const host = isLoopback(config.host) ? 'localhost' : config.host;
    const local = isLoopback(config.host) ? '127.0.0.1' : config.host;
    otlpUrl = `http://${local}:${ports.otlpHttp}`;
    const api = `http://${local}:${ports.api}`;
    live.startTraffic(`http://${local}:${ports.gateway}/v1`, ingestKey);
    live.startFeedback(api, apiKey);
    const shown = `http://${host}:${ports.api}`;
    io.out(
      [
        `strata demo: storage chdb at ${config.storage.dataDir}; fleet: ${live.servers.replicas.length} replicas on ${live.scenario.hosts.length} hosts (${live.scenario.hosts.reduce((n, h) => n + h.gpus.length, 0)} GPUs), seed ${live.fleet.seed}${settings.speed === 1 ? '' : `, ${settings.speed}x speed`}`,
        `strata demo: gateway   http://${host}:${ports.gateway}/v1  (model ${live.scenario.routes.map((r) => r.model).join(', ')}; traffic flows through it)`,
        `strata demo: OTLP/HTTP http://${host}:${ports.otlpHttp}/v1/traces`,
        `strata demo: API       ${shown}/api/health`,
        `strata demo: look at   ${shown}/api/incidents   ${shown}/api/traces?limit=10   ${shown}/api/calibration   ${shown}/api/entities`,
        `strata demo: the first fault starts in about ${Math.round(DEMO_FIRST_FAULT_MS / settings.speed / 1000)} s; a status line every ${Math.round(settings.statusEveryMs / 1000)} s; Ctrl-C stops`,
        '',
      ].join('\n'),
    );
    const announced = new Set<string>();
    status = setInterval(() => {
      void openIncidents(api, apiKey).then((open) => {
        const t = live.trafficStats!;
        io.out(
          `strata demo: ${elapsed(live.now() - live.scenario.startMs)}  requests ${t.sent} sent, ${t.ok} answered, ${t.failed} failed  incidents open ${open?.length ?? 'n/a'}  CPU ${cpuPercent(cpuStart, wallStart).toFixed(0)}% of a core\n`,
        );
        for (const i of open ?? []) {
          if (announced.has(i.id)) continue;
          announced.add(i.id);
          io.out(`strata demo: incident: ${i.summary}  (${shown}/api/incidents/${i.id})\n`);
        }
      });
    }, settings.statusEveryMs);
    const why = await untilStopped(settings.durationMs);
    io.out(`strata demo: stopping (${why})\n`);
  } finally {
    if (status) clearInterval(status);
    await live.stop();
    await strata.stop();
  }
  const t = live.trafficStats;
  io.out(
    `strata demo: stopped; ${t?.sent ?? 0} requests sent through the gateway, ${live.servers.stats.served} served by the replicas; CPU ${cpuPercent(cpuStart, wallStart).toFixed(0)}% of a core (simulator and Strata together; npm run bench:demo measures them apart)\n`,
  );
  return 0;
}

/** The process's CPU since the start, in % of one core. */
function cpuPercent(start: NodeJS.CpuUsage, wallStart: number): number {
  const used = process.cpuUsage(start);
  return ((used.user + used.system) / 1000 / Math.max(1, performance.now() - wallStart)) * 100;
}
