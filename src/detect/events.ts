/**
 * Rules for GPU telemetry that is bad by definition, no baseline needed:
 * - XID: a non-zero code (`gpu.xid`, or a positive `gpu.xid.count`) opens `XID <code>`; it closes when
 *   the GPU reports 0 again, or a hold time after the code last changed (DCGM keeps reporting the last
 *   code long after the error).
 * - Uncorrectable ECC: the double-bit counters (volatile or aggregate) increasing.
 * - Clock slowdowns: `hw_slowdown`, `hw_thermal`, `hw_power_brake` and `sw_thermal` (also spelled with
 *   `_slowdown`) set in `persistence` points in a row; `sw_power_cap` is weaker (one more point, a lower
 *   score), and not reported at all for a GPU whose warm-up showed it often (power capping is that GPU's
 *   normal). Closes after `recovery` points without the reasons.
 * - NVLink: the error counters' increase over the trailing minute reaching the threshold.
 * Events are per GPU: one open anomaly per rule, its detail updated as codes or reasons are added.
 */
import type { Anomaly } from './types.js';
import { eventSettings, type DetectionConfig } from './config.js';
import type { EventSpec } from './signals.js';
import type { Emit } from './shift-series.js';

const STRONG_SCORE = 10;
const WEAK_SCORE = 5;
const NVLINK_WINDOW_MS = 60_000;
/** Throttle observations per GPU before the weak reason's prevalence is known. */
const THROTTLE_WARMUP_POINTS = 30;
/** A weak reason active in more than this share of the warm-up is that GPU's normal. */
const WEAK_NORMAL_SHARE = 0.2;

const STRONG_REASONS: Readonly<Record<string, string>> = {
  hw_slowdown: 'hw_slowdown',
  hw_thermal: 'hw_thermal',
  hw_thermal_slowdown: 'hw_thermal',
  hw_power_brake: 'hw_power_brake',
  hw_power_brake_slowdown: 'hw_power_brake',
  sw_thermal: 'sw_thermal',
  sw_thermal_slowdown: 'sw_thermal',
};
const WEAK_REASONS: Readonly<Record<string, string>> = { sw_power_cap: 'sw_power_cap', power_cap: 'sw_power_cap' };

/** The reason name Strata reports and whether it is strong, or null for benign reasons (idle, app clocks, …). */
export function classifyReason(raw: string): { name: string; strong: boolean } | null {
  const r = raw.trim().toLowerCase();
  if (Object.hasOwn(STRONG_REASONS, r)) return { name: STRONG_REASONS[r], strong: true };
  if (Object.hasOwn(WEAK_REASONS, r)) return { name: WEAK_REASONS[r], strong: false };
  return null;
}

interface OpenEvent {
  readonly id: string;
  readonly entity: string;
  readonly signal: string;
  readonly startMs: number;
  lastMs: number;
  observed: number;
  score: number;
  detail: string;
}

function snapshot(o: OpenEvent, endMs: number | null): Anomaly {
  return {
    id: o.id,
    entity: o.entity,
    signal: o.signal,
    layer: 'infrastructure',
    kind: 'event',
    direction: null,
    startMs: o.startMs,
    lastMs: o.lastMs,
    endMs,
    baseline: null,
    observed: o.observed,
    score: o.score,
    detail: o.detail,
    examples: [],
  };
}

interface XidState {
  last: number | null;
  changedMs: number;
  codes: number[];
  open: OpenEvent | null;
}

interface CountEventState {
  lastIncMs: number;
  total: number;
  recent: { t: number; inc: number }[];
  types: Set<string>;
  open: OpenEvent | null;
}

interface ReasonState {
  activeRun: number;
  inactiveRun: number;
  firstActiveMs: number;
  inactiveSinceMs: number;
}

interface ThrottleState {
  reasons: Map<string, ReasonState>;
  points: number;
  weakActive: number;
  lastMs: number;
  open: OpenEvent | null;
}

export class EventRules {
  private readonly xidSpec: EventSpec | null;
  private readonly eccSpec: EventSpec | null;
  private readonly throttleSpec: EventSpec | null;
  private readonly nvlinkSpec: EventSpec | null;
  private readonly xids = new Map<string, XidState>();
  private readonly ecc = new Map<string, CountEventState>();
  private readonly nvlink = new Map<string, CountEventState>();
  private readonly throttles = new Map<string, ThrottleState>();

  constructor(
    config: DetectionConfig,
    private readonly recovery: number,
    private readonly emit: Emit,
  ) {
    this.xidSpec = eventSettings(config, 'gpu.xid');
    this.eccSpec = eventSettings(config, 'gpu.ecc.errors.volatile');
    this.throttleSpec = eventSettings(config, 'gpu.throttle.reasons');
    this.nvlinkSpec = eventSettings(config, 'gpu.nvlink.errors');
  }

