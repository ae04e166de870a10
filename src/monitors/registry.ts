/**
 * Monitors registered by name, and the factory that builds a configured set of them. Configuration errors
 * name the field (`monitors.reward_hacking.threshold: …`) and an unknown monitor is named with the known ones.
 */
import type { Monitor, MonitorScope } from './types.js';

/** Options for one monitor, as written in configuration. Each factory validates its own. */
export type MonitorOptions = Readonly<Record<string, unknown>>;

/** Builds one monitor from its options; throws {@link MonitorConfigError} naming the bad option. */
export type MonitorFactory = (options: MonitorOptions) => Monitor;

/** One entry of a monitor set: a name, with options. */
export interface MonitorSpec {
  readonly name: string;
  readonly options?: MonitorOptions;
}

/**
 * The configured set: a list of names or specs (`['reward_hacking', {name: 'legibility', options: {…}}]`), or
 * an object by name (`{reward_hacking: {threshold: 0.6}, deception: true, legibility: false}`; `false` leaves it out).
 */
export type MonitorSetConfig = readonly (string | MonitorSpec)[] | Readonly<Record<string, MonitorOptions | boolean>>;

/** A configuration error; `field` is the dotted path of the offending value. */
export class MonitorConfigError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'MonitorConfigError';
  }
}

/** A name that no registered monitor has. */
export class UnknownMonitorError extends MonitorConfigError {
  constructor(
    field: string,
    readonly monitor: string,
    readonly known: readonly string[],
  ) {
    super(field, `unknown monitor "${monitor}" (known: ${known.join(', ') || 'none'})`);
    this.name = 'UnknownMonitorError';
  }
}

/** Monitor names: lower-case words joined by `_` (they are metric and column labels). */
const NAME_RE = /^[a-z][a-z0-9_]*$/;

export class MonitorRegistry {
  private readonly factories = new Map<string, MonitorFactory>();

  /** Registers `factory` under `name`; a second registration of the same name throws. */
  register(name: string, factory: MonitorFactory): this {
    if (!NAME_RE.test(name)) throw new Error(`monitor name "${name}" must match ${NAME_RE.source}`);
    if (this.factories.has(name)) throw new Error(`monitor "${name}" is already registered`);
    this.factories.set(name, factory);
    return this;
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.factories.keys()];
  }

  /** Builds one monitor; errors name `monitors.NAME` and the option. */
  create(name: string, options: MonitorOptions = {}, field = `monitors.${name}`): Monitor {
    const factory = this.factories.get(name);
    if (!factory) throw new UnknownMonitorError(field, name, this.names());
    if (options === null || typeof options !== 'object' || Array.isArray(options))
      throw new MonitorConfigError(field, 'options must be an object');
    try {
      return factory(options);
    } catch (err) {
      if (err instanceof MonitorConfigError) throw new MonitorConfigError(`${field}.${err.field}`, problemOf(err));
      throw err;
    }
  }

  /** Builds every monitor of `config`, in order; a name given twice is an error. */
  build(config: MonitorSetConfig): Monitor[] {
    const specs: { name: string; options: MonitorOptions; field: string }[] = [];
    if (Array.isArray(config)) {
      (config as readonly (string | MonitorSpec)[]).forEach((entry, i) => {
        const field = `monitors[${i}]`;
        if (typeof entry === 'string') specs.push({ name: entry, options: {}, field });
        else if (entry && typeof entry === 'object' && typeof entry.name === 'string')
          specs.push({ name: entry.name, options: entry.options ?? {}, field });
        else throw new MonitorConfigError(field, 'must be a monitor name or {name, options}');
      });
    } else if (config && typeof config === 'object') {
      for (const [name, value] of Object.entries(config as Record<string, MonitorOptions | boolean>)) {
        if (value === false) continue;
        specs.push({ name, options: value === true ? {} : value, field: `monitors.${name}` });
      }
    } else {
      throw new MonitorConfigError('monitors', 'must be a list of names or an object by name');
    }
    const seen = new Set<string>();
    return specs.map(({ name, options, field }) => {
      if (seen.has(name)) throw new MonitorConfigError(field, `monitor "${name}" is configured twice`);
      seen.add(name);
      return this.create(name, options, field);
    });
  }
}

function problemOf(err: MonitorConfigError): string {
  return err.message.slice(err.field.length + 2);
}

// Option readers shared by the factories; each throws with the option's name as the field.

/** Throws when `options` holds a key not in `allowed` (a misspelt option must not be silently ignored). */
export function rejectUnknownOptions(options: MonitorOptions, allowed: readonly string[]): void {
  for (const key of Object.keys(options))
    if (!allowed.includes(key)) throw new MonitorConfigError(key, `unknown option (allowed: ${allowed.join(', ')})`);
}

/** A number in [min, max], or `fallback` when absent. */
export function readNumber(options: MonitorOptions, key: string, fallback: number, min: number, max: number): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new MonitorConfigError(key, `must be a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return value;
}

/** A flag threshold in [0, 1]. */
export function readThreshold(options: MonitorOptions, fallback: number): number {
  return readNumber(options, 'threshold', fallback, 0, 1);
}

/** `cot`, `action` or `all`. */
export function readScope(options: MonitorOptions, fallback: MonitorScope): MonitorScope {
  const value = options.scope;
  if (value === undefined) return fallback;
  if (value !== 'cot' && value !== 'action' && value !== 'all')
    throw new MonitorConfigError('scope', `must be "cot", "action" or "all", got ${JSON.stringify(value)}`);
  return value;
}
