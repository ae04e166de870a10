/**
 * Minimal flag parsing for the benchmark scripts: `--name value`, `--name=value`, boolean `--name`
 * and `--no-name`, `--help`. Unknown flags are an error (printed with the help text).
 */

export type FlagType = 'number' | 'string' | 'boolean';

export interface FlagSpec {
  readonly type: FlagType;
  readonly default: number | string | boolean | null;
  readonly help: string;
  /** May be given several times (strings only): the value is the list. */
  readonly repeat?: boolean;
}

export type FlagValues = Record<string, number | string | boolean | string[] | null>;

export class FlagError extends Error {}

/** Parses `argv` against `spec`; returns null after printing help when --help was given. */
export function parseFlags(argv: readonly string[], spec: Record<string, FlagSpec>, usage: string): FlagValues | null {
  const values: FlagValues = {};
  for (const [name, s] of Object.entries(spec)) values[name] = s.repeat ? [] : s.default;
  try {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (arg === '--help' || arg === '-h') {
        process.stdout.write(helpText(spec, usage));
        return null;
      }
      if (!arg.startsWith('--')) throw new FlagError(`unexpected argument ${JSON.stringify(arg)}`);
      let name = arg.slice(2);
      let value: string | undefined;
      const eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.slice(eq + 1);
        name = name.slice(0, eq);
      }
      const s = spec[name];
      if (!s && name.startsWith('no-') && spec[name.slice(3)]?.type === 'boolean' && value === undefined) {
        values[name.slice(3)] = false;
        continue;
      }
      if (!s) throw new FlagError(`unknown flag --${name}`);
      if (s.type === 'boolean') {
        values[name] = value === undefined ? true : !['false', '0', 'no', 'off'].includes(value.toLowerCase());
        continue;
      }
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new FlagError(`--${name} needs a value`);
        value = argv[++i];
      }
      if (s.type === 'number') {
        const n = parseNumber(value);
        if (!Number.isFinite(n)) throw new FlagError(`--${name}: expected a number, got ${JSON.stringify(value)}`);
        values[name] = n;
      } else if (s.repeat) {
        (values[name] as string[]).push(value);
      } else {
        values[name] = value;
      }
    }
  } catch (err) {
    if (err instanceof FlagError) {
      process.stderr.write(`error: ${err.message}\n\n${helpText(spec, usage)}`);
      process.exit(2);
    }
    throw err;
  }
  return values;
}

/** Numbers with an optional k/m suffix or underscores: 5m, 5_000_000, 200k. */
function parseNumber(raw: string): number {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(raw.replaceAll('_', ''));
  if (!m) return NaN;
  const mult = m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1e3 : 1e6;
  return Number(m[1]) * mult;
}

function helpText(spec: Record<string, FlagSpec>, usage: string): string {
  const lines = Object.entries(spec).map(([name, s]) => {
    const left = `  --${name}${s.type === 'boolean' ? '' : ` <${s.type === 'number' ? 'n' : 'value'}>`}`;
    const def = s.default === null || s.default === '' ? '' : ` (default ${s.type === 'boolean' ? (s.default ? 'on; --no-' + name + ' turns it off' : 'off') : s.default})`;
    return `${left.padEnd(30)}${s.help}${def}`;
  });
  return `${usage.trimEnd()}\n\nFlags:\n${lines.join('\n')}\n  --help                      this text\n`;
}
