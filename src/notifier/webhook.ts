/**
 * The generic webhook: the whole incident as JSON, `{version, change, incident}`, so a receiver can
 * do anything a Strata API client can (docs/alerting.md, "Generic webhook").
 */
import type { Incident, IncidentChange } from '../incidents/types.js';
import type { Channel } from './types.js';

/** Raised when the body's shape changes incompatibly. */
export const WEBHOOK_PAYLOAD_VERSION = 1;

export interface WebhookPayload {
  readonly version: typeof WEBHOOK_PAYLOAD_VERSION;
  readonly change: IncidentChange;
  readonly incident: Incident;
}

export function webhookPayload(incident: Incident, change: IncidentChange): WebhookPayload {
  return { version: WEBHOOK_PAYLOAD_VERSION, change, incident };
}

export function webhookChannel(url: string): Channel {
  return { url, render: (incident, change) => webhookPayload(incident, change) };
}
