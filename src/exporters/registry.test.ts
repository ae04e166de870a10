import { describe, expect, it } from 'vitest';
import { DerivedMetrics, MetricsError } from './registry.js';
import { escapeHelp, escapeLabelValue, formatValue } from './text-format.js';

describe('text format 0.0.4', () => {
  it('escapes label values and help text as the format says', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(escapeHelp('line 1\nback\\slash "quoted"')).toBe('line 1\\nback\\\\slash "quoted"');
  });

  it('writes special floats as Go does', () => {
    expect([NaN, Infinity, -Infinity, 0.25, -3, 1e21].map(formatValue)).toEqual(['NaN', '+Inf', '-Inf', '0.25', '-3', '1e+21']);
  });
});

describe('DerivedMetrics', () => {
  it('renders families by name and series by label values, each family with HELP and TYPE', () => {
    const m = new DerivedMetrics();
    m.set('zeta_gauge', 'Last family.', {}, 1);
    m.set('alpha_gauge', 'Per model and replica.', { replica: 'r2', model: 'm' }, 0.5);
    m.set('alpha_gauge', 'Per model and replica.', { model: 'm', replica: 'r1' }, 0.75);
    m.inc('beta_total', 'A counter.', { outcome: 'sent' });
    m.inc('beta_total', 'A counter.', { outcome: 'sent' }, 2);
    m.inc('beta_total', 'A counter.', { outcome: 'failed' });
    expect(m.render()).toBe(
      [
        '# HELP alpha_gauge Per model and replica.',
        '# TYPE alpha_gauge gauge',
        'alpha_gauge{model="m",replica="r1"} 0.75',
        'alpha_gauge{model="m",replica="r2"} 0.5',
        '# HELP beta_total A counter.',
        '# TYPE beta_total counter',
        'beta_total{outcome="failed"} 1',
        'beta_total{outcome="sent"} 3',
        '# HELP zeta_gauge Last family.',
        '# TYPE zeta_gauge gauge',
        'zeta_gauge 1',
        '',
      ].join('\n'),
    );
  });

  it('renders the same text whatever order the series were set in', () => {
    const a = new DerivedMetrics();
    const b = new DerivedMetrics();
    const series = [['x', 'y', 1], ['x', 'a', 2], ['b', 'z', 3]] as const;
    for (const [model, replica, v] of series) a.set('g', 'h', { model, replica }, v);
    for (const [model, replica, v] of [...series].reverse()) b.set('g', 'h', { replica, model }, v);
    expect(a.render()).toBe(b.render());
  });

  it('escapes label values in the exposition', () => {
    const m = new DerivedMetrics();
    m.set('g', 'h\nmore', { replica: 'a"b\\c\nd' }, 1);
    expect(m.render()).toBe('# HELP g h\\nmore\n# TYPE g gauge\ng{replica="a\\"b\\\\c\\nd"} 1\n');
  });

  it('overwrites gauges, reads, deletes and clears series, and exposes declared families without series', () => {
    const m = new DerivedMetrics();
    m.declare('empty_total', 'Nothing yet.', 'counter', ['receiver']);
    m.set('g', 'h', { a: '1' }, 5);
    m.set('g', 'h', { a: '1' }, 6);
    m.set('g', 'h', { a: '2' }, 7);
    expect(m.get('g', { a: '1' })).toBe(6);
    expect(m.labelsOf('g')).toEqual([{ a: '1' }, { a: '2' }]);
    expect(m.delete('g', { a: '1' })).toBe(true);
    expect(m.delete('g', { a: '1' })).toBe(false);
    expect(m.render()).toBe('# HELP empty_total Nothing yet.\n# TYPE empty_total counter\n# HELP g h\n# TYPE g gauge\ng{a="2"} 7\n');
    m.clear('g');
    expect(m.get('g', { a: '2' })).toBeUndefined();
  });

  it('refuses invalid names, label sets that differ from the family, type changes and negative increments', () => {
    const m = new DerivedMetrics();
    expect(() => m.set('bad-name', 'h', {}, 1)).toThrow(MetricsError);
    expect(() => m.set('g', 'h', { 'bad-label': 'x' }, 1)).toThrow(/not a valid label name/);
    expect(() => m.set('g', 'h', { __name__: 'x' }, 1)).toThrow(/not a valid label name/);
    m.set('g', 'h', { a: '1' }, 1);
    expect(() => m.set('g', 'h', { b: '1' }, 1)).toThrow('g: has labels {a}, got {b}');
    expect(() => m.inc('g', 'h', { a: '1' })).toThrow('g: is a gauge, not a counter');
    expect(() => m.inc('c_total', 'h', {}, -1)).toThrow(/only goes up/);
  });
});
