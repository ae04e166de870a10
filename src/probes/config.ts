/**
 * The `probes:` configuration section: linear probes Strata applies to activation vectors, and the
 * propositional-consistency settings (docs/probes.md, "Configuration").
 *
 * ```yaml
 * probes:
 *   linear:
 *     - name: deception              # unique
 *       layer: 12                    # the model layer the activations come from
 *       weights: [0.12, -0.40, 0.05] # or weights_file: probes/deception.json (a JSON array of numbers)
 *       bias: -0.3                   # default 0
 *       threshold: 0.5               # alarm when score >= threshold (in [0, 1] with the sigmoid link)
 *       activation: strata.probe.activations  # event (or span attribute) carrying the vector; this default
 *       link: sigmoid                # sigmoid (default) | identity
 *   consistency:
 *     enabled: true                  # default true
 *     threshold: 0.5                 # alarm when agreement < threshold; default 0.5
 *     default_patterns: true         # keep the built-in patterns beside the ones below; default true
 *     patterns:
 *       - { predicate: Speaks, pattern: "(?<subject>[A-Z]\\w+) speaks (?<object>\\w+)", flags: "" }
 * ```
 *
 * The section may also be just the list of linear probes (`probes: [ {...}, ... ]`); errors then name
 * `probes[i].field` instead of `probes.linear[i].field`.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ACTIVATIONS_EVENT } from './activations.js';
import { compilePattern, DEFAULT_PROPOSITION_PATTERNS, PropositionPatternError, type PropositionPattern } from './extract.js';
import { LINK_FUNCTIONS, type LinearProbe, type LinkFunction } from './linear.js';

export interface ConsistencyConfig {
  readonly enabled: boolean;
  /** Agreement below this raises the consistency alarm. */
  readonly threshold: number;
  /** The extractor's patterns, defaults included unless `default_patterns: false`. */
  readonly patterns: readonly PropositionPattern[];
}

export interface ProbeConfig {
  readonly linear: readonly LinearProbe[];
  readonly consistency: ConsistencyConfig;
}

export const DEFAULT_CONSISTENCY_THRESHOLD = 0.5;
export const DEFAULT_LINK: LinkFunction = 'sigmoid';
export const DEFAULT_BIAS = 0;

export const DEFAULT_CONSISTENCY_CONFIG: ConsistencyConfig = {
  enabled: true,
  threshold: DEFAULT_CONSISTENCY_THRESHOLD,
  patterns: DEFAULT_PROPOSITION_PATTERNS,
};

export const DEFAULT_PROBE_CONFIG: ProbeConfig = { linear: [], consistency: DEFAULT_CONSISTENCY_CONFIG };

export class ProbeConfigError extends Error {
  override readonly name = 'ProbeConfigError';
}

