import { describe, expect, it } from 'vitest';
import type { Incident, IncidentChange } from '../incidents/types.js';
import { IncidentLedger, type LedgerOptions } from './incident-ledger.js';
import { sampleIncident } from './sample.js';

const MIN = 60_000;
const FLAP = 10_000;
const T0 = 1_000_000;

function ledger(over: Partial<LedgerOptions> = {}): IncidentLedger {
  return new IncidentLedger({ minIntervalMs: MIN, flapWindowMs: FLAP, capacity: 100, changes: ['open', 'update', 'resolve'], ...over });
}

const open = (id = 'a', n = 0): Incident => sampleIncident({ id, affectedRequests: n });
const resolved = (id = 'a', n = 0): Incident => sampleIncident({ id, status: 'resolved', endMs: T0, affectedRequests: n });

/** Takes and settles (delivered) every message due at `now`; returns `change:id:requests` of each. */
function drain(l: IncidentLedger, now: number, delivered = true, flush = false): string[] {
  const out: string[] = [];
  for (let m = l.take(now, flush); m; m = l.take(now, flush)) {
    out.push(`${m.change}:${m.incident.id}:${m.incident.affectedRequests}`);
    l.settle(m.incident.id, m.version, m.change, now, delivered);
  }
  return out;
}

describe('IncidentLedger', () => {
  it('sends an open at once and at most one update per interval, carrying the latest state', () => {
    const l = ledger();
    l.record(open('a', 1), T0);
    expect(drain(l, T0)).toEqual(['open:a:1']);
    for (let i = 2; i <= 20; i++) l.record(open('a', i), T0 + i * 1000);
    expect(drain(l, T0 + 20_000)).toEqual([]);
    expect(l.nextDueAt()).toBe(T0 + MIN);
    expect(drain(l, T0 + MIN)).toEqual(['update:a:20']);
    expect(l.coalesced).toBe(18);
    expect(l.nextDueAt()).toBeNull();
  });

  it('holds a resolve for the flap window, then sends it and forgets the incident', () => {
    const l = ledger();
    l.record(open(), T0);
    drain(l, T0);
    l.record(resolved(), T0 + 5000);
    expect(drain(l, T0 + 5000 + FLAP - 1)).toEqual([]);
    expect(drain(l, T0 + 5000 + FLAP)).toEqual(['resolve:a:0']);
    expect(l.size).toBe(0);
    // A later re-open of the same id is a new open.
    l.record(open('a', 3), T0 + 100_000);
    expect(drain(l, T0 + 100_000)).toEqual(['open:a:3']);
  });

  it('turns open -> resolve -> open inside the window into one update, however often it flaps', () => {
    const l = ledger();
    const sent: string[] = [];
    let now = T0;
    l.record(open('a', 0), now);
    sent.push(...drain(l, now));
    for (let i = 1; i <= 200; i++) {
      now += 1000;
      l.record(resolved('a', i), now);
      sent.push(...drain(l, now));
      now += 1000;
      l.record(open('a', i), now);
      sent.push(...drain(l, now));
    }
    // 400 s of flapping at 1 s per state: one open, then one update per interval.
    expect(sent[0]).toBe('open:a:0');
    expect(sent.slice(1).every((s) => s.startsWith('update:a:'))).toBe(true);
    expect(sent.length).toBeLessThanOrEqual(1 + Math.ceil(400_000 / MIN));
    now += 1000;
    l.record(resolved('a', 999), now);
    expect(drain(l, now + FLAP)).toEqual(['resolve:a:999']);
  });

  it('settles changes a receiver does not want without a message', () => {
    const l = ledger({ changes: ['open', 'resolve'] });
    l.record(open('a', 1), T0);
    expect(drain(l, T0)).toEqual(['open:a:1']);
    l.record(open('a', 2), T0 + 1);
    expect(drain(l, T0 + 10 * MIN)).toEqual([]);
    expect(l.pendingCount).toBe(0);
    l.record(resolved('a', 3), T0 + 10 * MIN);
    expect(drain(l, T0 + 10 * MIN + FLAP)).toEqual(['resolve:a:3']);
  });

  it('re-sends an open that was given up on as an open, rate-limited by the interval', () => {
    const l = ledger();
    l.record(open('a', 1), T0);
    expect(drain(l, T0, false)).toEqual(['open:a:1']);
    l.record(open('a', 2), T0 + 1000);
    expect(drain(l, T0 + 1000)).toEqual([]);
    expect(drain(l, T0 + MIN)).toEqual(['open:a:2']);
  });

  it('sends a resolve at once when the receiver never heard of the incident', () => {
    const l = ledger();
    l.record(open('a', 1), T0);
    l.record(resolved('a', 2), T0 + 1);
    expect(drain(l, T0 + 1)).toEqual(['resolve:a:2']);
  });

  it('keeps a resolve held, or an update waiting, out of flush only until flush is asked', () => {
    const l = ledger();
    l.record(open('a'), T0);
    l.record(open('b'), T0);
    drain(l, T0);
    l.record(resolved('a', 5), T0 + 1);
    l.record(open('b', 6), T0 + 2);
    expect(drain(l, T0 + 3)).toEqual([]);
    expect(drain(l, T0 + 3, true, true).sort()).toEqual(['resolve:a:5', 'update:b:6']);
  });

  it('re-states held resolves as open, and a given-up resolve as resolved, for re-sends', () => {
    const l = ledger();
    l.record(open('a'), T0);
    l.record(open('b'), T0);
    drain(l, T0);
    l.record(resolved('a'), T0 + 1);
    expect(l.resendable().map((i) => [i.id, i.status])).toEqual([['a', 'open'], ['b', 'open']]);
    l.record(resolved('b'), T0 + 2);
    const m = l.take(T0 + 2, true)!;
    expect(m.incident.id).toBe('a');
    l.settle('a', m.version, m.change, T0 + 2, true);
    const n = l.take(T0 + 2, true)!;
    l.settle('b', n.version, n.change, T0 + 2, false);
    expect(l.resendable().map((i) => [i.id, i.status])).toEqual([['b', 'resolved']]);
    l.resent(l.resendable());
    expect(l.size).toBe(0);
  });

  it('drops the oldest pending incident past its capacity, keeping the one in flight', () => {
    const l = ledger({ capacity: 2 });
    l.record(open('a'), T0);
    const inFlight = l.take(T0)!;
    let dropped = 0;
    for (const id of ['b', 'c', 'd', 'e']) dropped += l.record(open(id), T0 + 1);
    expect(dropped).toBe(3);
    expect(l.dropped).toBe(3);
    l.settle('a', inFlight.version, inFlight.change as IncidentChange, T0 + 2, true);
    expect(drain(l, T0 + 2)).toEqual(['open:e:0']);
    // An idle entry is forgotten before a pending one is dropped.
    l.record(open('f'), T0 + 3);
    expect(l.dropped).toBe(3);
  });
});