  private openEvent(entity: string, signal: string, startMs: number, lastMs: number, observed: number, score: number, detail: string): OpenEvent {
    const o: OpenEvent = { id: `${entity}|${signal}|${startMs}`, entity, signal, startMs, lastMs, observed, score, detail };
    this.emit(snapshot(o, null), 'open');
    return o;
  }

  private close(o: OpenEvent, endMs: number): void {
    this.emit(snapshot(o, Math.max(endMs, o.startMs)), 'close');
  }

  private update(o: OpenEvent): void {
    this.emit(snapshot(o, null), 'update');
  }

  /**
   * An XID code reported for a GPU. `fromCount`: the code came from a per-code count in a recent window
   * (`gpu.xid.count`), which says it happened but not that it stopped.
   */
  xid(gpu: string, tMs: number, code: number, fromCount = false): void {
    if (this.xidSpec === null || !Number.isFinite(code)) return;
    let s = this.xids.get(gpu);
    if (s === undefined) this.xids.set(gpu, (s = { last: null, changedMs: tMs, codes: [], open: null }));
    if (code === 0) {
      if (fromCount) return;
      if (s.open !== null) this.close(s.open, tMs);
      s.open = null;
      s.codes = [];
      s.last = 0;
      s.changedMs = tMs;
      return;
    }
    const isNew = fromCount ? s.open === null || !s.codes.includes(code) : code !== s.last;
    if (!fromCount) s.last = code;
    if (!isNew) {
      if (s.open !== null) s.open.lastMs = Math.max(s.open.lastMs, tMs);
      return;
    }
    s.changedMs = tMs;
    if (!s.codes.includes(code)) s.codes.push(code);
    const detail = s.codes.map((c) => `XID ${c}`).join(', ');
    if (s.open === null) s.open = this.openEvent(gpu, 'gpu.xid', tMs, tMs, code, STRONG_SCORE, detail);
    else {
      s.open.lastMs = tMs;
      s.open.observed = code;
      s.open.detail = detail;
      this.update(s.open);
    }
  }

  /** Uncorrectable ECC errors counted since the GPU's previous point. */
  eccIncrease(gpu: string, tMs: number, inc: number): void {
    const spec = this.eccSpec;
    if (spec === null || !(inc > 0)) return;
    const s = this.countState(this.ecc, gpu);
    s.total += inc;
    s.lastIncMs = tMs;
    if (inc < spec.threshold && s.open === null) return;
    const detail = `uncorrectable ECC errors +${s.total}`;
    if (s.open === null) s.open = this.openEvent(gpu, 'gpu.ecc.errors.volatile', tMs, tMs, s.total, STRONG_SCORE, detail);
    else {
      s.open.lastMs = tMs;
      s.open.observed = s.total;
      s.open.detail = detail;
      this.update(s.open);
    }
  }

  /** NVLink errors counted since the GPU link's previous point. */
  nvlinkIncrease(gpu: string, tMs: number, inc: number, type: string | undefined): void {
    const spec = this.nvlinkSpec;
    if (spec === null || !(inc > 0)) return;
    const s = this.countState(this.nvlink, gpu);
    s.recent.push({ t: tMs, inc });
    while (s.recent.length > 0 && s.recent[0].t <= tMs - NVLINK_WINDOW_MS) s.recent.shift();
    if (type !== undefined) s.types.add(type);
    s.lastIncMs = tMs;
    let trailing = 0;
    for (const r of s.recent) trailing += r.inc;
    if (s.open === null && trailing < Math.max(spec.threshold, 1)) return;
    s.total += inc;
    const types = [...s.types].sort().join(', ');
    if (s.open === null) {
      s.total = trailing;
      s.open = this.openEvent(gpu, 'gpu.nvlink.errors', s.recent[0].t, tMs, s.total, STRONG_SCORE, `NVLink errors +${s.total}${types ? ` (${types})` : ''}`);
    } else {
      s.open.lastMs = tMs;
      s.open.observed = s.total;
      s.open.detail = `NVLink errors +${s.total}${types ? ` (${types})` : ''}`;
      this.update(s.open);
    }
  }

  private countState(map: Map<string, CountEventState>, gpu: string): CountEventState {
    let s = map.get(gpu);
    if (s === undefined) map.set(gpu, (s = { lastIncMs: 0, total: 0, recent: [], types: new Set(), open: null }));
    return s;
  }

