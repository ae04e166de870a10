/**
 * The notifier against real local HTTP servers (node:http) standing in for a generic webhook, a Slack
 * webhook and an Alertmanager: payload shapes, retries, dead letters, flapping, stop().
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../incidents/types.js';
import { ManualClock, systemClock, type Clock } from './clock.js';
import { DEFAULT_ALERTING_CONFIG, type AlertingConfig, type ReceiverConfig } from './config.js';
import type { DeadLetter } from './dead-letter.js';
import { STOPPED_ERROR } from './delivery.js';
import { Notifier } from './dispatcher.js';
import { sampleIncident } from './sample.js';
import type { NotificationOutcome } from './types.js';

interface Received {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: any;
}

type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/** A local HTTP server recording every request and answering as `answer` says (by request number, from 1). */
class TestReceiver {
  readonly requests: Received[] = [];
  answer: (n: number) => Answer = () => ({ status: 200 });
  private server: Server | null = null;
  private hanging: ServerResponse[] = [];
  private waiters: (() => void)[] = [];
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        for (const w of this.waiters.splice(0)) w();
        const a = this.answer(this.requests.length);
        if (a === 'hang') return void this.hanging.push(res);
        res.writeHead(a.status, { 'Content-Type': 'text/plain', ...a.headers });
        res.end(a.body ?? '');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Resolves once `n` requests have arrived. */
  async until(n: number): Promise<void> {
    while (this.requests.length < n) await new Promise<void>((r) => this.waiters.push(r));
  }

  release(): void {
    for (const res of this.hanging.splice(0)) res.writeHead(200).end();
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = null;
    await new Promise<void>((r) => {
      s.close(() => r());
      s.closeAllConnections();
    });
  }
}

const FAST_RETRY = { attempts: 3, backoffMs: 1, maxBackoffMs: 4 };

function receiver(over: Partial<ReceiverConfig> & Pick<ReceiverConfig, 'name' | 'type' | 'url'>): ReceiverConfig {
  return { headers: {}, changes: ['open', 'update', 'resolve'], minIntervalMs: 0, retry: FAST_RETRY, timeoutMs: 5000, ...over };
}

function config(receivers: ReceiverConfig[], over: Partial<AlertingConfig> = {}): AlertingConfig {
  return { ...DEFAULT_ALERTING_CONFIG, flapWindowMs: 0, receivers, ...over };
}

let dir = '';
let servers: TestReceiver[] = [];
let notifiers: Notifier[] = [];
let outcomes: string[] = [];

async function server(): Promise<TestReceiver> {
  const s = await new TestReceiver().start();
  servers.push(s);
  return s;
}

function notifier(cfg: AlertingConfig, clock: Clock = systemClock): Notifier {
  const n = new Notifier({ config: cfg, deadLetterDir: dir, clock, random: () => 0.5, onOutcome: (r: string, o: NotificationOutcome) => outcomes.push(`${r}:${o}`) });
  notifiers.push(n);
  return n;
}

function deadLetters(n: Notifier): DeadLetter[] {
  if (!existsSync(n.deadLetterPath)) return [];
  return readFileSync(n.deadLetterPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

const resolvedIncident = (over: Partial<Incident> = {}): Incident => sampleIncident({ status: 'resolved', endMs: Date.UTC(2026, 0, 1, 12, 10), ...over });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-notifier-'));
  outcomes = [];
});

afterEach(async () => {
  await Promise.all(notifiers.map((n) => n.stop(0)));
  await Promise.all(servers.map((s) => s.close()));
  notifiers = [];
  servers = [];
  rmSync(dir, { recursive: true, force: true });
});

