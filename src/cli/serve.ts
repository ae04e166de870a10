import { CONFIG_FLAGS, loadConfig } from '../config/load.js';
import { isLoopback } from '../config/config.js';
import { Strata } from '../strata.js';
import { parseArgs } from './args.js';
import { sendExampleTraces } from './example-data.js';

export const SERVE_HELP = `Usage: strata serve [flags]

Starts Strata: OTLP/HTTP and OTLP/gRPC receivers, the storage (embedded chDB under --data-dir,
or a ClickHouse server with --clickhouse-url) and the query API.

Flags (each also settable in the --config YAML and as an environment variable):
  --config <file>             YAML configuration file (see docs/configuration.md)
  --example-data              after start, send example GenAI traces through the OTLP receiver
${CONFIG_FLAGS.map((f) => `  --${f.flag.padEnd(26)}${f.path} / ${f.env}`).join('\n')}
  --help                      this text
`;

/** `strata serve`: runs until SIGINT/SIGTERM, then stops cleanly. */
export async function serve(argv: readonly string[]): Promise<number> {
  const { flags } = parseArgs(argv, ['config', ...CONFIG_FLAGS.map((f) => f.flag)], ['help', 'example-data']);
  if (flags.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const config = loadConfig({ file: flags.config as string | undefined, env: process.env, flags });
  const strata = new Strata(config);
  const ports = await strata.start();
  const host = isLoopback(config.host) ? 'localhost' : config.host;
  console.log(`strata: storage ${config.storage.clickhouseUrl ? config.storage.clickhouseUrl : `chdb at ${config.storage.dataDir}`}`);
  console.log(`strata: OTLP/HTTP  http://${host}:${ports.otlpHttp}/v1/{traces,metrics,logs}`);
  console.log(`strata: OTLP/gRPC  ${host}:${ports.otlpGrpc}`);
  if (ports.gateway !== null) console.log(`strata: gateway    http://${host}:${ports.gateway}/v1  (OPENAI_BASE_URL; ${config.gateway.routes.length} route(s))`);
  console.log(`strata: API        http://${host}:${ports.api}/api/health`);
  if (flags['example-data']) {
    const n = await sendExampleTraces(`http://127.0.0.1:${ports.otlpHttp}`, config.auth.ingestKeys[0]);
    await strata.flushed();
    console.log(`strata: sent ${n} example spans; try  curl 'http://${host}:${ports.api}/api/traces?limit=5'`);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('strata: stopping');
  await strata.stop();
  return 0;
}
