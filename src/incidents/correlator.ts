/**
 * The correlator: turns the detector's anomalies (opened, updated, closed in event time) into
 * incidents. Anomalies connected in the topology (the same entity; a replica and its GPUs, host and
 * models; replicas sharing a GPU; quality anomalies on replicas anywhere in the fleet, or of one model
 * version) and close in event time are one incident; an anomaly connecting two incidents merges them
 * into the older. Every change re-ranks the causes (rank.ts); `localisedMs` is when the top cause last
 * changed. An incident resolves once all its anomalies closed and a quiet period passed; the same
 * trouble soon after re-opens it instead of opening another.
 *
 * False-positive guard: an anomaly that is bad by definition (an event: XID, ECC, hardware slowdown)
 * or a telemetry gap opens an incident at once; a shift waits (pending) until it is strong
 * (`openScore`), corroborated by a connected anomaly (`corroboratedScore` together), or has lasted
 * `confirmMs`. A pending shift that closes first never opens anything.
 *
 * Only event time is used: the clock is the latest time seen in anomalies or given to `advanceTo`.
 */
import type { Anomaly, AnomalyChange } from '../detect/types.js';
import { FLEET_ENTITY } from '../model/faults.js';
import { DEFAULT_INCIDENTS_CONFIG, type IncidentsConfig } from './config.js';
import { mitigationFor } from './mitigation.js';
import { rankCauses } from './rank.js';
import type { RequestCounter } from './request-counter.js';
import { incidentSummary } from './summary.js';
import { kindOf, type Topology } from './topology.js';
import type { Incident, IncidentChange, IncidentSink, RankedCause } from './types.js';

export type CorrelatorOptions = Omit<IncidentsConfig, 'enabled' | 'edges' | 'requestBucketMs' | 'requestRetentionMs'> & {
  /** Open anomalies without news for this long count as closed at their last observation. */
  readonly staleMs: number;
  /** Counts requests for `affectedRequests`; without one it is 0. */
  readonly requests?: RequestCounter;
};

export const DEFAULT_STALE_MS = 30 * 60_000;
/** Event time between re-rankings on minor anomaly updates. */
const RERANK_MS = 5_000;

/** Layers whose anomalies connect across replicas of the fleet (input drift shows everywhere). */
const FLEET_LAYERS = new Set<Anomaly['layer']>(['confidence', 'input']);
/** Layers whose anomalies connect across the replicas of one model version. */
const MODEL_LAYERS = new Set<Anomaly['layer']>(['confidence', 'input', 'behaviour', 'internals']);

interface State {
  id: string;
  status: Incident['status'];
  readonly anomalies: Map<string, Anomaly>;
  startMs: number;
  endMs: number | null;
  updatedMs: number;
  /** Event time at which the incident was opened (detection time). */
  readonly openedMs: number;
  localisedMs: number | null;
  topKey: string | null;
  causes: RankedCause[];
  kind: Incident['kind'];
  /** Material state last emitted (anomaly set, closures, causes, status). */
  signature: string;
  /** Event time of the last ranking. */
  rankedMs: number;
  mergedInto?: string;
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0').slice(0, 6);
}