  /**
   * Throttle reasons of a GPU at one time. `complete`: the list is every active reason (a decoded
   * bitmask), so reasons not in it are inactive; otherwise only the listed reasons are known.
   */
  throttle(gpu: string, tMs: number, observations: readonly { readonly reason: string; readonly active: boolean }[], complete: boolean): void {
    const spec = this.throttleSpec;
    if (spec === null) return;
    let s = this.throttles.get(gpu);
    if (s === undefined) this.throttles.set(gpu, (s = { reasons: new Map(), points: 0, weakActive: 0, lastMs: tMs, open: null }));
    s.lastMs = Math.max(s.lastMs, tMs);
    const seen = new Set<string>();
    let weakSeen = false;
    for (const o of observations) {
      const c = classifyReason(o.reason);
      if (c === null) continue;
      seen.add(c.name);
      if (!c.strong && o.active) weakSeen = true;
      this.observeReason(s, c.name, o.active, tMs);
    }
    if (complete) for (const name of s.reasons.keys()) if (!seen.has(name)) this.observeReason(s, name, false, tMs);
    if (complete || observations.some((o) => classifyReason(o.reason)?.strong === false)) {
      if (s.points < THROTTLE_WARMUP_POINTS) {
        s.points++;
        if (weakSeen) s.weakActive++;
      }
    }
    this.judgeThrottle(gpu, s, spec, tMs);
  }

  private observeReason(s: ThrottleState, name: string, active: boolean, tMs: number): void {
    let r = s.reasons.get(name);
    if (r === undefined) s.reasons.set(name, (r = { activeRun: 0, inactiveRun: 0, firstActiveMs: tMs, inactiveSinceMs: tMs }));
    if (active) {
      if (r.activeRun === 0) r.firstActiveMs = tMs;
      r.activeRun++;
      r.inactiveRun = 0;
    } else {
      if (r.inactiveRun === 0) r.inactiveSinceMs = tMs;
      r.inactiveRun++;
      r.activeRun = 0;
    }
  }

  private judgeThrottle(gpu: string, s: ThrottleState, spec: EventSpec, tMs: number): void {
    const weakIsNormal = s.points < THROTTLE_WARMUP_POINTS || s.weakActive > WEAK_NORMAL_SHARE * s.points;
    const qualifying: string[] = [];
    let strong = false;
    let startMs = Infinity;
    for (const [name, r] of s.reasons) {
      const isStrong = name !== 'sw_power_cap';
      if (!isStrong && weakIsNormal) continue;
      const need = isStrong ? spec.persistence : spec.persistence + 1;
      const qualifies = s.open !== null && r.activeRun > 0 ? true : r.activeRun >= need;
      if (!qualifies) continue;
      qualifying.push(name);
      strong ||= isStrong;
      startMs = Math.min(startMs, r.firstActiveMs);
    }
    if (qualifying.length > 0) {
      qualifying.sort((a, b) => Number(a === 'sw_power_cap') - Number(b === 'sw_power_cap') || a.localeCompare(b));
      const detail = qualifying.join(', ');
      const score = strong ? STRONG_SCORE : WEAK_SCORE;
      if (s.open === null) s.open = this.openEvent(gpu, 'gpu.throttle.reasons', startMs, tMs, qualifying.length, score, detail);
      else {
        const changed = s.open.detail !== detail || s.open.score !== score;
        s.open.lastMs = tMs;
        if (changed) {
          // Keep every reason named once the event is open, strongest score too.
          const names = new Set([...s.open.detail.split(', '), ...qualifying]);
          s.open.detail = [...names].sort((a, b) => Number(a === 'sw_power_cap') - Number(b === 'sw_power_cap') || a.localeCompare(b)).join(', ');
          s.open.score = Math.max(s.open.score, score);
          s.open.observed = names.size;
          this.update(s.open);
        }
      }
      return;
    }
    if (s.open === null) return;
    let endMs = -Infinity;
    for (const name of s.open.detail.split(', ')) {
      const r = s.reasons.get(name);
      if (r === undefined) continue;
      if (r.inactiveRun < this.recovery) return;
      endMs = Math.max(endMs, r.inactiveSinceMs);
    }
    this.close(s.open, endMs === -Infinity ? tMs : endMs);
    s.open = null;
  }

  /** Closes events whose hold time has passed at event time `headMs`. */
  sweep(headMs: number): void {
    const xidHold = this.xidSpec?.holdMs ?? 0;
    for (const s of this.xids.values()) {
      if (s.open !== null && headMs - s.changedMs > xidHold) {
        this.close(s.open, s.changedMs + xidHold);
        s.open = null;
        s.codes = [];
      }
    }
    for (const [map, spec] of [[this.ecc, this.eccSpec], [this.nvlink, this.nvlinkSpec]] as const) {
      const hold = spec?.holdMs ?? 0;
      for (const s of map.values()) {
        if (s.open !== null && headMs - s.lastIncMs > hold) {
          this.close(s.open, s.lastIncMs + hold);
          s.open = null;
          s.total = 0;
          s.types.clear();
        }
      }
    }
    const throttleHold = this.throttleSpec?.holdMs ?? 0;
    for (const s of this.throttles.values()) {
      if (s.open !== null && headMs - s.lastMs > throttleHold) {
        this.close(s.open, s.lastMs);
        s.open = null;
      }
    }
  }
}
