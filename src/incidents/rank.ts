/**
 * Root-cause ranking: given the anomalies of one incident and the topology, the candidate causes
 * (entity, layer, fault type), best first. A candidate is a causal link (causal-links.ts) pinned on
 * an entity the anomalies touch; it needs a primary trigger symptom in its scope and is scored by
 *  - strength: the triggers and effects it explains, weighted, with each anomaly's score;
 *  - topology: effects count only on the entities it explains (a GPU's replicas);
 *  - temporal precedence: its triggers start before, or with, the symptoms it explains;
 *  - coverage: the share of the incident's anomalies it explains;
 *  - against: symptoms in its scope that point at another cause.
 * Fleet-level rules: a quality drop on most replicas (several model versions, or most of the only
 * one) with healthy hardware is input drift on `fleet:all`, and no GPU without a bad-by-definition
 * event of its own can outrank it; a drop on every replica of one version is that `model:<version>`.
 */
import type { Anomaly } from '../detect/types.js';
import { FAULTS, FLEET_ENTITY } from '../model/faults.js';
import { CAUSAL_LINKS, type AnchorKind, type CausalLink, type WeightedSymptom } from './causal-links.js';
import { anomalyPhrase } from './describe.js';
import { HARDWARE_SYMPTOMS, symptomsOf, type Symptom } from './symptoms.js';
import { kindOf, type Topology } from './topology.js';
import type { Evidence, RankedCause } from './types.js';

export interface RankOptions {
  /** Share of replicas whose quality dropped that makes a drop fleet-wide (with one model version). */
  readonly fleetFraction: number;
  readonly maxCauses: number;
  /** A trigger starting up to this long after the first effect still counts as preceding it. */
  readonly precedenceToleranceMs: number;
  readonly maxEvidence: number;
  readonly maxExamples: number;
}

export const DEFAULT_RANK_OPTIONS: RankOptions = { fleetFraction: 0.6, maxCauses: 5, precedenceToleranceMs: 30_000, maxEvidence: 20, maxExamples: 5 };

/** Quality symptoms that a rollout or an input drift produce (format failures point at a template instead). */
const QUALITY_SHIFT: ReadonlySet<Symptom> = new Set<Symptom>(['confidence_drop', 'confidence_collapse', 'confidence_rise', 'calibration_shift', 'input_shift']);

function shows(a: Anomaly, s: Symptom): boolean {
  return symptomsOf(a).includes(s);
}

/** How much one anomaly weighs: events and gaps are certain, shifts by their score. */
function strength(a: Anomaly): number {
  if (a.kind === 'event') return 1.2;
  if (a.kind === 'gap') return 1;
  const s = Number.isFinite(a.score) ? Math.abs(a.score) : 0;
  return Math.min(1.5, 0.4 + s / 10);
}

/** Several anomalies of one symptom: the strongest, plus a little for each further one. */
function aggregate(as: readonly Anomaly[]): number {
  let max = 0;
  for (const a of as) max = Math.max(max, strength(a));
  return max + 0.1 * Math.min(4, as.length - 1);
}

/** The anomalies of an incident, indexed by entity, with the fleet-level view of quality drops. */
class Group {
  readonly byEntity = new Map<string, Anomaly[]>();
  readonly qualityAffected = new Set<string>();
  readonly allReplicas: Set<string>;
  readonly fleetWide: boolean;
  readonly fraction: number;
  readonly modelWide = new Set<string>();