describe('Notifier payloads', () => {
  it('sends open, update and resolve to a webhook, a Slack webhook and an Alertmanager, each in its shape', async () => {
    const hook = await server();
    const slack = await server();
    const am = await server();
    const n = notifier(
      config(
        [
          receiver({ name: 'hook', type: 'webhook', url: hook.url(), headers: { Authorization: 'Bearer t0ken' } }),
          receiver({ name: 'chat', type: 'slack', url: slack.url('/services/T/B/X') }),
          receiver({ name: 'am', type: 'alertmanager', url: am.url('') }),
        ],
        { externalUrl: 'http://strata.local:4000' },
      ),
    );
    await n.start();
    const opened = sampleIncident();
    n.notify(opened, 'open');
    await n.whenIdle();
    const updated = sampleIncident({ affectedRequests: 52 });
    n.notify(updated, 'update');
    await n.whenIdle();
    n.notify(resolvedIncident({ affectedRequests: 52 }), 'resolve');
    await n.whenIdle();

    expect(hook.requests.map((r) => r.body.change)).toEqual(['open', 'update', 'resolve']);
    expect(hook.requests[0].path).toBe('/hook');
    expect(hook.requests[0].headers.authorization).toBe('Bearer t0ken');
    expect(hook.requests[0].headers['content-type']).toBe('application/json');
    expect(hook.requests[0].body).toEqual({ version: 1, change: 'open', incident: JSON.parse(JSON.stringify(opened)) });
    expect(hook.requests[2].body.incident).toMatchObject({ status: 'resolved', endMs: Date.UTC(2026, 0, 1, 12, 10), affectedRequests: 52 });

    expect(slack.requests).toHaveLength(3);
    expect(slack.requests[0].path).toBe('/services/T/B/X');
    expect(slack.requests[0].body.text).toContain('Opened: Thermal slowdown on gpu:GPU-1b2c3d4e');
    expect(slack.requests[0].body.text).toContain('Top cause: gpu_thermal_slowdown on gpu:GPU-1b2c3d4e');
    expect(slack.requests[1].body.text).toContain('Affected: 52 requests');
    expect(slack.requests[0].body.text).toContain('Mitigation: Drain the replicas');
    expect(slack.requests[2].body.text).toContain('Resolved: ');
    expect(slack.requests[0].body.blocks[0].type).toBe('header');

    expect(am.requests.map((r) => r.path)).toEqual(['/api/v2/alerts', '/api/v2/alerts', '/api/v2/alerts']);
    const alerts = am.requests.map((r) => r.body);
    for (const a of alerts) {
      expect(Array.isArray(a)).toBe(true);
      expect(a[0].labels).toEqual({ alertname: 'StrataIncident', incident_id: 'inc-0001', fault_type: 'gpu_thermal_slowdown', layer: 'infrastructure', entity: 'gpu:GPU-1b2c3d4e', severity: 'warning' });
      expect(a[0].annotations).toMatchObject({ summary: opened.summary, mitigation: opened.mitigation });
      expect(a[0].startsAt).toBe('2026-01-01T12:00:00.000Z');
      expect(a[0].generatorURL).toBe('http://strata.local:4000/api/incidents/inc-0001');
    }
    expect(Date.parse(alerts[0][0].endsAt)).toBeGreaterThan(Date.now());
    expect(alerts[2][0].endsAt).toBe('2026-01-01T12:10:00.000Z');

    expect(n.stats().map((s) => [s.receiver, s.sent, s.failed])).toEqual([['hook', 3, 0], ['chat', 3, 0], ['am', 3, 0]]);
    expect(outcomes.filter((o) => o.endsWith(':sent'))).toHaveLength(9);
  });
});

