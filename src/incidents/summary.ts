/**
 * The one-sentence summary of an incident: the likely cause, the symptom users see, the cause's own
 * signal and the requests affected, e.g. "GPU thermal slowdown on GPU GPU-ab12: inter-token latency
 * on replica gpu-node-1:8001 rose 40% at 14:02; GPU GPU-ab12 reported hw_thermal at 14:01; 212
 * requests affected". A gap incident says what stopped reporting instead.
 */
import type { Anomaly } from '../detect/types.js';
import { FLEET_ENTITY } from '../model/faults.js';
import { anomalyPhrase, clock, entityLabel, faultTitle } from './describe.js';
import { kindOf } from './topology.js';
import type { Incident, RankedCause } from './types.js';

function strength(a: Anomaly): number {
  return a.kind === 'shift' ? Math.abs(a.score) : Number.POSITIVE_INFINITY;
}

function strongest(as: readonly Anomaly[]): Anomaly | undefined {
  let best: Anomaly | undefined;
  for (const a of as) if (best === undefined || strength(a) > strength(best) || (strength(a) === strength(best) && a.startMs < best.startMs)) best = a;
  return best;
}

function earliest(as: readonly Anomaly[]): Anomaly | undefined {
  let best: Anomaly | undefined;
  for (const a of as) if (best === undefined || a.startMs < best.startMs) best = a;
  return best;
}

function requests(n: number): string {
  return `${n} request${n === 1 ? '' : 's'} affected`;
}

export interface SummaryInput {
  readonly kind: Incident['kind'];
  readonly anomalies: readonly Anomaly[];
  readonly causes: readonly RankedCause[];
  readonly affectedRequests: number;
  readonly endMs: number | null;
}

export function incidentSummary(input: SummaryInput): string {
  const { anomalies, causes } = input;
  const top = causes[0];
  if (input.kind === 'gap') {
    const first = earliest(anomalies);
    const where = top !== undefined ? entityLabel(top.entity) : first !== undefined ? entityLabel(first.entity) : 'a target';
    const others = new Set(anomalies.map((a) => a.entity));
    const more = others.size > 1 ? ` (${others.size} series sources)` : '';
    const since = first === undefined ? '' : ` since ${clock(first.startMs)}`;
    const until = input.endMs === null ? '' : ` until ${clock(input.endMs)}`;
    return `no telemetry from ${where}${more}${since}${until}: a gap in the data, not a fault of what it watches`;
  }
  if (top === undefined) {
    const a = strongest(anomalies);
    return a === undefined ? requests(input.affectedRequests) : `${anomalyPhrase(a)}; ${requests(input.affectedRequests)}`;
  }
  const byId = new Map(anomalies.map((a) => [a.id, a]));
  const evidence = top.evidence.map((e) => byId.get(e.anomalyId)).filter((a): a is Anomaly => a !== undefined);
  const parts: string[] = [];
  if (top.entity === FLEET_ENTITY) {
    const replicas = new Set(evidence.filter((a) => kindOf(a.entity) === 'replica').map((a) => a.entity));
    const a = strongest(evidence);
    if (a !== undefined) parts.push(`${anomalyPhrase(a)}${replicas.size > 1 ? `, and on ${replicas.size - 1} more replica${replicas.size > 2 ? 's' : ''}` : ''}`);
  } else {
    const own = evidence.filter((a) => a.entity === top.entity);
    const seen = evidence.filter((a) => a.entity !== top.entity);
    const symptom = strongest(seen);
    const trigger = earliest(own) ?? earliest(evidence);
    if (symptom !== undefined) parts.push(anomalyPhrase(symptom));
    if (trigger !== undefined && trigger !== symptom) parts.push(anomalyPhrase(trigger));
  }
  parts.push(requests(input.affectedRequests));
  return `${faultTitle(top.faultType)} on ${entityLabel(top.entity)}: ${parts.join('; ')}`;
}
