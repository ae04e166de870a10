/**
 * The incidents API (layer 4, docs/incidents.md):
 * - GET /api/incidents?status=open|resolved&kind=fault|gap&entity=&from=&to=&limit=: incidents newest
 *   first, `{"incidents": [...]}`; `from`/`to` (RFC 3339, unix s/ms/ns, or relative like -1h) keep
 *   incidents overlapping the range;
 * - GET /api/incidents/:id: one incident (an id merged into another answers the surviving one).
 * Incidents live in the correlator's memory; the handlers read its current state.
 */
import type { Incident } from '../incidents/types.js';
import { ApiError, ok, type ApiRequest, type Handler } from './http.js';
import { parseLimit, parseTime } from './params.js';

/** What the handlers read: the correlator (incidents/correlator.ts) satisfies it. */
export interface IncidentSource {
  incidents(): Incident[];
  get(id: string): Incident | undefined;
}

export const DEFAULT_INCIDENT_LIMIT = 100;
export const MAX_INCIDENT_LIMIT = 1000;

function oneOf<T extends string>(req: ApiRequest, name: string, values: readonly T[]): T | null {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return null;
  if (!(values as readonly string[]).includes(raw)) throw new ApiError(400, `${name}: expected one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

function timeMs(req: ApiRequest, name: string): number | null {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return null;
  return Number(parseTime(name, raw) / 1_000_000n);
}

/** GET /api/incidents */
export function listIncidents(source: IncidentSource): Handler {
  return async (req) => {
    const status = oneOf(req, 'status', ['open', 'resolved'] as const);
    const kind = oneOf(req, 'kind', ['fault', 'gap'] as const);
    const entity = req.query.get('entity') || null;
    const limit = parseLimit(req.query.get('limit'), DEFAULT_INCIDENT_LIMIT, MAX_INCIDENT_LIMIT);
    const from = timeMs(req, 'from');
    const to = timeMs(req, 'to');
    if (from !== null && to !== null && to < from) throw new ApiError(400, 'to: must not be before from');
    const incidents = source
      .incidents()
      .filter(
        (i) =>
          (status === null || i.status === status) &&
          (kind === null || i.kind === kind) &&
          (entity === null || i.entities.includes(entity)) &&
          (to === null || i.startMs <= to) &&
          (from === null || i.endMs === null || i.endMs >= from),
      )
      .slice(0, limit);
    return ok({ incidents });
  };
}

/** GET /api/incidents/:id */
export function getIncident(source: IncidentSource): Handler {
  return async (req) => {
    const id = req.params.id ?? '';
    const incident = source.get(id);
    if (incident === undefined) throw new ApiError(404, `no incident ${JSON.stringify(id)} (unknown, or dropped from memory: incidents.max_incidents)`);
    return ok(incident);
  };
}
