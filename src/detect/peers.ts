/**
 * Peers: the entities a load-driven signal is compared with. Replicas are peers when they serve the
 * same model(s); GPUs when the replicas using them (or, failing that, the replicas on their host) serve
 * the same model(s). The groups are learned from the edges ingest derives (replica -serves-> model,
 * -runs_on-> host, -uses-> gpu; host -has-> gpu) and from the model each request names.
 *
 * The board keeps each member's latest value per signal; an entity's reference is the median of its
 * group's recent values, itself included, when the group has three or more (so one faulty member does
 * not move it), the other member's value in a pair, and none for an entity alone. The members' own
 * spread comes with it: when load makes every member noisier, a member is judged less strictly.
 * An entity alone among those serving its model is compared with every entity of its kind instead.
 */
import type { EntityEdge } from '../model/entity.js';

export class PeerGroups {
  private readonly replicaModels = new Map<string, Set<string>>();
  private readonly replicaHost = new Map<string, string>();
  private readonly hostReplicas = new Map<string, Set<string>>();
  private readonly gpuReplicas = new Map<string, Set<string>>();
  private readonly gpuHost = new Map<string, string>();
  private readonly cache = new Map<string, string>();

  private static add(map: Map<string, Set<string>>, key: string, value: string): boolean {
    let set = map.get(key);
    if (set === undefined) map.set(key, (set = new Set()));
    if (set.has(value)) return false;
    set.add(value);
    return true;
  }

  /** Learns from one edge; cheap when the edge is known already. */
  noteEdge(e: EntityEdge): void {
    const from = `${e.from.kind}:${e.from.key}`;
    const to = `${e.to.kind}:${e.to.key}`;
    let changed = false;
    if (e.from.kind === 'replica' && e.to.kind === 'model') changed = PeerGroups.add(this.replicaModels, from, e.to.key);
    else if (e.from.kind === 'replica' && e.to.kind === 'host') {
      if (this.replicaHost.get(from) !== to) {
        this.replicaHost.set(from, to);
        PeerGroups.add(this.hostReplicas, to, from);
        changed = true;
      }
    } else if (e.from.kind === 'replica' && e.to.kind === 'gpu') changed = PeerGroups.add(this.gpuReplicas, to, from);
    else if (e.from.kind === 'host' && e.to.kind === 'gpu' && this.gpuHost.get(to) !== from) {
      this.gpuHost.set(to, from);
      changed = true;
    }
    if (changed) this.cache.clear();
  }

  /** Learns that a replica served a model (from a request that named both). */
  noteReplicaModel(replica: string, model: string): void {
    if (PeerGroups.add(this.replicaModels, replica, model)) this.cache.clear();
  }

  private modelsOf(replicas: Iterable<string>): string {
    const models = new Set<string>();
    for (const r of replicas) for (const m of this.replicaModels.get(r) ?? []) models.add(m);
    return [...models].sort().join(',');
  }

  /** The peer group of an entity id (`replica:…`, `gpu:…`): its kind and the models behind it. */
  groupOf(entity: string): string {
    let g = this.cache.get(entity);
    if (g !== undefined) return g;
    const kind = entity.slice(0, entity.indexOf(':'));
    let models = '';
    if (kind === 'replica') models = this.modelsOf([entity]);
    else if (kind === 'gpu') {
      const users = this.gpuReplicas.get(entity);
      if (users !== undefined) models = this.modelsOf(users);
      if (models === '') {
        const host = this.gpuHost.get(entity);
        const onHost = host === undefined ? undefined : this.hostReplicas.get(host);
        if (onHost !== undefined) models = this.modelsOf(onHost);
      }
    }
    g = `${kind}|${models}`;
    this.cache.set(entity, g);
    return g;
  }
}

interface Latest {
  x: number;
  endMs: number;
}

/** The latest value of every member of every group, per signal. */
export class PeerBoard {
  private readonly groups = new Map<string, Map<string, Latest>>();
  private readonly memberOf = new Map<string, string>();
  /** Per group: its recent values, sorted, and their median and spread; valid for one window end. */
  private readonly round = new Map<string, { endMs: number; sorted: number[]; median: number; spread2: number; values: Map<string, number> }>();

  /** Records an entity's value for a window ending at endMs (in judged units). */
  record(signal: string, group: string, entity: string, x: number, endMs: number): void {
    const key = `${signal}\u0000${group}`;
    const member = `${signal}\u0000${entity}`;
    const before = this.memberOf.get(member);
    if (before !== key) {
      if (before !== undefined) this.groups.get(before)?.delete(entity);
      this.memberOf.set(member, key);
    }
    let g = this.groups.get(key);
    if (g === undefined) this.groups.set(key, (g = new Map()));
    const l = g.get(entity);
    if (l === undefined) g.set(entity, { x, endMs });
    else {
      l.x = x;
      l.endMs = endMs;
    }
    this.round.delete(key);
  }

  /**
   * The reference for an entity (recorded first), and the spread of its peers around it (from the
   * members' median absolute deviation, 0 for a pair); null with no recent peer. A group's statistics
   * are computed once per window, whatever its size.
   */
  reference(signal: string, group: string, entity: string, endMs: number, maxAgeMs: number): PeerReference | null {
    const key = `${signal}\u0000${group}`;
    let r = this.round.get(key);
    if (r === undefined || r.endMs !== endMs) {
      const g = this.groups.get(key);
      if (g === undefined) return null;
      const values = new Map<string, number>();
      for (const [e, l] of g) if (endMs - l.endMs <= maxAgeMs && l.endMs <= endMs) values.set(e, l.x);
      const sorted = [...values.values()].sort((a, b) => a - b);
      const median = middle(sorted);
      let spread2 = 0;
      if (sorted.length >= 4) {
        const mad = MAD_SCALE * middle(sorted.map((x) => Math.abs(x - median)).sort((a, b) => a - b));
        spread2 = mad * mad;
      }
      r = { endMs, sorted, median, spread2, values };
      this.round.set(key, r);
    }
    const self = r.values.get(entity);
    if (self === undefined || r.sorted.length < 2) return null;
    if (r.sorted.length === 2) return { ref: r.sorted[0] === self ? r.sorted[1] : r.sorted[0], spread2: 0, members: 2 };
    if (r.sorted.length === 3) {
      // The other two: half their difference is their spread.
      const others = r.sorted.filter((_, i) => i !== r!.sorted.indexOf(self));
      const half = (MAD_SCALE * Math.abs(others[1] - others[0])) / 2;
      return { ref: r.median, spread2: half * half, members: 3 };
    }
    return { ref: r.median, spread2: r.spread2, members: r.sorted.length };
  }
}

export interface PeerReference {
  /** The peers' level, in judged units. */
  readonly ref: number;
  /** Variance among the other members now (they wander apart under heavy load). */
  readonly spread2: number;
  readonly members: number;
}

const MAD_SCALE = 1.4826;

/** The median of sorted values (NaN when empty). */
function middle(sorted: readonly number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/** The group of every entity of an entity's kind (the fallback when its own group has no other member). */
export function kindGroup(entity: string): string {
  return `${entity.slice(0, entity.indexOf(':'))}|*`;
}
