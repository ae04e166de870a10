import type { QueryParams, Store } from '../storage/types.js';
import { ok, type ApiRequest, type ApiResponse } from './http.js';
import { isoNanos, parseLimit } from './params.js';

interface EntityRow {
  id: string;
  kind: string;
  key: string;
  first_ns: string;
  last_ns: string;
}

/** GET /api/entities: the entities seen, with first/last seen and their edges. Filter: kind. */
export function listEntities(store: Store, db: string) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const kind = req.query.get('kind');
    const limit = parseLimit(req.query.get('limit'), 1000, 10_000);
    const params: QueryParams = { limit };
    if (kind !== null) params.kind = kind;
    const entities = await store.query<EntityRow>(
      `SELECT concat(kind, ':', key) AS id, kind, key, toString(toUnixTimestamp64Nano(min(first_seen))) AS first_ns,
         toString(toUnixTimestamp64Nano(max(last_seen))) AS last_ns
       FROM ${db}.entities ${kind !== null ? 'WHERE kind = {kind:String}' : ''}
       GROUP BY kind, key ORDER BY kind, key LIMIT {limit:UInt32}`,
      params,
      req.signal,
    );
    const ids = entities.map((e) => e.id);
    const edges = ids.length
      ? await store.query<{ from_id: string; relation: string; to_id: string }>(
          `SELECT from_id, relation, to_id FROM ${db}.entity_edges
           WHERE from_id IN {ids:Array(String)} OR to_id IN {ids:Array(String)}
           GROUP BY from_id, relation, to_id ORDER BY from_id, relation, to_id`,
          { ids },
          req.signal,
        )
      : [];
    return ok({
      entities: entities.map((e) => ({ id: e.id, kind: e.kind, key: e.key, firstSeen: isoNanos(e.first_ns), lastSeen: isoNanos(e.last_ns) })),
      edges: edges.map((e) => ({ from: e.from_id, relation: e.relation, to: e.to_id })),
    });
  };
}
