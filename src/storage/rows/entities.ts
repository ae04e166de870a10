import { entityId, type EntityLinks } from '../../model/entity.js';
import { jstr } from './json.js';

/**
 * Collects the entities and edges seen in one batch, each once, with the time range it was seen in,
 * and renders them as rows for the `entities` and `entity_edges` tables.
 */
export class EntityRowCollector {
  private readonly entities = new Map<string, { kind: string; key: string; first: bigint; last: bigint }>();
  private readonly edges = new Map<string, { from: string; relation: string; to: string; first: bigint; last: bigint }>();

  add(links: EntityLinks, timeUnixNano: bigint): void {
    for (const ref of links.refs) {
      const id = entityId(ref);
      const seen = this.entities.get(id);
      if (seen) widen(seen, timeUnixNano);
      else this.entities.set(id, { kind: ref.kind, key: ref.key, first: timeUnixNano, last: timeUnixNano });
    }
    for (const edge of links.edges) {
      const from = entityId(edge.from);
      const to = entityId(edge.to);
      const id = `${from}\u0000${edge.relation}\u0000${to}`;
      const seen = this.edges.get(id);
      if (seen) widen(seen, timeUnixNano);
      else this.edges.set(id, { from, relation: edge.relation, to, first: timeUnixNano, last: timeUnixNano });
    }
  }

  entityRows(): string[] {
    return [...this.entities.values()].map(
      (e) =>
        `{"kind":${jstr(e.kind)},"key":${jstr(e.key)},"first_seen":${e.first},"last_seen":${e.last}}`,
    );
  }

  edgeRows(): string[] {
    return [...this.edges.values()].map(
      (e) =>
        `{"from_id":${jstr(e.from)},"relation":${jstr(e.relation)},"to_id":${jstr(e.to)},"first_seen":${e.first},"last_seen":${e.last}}`,
    );
  }
}

function widen(range: { first: bigint; last: bigint }, t: bigint): void {
  if (t < range.first) range.first = t;
  if (t > range.last) range.last = t;
}
