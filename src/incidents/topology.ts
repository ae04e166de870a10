/**
 * The entity topology correlation reasons over: replica -uses-> gpu, replica -runs_on-> host,
 * host -has-> gpu, replica -serves-> model, learned from the `entities` every span and metric point
 * carries (`observe`) and from configuration (`addEdge`). Ids are `kind:key` as in model/entity.ts.
 *
 * `observe` is on the ingest path (every span batch): a links object or an edge object already seen
 * is skipped by identity, and an edge already known by its `from|relation|to` key adds nothing.
 */
import { entityId, type EntityEdge, type EntityLinks } from '../model/entity.js';

type Adjacency = Map<string, Map<string, Set<string>>>;

export const REL_USES = 'uses';
export const REL_RUNS_ON = 'runs_on';
export const REL_HAS = 'has';
export const REL_SERVES = 'serves';

/** The kind part of an entity id (`gpu` of `gpu:GPU-1`). */
export function kindOf(id: string): string {
  const i = id.indexOf(':');
  return i === -1 ? '' : id.slice(0, i);
}

/** The key part of an entity id (`GPU-1` of `gpu:GPU-1`). */
export function keyOf(id: string): string {
  const i = id.indexOf(':');
  return i === -1 ? id : id.slice(i + 1);
}

function link(adj: Adjacency, a: string, relation: string, b: string): boolean {
  let byRel = adj.get(a);
  if (byRel === undefined) adj.set(a, (byRel = new Map()));
  let set = byRel.get(relation);
  if (set === undefined) byRel.set(relation, (set = new Set()));
  if (set.has(b)) return false;
  set.add(b);
  return true;
}

function targets(adj: Adjacency, a: string, relation: string): readonly string[] {
  const set = adj.get(a)?.get(relation);
  return set === undefined ? [] : [...set];
}

export class Topology {
  private readonly out: Adjacency = new Map();
  private readonly in: Adjacency = new Map();
  private readonly byKind = new Map<string, Set<string>>();
  private readonly seenLinks = new WeakSet<EntityLinks>();
  private readonly seenEdges = new WeakSet<EntityEdge>();
  private version = 0;
  /** `related` answers of the current generation. */
  private relatedCache = new Map<string, ReadonlySet<string>>();
  private relatedGeneration = 0;

  /** Grows by one each time an entity or edge is learned (callers cache derived answers by it). */
  get generation(): number {
    return this.version;
  }

  /** Learns the refs and edges of one observation; cheap when they are already known. */
  observe(links: EntityLinks): void {
    if (this.seenLinks.has(links)) return;
    this.seenLinks.add(links);
    for (const r of links.refs) this.addEntity(entityId(r));
    for (const e of links.edges) {
      if (this.seenEdges.has(e)) continue;
      this.seenEdges.add(e);
      this.addEdge(entityId(e.from), e.relation, entityId(e.to));
    }
  }

  /** Learns the entities of a batch of spans, metric points or logs. */
  observeAll(records: readonly { readonly entities: EntityLinks }[]): void {
    for (const r of records) this.observe(r.entities);
  }

  /** Adds an entity by id (from configuration, or seen in an anomaly). */
  addEntity(id: string): void {
    const kind = kindOf(id);
    let set = this.byKind.get(kind);
    if (set === undefined) this.byKind.set(kind, (set = new Set()));
    if (set.has(id)) return;
    set.add(id);
    this.version++;
  }

  /** Adds `from -relation-> to` (ids), e.g. `addEdge('replica:node-1:8000', 'uses', 'gpu:GPU-1')`. */
  addEdge(from: string, relation: string, to: string): void {
    this.addEntity(from);
    this.addEntity(to);
    if (link(this.out, from, relation, to)) {
      link(this.in, to, relation, from);
      this.version++;
    }
  }

  has(id: string): boolean {
    return this.byKind.get(kindOf(id))?.has(id) ?? false;
  }

  /** Every known entity of a kind, sorted. */
  ofKind(kind: string): string[] {
    return [...(this.byKind.get(kind) ?? [])].sort();
  }

  replicas(): string[] {
    return this.ofKind('replica');
  }

  /**
   * The GPUs a replica uses: those an edge names; without any, the GPUs of its host (a replica whose
   * GPUs are not reported is assumed to share its host's).
   */
  gpusOf(replica: string): string[] {
    const explicit = targets(this.out, replica, REL_USES).filter((g) => kindOf(g) === 'gpu');
    if (explicit.length > 0) return explicit.sort();
    const host = this.hostOf(replica);
    return host === null ? [] : this.gpusOfHost(host);
  }