export interface ProbeConfigOptions {
  /** Directory a relative `weights_file` is resolved against; default the working directory. */
  readonly baseDir?: string;
  /** Reads a weights file as text; default `fs.readFileSync(path, 'utf8')` (tests pass a stand-in). */
  readonly readFile?: (path: string) => string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function known(raw: Record<string, unknown>, where: string, keys: readonly string[]): void {
  for (const k of Object.keys(raw)) if (!keys.includes(k)) throw new ProbeConfigError(`${where}.${k}: unknown setting (known: ${keys.join(', ')})`);
}

function show(v: unknown): string {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : JSON.stringify(v);
}

function finite(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ProbeConfigError(`${where}: expected a finite number, got ${show(v)}`);
  return v;
}

function text(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new ProbeConfigError(`${where}: expected a non-empty string, got ${show(v)}`);
  return v;
}

function weightsFrom(list: unknown, where: string): Float64Array {
  if (!Array.isArray(list) || list.length === 0) throw new ProbeConfigError(`${where}: expected a non-empty list of numbers`);
  const w = new Float64Array(list.length);
  for (let i = 0; i < list.length; i++) w[i] = finite(list[i], `${where}[${i}]`);
  return w;
}

const PROBE_KEYS = ['name', 'layer', 'weights', 'weights_file', 'bias', 'threshold', 'activation', 'link'];

function parseProbe(raw: unknown, where: string, options: ProbeConfigOptions): LinearProbe {
  if (!isRecord(raw)) throw new ProbeConfigError(`${where}: expected a mapping, got ${show(raw)}`);
  known(raw, where, PROBE_KEYS);
  const name = text(raw.name, `${where}.name`);
  if (raw.layer === undefined) throw new ProbeConfigError(`${where}.layer: required`);
  const layer = raw.layer;
  if (typeof layer !== 'number' || !Number.isSafeInteger(layer) || layer < 0) throw new ProbeConfigError(`${where}.layer: expected an integer of 0 or more, got ${show(layer)}`);
  let weights: Float64Array;
  if (raw.weights !== undefined && raw.weights_file !== undefined) throw new ProbeConfigError(`${where}: give weights or weights_file, not both`);
  if (raw.weights !== undefined) weights = weightsFrom(raw.weights, `${where}.weights`);
  else if (raw.weights_file !== undefined) {
    const file = text(raw.weights_file, `${where}.weights_file`);
    const path = isAbsolute(file) ? file : resolve(options.baseDir ?? process.cwd(), file);
    let parsed: unknown;
    try {
      parsed = JSON.parse((options.readFile ?? ((p: string) => readFileSync(p, 'utf8')))(path));
    } catch (err) {
      throw new ProbeConfigError(`${where}.weights_file: cannot read ${path} as JSON (${(err as Error).message})`);
    }
    weights = weightsFrom(parsed, `${where}.weights_file (${path})`);
  } else throw new ProbeConfigError(`${where}.weights: required (or weights_file)`);
  const bias = raw.bias === undefined ? DEFAULT_BIAS : finite(raw.bias, `${where}.bias`);
  if (raw.threshold === undefined) throw new ProbeConfigError(`${where}.threshold: required`);
  const threshold = finite(raw.threshold, `${where}.threshold`);
  const activation = raw.activation === undefined ? ACTIVATIONS_EVENT : text(raw.activation, `${where}.activation`);
  let link = DEFAULT_LINK;
  if (raw.link !== undefined) {
    if (!(LINK_FUNCTIONS as readonly unknown[]).includes(raw.link)) throw new ProbeConfigError(`${where}.link: expected one of ${LINK_FUNCTIONS.join(', ')}, got ${show(raw.link)}`);
    link = raw.link as LinkFunction;
  }
  if (link === 'sigmoid' && (threshold < 0 || threshold > 1)) throw new ProbeConfigError(`${where}.threshold: expected a value in [0, 1] with the sigmoid link, got ${threshold}`);
  return { name, layer, weights, bias, threshold, activation, link };
}

function parseConsistency(raw: unknown, where: string): ConsistencyConfig {
  if (raw === undefined || raw === null) return DEFAULT_CONSISTENCY_CONFIG;
  if (!isRecord(raw)) throw new ProbeConfigError(`${where}: expected a mapping, got ${show(raw)}`);
  known(raw, where, ['enabled', 'threshold', 'default_patterns', 'patterns']);
  let enabled = true;
  if (raw.enabled !== undefined) {
    if (typeof raw.enabled !== 'boolean') throw new ProbeConfigError(`${where}.enabled: expected true or false, got ${show(raw.enabled)}`);
    enabled = raw.enabled;
  }
  let threshold = DEFAULT_CONSISTENCY_THRESHOLD;
  if (raw.threshold !== undefined) {
    threshold = finite(raw.threshold, `${where}.threshold`);
    if (threshold < 0 || threshold > 1) throw new ProbeConfigError(`${where}.threshold: expected a value in [0, 1], got ${threshold}`);
  }
  let useDefaults = true;
  if (raw.default_patterns !== undefined) {
    if (typeof raw.default_patterns !== 'boolean') throw new ProbeConfigError(`${where}.default_patterns: expected true or false, got ${show(raw.default_patterns)}`);
    useDefaults = raw.default_patterns;
  }
  const custom: PropositionPattern[] = [];
  if (raw.patterns !== undefined) {
    if (!Array.isArray(raw.patterns)) throw new ProbeConfigError(`${where}.patterns: expected a list of {predicate, pattern}`);
    raw.patterns.forEach((p, i) => {
      const at = `${where}.patterns[${i}]`;
      if (!isRecord(p)) throw new ProbeConfigError(`${at}: expected a mapping with predicate and pattern`);
      known(p, at, ['predicate', 'pattern', 'flags']);
      const pattern: PropositionPattern = {
        predicate: text(p.predicate, `${at}.predicate`),
        pattern: text(p.pattern, `${at}.pattern`),
        ...(p.flags === undefined ? {} : { flags: typeof p.flags === 'string' ? p.flags : text(p.flags, `${at}.flags`) }),
      };
      try {
        compilePattern(pattern, at);
      } catch (err) {
        if (err instanceof PropositionPatternError) throw new ProbeConfigError(err.message);
        throw err;
      }
      custom.push(pattern);
    });
  }
  const patterns = useDefaults ? [...DEFAULT_PROPOSITION_PATTERNS, ...custom] : custom;
  if (enabled && patterns.length === 0) throw new ProbeConfigError(`${where}.patterns: required when default_patterns is false`);
  return { enabled, threshold, patterns };
}

/**
 * Validates the raw `probes:` section (as parsed from YAML); undefined or null gives
 * {@link DEFAULT_PROBE_CONFIG}. Throws {@link ProbeConfigError} naming the field, e.g.
 * `probes.linear[2].weights[5]: expected a finite number, got NaN`.
 */
export function parseProbeConfig(raw: unknown, options: ProbeConfigOptions = {}): ProbeConfig {
  if (raw === undefined || raw === null) return DEFAULT_PROBE_CONFIG;
  let list: unknown = [];
  let listWhere = 'probes';
  let consistency = DEFAULT_CONSISTENCY_CONFIG;
  if (Array.isArray(raw)) list = raw;
  else if (isRecord(raw)) {
    known(raw, 'probes', ['linear', 'consistency']);
    if (raw.linear !== undefined && raw.linear !== null) list = raw.linear;
    listWhere = 'probes.linear';
    consistency = parseConsistency(raw.consistency, 'probes.consistency');
  } else throw new ProbeConfigError(`probes: expected a mapping (linear, consistency) or a list of probes, got ${show(raw)}`);
  if (!Array.isArray(list)) throw new ProbeConfigError(`${listWhere}: expected a list of probes`);
  const linear = list.map((p, i) => parseProbe(p, `${listWhere}[${i}]`, options));
  const seen = new Set<string>();
  linear.forEach((p, i) => {
    if (seen.has(p.name)) throw new ProbeConfigError(`${listWhere}[${i}].name: ${JSON.stringify(p.name)} is already used by another probe`);
    seen.add(p.name);
  });
  return { linear, consistency };
}
