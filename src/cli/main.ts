import { ConfigError } from '../config/load.js';
import { VERSION } from '../strata.js';
import { UsageError } from './args.js';
import { calibrate } from './calibrate.js';
import { monitorsCommand } from './monitors.js';
import { serve } from './serve.js';
import { benchCommand } from './bench.js';
import { demoCommand } from './demo.js';
import { incidentsCommand } from './incidents.js';
import { simCommand } from './sim.js';

const HELP = `strata ${VERSION}: LLM observability that joins model confidence, behaviour and GPU telemetry

Usage: strata <command> [flags]

Commands:
  serve      start the receivers, storage, detection and query API (strata serve --help)
  demo       start Strata with a simulated GPU fleet, live traffic and injected faults (strata demo --help)
  incidents  the incidents of a running Strata (strata incidents --help)
  sim        run a scenario's simulated fleet in real time, to point your own Strata at (strata sim --help)
  bench      score detection, localisation and root cause on simulated fault scenarios (strata bench --help)
  calibrate  calibration metrics of scored responses in a JSONL file (strata calibrate --help)
  monitors   evaluate behavioural monitors on labelled reasoning traces (strata monitors eval --help)
  version    print the version

Run 'strata <command> --help' for a command's flags.
`;

/** The CLI entry point; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(HELP);
        return 0;
      case 'version':
      case '--version':
        if (rest.includes('--help')) {
          process.stdout.write('Usage: strata version\n\nPrints the version of Strata.\n');
          return 0;
        }
        console.log(VERSION);
        return 0;
      case 'serve':
        return await serve(rest);
      case 'demo':
        return await demoCommand(rest);
      case 'incidents':
        return await incidentsCommand(rest);
      case 'sim':
        return await simCommand(rest);
      case 'bench':
        return await benchCommand(rest);
      case 'calibrate':
        return await calibrate(rest);
      case 'monitors':
        return await monitorsCommand(rest);
      default:
        console.error(`strata: unknown command ${JSON.stringify(command)}\n\n${HELP}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(`strata: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