  /** The GPUs a host has. */
  gpusOfHost(host: string): string[] {
    return targets(this.out, host, REL_HAS)
      .filter((g) => kindOf(g) === 'gpu')
      .sort();
  }

  /** The replicas using a GPU (with the same inference as `gpusOf` for replicas whose GPUs are unknown). */
  replicasOn(gpu: string): string[] {
    const out = new Set(targets(this.in, gpu, REL_USES).filter((r) => kindOf(r) === 'replica'));
    const host = this.hostOf(gpu);
    if (host !== null) for (const r of this.replicasOnHost(host)) if (targets(this.out, r, REL_USES).length === 0) out.add(r);
    return [...out].sort();
  }

  /** The replicas running on a host. */
  replicasOnHost(host: string): string[] {
    return targets(this.in, host, REL_RUNS_ON)
      .filter((r) => kindOf(r) === 'replica')
      .sort();
  }

  /** The host of a GPU or a replica (a replica without a `runs_on` edge: the host of its GPUs); null when unknown. */
  hostOf(id: string): string | null {
    const kind = kindOf(id);
    if (kind === 'host') return id;
    if (kind === 'gpu') return targets(this.in, id, REL_HAS).find((h) => kindOf(h) === 'host') ?? null;
    const direct = targets(this.out, id, REL_RUNS_ON).find((h) => kindOf(h) === 'host');
    if (direct !== undefined) return direct;
    for (const g of targets(this.out, id, REL_USES)) {
      const h = this.hostOf(g);
      if (h !== null) return h;
    }
    return null;
  }

  /** The models a replica serves. */
  modelsOf(replica: string): string[] {
    return targets(this.out, replica, REL_SERVES)
      .filter((m) => kindOf(m) === 'model')
      .sort();
  }

  /** The replicas serving a model. */
  replicasServing(model: string): string[] {
    return targets(this.in, model, REL_SERVES)
      .filter((r) => kindOf(r) === 'replica')
      .sort();
  }

  /** Entities directly linked to `id`, either way, by any relation. */
  neighbours(id: string): string[] {
    const out = new Set<string>();
    for (const adj of [this.out, this.in]) for (const set of adj.get(id)?.values() ?? []) for (const n of set) out.add(n);
    out.delete(id);
    return [...out].sort();
  }

  /**
   * The serving neighbourhood of an entity: itself, and for a replica its GPUs, host and models; for a
   * GPU its host and the replicas using it; for a host its GPUs and replicas; for a model its replicas.
   */
  related(id: string): ReadonlySet<string> {
    if (this.relatedGeneration !== this.version) {
      this.relatedCache = new Map();
      this.relatedGeneration = this.version;
    }
    let hit = this.relatedCache.get(id);
    if (hit === undefined) this.relatedCache.set(id, (hit = this.computeRelated(id)));
    return hit;
  }

  private computeRelated(id: string): Set<string> {
    const out = new Set<string>([id]);
    const add = (xs: Iterable<string>): void => {
      for (const x of xs) out.add(x);
    };
    switch (kindOf(id)) {
      case 'replica': {
        add(this.gpusOf(id));
        const h = this.hostOf(id);
        if (h !== null) out.add(h);
        add(this.modelsOf(id));
        break;
      }
      case 'gpu': {
        const h = this.hostOf(id);
        if (h !== null) out.add(h);
        add(this.replicasOn(id));
        break;
      }
      case 'host':
        add(this.gpusOfHost(id));
        add(this.replicasOnHost(id));
        break;
      case 'model':
        add(this.replicasServing(id));
        break;
      default:
        add(this.neighbours(id));
    }
    return out;
  }

  /**
   * True when a fault of one could show on the other: the same entity, directly related (replica and
   * its GPU, host or model; GPU and its host), or two replicas sharing a GPU.
   */
  connected(a: string, b: string): boolean {
    if (a === b) return true;
    const ra = this.related(a);
    if (ra.has(b)) return true;
    const rb = this.related(b);
    if (rb.has(a)) return true;
    if (kindOf(a) === 'replica' && kindOf(b) === 'replica') {
      for (const x of ra) if (kindOf(x) === 'gpu' && rb.has(x)) return true;
    }
    return false;
  }
}