export class Correlator {
  private readonly options: CorrelatorOptions;
  private readonly states = new Map<string, State>();
  /** The open ones among them (what `tick` looks at). */
  private readonly openStates = new Set<State>();
  private readonly owner = new Map<string, string>();
  private readonly pending = new Map<string, Anomaly>();
  private readonly aliases = new Map<string, string>();
  private now = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly topology: Topology,
    options: Partial<CorrelatorOptions>,
    private readonly sink: IncidentSink,
  ) {
    const { enabled: _e, edges: _g, requestBucketMs: _b, requestRetentionMs: _r, ...defaults } = DEFAULT_INCIDENTS_CONFIG;
    this.options = { ...defaults, staleMs: DEFAULT_STALE_MS, ...options };
  }

  /** The detector's sink (AnomalySink). */
  readonly onAnomaly = (a: Anomaly, change: AnomalyChange): void => {
    this.see(a.startMs);
    this.see(a.lastMs);
    if (a.endMs !== null) this.see(a.endMs);
    this.topology.addEntity(a.entity);
    const ownerId = this.owner.get(a.id);
    if (ownerId !== undefined) {
      const st = this.states.get(this.resolveId(ownerId));
      if (st !== undefined) {
        const before = st.anomalies.get(a.id);
        st.anomalies.set(a.id, a);
        if (st.status === 'resolved' && change !== 'close' && a.endMs === null) this.reopen(st);
        // Plain updates (the series is still anomalous, same detail) re-rank at most every RERANK_MS of
        // event time unless the anomaly's strength moved by a quarter.
        const minor =
          change === 'update' && before !== undefined && a.endMs === null && a.detail === before.detail && Math.abs(a.score - before.score) <= 0.25 * Math.abs(before.score);
        if (!minor || this.now - st.rankedMs >= RERANK_MS) this.refresh(st);
        this.tick();
        return;
      }
      this.owner.delete(a.id);
    }
    this.pending.set(a.id, a);
    this.place(a);
    this.tick();
  };

  /** Moves event time on: resolves quiet incidents, opens pending anomalies that lasted long enough. */
  advanceTo(eventTimeMs: number): void {
    this.see(eventTimeMs);
    for (const a of [...this.pending.values()]) if (this.pending.has(a.id)) this.place(a);
    this.tick();
  }

  /** Incidents kept in memory, newest first. */
  incidents(): Incident[] {
    return [...this.states.values()]
      .sort((a, b) => b.startMs - a.startMs || (a.id < b.id ? 1 : -1))
      .map((st) => this.snapshot(st));
  }

  /** One incident by id (an id merged into another answers the surviving incident). */
  get(id: string): Incident | undefined {
    const st = this.states.get(this.resolveId(id));
    return st === undefined ? undefined : this.snapshot(st);
  }

  /** The latest event time seen. */
  get eventTimeMs(): number {
    return this.now;
  }

  // ------------------------------------------------------------------ grouping

  private see(ms: number): void {
    if (Number.isFinite(ms) && ms > this.now) this.now = ms;
  }

  private resolveId(id: string): string {
    let cur = id;
    for (let i = 0; i < 100; i++) {
      const next = this.aliases.get(cur);
      if (next === undefined) return cur;
      cur = next;
    }
    return cur;
  }

  /** Event time an anomaly ended, or now while open (stale ones end at their last observation). */
  private endOf(a: Anomaly): number {
    if (a.endMs !== null) return a.endMs;
    return this.isStale(a) ? a.lastMs : Math.max(a.lastMs, this.now);
  }

  private isStale(a: Anomaly): boolean {
    return a.endMs === null && this.now - a.lastMs > this.options.staleMs;
  }

  private isClosed(a: Anomaly): boolean {
    return a.endMs !== null || this.isStale(a);
  }

  /** Could the two come from one cause: topology first, then the fleet and model-version rules. */
  private linked(a: Anomaly, b: Anomaly): boolean {
    if (this.topology.connected(a.entity, b.entity)) return true;
    const ka = kindOf(a.entity);
    const kb = kindOf(b.entity);
    const servingA = ka === 'replica' || ka === 'model' || a.entity === FLEET_ENTITY;
    const servingB = kb === 'replica' || kb === 'model' || b.entity === FLEET_ENTITY;
    if (!servingA || !servingB) return false;
    if (FLEET_LAYERS.has(a.layer) && FLEET_LAYERS.has(b.layer)) return true;
    if (a.entity === FLEET_ENTITY || b.entity === FLEET_ENTITY) return true;
    if (MODEL_LAYERS.has(a.layer) && MODEL_LAYERS.has(b.layer)) {
      const ma = ka === 'model' ? [a.entity] : this.topology.modelsOf(a.entity);
      const mb = kb === 'model' ? [b.entity] : this.topology.modelsOf(b.entity);
      return ma.some((m) => mb.includes(m));
    }
    return false;
  }

  private closeInTime(a: Anomaly, b: Anomaly, slackMs: number): boolean {
    return a.startMs <= this.endOf(b) + slackMs && b.startMs <= this.endOf(a) + slackMs;
  }

  /** Does `a` belong with the incident: connected to one of its anomalies, close in time (or soon after it resolved). */
  private joins(st: State, a: Anomaly): boolean {
    if (st.status === 'resolved') {
      if (st.endMs === null || a.startMs - st.endMs > this.options.reopenMs) return false;
      for (const b of st.anomalies.values()) if (this.linked(a, b)) return true;
      return false;
    }
    for (const b of st.anomalies.values()) if (this.closeInTime(a, b, this.options.windowMs) && this.linked(a, b)) return true;
    return false;
  }

  /** Puts a pending anomaly into an incident, opens one for it, or leaves it pending. */
  private place(a: Anomaly): void {
    const hits = [...this.states.values()].filter((st) => st.mergedInto === undefined && this.joins(st, a));
    if (hits.length > 0) {
      hits.sort((x, y) => x.startMs - y.startMs || (x.id < y.id ? -1 : 1));
      const [target, ...others] = hits;
      for (const o of others) this.merge(o, target);
      if (target.status === 'resolved' && !this.isClosed(a)) this.reopen(target);
      this.adopt(target, [a]);
      return;
    }
    const cluster = [...this.pending.values()].filter((b) => b === a || (this.closeInTime(a, b, this.options.windowMs) && this.linked(a, b)));
    if (this.confirmed(cluster)) {
      this.open(cluster);
      return;
    }
    // A pending shift that closed without confirmation and is out of every window is forgotten.
    if (this.isClosed(a) && this.now - this.endOf(a) > this.options.windowMs) this.pending.delete(a.id);
  }

  /** Enough to open an incident (see the module comment). */
  private confirmed(cluster: readonly Anomaly[]): boolean {
    const o = this.options;
    // A series that flickers (opens, closes, opens again within the window) lasts as long as its spells together.
    const lasted = new Map<string, number>();
    for (const a of cluster) {
      if (a.kind === 'event' || a.kind === 'gap') return true;
      if (a.score >= o.openScore) return true;
      const key = `${a.entity}|${a.signal}`;
      const total = (lasted.get(key) ?? 0) + (this.endOf(a) - a.startMs);
      if (total >= o.confirmMs) return true;
      lasted.set(key, total);
    }
    // Corroboration needs independent series: a model version's series is made of its replicas' requests,
    // so it does not confirm the same signal on one of them.
    const strongest = new Map<string, number>();
    for (const a of cluster) {
      const echo =
        kindOf(a.entity) === 'model' &&
        cluster.some((b) => b !== a && b.signal === a.signal && kindOf(b.entity) === 'replica' && this.topology.modelsOf(b.entity).includes(a.entity));
      if (echo) continue;
      const key = `${a.entity}|${a.signal}`;
      strongest.set(key, Math.max(strongest.get(key) ?? 0, a.score));
    }
    let sum = 0;
    for (const v of strongest.values()) sum += v;
    return strongest.size >= 2 && sum >= o.corroboratedScore;
  }

  private newId(startMs: number, seed: string): string {
    const t = new Date(startMs).toISOString().replace(/[-:]/g, '').slice(0, 15);
    const base = `inc-${t}-${fnv1a(seed)}`;
    let id = base;
    for (let n = 2; this.states.has(id) || this.aliases.has(id); n++) id = `${base}-${n}`;
    return id;
  }

  private open(cluster: readonly Anomaly[]): void {
    const first = [...cluster].sort((x, y) => x.startMs - y.startMs || (x.id < y.id ? -1 : 1))[0];
    const st: State = {
      id: this.newId(first.startMs, first.id),
      status: 'open',
      anomalies: new Map(),
      startMs: first.startMs,
      endMs: null,
      updatedMs: this.now,
      openedMs: this.now,
      localisedMs: null,
      topKey: null,
      causes: [],
      kind: 'fault',
      signature: '',
      rankedMs: this.now,
    };
    this.states.set(st.id, st);
    this.openStates.add(st);
    this.adopt(st, cluster, 'open');
    this.evict();
  }

  /** Adds anomalies (and any pending ones they connect) to an incident, then refreshes it. */
  private adopt(st: State, anomalies: readonly Anomaly[], change?: IncidentChange): void {
    const queue = [...anomalies];
    while (queue.length > 0) {
      const a = queue.pop()!;
      this.pending.delete(a.id);
      this.addAnomaly(st, a);
      for (const b of [...this.pending.values()]) if (this.joins(st, b)) queue.push(b);
    }
    this.refresh(st, change);
  }

  private addAnomaly(st: State, a: Anomaly): void {
    st.anomalies.set(a.id, a);
    this.owner.set(a.id, st.id);
    if (st.anomalies.size <= this.options.maxAnomalies) return;
    // Too many: forget the weakest closed one.
    let weakest: Anomaly | undefined;
    for (const b of st.anomalies.values()) if (b !== a && this.isClosed(b) && (weakest === undefined || b.score < weakest.score)) weakest = b;
    if (weakest !== undefined) {
      st.anomalies.delete(weakest.id);
      this.owner.delete(weakest.id);
    }
  }

  private merge(from: State, into: State): void {
    for (const a of from.anomalies.values()) this.addAnomaly(into, a);
    from.mergedInto = into.id;
    from.status = 'resolved';
    from.endMs = this.now;
    from.updatedMs = this.now;
    const last = this.snapshot(from);
    this.states.delete(from.id);
    this.openStates.delete(from);
    this.aliases.set(from.id, into.id);
    this.sink(last, 'resolve');
  }

  private reopen(st: State): void {
    st.status = 'open';
    st.endMs = null;
    this.openStates.add(st);
  }

  // ------------------------------------------------------------------ state

  /** Re-ranks the causes and tells the sink when anything material changed. */
  private refresh(st: State, change?: IncidentChange): void {
    const list = [...st.anomalies.values()];
    st.startMs = Math.min(...list.map((a) => a.startMs));
    st.kind = list.every((a) => a.kind === 'gap') ? 'gap' : 'fault';
    st.causes = rankCauses(list, this.topology, { fleetFraction: this.options.fleetFraction, maxCauses: this.options.maxCauses });
    st.rankedMs = this.now;
    const top = st.causes[0];
    const topKey = top === undefined ? null : `${top.entity}|${top.faultType}`;
    if (topKey !== st.topKey) {
      st.topKey = topKey;
      st.localisedMs = topKey === null ? null : this.now;
    }
    const signature = [
      st.status,
      st.kind,
      ...list.map((a) => `${a.id}:${this.isClosed(a) ? 'c' : 'o'}`).sort(),
      ...st.causes.slice(0, 3).map((c) => `${c.entity}|${c.faultType}`),
    ].join(',');
    if (signature === st.signature && change === undefined) return;
    const previous = st.signature;
    st.signature = signature;
    st.updatedMs = this.now;
    this.sink(this.snapshot(st), change ?? (previous === '' ? 'open' : 'update'));
  }

  /** Resolves open incidents whose anomalies all closed at least `quietMs` ago. */
  private tick(): void {
    for (const st of [...this.openStates]) {
      let lastEnd = Number.NEGATIVE_INFINITY;
      let allClosed = true;
      for (const a of st.anomalies.values()) {
        if (!this.isClosed(a)) {
          allClosed = false;
          break;
        }
        lastEnd = Math.max(lastEnd, this.endOf(a));
      }
      if (!allClosed || this.now - lastEnd < this.options.quietMs) continue;
      st.status = 'resolved';
      st.endMs = lastEnd;
      this.openStates.delete(st);
      this.refresh(st, 'resolve');
    }
  }

  /** Keeps at most `maxIncidents`: the oldest resolved go first, then the oldest. */
  private evict(): void {
    while (this.states.size > this.options.maxIncidents) {
      let victim: State | undefined;
      for (const st of this.states.values()) {
        if (st.status === 'resolved') {
          victim = st;
          break;
        }
      }
      victim ??= this.states.values().next().value as State;
      for (const id of victim.anomalies.keys()) this.owner.delete(id);
      this.states.delete(victim.id);
      this.openStates.delete(victim);
      for (const [from, to] of this.aliases) if (to === victim.id) this.aliases.delete(from);
    }
  }

  // ------------------------------------------------------------------ snapshot

  /** Replicas (and models without known replicas) whose requests the incident touched. */
  private affected(st: State): number {
    const requests = this.options.requests;
    if (requests === undefined || st.kind === 'gap') return 0;
    const from = st.startMs;
    const to = st.endMs ?? this.now;
    const top = st.causes[0];
    if (top?.entity === FLEET_ENTITY) return requests.total(from, to);
    const t = this.topology;
    const replicas = new Set<string>();
    const models = new Set<string>();
    const entities = new Set([...st.anomalies.values()].map((a) => a.entity));
    if (top !== undefined) entities.add(top.entity);
    for (const e of entities) {
      switch (kindOf(e)) {
        case 'replica':
          replicas.add(e);
          break;
        case 'gpu':
          for (const r of t.replicasOn(e)) replicas.add(r);
          break;
        case 'host':
          for (const r of t.replicasOnHost(e)) replicas.add(r);
          break;
        case 'model': {
          const rs = t.replicasServing(e);
          if (rs.length === 0) models.add(e);
          for (const r of rs) replicas.add(r);
          break;
        }
      }
    }
    return requests.countAll(replicas, from, to) + requests.countAll(models, from, to);
  }

  private snapshot(st: State): Incident {
    const anomalies = [...st.anomalies.values()].sort((a, b) => a.startMs - b.startMs || (a.id < b.id ? -1 : 1));
    const entities = new Set(anomalies.map((a) => a.entity));
    const top = st.causes[0];
    if (top !== undefined) entities.add(top.entity);
    const affectedRequests = this.affected(st);
    const incident: Incident = {
      id: st.id,
      status: st.status,
      kind: st.kind,
      summary: incidentSummary({ kind: st.kind, anomalies, causes: st.causes, affectedRequests, endMs: st.endMs }),
      startMs: st.startMs,
      endMs: st.endMs,
      updatedMs: st.updatedMs,
      openedMs: st.openedMs,
      localisedMs: st.localisedMs,
      entities: [...entities].sort(),
      affectedRequests,
      causes: st.causes,
      anomalies,
      mitigation: top === undefined ? 'Look at the anomalies listed; no known causal pattern matched them.' : mitigationFor(top.faultType, top.entity),
    };
    return st.mergedInto === undefined ? incident : { ...incident, mergedInto: st.mergedInto };
  }
}
