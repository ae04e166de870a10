/**
 * `strata sim SCENARIO`: runs a scenario's simulated fleet on real HTTP servers in real time (or
 * faster), prints its scrape targets and OpenAI base URLs and the Strata configuration that watches it,
 * and optionally drives its workload through a gateway, exports the replicas' spans and posts feedback.
 */
import { writeFileSync } from 'node:fs';
import { stringify as toYaml } from 'yaml';
import { parseDurationMs } from '../duration.js';
import { LiveFleet } from '../sim/live.js';
import { feedbackToJson, requestsToOtlpJson } from '../sim/otlp-spans.js';
import { loadScenarioFile, ScenarioError } from '../sim/scenario.js';
import { strataSectionsFor } from '../sim/strata-sections.js';
import { integerFlag, parseArgs, UsageError } from './args.js';
import type { CliIo } from './calibrate.js';

export const SIM_HELP = `Usage: strata sim SCENARIO [flags]

Runs the scenario's fleet (docs/scenarios.md) in real time: per replica a vLLM-like server (OpenAI API,
streamed with the simulated latencies, and /metrics), per host a DCGM exporter /metrics. The scenario's
clock starts now; its faults happen at their offsets from now. Prints the OpenAI base URLs, the scrape
targets and a Strata configuration (gateway routes and scrape targets) that watches the fleet.

Flags:
  --speed X           scenario time per real time (default 1; 10 runs ten times faster)
  --seed N            the scenario's random seed (default the file's)
  --host H            address to listen on (default 127.0.0.1)
  --port N            first port to listen on, the next ones consecutively (default: free ports)
  --otlp URL          the replicas export their llm_request spans to this OTLP/HTTP base URL
  --gateway URL       send the scenario's workload to this OpenAI base URL (e.g. http://127.0.0.1:4100/v1)
  --api URL           post the scenario's feedback to this Strata API (e.g. http://127.0.0.1:4000)
  --key K             bearer key for --otlp, --gateway and --api
  --strata-config F   write the Strata configuration to file F instead of printing it
  --duration D        stop after D (e.g. 90s, 10m); default: run until Ctrl-C
  --help              this text

Exit codes: 0 stopped, 1 unusable scenario file, 2 usage.
`;

const PROCESS_IO: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

function urlFlag(flags: Record<string, string | boolean>, name: string): string | null {
  const v = flags[name];
  if (v === undefined) return null;
  try {
    const u = new URL(String(v));
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new UsageError(`--${name}: expected an http(s) URL, got ${JSON.stringify(v)}`);
  }
  return String(v).replace(/\/+$/, '');
}

export function durationFlag(flags: Record<string, string | boolean>, name: string): number | null {
  const v = flags[name];
  if (v === undefined) return null;
  return parseDurationMs(v, (expected) => {
    throw new UsageError(`--${name}: expected ${expected}, got ${JSON.stringify(v)}`);
  });
}

/** Resolves on SIGINT/SIGTERM or after `ms` (when not null). */
export function untilStopped(ms: number | null): Promise<string> {
  return new Promise((resolve) => {
    const done = (why: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (timer) clearTimeout(timer);
      resolve(why);
    };
    const onInt = (): void => done('SIGINT');
    const onTerm = (): void => done('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    const timer = ms === null ? null : setTimeout(() => done('duration'), ms);
  });
}

/** `strata sim`: returns the exit code. */
export async function simCommand(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  let settings;
  try {
    const { positional, flags } = parseArgs(argv, ['speed', 'seed', 'host', 'port', 'otlp', 'gateway', 'api', 'key', 'strata-config', 'duration'], ['help']);
    if (flags.help) {
      io.out(SIM_HELP);
      return 0;
    }
    if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'SCENARIO is missing (see --help)' : `one SCENARIO expected, got ${positional.length}`);
    const speed = flags.speed === undefined ? 1 : Number(flags.speed);
    if (!(speed > 0 && speed <= 1000)) throw new UsageError(`--speed: expected a number above 0 and at most 1000, got ${JSON.stringify(flags.speed)}`);
    settings = {
      file: positional[0],
      speed,
      seed: flags.seed === undefined ? undefined : integerFlag(flags, 'seed', 0, 0, 2 ** 32 - 1),
      host: typeof flags.host === 'string' ? flags.host : '127.0.0.1',
      port: integerFlag(flags, 'port', 0, 0, 65535),
      otlp: urlFlag(flags, 'otlp'),
      gateway: urlFlag(flags, 'gateway'),
      api: urlFlag(flags, 'api'),
      key: typeof flags.key === 'string' ? flags.key : null,
      strataConfig: typeof flags['strata-config'] === 'string' ? flags['strata-config'] : null,
      durationMs: durationFlag(flags, 'duration'),
    };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`strata sim: ${err.message}\n`);
    return 2;
  }
  let scenario;
  try {
    scenario = loadScenarioFile(settings.file);
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    io.err(`strata sim: ${err.message}\n`);
    return 1;
  }

  const live = await LiveFleet.start({
    scenario,
    seed: settings.seed,
    speed: settings.speed,
    host: settings.host,
    basePort: settings.port,
    otlp: settings.otlp ? { url: settings.otlp, key: settings.key } : null,
    requestsToOtlpJson,
    feedbackToJson,
    log: (m) => io.err(`strata sim: ${m}\n`),
  });
  const out: string[] = [`strata sim: ${scenario.name} (${scenario.source}), seed ${live.fleet.seed}, speed ${settings.speed}x, clock starts ${new Date(live.scenario.startMs).toISOString()}`];
  for (const r of live.servers.replicas) out.push(`  replica ${r.name.padEnd(22)} ${r.baseUrl}   (entity ${r.entity})`);
  for (const s of live.servers.scrapes) out.push(`  scrape  ${s.target.kind.padEnd(5)} ${s.target.id.padEnd(16)} ${s.url}`);
  for (const t of live.fleet.truth) out.push(`  fault   ${t.type} on ${t.entity} at +${Math.round((t.startMs - live.scenario.startMs) / 1000)}s for ${Math.round((t.endMs - t.startMs) / 1000)}s`);
  const yaml = toYaml(strataSectionsFor(live.scenario, live.servers, live.scenario.scrapeIntervalMs / settings.speed));
  if (settings.strataConfig) {
    writeFileSync(settings.strataConfig, yaml);
    out.push(`strata sim: Strata configuration written to ${settings.strataConfig} (strata serve --config ${settings.strataConfig})`);
  } else {
    out.push('strata sim: a Strata configuration that watches this fleet (strata serve --config FILE):', yaml.trimEnd());
  }
  if (settings.gateway) {
    live.startTraffic(settings.gateway, settings.key);
    out.push(`strata sim: sending the workload to ${settings.gateway}`);
  }
  if (settings.api) live.startFeedback(settings.api, settings.key);
  out.push('strata sim: running; Ctrl-C stops');
  io.out(`${out.join('\n')}\n`);
  const why = await untilStopped(settings.durationMs);
  await live.stop();
  const t = live.trafficStats;
  io.out(`strata sim: stopped (${why}); ${live.servers.stats.served} request(s) served${t ? `, ${t.sent} sent (${t.failed} failed, ${t.dropped} dropped)` : ''}\n`);
  return 0;
}