  constructor(
    readonly all: readonly Anomaly[],
    readonly topology: Topology,
    readonly options: RankOptions,
  ) {
    for (const a of all) {
      let list = this.byEntity.get(a.entity);
      if (list === undefined) this.byEntity.set(a.entity, (list = []));
      list.push(a);
    }
    this.allReplicas = new Set(topology.replicas());
    const modelLevel = new Set<string>();
    let fleetAnomaly = false;
    for (const a of all) {
      if (!symptomsOf(a).some((s) => QUALITY_SHIFT.has(s))) continue;
      const kind = kindOf(a.entity);
      if (kind === 'replica') this.qualityAffected.add(a.entity);
      else if (kind === 'model') modelLevel.add(a.entity);
      else if (a.entity === FLEET_ENTITY) fleetAnomaly = true;
      if (shows(a, 'input_shift')) fleetAnomaly = true;
      if (kind === 'replica') this.allReplicas.add(a.entity);
    }
    // A model-level drop stands for its replicas only when none of them shows one itself.
    for (const m of modelLevel) {
      const rs = topology.replicasServing(m);
      if (rs.some((r) => this.qualityAffected.has(r))) continue;
      if (rs.length >= 2) this.modelWide.add(m);
      for (const r of rs) this.qualityAffected.add(r);
    }
    const models = new Set<string>(modelLevel);
    for (const r of this.qualityAffected) for (const m of topology.modelsOf(r)) models.add(m);
    this.fraction = this.allReplicas.size === 0 ? 0 : this.qualityAffected.size / this.allReplicas.size;
    let oneVersionExactly = false;
    if (models.size === 1) {
      const [m] = models;
      const rs = topology.replicasServing(m);
      oneVersionExactly = rs.length > 0 && rs.every((r) => this.qualityAffected.has(r)) && [...this.allReplicas].some((r) => !rs.includes(r));
    }
    const n = this.qualityAffected.size;
    this.fleetWide = fleetAnomaly || (n >= 2 && (models.size >= 2 || (!oneVersionExactly && this.fraction >= options.fleetFraction)));
    if (!this.fleetWide) {
      for (const m of models) {
        const rs = topology.replicasServing(m);
        const hit = rs.filter((r) => this.qualityAffected.has(r)).length;
        if (hit >= 2 && hit >= options.fleetFraction * rs.length) this.modelWide.add(m);
      }
    } else this.modelWide.clear();
  }

  on(entities: Iterable<string>): Anomaly[] {
    const out: Anomaly[] = [];
    const seen = new Set<string>();
    for (const e of entities) {
      if (seen.has(e)) continue;
      seen.add(e);
      const list = this.byEntity.get(e);
      if (list !== undefined) out.push(...list);
    }
    return out;
  }

  /** The GPUs and host under a replica. */
  hardwareOf(replica: string): string[] {
    const out = this.topology.gpusOf(replica);
    const h = this.topology.hostOf(replica);
    if (h !== null) out.push(h);
    return out;
  }
}

/** The cause entities of one anchor kind an anomaly can point at. */
function anchorsOf(kind: AnchorKind, a: Anomaly, g: Group): string[] {
  const t = g.topology;
  const k = kindOf(a.entity);
  switch (kind) {
    case 'gpu':
      if (k === 'gpu') return [a.entity];
      if (k === 'replica') return t.gpusOf(a.entity);
      if (k === 'host') return t.gpusOfHost(a.entity);
      return [];
    case 'replica':
      return k === 'replica' ? [a.entity] : [];
    case 'model':
      if (k === 'model') return [a.entity];
      if (k === 'replica') return t.modelsOf(a.entity);
      return [];
    case 'target':
      if (k === 'host' || k === 'replica') return [a.entity];
      if (k === 'gpu') return [t.hostOf(a.entity) ?? a.entity];
      return [];
    case 'fleet':
      return [FLEET_ENTITY];
  }
}

interface Scope {
  /** Where triggers are looked for. */
  readonly triggers: readonly Anomaly[];
  /** Where effects are looked for. */
  readonly effects: readonly Anomaly[];
  /** Where symptoms against the cause are looked for. */
  readonly context: readonly Anomaly[];
}

