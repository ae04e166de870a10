/**
 * Accumulates entity refs and edges without duplicates. Observations touch a handful of
 * entities, so duplicate checks are linear scans over small arrays (cheaper than hashing ids).
 */
import type { EntityEdge, EntityKind, EntityLinks, EntityRef } from '../../model/entity.js';

/** Links with no entity (shared and frozen). */
export const NO_LINKS: EntityLinks = Object.freeze({ refs: Object.freeze([]), edges: Object.freeze([]) });

function sameRef(a: EntityRef, b: EntityRef): boolean {
  return a.kind === b.kind && a.key === b.key;
}

/** Collects refs and edges, starting from an optional base (copied, never modified). */
export class EntityCollector {
  private readonly refs: EntityRef[];
  private readonly edges: EntityEdge[];

  constructor(base: EntityLinks = NO_LINKS) {
    this.refs = base.refs.slice();
    this.edges = base.edges.slice();
  }

  /** Adds (or finds) the ref `kind:key` and answers it; an empty key adds nothing and answers null. */
  ref(kind: EntityKind, key: string | null): EntityRef | null {
    if (key === null || key === '') return null;
    for (const r of this.refs) if (r.kind === kind && r.key === key) return r;
    const r: EntityRef = { kind, key };
    this.refs.push(r);
    return r;
  }

  /** Adds the edge `from -[relation]-> to` once; a null end adds nothing. */
  edge(from: EntityRef | null, to: EntityRef | null, relation: string): void {
    if (from === null || to === null) return;
    for (const e of this.edges) {
      if (e.relation === relation && sameRef(e.from, from) && sameRef(e.to, to)) return;
    }
    this.edges.push({ from, to, relation });
  }

  /** Adds `from -[relation]-> to` for every `to`. */
  edgesTo(from: EntityRef | null, tos: readonly EntityRef[], relation: string): void {
    if (from === null) return;
    for (const to of tos) this.edge(from, to, relation);
  }

  /** The collected links. */
  links(): EntityLinks {
    return { refs: this.refs, edges: this.edges };
  }
}
