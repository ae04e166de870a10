/**
 * Metric points into detection: each canonical point goes where it is judged. Gauges and counter rates
 * into their series' window (metric-window.ts); XID, ECC, NVLink and throttle points to the event rules
 * (events.ts); `up`, nvidia-smi's `gpu.telemetry.up` and every point's source to the gap tracker
 * (gaps.ts); the entity edges they carry to the peer groups (peers.ts). Staleness markers count as no
 * data; counters and cumulative histograms are turned into increases against their previous point.
 */
import type { MetricPoint } from '../model/metric.js';
import type { EventRules } from './events.js';
import type { GapTracker } from './gaps.js';
import type { Lane } from './lane.js';
import { attributesKey, CounterMemory, MetricAcc } from './metric-window.js';
import type { PeerGroups } from './peers.js';
import { firstOfKind, seriesEntity, sourceEntity, targetEntity } from './point-entities.js';

/** Gauges judged by their mean over a window (the power limit rescales power draw). */
export const GAUGES: ReadonlySet<string> = new Set(['gpu.clock.sm', 'gpu.temperature', 'gpu.power.draw', 'gpu.power.limit', 'gpu.utilization', 'gpu.memory.used', 'engine.kv_cache.usage', 'engine.requests.waiting']);
/** Histograms judged by their mean over a window. */
export const HISTOGRAM_MEANS: ReadonlySet<string> = new Set(['engine.ttft', 'engine.itl']);
const FLAG_NO_RECORDED_VALUE = 1;

/** A metric lane's open window. */
export interface MetricBucket {
  readonly idx: number;
  readonly startMs: number;
  readonly metrics: Map<string, MetricAcc>;
}

export class MetricIntake {
  private readonly counters = new CounterMemory();
  private readonly volatileEcc = new Set<string>();

  constructor(
    private readonly lane: Lane<MetricBucket>,
    private readonly events: EventRules,
    private readonly gaps: GapTracker,
    private readonly groups: PeerGroups,
    private readonly windowMs: number,
  ) {}

  /** Takes one point in (false when it is not admitted: no canonical signal, late, or far ahead). */
  point(p: MetricPoint): boolean {
    if (p.signal === null && p.name !== 'up') return false;
    const t = Number(p.timeUnixNano) / 1e6;
    if (!this.lane.clock.admit(t)) return false;
    this.route(p, t);
    return true;
  }

  private route(p: MetricPoint, t: number): void {
    const sig = p.signal;
    const isUp = p.name === 'up';
    const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
    if (isUp) {
      const target = targetEntity(p);
      if (target !== null && !stale && p.value !== null) this.gaps.up(target, t, p.value > 0);
      return;
    }
    for (const e of p.entities.edges) this.groups.noteEdge(e);
    if (stale) return;
    const name = sig!.name;
    const source = sourceEntity(p);
    if (source !== null) this.gaps.data(source, t);
    if (name === 'gpu.telemetry.up') {
      const host = firstOfKind(p.entities.refs, 'host');
      if (host !== null && sig!.value !== null) this.gaps.up(host, t, sig!.value > 0);
      return;
    }
    const entity = seriesEntity(p, name);
    if (entity === null) return;
    const value = sig!.value;
    if (GAUGES.has(name)) {
      if (value === null || !Number.isFinite(value)) return;
      const acc = this.metricAcc(t, entity, name);
      acc.sum += value;
      acc.n++;
      return;
    }
    switch (name) {
      case 'engine.preemptions': {
        const inc = this.increase(p, entity, name, value, 0, t);
        if (inc === null) return;
        const acc = this.metricAcc(t, entity, name);
        acc.increase += inc.inc;
        acc.spanMs += inc.dtMs;
        return;
      }
      case 'gpu.xid':
        if (value !== null) this.events.xid(entity, t, value);
        return;
      case 'gpu.xid.count': {
        const code = Number(sig!.labels.xid);
        if (value !== null && value > 0 && Number.isInteger(code) && code > 0) this.events.xid(entity, t, code, true);
        return;
      }
      case 'gpu.ecc.errors.volatile':
      case 'gpu.ecc.errors.aggregate': {
        if (sig!.labels.type !== 'double_bit') return;
        const volatile = name === 'gpu.ecc.errors.volatile';
        if (volatile) this.volatileEcc.add(entity);
        const inc = this.increase(p, entity, name, value, 0, t);
        // Both counters count the same errors: the aggregate only for GPUs reporting no volatile count.
        if (inc !== null && (volatile || !this.volatileEcc.has(entity))) this.events.eccIncrease(entity, t, inc.inc);
        return;
      }
      case 'gpu.nvlink.errors': {
        const inc = this.increase(p, entity, name, value, 0, t);
        if (inc !== null) this.events.nvlinkIncrease(entity, t, inc.inc, sig!.labels.type);
        return;
      }
      case 'gpu.throttle.reasons': {
        const reasons = sig!.labels.reasons;
        if (reasons === undefined) return;
        const list = reasons === 'none' ? [] : reasons.split(',');
        this.events.throttle(entity, t, list.map((reason) => ({ reason, active: true })), true);
        return;
      }
      case 'gpu.throttled': {
        const reason = sig!.labels.reason;
        if (reason !== undefined && value !== null) this.events.throttle(entity, t, [{ reason, active: value > 0 }], false);
        return;
      }
    }
    if (HISTOGRAM_MEANS.has(name) && p.count !== null && p.sum !== null && sig!.labels.part === undefined) {
      const inc = this.increase(p, entity, name, p.count, p.sum, t);
      if (inc === null || inc.inc <= 0) return;
      const acc = this.metricAcc(t, entity, name);
      acc.histCount += inc.inc;
      acc.histSum += inc.sumInc;
    }
  }

  /** A counter's (or histogram's) increase: deltas as sent, cumulative values against the previous point. */
  private increase(p: MetricPoint, entity: string, name: string, v: number | null, sum: number, t: number): { inc: number; sumInc: number; dtMs: number } | null {
    if (v === null || !Number.isFinite(v)) return null;
    if (p.temporality === 1) {
      const dt = Number(p.timeUnixNano - p.startTimeUnixNano) / 1e6;
      return { inc: v, sumInc: sum, dtMs: dt > 0 ? dt : this.windowMs };
    }
    return this.counters.increase(`${entity}\u0000${name}\u0000${attributesKey(p.attributes)}`, v, sum, t);
  }

  private metricAcc(t: number, entity: string, signal: string): MetricAcc {
    const b = this.lane.bucket(t);
    const key = `${entity}\u0000${signal}`;
    let acc = b.metrics.get(key);
    if (acc === undefined) b.metrics.set(key, (acc = new MetricAcc(entity, signal)));
    return acc;
  }
}
