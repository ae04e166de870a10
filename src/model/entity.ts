/**
 * Entities are the join keys between layers: every span, metric point and log is tied to the
 * entities it touches, so a confidence drop on a replica can meet the GPU under it.
 */

/** Entity kinds Strata derives itself; users and later layers may add others. */
export type EntityKind =
  | 'service'
  | 'service_instance'
  | 'host'
  | 'k8s_node'
  | 'k8s_pod'
  | 'replica'
  | 'model'
  | 'provider'
  | 'gpu'
  | (string & {});

/** A reference to one entity: stable id is `${kind}:${key}`. */
export interface EntityRef {
  readonly kind: EntityKind;
  readonly key: string;
}

/** A directed relation between two entities, e.g. replica -> gpu ("runs_on"). */
export interface EntityEdge {
  readonly from: EntityRef;
  readonly to: EntityRef;
  readonly relation: string;
}

/** The entities an observation belongs to, and the edges that observation revealed between them. */
export interface EntityLinks {
  readonly refs: readonly EntityRef[];
  readonly edges: readonly EntityEdge[];
}

export function entityId(ref: EntityRef): string {
  return `${ref.kind}:${ref.key}`;
}