describe('Notifier retries and dead letters', () => {
  it('retries 5xx, 429 and refused connections, then delivers', async () => {
    const s = await server();
    s.answer = (i) => (i === 1 ? { status: 503 } : i === 2 ? { status: 429, headers: { 'Retry-After': '0' } } : { status: 202 });
    const n = notifier(config([receiver({ name: 'hook', type: 'webhook', url: s.url() })]));
    await n.start();
    n.notify(sampleIncident(), 'open');
    await n.whenIdle();
    expect(s.requests).toHaveLength(3);
    expect(s.requests.every((r) => r.body.change === 'open')).toBe(true);
    expect(outcomes).toEqual(['hook:retry', 'hook:retry', 'hook:sent']);
    expect(deadLetters(n)).toEqual([]);
  });

  it('writes one dead-letter line when the attempts run out', async () => {
    const s = await server();
    s.answer = () => ({ status: 500, body: 'database on fire' });
    const n = notifier(config([receiver({ name: 'hook', type: 'webhook', url: s.url() })]));
    await n.start();
    n.notify(sampleIncident(), 'open');
    await n.whenIdle();
    await n.stop();
    expect(s.requests).toHaveLength(3);
    const letters = deadLetters(n);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ receiver: 'hook', type: 'webhook', url: s.url(), incidentId: 'inc-0001', change: 'open', error: 'HTTP 500: database on fire', attempts: 3, status: 500 });
    expect(letters[0].payload).toMatchObject({ version: 1, change: 'open', incident: { id: 'inc-0001' } });
    expect(Number.isNaN(Date.parse(letters[0].time))).toBe(false);
    expect(outcomes).toEqual(['hook:retry', 'hook:retry', 'hook:failed']);
  });

  it('does not retry a 4xx other than 408 and 429', async () => {
    const s = await server();
    s.answer = () => ({ status: 400, body: 'bad payload' });
    const n = notifier(config([receiver({ name: 'hook', type: 'slack', url: s.url() })]));
    await n.start();
    n.notify(sampleIncident(), 'open');
    await n.whenIdle();
    await n.stop();
    expect(s.requests).toHaveLength(1);
    expect(deadLetters(n)).toEqual([expect.objectContaining({ receiver: 'hook', attempts: 1, status: 400, error: 'HTTP 400: bad payload' })]);
  });

  it('reports a receiver nobody listens on as a network error', async () => {
    const s = await server();
    const url = s.url();
    await s.close();
    const n = notifier(config([receiver({ name: 'gone', type: 'webhook', url })]));
    await n.start();
    n.notify(sampleIncident(), 'open');
    await n.whenIdle();
    await n.stop();
    expect(deadLetters(n)).toEqual([expect.objectContaining({ receiver: 'gone', attempts: 3, status: null, error: 'ECONNREFUSED' })]);
  });

  it("waits as long as the receiver's Retry-After says", async () => {
    const clock = new ManualClock();
    const s = await server();
    s.answer = (i) => (i === 1 ? { status: 429, headers: { 'Retry-After': '120' } } : { status: 200 });
    const n = notifier(config([receiver({ name: 'hook', type: 'webhook', url: s.url(), retry: { attempts: 3, backoffMs: 1, maxBackoffMs: 1 } })]), clock);
    await n.start();
    n.notify(sampleIncident(), 'open');
    await s.until(1);
    while (clock.pending === 0) await new Promise((r) => setTimeout(r, 5));
    clock.advance(119_999);
    expect(clock.pending).toBe(1);
    expect(s.requests).toHaveLength(1);
    clock.advance(1);
    await n.whenIdle();
    expect(s.requests).toHaveLength(2);
    expect(n.stats()[0]).toMatchObject({ sent: 1, retries: 1 });
  });
});

describe('Notifier coalescing', () => {
  it('sends a flapping incident as open, updates at most once per interval, and one resolve', async () => {
    const clock = new ManualClock();
    const s = await server();
    const n = notifier(config([receiver({ name: 'hook', type: 'webhook', url: s.url(), minIntervalMs: 60_000 })], { flapWindowMs: 10_000 }), clock);
    await n.start();
    n.notify(sampleIncident({ affectedRequests: 0 }), 'open');
    await n.whenIdle();
    // Five minutes of flapping: resolved and re-opened every second.
    for (let i = 1; i <= 150; i++) {
      clock.advance(1000);
      n.notify(resolvedIncident({ affectedRequests: i }), 'resolve');
      await n.whenIdle();
      clock.advance(1000);
      n.notify(sampleIncident({ affectedRequests: i }), 'open');
      await n.whenIdle();
    }
    clock.advance(60_000);
    await n.whenIdle();
    n.notify(resolvedIncident({ affectedRequests: 151 }), 'resolve');
    await n.whenIdle();
    expect(s.requests.map((r) => r.body.change).at(-1)).toBe('update');
    clock.advance(10_000);
    await n.whenIdle();
    const changes = s.requests.map((r) => r.body.change);
    expect(changes[0]).toBe('open');
    expect(changes.at(-1)).toBe('resolve');
    expect(changes.slice(1, -1).every((c) => c === 'update')).toBe(true);
    // 360 s of virtual time: an open, at most one update a minute, a resolve, against 301 changes.
    expect(changes.length).toBeLessThanOrEqual(2 + 6);
    expect(s.requests.at(-1)!.body.incident.affectedRequests).toBe(151);
    expect(n.stats()[0].coalesced).toBeGreaterThan(250);
  });

  it('drops the oldest pending incident when the queue is full, and counts it', async () => {
    const s = await server();
    s.answer = (i) => (i === 1 ? 'hang' : { status: 200 });
    const n = notifier(config([receiver({ name: 'hook', type: 'webhook', url: s.url() })], { queueSize: 2 }));
    await n.start();
    n.notify(sampleIncident({ id: 'a' }), 'open');
    await s.until(1);
    for (const id of ['b', 'c', 'd', 'e']) n.notify(sampleIncident({ id }), 'open');
    s.release();
    await n.whenIdle();
    expect(s.requests.map((r) => r.body.incident.id)).toEqual(['a', 'e']);
    expect(outcomes.filter((o) => o === 'hook:dropped')).toHaveLength(3);
    expect(n.stats()[0].dropped).toBe(3);
  });
});

