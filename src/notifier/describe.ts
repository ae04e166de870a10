/**
 * What every message says about an incident, whatever the receiver: its top cause, severity, title,
 * the affected entities and requests, and a link; the payload builders format these.
 */
import type { FaultType, Layer } from '../model/faults.js';
import type { Incident, IncidentChange, RankedCause } from '../incidents/types.js';

export type Severity = 'critical' | 'warning' | 'info';

/**
 * Severity by the top cause: faults that corrupt or lose answers are critical, degradations a warning,
 * a telemetry gap (nothing known to be wrong with what it watches) info.
 */
const SEVERITY: Readonly<Record<FaultType, Severity>> = {
  gpu_xid_79: 'critical',
  gpu_ecc_uncorrectable: 'critical',
  chat_template_misconfig: 'critical',
  bad_rollout: 'critical',
  gpu_thermal_slowdown: 'warning',
  gpu_power_cap: 'warning',
  nvlink_errors: 'warning',
  kv_cache_exhaustion: 'warning',
  noisy_neighbour: 'warning',
  prompt_drift: 'warning',
  reasoning_regression: 'warning',
  probe_alarm: 'warning',
  telemetry_outage: 'info',
};

/** What an incident without ranked causes is labelled with. */
export const UNKNOWN = 'unknown';

export function topCause(incident: Incident): RankedCause | null {
  return incident.causes[0] ?? null;
}

export function severityOf(incident: Incident): Severity {
  const cause = topCause(incident);
  if (cause) return SEVERITY[cause.faultType] ?? 'warning';
  return incident.kind === 'gap' ? 'info' : 'warning';
}

export interface CauseLabels {
  readonly faultType: FaultType | typeof UNKNOWN;
  readonly layer: Layer | typeof UNKNOWN;
  readonly entity: string;
}

export function causeLabels(incident: Incident): CauseLabels {
  const cause = topCause(incident);
  if (cause) return { faultType: cause.faultType, layer: cause.layer, entity: cause.entity };
  return { faultType: incident.kind === 'gap' ? 'telemetry_outage' : UNKNOWN, layer: incident.kind === 'gap' ? 'telemetry' : UNKNOWN, entity: incident.entities[0] ?? UNKNOWN };
}

const VERB: Readonly<Record<IncidentChange, string>> = { open: 'Opened', update: 'Updated', resolve: 'Resolved' };

/** `Opened: <summary>` and the like. */
export function title(incident: Incident, change: IncidentChange): string {
  return `${VERB[change]}: ${incident.summary}`;
}

/** `gpu_thermal_slowdown on gpu:GPU-1 (infrastructure): thermal slowdown -> SM clock -> latency`. */
export function causeLine(cause: RankedCause): string {
  const why = cause.explanation ? `: ${cause.explanation}` : '';
  return `${cause.faultType} on ${cause.entity} (${cause.layer})${why}`;
}

/** `37 requests on replica:a, replica:b and 3 more`. */
export function affectedLine(incident: Incident, maxEntities = 5): string {
  const shown = incident.entities.slice(0, maxEntities);
  const more = incident.entities.length - shown.length;
  const where = shown.length === 0 ? '' : ` on ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  return `${incident.affectedRequests} request${incident.affectedRequests === 1 ? '' : 's'}${where}`;
}

/** The incident's page in Strata's API, or null without an external URL. */
export function incidentUrl(externalUrl: string | null, incident: Incident): string | null {
  return externalUrl ? `${externalUrl}/api/incidents/${encodeURIComponent(incident.id)}` : null;
}

/** RFC 3339 in UTC with milliseconds, e.g. `2026-01-01T00:00:00.000Z`. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}
