/**
 * Prometheus Alertmanager, API v2: `POST /api/v2/alerts` with a list of alerts. An incident is one
 * alert named `StrataIncident`; its labels say where and what (incident_id, fault_type, layer,
 * entity, severity). As Prometheus does, open alerts carry an `endsAt` a few resend intervals ahead
 * and are re-sent periodically, so Alertmanager resolves them by itself if Strata goes away; a resolved
 * incident is sent with its `endsAt`. Alertmanager tells alerts apart by their labels, so when an
 * update changes them (a new top cause), the old label set is ended in the same request.
 */
import type { Incident, IncidentChange } from '../incidents/types.js';
import { affectedLine, causeLabels, causeLine, incidentUrl, rfc3339, severityOf, topCause } from './describe.js';
import type { Channel } from './types.js';

export const ALERT_NAME = 'StrataIncident';

/** An open alert stays valid for this many resend intervals without being re-sent. */
export const VALIDITY_RESENDS = 4;

export interface AlertmanagerAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt?: string;
  readonly generatorURL?: string;
}

/** The alerts endpoint of an Alertmanager given by its base URL (or already by that endpoint). */
export function alertsEndpoint(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/api\/v2\/alerts$/.test(trimmed) ? trimmed : `${trimmed}/api/v2/alerts`;
}

export function alertLabels(incident: Incident): Record<string, string> {
  const c = causeLabels(incident);
  return { alertname: ALERT_NAME, incident_id: incident.id, fault_type: c.faultType, layer: c.layer, entity: c.entity, severity: severityOf(incident) };
}

function annotations(incident: Incident): Record<string, string> {
  const cause = topCause(incident);
  const out: Record<string, string> = { summary: incident.summary, mitigation: incident.mitigation };
  out.description = `Top cause: ${cause ? causeLine(cause) : 'not yet known'}. Affected: ${affectedLine(incident)}.`;
  return out;
}

export interface AlertTiming {
  readonly nowMs: number;
  readonly resendIntervalMs: number;
}

/**
 * The alert for `incident`: resolved ones end at their end time (never later than now, so Alertmanager
 * takes them as resolved at once); open ones at now + VALIDITY_RESENDS × the resend interval.
 */
export function incidentAlert(incident: Incident, timing: AlertTiming, externalUrl: string | null): AlertmanagerAlert {
  const resolved = incident.status === 'resolved';
  const endMs = resolved ? Math.max(incident.startMs, Math.min(incident.endMs ?? timing.nowMs, timing.nowMs)) : timing.nowMs + VALIDITY_RESENDS * timing.resendIntervalMs;
  const link = incidentUrl(externalUrl, incident);
  return {
    labels: alertLabels(incident),
    annotations: annotations(incident),
    startsAt: rfc3339(incident.startMs),
    endsAt: rfc3339(endMs),
    ...(link ? { generatorURL: link } : {}),
  };
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export class AlertmanagerChannel implements Channel {
  readonly url: string;
  /** The label set Alertmanager last received per open incident. */
  private readonly known = new Map<string, Readonly<Record<string, string>>>();

  constructor(url: string, private readonly resendIntervalMs: number, private readonly externalUrl: string | null) {
    this.url = alertsEndpoint(url);
  }

  render(incident: Incident, _change: IncidentChange, nowMs: number): AlertmanagerAlert[] {
    const alert = incidentAlert(incident, { nowMs, resendIntervalMs: this.resendIntervalMs }, this.externalUrl);
    const previous = this.known.get(incident.id);
    if (!previous || sameLabels(previous, alert.labels)) return [alert];
    // The labels changed: end the alert Alertmanager knows under the old ones.
    const ended: AlertmanagerAlert = { ...alert, labels: previous, endsAt: rfc3339(Math.max(incident.startMs, nowMs)) };
    return [ended, alert];
  }

  delivered(incident: Incident): void {
    if (incident.status === 'resolved') this.known.delete(incident.id);
    else this.known.set(incident.id, alertLabels(incident));
  }

  /** Every open alert again (with the end of any label set an update replaced); `delivered` follows per incident. */
  resend(open: readonly Incident[], nowMs: number): AlertmanagerAlert[] | null {
    if (open.length === 0) return null;
    return open.flatMap((incident) => this.render(incident, 'update', nowMs));
  }
}
