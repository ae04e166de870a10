/**
 * The Slack-compatible webhook (Slack incoming webhooks, and the many chat tools that accept the same
 * body): `{text, blocks}` with a readable summary, the top cause, the affected requests and the
 * mitigation. `text` alone carries everything, for tools that ignore blocks.
 */
import type { Incident, IncidentChange } from '../incidents/types.js';
import { affectedLine, causeLine, incidentUrl, rfc3339, severityOf, title, topCause } from './describe.js';
import type { Channel } from './types.js';

/** Slack's limits: a header's plain text, a section's text. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;

export interface SlackPayload {
  readonly text: string;
  readonly blocks: readonly unknown[];
}

/** Slack's mrkdwn control characters, escaped as its documentation asks. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function section(markdown: string): unknown {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(markdown, SECTION_MAX) } };
}

export function slackPayload(incident: Incident, change: IncidentChange, externalUrl: string | null): SlackPayload {
  const cause = topCause(incident);
  const causeText = cause ? causeLine(cause) : 'not yet known';
  const affected = affectedLine(incident);
  const severity = severityOf(incident);
  const link = incidentUrl(externalUrl, incident);
  const when = change === 'resolve' && incident.endMs !== null ? `${rfc3339(incident.startMs)} to ${rfc3339(incident.endMs)}` : `since ${rfc3339(incident.startMs)}`;
  const head = `[${severity}] ${title(incident, change)}`;
  const lines = [head, `Top cause: ${causeText}`, `Affected: ${affected}`];
  if (change !== 'resolve' && incident.mitigation) lines.push(`Mitigation: ${incident.mitigation}`);
  lines.push(`Incident ${incident.id}, ${when}${link ? ` (${link})` : ''}`);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(head, HEADER_MAX), emoji: false } },
    section(`*Top cause:* ${escapeMrkdwn(causeText)}\n*Affected:* ${escapeMrkdwn(affected)}`),
  ];
  if (change !== 'resolve' && incident.mitigation) blocks.push(section(`*Mitigation:* ${escapeMrkdwn(incident.mitigation)}`));
  const ref = link ? `<${link}|${escapeMrkdwn(incident.id)}>` : escapeMrkdwn(incident.id);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(`Incident ${ref}, ${when}`, SECTION_MAX) }] });
  return { text: escapeMrkdwn(lines.join('\n')), blocks };
}

export function slackChannel(url: string, externalUrl: string | null): Channel {
  return { url, render: (incident, change) => slackPayload(incident, change, externalUrl) };
}
