/**
 * The seam between the delivery machinery (queue, retries, dead letters) and one kind of receiver:
 * a Channel turns an incident change into the body to POST, and may keep what the receiver knows.
 */
import type { Incident, IncidentChange } from '../incidents/types.js';

export interface Channel {
  /** Where the bodies are POSTed. */
  readonly url: string;
  /** The JSON body telling of `change` to `incident`, at wall time `nowMs`. */
  render(incident: Incident, change: IncidentChange, nowMs: number): unknown;
  /** After a message was delivered: what the receiver now knows (Alertmanager keeps its label sets). */
  delivered?(incident: Incident, change: IncidentChange): void;
  /**
   * A body re-stating every open incident (Alertmanager expects alerts to be re-sent); null: nothing to
   * send. After it is delivered, `delivered(incident, 'update')` is called for each.
   */
  resend?(open: readonly Incident[], nowMs: number): unknown | null;
}

/**
 * What happened to one notification: `sent` (delivered), `retry` (an attempt failed and another will
 * follow), `failed` (given up: a dead letter), `dropped` (pushed out of a full queue).
 */
export type NotificationOutcome = 'sent' | 'retry' | 'failed' | 'dropped';

export const NOTIFICATION_OUTCOMES: readonly NotificationOutcome[] = ['sent', 'retry', 'failed', 'dropped'];
