/**
 * `strata incidents`: the incidents of a running Strata, read from its API (GET /api/incidents and
 * /api/incidents/:id), as a table, one incident in detail (`--id`), or JSON.
 */
import type { Evidence, Incident, RankedCause } from '../incidents/types.js';
import { integerFlag, parseArgs, UsageError } from './args.js';
import type { CliIo } from './calibrate.js';

export const INCIDENTS_HELP = `Usage: strata incidents [flags]

Lists the incidents of a running Strata (newest first): id, status, start, duration, top cause,
entities and affected requests; with --id, one incident in detail: summary, ranked causes with their
evidence, and the suggested mitigation (docs/incidents.md).

Flags:
  --url URL          the Strata API (default http://127.0.0.1:4000)
  --status S         open or resolved
  --kind K           fault or gap
  --limit N          at most N incidents (default 50)
  --id ID            show one incident in detail
  --json             print the API's JSON instead
  --api-key KEY      API key (default: the STRATA_API_KEY environment variable)
  --help             this text

Exit codes: 0 ok, 1 the API failed or the incident is unknown, 2 usage.
`;

export const DEFAULT_API_URL = 'http://127.0.0.1:4000';

const PROCESS_IO: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

interface Settings {
  readonly url: string;
  readonly status: string | undefined;
  readonly kind: string | undefined;
  readonly limit: number;
  readonly id: string | undefined;
  readonly json: boolean;
  readonly apiKey: string | undefined;
}

function settingsOf(flags: Record<string, string | boolean>, positional: readonly string[], env: NodeJS.ProcessEnv): Settings {
  if (positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])} (see --help)`);
  const url = (flags.url as string | undefined) ?? DEFAULT_API_URL;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`--url: expected an http(s) URL such as ${DEFAULT_API_URL}, got ${JSON.stringify(url)}`);
  }
  const status = flags.status as string | undefined;
  if (status !== undefined && status !== 'open' && status !== 'resolved') throw new UsageError(`--status: expected open or resolved, got ${JSON.stringify(status)}`);
  const kind = flags.kind as string | undefined;
  if (kind !== undefined && kind !== 'fault' && kind !== 'gap') throw new UsageError(`--kind: expected fault or gap, got ${JSON.stringify(kind)}`);
  const id = flags.id as string | undefined;
  if (id !== undefined && id.trim() === '') throw new UsageError('--id: expected an incident id');
  return {
    url: url.replace(/\/+$/, ''),
    status,
    kind,
    limit: integerFlag(flags, 'limit', 50, 1, 1000),
    id,
    json: flags.json === true,
    apiKey: (flags['api-key'] as string | undefined) ?? (env.STRATA_API_KEY || undefined),
  };
}

/** `strata incidents`: returns the exit code. */
export async function incidentsCommand(argv: readonly string[], io: CliIo = PROCESS_IO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let settings: Settings;
  try {
    const parsed = parseArgs(argv, ['url', 'status', 'kind', 'limit', 'id', 'api-key'], ['help', 'json']);
    if (parsed.flags.help) {
      io.out(INCIDENTS_HELP);
      return 0;
    }
    settings = settingsOf(parsed.flags, parsed.positional, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`strata incidents: ${err.message}\n`);
    return 2;
  }

  let path: string;
  if (settings.id !== undefined) path = `/api/incidents/${encodeURIComponent(settings.id)}`;
  else {
    const q = new URLSearchParams({ limit: String(settings.limit) });
    if (settings.status) q.set('status', settings.status);
    if (settings.kind) q.set('kind', settings.kind);
    path = `/api/incidents?${q}`;
  }
  let body: unknown;
  try {
    const res = await fetch(`${settings.url}${path}`, { headers: settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {} });
    const text = await res.text();
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    if (!res.ok) {
      const message = (body as { error?: string } | null)?.error ?? text.slice(0, 200);
      io.err(`strata incidents: ${settings.url} answered ${res.status}: ${message}\n`);
      return 1;
    }
  } catch (err) {
    io.err(`strata incidents: cannot reach ${settings.url}: ${(err as Error).message}\n`);
    return 1;
  }
  if (settings.json) io.out(`${JSON.stringify(body)}\n`);
  else if (settings.id !== undefined) io.out(renderDetail(body as Incident));
  else io.out(renderTable((body as { incidents: Incident[] }).incidents));
  return 0;
}

// ------------------------------------------------------------------ text output

/** `2026-12-03 14:01:05` (UTC). */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** `45s`, `12m 05s`, `3h 02m`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

function cause(c: RankedCause | undefined): string {
  return c === undefined ? '-' : `${c.faultType} @ ${c.entity}`;
}

function entitiesCell(es: readonly string[]): string {
  const shown = es.slice(0, 3).join(', ');
  return es.length > 3 ? `${shown} +${es.length - 3}` : shown;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** For an open incident: the latest event time it is known to have lasted to. */
function lastSeen(i: Incident): number {
  let t = i.updatedMs;
  for (const a of i.anomalies) t = Math.max(t, a.lastMs);
  return t;
}

export function renderTable(incidents: readonly Incident[]): string {
  if (incidents.length === 0) return 'no incidents\n';
  const rows = incidents.map((i) => [
    i.id,
    i.status === 'open' ? 'open' : 'resolved',
    i.kind,
    timestamp(i.startMs),
    `${duration((i.endMs ?? lastSeen(i)) - i.startMs)}${i.endMs === null ? '+' : ''}`,
    cause(i.causes[0]),
    String(i.affectedRequests),
    entitiesCell(i.entities),
  ]);
  return `${table(['ID', 'STATUS', 'KIND', 'START (UTC)', 'DURATION', 'TOP CAUSE', 'REQUESTS', 'ENTITIES'], rows)}\n`;
}

function evidenceLine(e: Evidence): string {
  const examples = e.examples.length === 0 ? '' : `  e.g. trace ${e.examples[0].traceId} span ${e.examples[0].spanId}${e.examples.length > 1 ? ` (+${e.examples.length - 1})` : ''}`;
  return `       - ${timestamp(e.startMs).slice(11)} ${e.entity} ${e.signal} [${e.layer}, ${e.kind}]${e.detail ? ` ${e.detail}` : ''}${examples}`;
}

export function renderDetail(i: Incident): string {
  const out: string[] = [];
  out.push(`${i.id}  ${i.status}  ${i.kind}${i.mergedInto ? `  (merged into ${i.mergedInto})` : ''}`);
  out.push(`  ${i.summary}`);
  out.push('');
  out.push(`  started    ${timestamp(i.startMs)} UTC`);
  out.push(`  ended      ${i.endMs === null ? '-' : `${timestamp(i.endMs)} UTC (${duration(i.endMs - i.startMs)})`}`);
  out.push(`  localised  ${i.localisedMs === null ? '-' : `${timestamp(i.localisedMs)} UTC`}`);
  out.push(`  requests   ${i.affectedRequests} affected`);
  out.push(`  entities   ${i.entities.join(', ')}`);
  out.push('');
  out.push('  causes (best first):');
  if (i.causes.length === 0) out.push('    none matched a known causal link');
  i.causes.forEach((c, n) => {
    out.push(`    ${n + 1}. ${c.faultType} on ${c.entity}  (${c.layer}, score ${c.score})`);
    out.push(`       ${c.explanation}`);
    for (const e of c.evidence) out.push(evidenceLine(e));
  });
  out.push('');
  out.push(`  mitigation: ${i.mitigation}`);
  return `${out.join('\n')}\n`;
}
