/**
 * DerivedMetrics: an in-memory registry of the gauges and counters Strata exports at GET /metrics.
 * A family is a metric name with its help and type; a series is one label set of it. Rendering is
 * deterministic: families by name, series by their label values in the family's label order.
 */
import { escapeHelp, formatLabels, formatValue, isLabelName, isMetricName } from './text-format.js';

export type MetricType = 'gauge' | 'counter';

export type Labels = Readonly<Record<string, string>>;

interface Series {
  readonly labels: readonly (readonly [string, string])[];
  value: number;
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  /** Label names, sorted; every series of the family has exactly these. */
  readonly labelNames: readonly string[];
  readonly series: Map<string, Series>;
}

export class MetricsError extends Error {
  override readonly name = 'MetricsError';
}

/** The key of a label set: values in label-name order, joined by a separator no value can hold unescaped. */
function seriesKey(labels: readonly (readonly [string, string])[]): string {
  return JSON.stringify(labels.map(([, v]) => v));
}

export class DerivedMetrics {
  private readonly families = new Map<string, Family>();

  /** Sets a gauge series to `value`. */
  set(name: string, help: string, labels: Labels, value: number): void {
    const series = this.series(name, help, 'gauge', labels);
    series.value = value;
  }

  /** Adds `by` (default 1, never negative) to a counter series, created at 0. */
  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new MetricsError(`${name}: a counter only goes up, got an increment of ${by}`);
    const series = this.series(name, help, 'counter', labels);
    series.value += by;
  }

  /** Declares a family without series (so its HELP and TYPE are exposed before the first value). */
  declare(name: string, help: string, type: MetricType, labelNames: readonly string[] = []): void {
    this.family(name, help, type, [...labelNames].sort());
  }

  /** The value of one series, or undefined. */
  get(name: string, labels: Labels = {}): number | undefined {
    const f = this.families.get(name);
    if (!f) return undefined;
    return f.series.get(seriesKey(this.ordered(f, labels)))?.value;
  }

  /** Removes one series (an entity that went away); returns whether it existed. */
  delete(name: string, labels: Labels = {}): boolean {
    const f = this.families.get(name);
    if (!f) return false;
    return f.series.delete(seriesKey(this.ordered(f, labels)));
  }

  /** Removes every series of a family, keeping its HELP and TYPE. */
  clear(name: string): void {
    this.families.get(name)?.series.clear();
  }

  /** The label sets of a family's series. */
  labelsOf(name: string): Labels[] {
    const f = this.families.get(name);
    if (!f) return [];
    return [...f.series.values()].map((s) => Object.fromEntries(s.labels));
  }

  /** The text exposition (format 0.0.4) of every family. */
  render(): string {
    const out: string[] = [];
    for (const name of [...this.families.keys()].sort()) {
      const f = this.families.get(name)!;
      out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
      const keys = [...f.series.keys()].sort();
      for (const k of keys) {
        const s = f.series.get(k)!;
        out.push(`${f.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
      }
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }

  private family(name: string, help: string, type: MetricType, labelNames: readonly string[]): Family {
    const existing = this.families.get(name);
    if (existing) {
      if (existing.type !== type) throw new MetricsError(`${name}: is a ${existing.type}, not a ${type}`);
      if (existing.labelNames.join(',') !== labelNames.join(','))
        throw new MetricsError(`${name}: has labels {${existing.labelNames.join(', ')}}, got {${labelNames.join(', ')}}`);
      return existing;
    }
    if (!isMetricName(name)) throw new MetricsError(`${JSON.stringify(name)}: not a valid metric name`);
    for (const l of labelNames) if (!isLabelName(l)) throw new MetricsError(`${name}: ${JSON.stringify(l)} is not a valid label name`);
    const f: Family = { name, help, type, labelNames, series: new Map() };
    this.families.set(name, f);
    return f;
  }

  private series(name: string, help: string, type: MetricType, labels: Labels): Series {
    const f = this.family(name, help, type, Object.keys(labels).sort());
    const ordered = this.ordered(f, labels);
    const key = seriesKey(ordered);
    let s = f.series.get(key);
    if (!s) {
      s = { labels: ordered, value: 0 };
      f.series.set(key, s);
    }
    return s;
  }

  private ordered(f: Family, labels: Labels): (readonly [string, string])[] {
    const names = Object.keys(labels).sort();
    if (names.join(',') !== f.labelNames.join(',')) throw new MetricsError(`${f.name}: has labels {${f.labelNames.join(', ')}}, got {${names.join(', ')}}`);
    return f.labelNames.map((n) => [n, String(labels[n])] as const);
  }
}