function scopeOf(kind: AnchorKind, entity: string, g: Group): Scope {
  const t = g.topology;
  switch (kind) {
    case 'gpu': {
      const host = t.hostOf(entity);
      const self = g.on(host === null ? [entity] : [entity, host]);
      const deps = g.on(t.replicasOn(entity));
      return { triggers: self, effects: [...self, ...deps], context: [...self, ...deps] };
    }
    case 'replica': {
      const self = g.on([entity]);
      return { triggers: self, effects: self, context: [...self, ...g.on(g.hardwareOf(entity))] };
    }
    case 'model': {
      const replicas = t.replicasServing(entity);
      const all = g.on([entity, ...replicas]);
      return { triggers: all, effects: all, context: [...all, ...g.on(replicas.flatMap((r) => g.hardwareOf(r)))] };
    }
    case 'target': {
      // A host stands for the GPUs it exports; a replica only for itself.
      const all = g.on(kindOf(entity) === 'host' ? [entity, ...t.gpusOfHost(entity)] : [entity]);
      return { triggers: all, effects: all, context: g.all };
    }
    case 'fleet': {
      const quality = g.all.filter((a) => a.entity === FLEET_ENTITY || kindOf(a.entity) === 'replica' || kindOf(a.entity) === 'model');
      const hardware = g.on([...g.qualityAffected].flatMap((r) => g.hardwareOf(r)));
      return { triggers: quality, effects: quality, context: [...quality, ...hardware] };
    }
  }
}

interface Scored {
  readonly link: CausalLink;
  readonly entity: string;
  score: number;
  readonly triggers: readonly Anomaly[];
  readonly effects: readonly Anomaly[];
  readonly eventTrigger: boolean;
}

function matching(as: readonly Anomaly[], s: Symptom, used: ReadonlySet<Anomaly>): Anomaly[] {
  return as.filter((a) => !used.has(a) && shows(a, s));
}

function againstSum(against: readonly WeightedSymptom[], context: readonly Anomaly[], explained: ReadonlySet<Anomaly>): number {
  let sum = 0;
  for (const w of against) {
    const hits = matching(context, w.symptom, explained);
    if (hits.length > 0) sum += w.weight * Math.min(1, aggregate(hits));
  }
  return sum;
}

/** Scores one link pinned on one entity; null when no primary trigger is in its scope. */
function scoreCandidate(link: CausalLink, kind: AnchorKind, entity: string, g: Group): Scored | null {
  if (link.faultType === 'prompt_drift' && !g.fleetWide) return null;
  if (link.faultType === 'bad_rollout' && kind === 'model' && !g.modelWide.has(entity)) return null;
  const scope = scopeOf(kind, entity, g);
  const used = new Set<Anomaly>();
  const triggers: Anomaly[] = [];
  let total = 0;
  let primary = false;
  const effectSymptoms = new Set<Symptom>();
  for (const a of scope.effects) for (const s of symptomsOf(a)) effectSymptoms.add(s);
  for (const t of link.triggers) {
    const hits = matching(scope.triggers, t.symptom, used);
    if (hits.length === 0) continue;
    if (t.primary || (t.primaryWith?.some((s) => effectSymptoms.has(s)) ?? false)) primary = true;
    total += t.weight * aggregate(hits);
    for (const a of hits) used.add(a);
    triggers.push(...hits);
  }
  if (!primary) return null;
  const effects: Anomaly[] = [];
  for (const e of link.effects) {
    const hits = matching(scope.effects, e.symptom, used);
    if (hits.length === 0) continue;
    total += e.weight * aggregate(hits);
    for (const a of hits) used.add(a);
    effects.push(...hits);
  }

  // Temporal precedence: the cause shows no later than what it explains.
  if (effects.length > 0) {
    const tTrig = Math.min(...triggers.map((a) => a.startMs));
    const tEff = Math.min(...effects.map((a) => a.startMs));
    const late = tTrig - tEff - g.options.precedenceToleranceMs;
    total *= late <= 0 ? 1.15 : Math.max(0.5, 1 - late / 300_000);
  }

  // Symptoms pointing elsewhere.
  let against = againstSum(link.against, scope.context, used);
  if (kind === 'fleet') {
    const troubled = [...g.qualityAffected].filter((r) => g.on(g.hardwareOf(r)).some((a) => symptomsOf(a).some((s) => HARDWARE_SYMPTOMS.has(s)))).length;
    against *= g.qualityAffected.size === 0 ? 0 : troubled / g.qualityAffected.size;
  }
  if (link.faultType === 'telemetry_outage') {
    for (const a of g.all) if (!used.has(a) && !shows(a, 'gap')) against += 2 * strength(a);
  }
  total /= 1 + 0.5 * against;

  // Coverage of the incident.
  total *= 0.5 + 0.5 * (used.size / Math.max(1, g.all.length));

  // Fleet-level rules.
  if (link.faultType === 'prompt_drift') total *= 1 + g.fraction;
  if (link.faultType === 'bad_rollout' && kind === 'replica') {
    if (g.fleetWide) total *= 0.3;
    else if (g.topology.modelsOf(entity).some((m) => g.modelWide.has(m))) total *= 0.5;
  }
  if (link.faultType === 'bad_rollout' && kind === 'model') total *= 1.2;
  if (link.faultType === 'reasoning_regression') total *= 1 + 0.2 * Math.min(3, new Set(triggers.map((a) => a.entity)).size - 1);

  return { link, entity, score: total, triggers, effects, eventTrigger: triggers.some((a) => a.kind === 'event') };
}

