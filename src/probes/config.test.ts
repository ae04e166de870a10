import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_PROBE_CONFIG, parseProbeConfig, ProbeConfigError } from './config.js';
import { DEFAULT_PROPOSITION_PATTERNS } from './extract.js';

const YAML = `
probes:
  linear:
    - name: deception
      layer: 12
      weights: [0.5, -1, 2]
      bias: 0.25
      threshold: 0.5
    - name: bias
      layer: 20
      weights_file: weights/bias.json
      threshold: 3
      activation: my.activations
      link: identity
  consistency:
    threshold: 0.4
    patterns:
      - { predicate: Speaks, pattern: "(?<subject>[A-Z]\\\\w+) speaks (?<object>\\\\w+)" }
`;

const files: Record<string, string> = { '/etc/strata/weights/bias.json': '[1, 2, 3, 4]' };
const readFile = (p: string) => {
  if (!(p in files)) throw new Error(`ENOENT: ${p}`);
  return files[p];
};
const opts = { baseDir: '/etc/strata', readFile };
const probe = (over: Record<string, unknown>) => ({ name: 'p', layer: 1, weights: [1], threshold: 0.5, ...over });
const err = (raw: unknown) => {
  try {
    parseProbeConfig(raw, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ProbeConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ProbeConfigError');
};

describe('parseProbeConfig', () => {
  it('absent gives the defaults', () => {
    expect(parseProbeConfig(undefined)).toBe(DEFAULT_PROBE_CONFIG);
    expect(DEFAULT_PROBE_CONFIG).toEqual({ linear: [], consistency: { enabled: true, threshold: 0.5, patterns: DEFAULT_PROPOSITION_PATTERNS } });
  });

  it('reads the documented YAML: inline weights, a weights file, defaults filled in', () => {
    const c = parseProbeConfig(parse(YAML).probes, opts);
    expect(c.linear).toEqual([
      { name: 'deception', layer: 12, weights: Float64Array.of(0.5, -1, 2), bias: 0.25, threshold: 0.5, activation: 'strata.probe.activations', link: 'sigmoid' },
      { name: 'bias', layer: 20, weights: Float64Array.of(1, 2, 3, 4), bias: 0, threshold: 3, activation: 'my.activations', link: 'identity' },
    ]);
    expect(c.consistency.threshold).toBe(0.4);
    expect(c.consistency.patterns.map((p) => p.predicate)).toEqual(['WorksAs', 'LivesIn', 'From', 'Likes', 'Speaks']);
    expect(parseProbeConfig({ consistency: { default_patterns: false, patterns: [{ predicate: 'A', pattern: '(?<subject>a)(?<object>b)' }] } }).consistency.patterns).toEqual([
      { predicate: 'A', pattern: '(?<subject>a)(?<object>b)' },
    ]);
  });

  it('a bare list is the linear probes; errors then name probes[i]', () => {
    expect(parseProbeConfig([probe({})]).linear).toHaveLength(1);
    expect(err([probe({}), probe({ name: 'q' }), probe({ name: 'r', weights: [1, NaN] })])).toBe('probes[2].weights[1]: expected a finite number, got NaN');
  });

  it('errors name the field', () => {
    const one = (over: Record<string, unknown>) => err({ linear: [probe(over)] });
    expect(one({ weights: [1, Infinity] })).toBe('probes.linear[0].weights[1]: expected a finite number, got Infinity');
    expect(one({ weights: [1, 'a'] })).toBe('probes.linear[0].weights[1]: expected a finite number, got "a"');
    expect(one({ weights: [] })).toBe('probes.linear[0].weights: expected a non-empty list of numbers');
    expect(one({ weights: undefined })).toBe('probes.linear[0].weights: required (or weights_file)');
    expect(one({ weights_file: 'x.json' })).toBe('probes.linear[0]: give weights or weights_file, not both');
    expect(one({ weights: undefined, weights_file: 'missing.json' })).toMatch(/^probes\.linear\[0\]\.weights_file: cannot read \/etc\/strata\/missing\.json as JSON \(ENOENT/);
    files['/etc/strata/nan.json'] = '[1, "NaN"]';
    expect(one({ weights: undefined, weights_file: 'nan.json' })).toBe('probes.linear[0].weights_file (/etc/strata/nan.json)[1]: expected a finite number, got "NaN"');
    expect(one({ name: '' })).toBe('probes.linear[0].name: expected a non-empty string, got ""');
    expect(one({ layer: undefined })).toBe('probes.linear[0].layer: required');
    expect(one({ layer: 1.5 })).toBe('probes.linear[0].layer: expected an integer of 0 or more, got 1.5');
    expect(one({ threshold: undefined })).toBe('probes.linear[0].threshold: required');
    expect(one({ threshold: 2 })).toBe('probes.linear[0].threshold: expected a value in [0, 1] with the sigmoid link, got 2');
    expect(one({ bias: NaN })).toBe('probes.linear[0].bias: expected a finite number, got NaN');
    expect(one({ link: 'tanh' })).toBe('probes.linear[0].link: expected one of sigmoid, identity, got "tanh"');
    expect(one({ activation: 3 })).toBe('probes.linear[0].activation: expected a non-empty string, got 3');
    expect(one({ weight: [1] })).toBe('probes.linear[0].weight: unknown setting (known: name, layer, weights, weights_file, bias, threshold, activation, link)');
    expect(err({ linear: [probe({}), probe({})] })).toBe('probes.linear[1].name: "p" is already used by another probe');
    expect(err({ linear: {} })).toBe('probes.linear: expected a list of probes');
    expect(err({ consistency: { threshold: 1.5 } })).toBe('probes.consistency.threshold: expected a value in [0, 1], got 1.5');
    expect(err({ consistency: { enabled: 'yes' } })).toBe('probes.consistency.enabled: expected true or false, got "yes"');
    expect(err({ consistency: { patterns: [{ predicate: 'A', pattern: '(?<subject>a)' }] } })).toBe('probes.consistency.patterns[0].pattern: needs a named group (?<object>...)');
    expect(err({ consistency: { patterns: [{ predicate: 'A', pattern: '(' }] } })).toMatch(/^probes\.consistency\.patterns\[0\]\.pattern: Invalid regular expression/);
    expect(err({ consistency: { default_patterns: false } })).toBe('probes.consistency.patterns: required when default_patterns is false');
    expect(err({ extra: 1 })).toBe('probes.extra: unknown setting (known: linear, consistency)');
    expect(err('x')).toBe('probes: expected a mapping (linear, consistency) or a list of probes, got "x"');
  });
});