describe('Notifier and Alertmanager re-sends', () => {
  it('re-sends open alerts every interval until they resolve', async () => {
    const clock = new ManualClock();
    const am = await server();
    const n = notifier(config([receiver({ name: 'am', type: 'alertmanager', url: am.url('/') })], { resendIntervalMs: 60_000 }), clock);
    await n.start();
    n.notify(sampleIncident({ id: 'a' }), 'open');
    n.notify(sampleIncident({ id: 'b' }), 'open');
    await n.whenIdle();
    expect(am.requests).toHaveLength(2);
    clock.advance(60_000);
    await n.whenIdle();
    expect(am.requests).toHaveLength(3);
    expect(am.requests[2].body.map((a: any) => a.labels.incident_id)).toEqual(['a', 'b']);
    expect(am.requests[2].body.every((a: any) => Date.parse(a.endsAt) === clock.now() + 4 * 60_000)).toBe(true);
    n.notify(resolvedIncident({ id: 'a' }), 'resolve');
    n.notify(resolvedIncident({ id: 'b' }), 'resolve');
    await n.whenIdle();
    expect(am.requests).toHaveLength(5);
    clock.advance(60_000);
    await n.whenIdle();
    expect(am.requests).toHaveLength(5);
    expect(clock.pending).toBe(0);
  });
});

describe('Notifier.stop', () => {
  it('sends what is owed at once, held resolves included, then ignores new changes', async () => {
    const clock = new ManualClock();
    const s = await server();
    const n = notifier(config([receiver({ name: 'hook', type: 'webhook', url: s.url(), minIntervalMs: 3_600_000 })], { flapWindowMs: 3_600_000 }), clock);
    await n.start();
    n.notify(sampleIncident({ id: 'a' }), 'open');
    n.notify(sampleIncident({ id: 'b' }), 'open');
    await n.whenIdle();
    n.notify(resolvedIncident({ id: 'a' }), 'resolve');
    n.notify(sampleIncident({ id: 'b', affectedRequests: 99 }), 'update');
    await n.whenIdle();
    expect(s.requests).toHaveLength(2);
    await n.stop(60_000);
    expect(s.requests.slice(2).map((r) => `${r.body.change}:${r.body.incident.id}`).sort()).toEqual(['resolve:a', 'update:b']);
    n.notify(sampleIncident({ id: 'c' }), 'open');
    await n.stop();
    await n.whenIdle();
    expect(s.requests).toHaveLength(4);
    expect(deadLetters(n)).toEqual([]);
  });

  it('aborts a delivery the receiver never answers after the grace, and records it as a dead letter', async () => {
    const s = await server();
    s.answer = () => 'hang';
    const n = notifier(config([receiver({ name: 'hook', type: 'webhook', url: s.url(), timeoutMs: 60_000 })]));
    await n.start();
    n.notify(sampleIncident({ id: 'a' }), 'open');
    await s.until(1);
    n.notify(sampleIncident({ id: 'b' }), 'open');
    await n.stop(50);
    const letters = deadLetters(n);
    expect(letters.map((l) => [l.incidentId, l.attempts])).toEqual([['a', 1], ['b', 0]]);
    expect(letters[0].error).toContain('stopped');
    expect(letters[1].error).toBe(STOPPED_ERROR);
    expect(s.requests).toHaveLength(1);
  });
});