function evidenceOf(a: Anomaly, maxExamples: number): Evidence {
  return { entity: a.entity, signal: a.signal, layer: a.layer, kind: a.kind, startMs: a.startMs, detail: a.detail, anomalyId: a.id, examples: a.examples.slice(0, maxExamples) };
}

function explanation(s: Scored, g: Group): string {
  const first = [...s.triggers].sort((a, b) => a.startMs - b.startMs)[0];
  const parts = [anomalyPhrase(first)];
  if (s.effects.length > 0) {
    const e = [...s.effects].sort((a, b) => a.startMs - b.startMs)[0];
    const n = new Set(s.effects.map((a) => a.entity)).size;
    parts.push(`then ${anomalyPhrase(e)}${n > 1 ? ` (and on ${n - 1} more)` : ''}`);
  }
  if (s.link.faultType === 'prompt_drift') parts.push(`${g.qualityAffected.size} of ${g.allReplicas.size} replicas affected, hardware healthy`);
  return `${s.link.chain}: ${parts.join('; ')}`;
}

/** The candidate causes of a group of anomalies, best first (at most `maxCauses`). */
export function rankCauses(anomalies: readonly Anomaly[], topology: Topology, options: Partial<RankOptions> = {}): RankedCause[] {
  if (anomalies.length === 0) return [];
  const opts = { ...DEFAULT_RANK_OPTIONS, ...options };
  const g = new Group(anomalies, topology, opts);
  const scored = new Map<string, Scored>();
  for (const link of CAUSAL_LINKS) {
    for (const kind of link.anchors) {
      const entities = new Set<string>();
      for (const a of anomalies) for (const e of anchorsOf(kind, a, g)) entities.add(e);
      for (const e of entities) {
        const key = `${link.faultType}|${e}`;
        if (scored.has(key)) continue;
        const s = scoreCandidate(link, kind, e, g);
        if (s !== null && s.score > 0) scored.set(key, s);
      }
    }
  }
  const list = [...scored.values()];
  // Fleet-wide input drift is never blamed on a GPU that has no bad-by-definition event itself.
  const drift = list.find((s) => s.link.faultType === 'prompt_drift');
  if (drift !== undefined) for (const s of list) if (kindOf(s.entity) === 'gpu' && !s.eventTrigger) s.score = Math.min(s.score, drift.score * 0.5);
  const order = new Map(CAUSAL_LINKS.map((l, i) => [l.faultType, i]));
  list.sort((a, b) => b.score - a.score || order.get(a.link.faultType)! - order.get(b.link.faultType)! || (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0));
  return list.slice(0, opts.maxCauses).map((s) => {
    const evidence = [...[...s.triggers].sort((a, b) => a.startMs - b.startMs), ...[...s.effects].sort((a, b) => a.startMs - b.startMs)]
      .slice(0, opts.maxEvidence)
      .map((a) => evidenceOf(a, opts.maxExamples));
    return {
      entity: s.entity,
      layer: FAULTS[s.link.faultType].layer,
      faultType: s.link.faultType,
      score: Math.round(s.score * 1000) / 1000,
      explanation: explanation(s, g),
      evidence,
    };
  });
}
