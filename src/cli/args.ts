/** Parsed command-line flags: `--name value`, `--name=value`, or a bare `--name` (true). */
export interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Record<string, string | boolean>;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses argv. `booleans` lists flags that never take a value; every other flag requires one.
 * Unknown flags are refused with the list of known ones.
 */
export function parseArgs(argv: readonly string[], known: readonly string[], booleans: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq === -1 ? undefined : eq);
    if (!known.includes(name) && !booleans.includes(name)) throw new UsageError(`unknown flag --${name} (see --help)`);
    if (booleans.includes(name)) {
      flags[name] = eq === -1 ? true : !['false', '0', 'no'].includes(a.slice(eq + 1));
    } else if (eq !== -1) {
      flags[name] = a.slice(eq + 1);
    } else {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      flags[name] = v;
      i++;
    }
  }
  return { positional, flags };
}

/** An integer flag in [min, max], `fallback` when absent; a UsageError naming the flag otherwise. */
export function integerFlag(flags: Record<string, string | boolean>, name: string, fallback: number, min: number, max: number): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`--${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}
