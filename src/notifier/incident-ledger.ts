/**
 * What one receiver knows and is owed about each incident, and so what to tell it next: the
 * coalescing that keeps a flapping incident from becoming a storm of messages.
 *
 * Only the latest state of an incident is kept. What is sent follows from what the receiver last heard:
 * an incident it has not heard of is an `open` (at once); one it knows open and that changed is an
 * `update`, at most one per `minIntervalMs`; one it knows open and that resolved is a `resolve`, held
 * for `flapWindowMs` so that a re-open inside the window cancels it and becomes one update. Changes the
 * receiver does not want are settled without a message. Entries are bounded by `capacity`: past it
 * the oldest idle entry is forgotten, else the oldest pending one is dropped (and counted).
 * Pure logic over the times given; the queue (receiver-queue.ts) does the waiting and sending.
 */
import type { Incident, IncidentChange } from '../incidents/types.js';

export interface LedgerOptions {
  readonly minIntervalMs: number;
  readonly flapWindowMs: number;
  readonly capacity: number;
  /** The changes the receiver is told of. */
  readonly changes: readonly IncidentChange[];
}

/** A message to send now. */
export interface DueMessage {
  readonly incident: Incident;
  readonly change: IncidentChange;
  /** Passed back to `settle`: the state this message tells of. */
  readonly version: number;
}

interface Entry {
  readonly id: string;
  latest: Incident;
  version: number;
  settledVersion: number;
  /** What the receiver was last told successfully. */
  known: 'none' | 'open' | 'resolved';
  /** Wall time of the last message sent or given up on. */
  lastSentMs: number | null;
  /** Wall time the entry last became pending (ordering, and when an open is due). */
  pendingSinceMs: number;
  /** Wall time the latest open -> resolved transition arrived (the flap hold starts there). */
  resolvedAtMs: number | null;
  inFlight: boolean;
}

export class IncidentLedger {
  private readonly entries = new Map<string, Entry>();
  private droppedCount = 0;
  private coalescedCount = 0;

  constructor(private readonly options: LedgerOptions) {}

  /** Records an incident's new state; returns how many pending entries were dropped to make room (0 or 1). */
  record(incident: Incident, nowMs: number): number {
    let entry = this.entries.get(incident.id);
    let dropped = 0;
    if (!entry) {
      if (this.entries.size >= this.options.capacity) dropped = this.evict();
      entry = { id: incident.id, latest: incident, version: 0, settledVersion: 0, known: 'none', lastSentMs: null, pendingSinceMs: nowMs, resolvedAtMs: null, inFlight: false };
      this.entries.set(incident.id, entry);
    } else if (this.pending(entry)) this.coalescedCount++;
    else entry.pendingSinceMs = nowMs;
    const wasOpen = entry.version === 0 ? false : entry.latest.status === 'open';
    if (incident.status === 'resolved' && (wasOpen || entry.version === 0)) entry.resolvedAtMs = nowMs;
    if (incident.status === 'open') entry.resolvedAtMs = null;
    entry.latest = incident;
    entry.version++;
    return dropped;
  }

  /**
   * The next message due at `nowMs` (earliest due first), marked in flight until `settle`; null when
   * none is due. `flush` ignores the flap hold and the update interval (stopping: say everything now).
   */
  take(nowMs: number, flush = false): DueMessage | null {
    for (;;) {
      let best: Entry | null = null;
      let bestDue = Infinity;
      for (const e of this.entries.values()) {
        if (e.inFlight || !this.pending(e)) continue;
        const due = flush ? e.pendingSinceMs : this.dueAt(e);
        if (due <= nowMs && (due < bestDue || (due === bestDue && best !== null && e.pendingSinceMs < best.pendingSinceMs))) {
          best = e;
          bestDue = due;
        }
      }
      if (!best) return null;
      const change = this.changeOf(best)!;
      if (!this.options.changes.includes(change)) {
        // Not wanted by this receiver: settle without a message, as if it had been told.
        this.settleEntry(best, best.version, change, nowMs, true, false);
        continue;
      }
      best.inFlight = true;
      return { incident: best.latest, change, version: best.version };
    }
  }

  /** Wall time the earliest pending message falls due (null: none pending). */
  nextDueAt(): number | null {
    let next: number | null = null;
    for (const e of this.entries.values()) {
      if (e.inFlight || !this.pending(e)) continue;
      const due = this.dueAt(e);
      if (next === null || due < next) next = due;
    }
    return next;
  }

  /** The message `take` gave is done: `delivered` or given up on (then the receiver's knowledge stays as it was). */
  settle(id: string, version: number, change: IncidentChange, nowMs: number, delivered: boolean): void {
    const e = this.entries.get(id);
    if (e) this.settleEntry(e, version, change, nowMs, delivered, true);
  }

  /**
   * What a re-send should re-state, oldest first: every incident the receiver knows as open. One whose
   * resolve is still held (or in flight) is re-stated as open; one whose resolve was given up on is
   * re-stated resolved, so the re-send carries the resolution.
   */
  resendable(): Incident[] {
    const out: Incident[] = [];
    for (const e of this.entries.values()) {
      if (e.known !== 'open') continue;
      const held = e.latest.status === 'resolved' && (this.pending(e) || e.inFlight);
      out.push(held ? { ...e.latest, status: 'open', endMs: null } : e.latest);
    }
    return out;
  }

  /** A re-send of `incidents` was delivered: those it told resolved are done. */
  resent(incidents: readonly Incident[]): void {
    for (const i of incidents) {
      const e = this.entries.get(i.id);
      if (!e || e.inFlight || i.status !== 'resolved' || e.latest.status !== 'resolved' || this.pending(e)) continue;
      e.known = 'resolved';
      this.entries.delete(e.id);
    }
  }

  /** Entries with a message owed. */
  get pendingCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (this.pending(e)) n++;
    return n;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Pending entries dropped for room so far. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** States that replaced a still-pending one (no message of their own). */
  get coalesced(): number {
    return this.coalescedCount;
  }

  private pending(e: Entry): boolean {
    return e.version > e.settledVersion && this.changeOf(e) !== null;
  }

  /** What the receiver is owed about `e`, from what it knows and the latest state. */
  private changeOf(e: Entry): IncidentChange | null {
    if (e.latest.status === 'open') return e.known === 'open' ? 'update' : 'open';
    return e.known === 'resolved' ? null : 'resolve';
  }

  private dueAt(e: Entry): number {
    switch (this.changeOf(e)) {
      case 'open':
        // Only after a failed open (or a re-open racing its resolve) was anything sent: then rate-limit.
        return e.lastSentMs === null ? e.pendingSinceMs : Math.max(e.pendingSinceMs, e.lastSentMs + this.options.minIntervalMs);
      case 'update':
        return Math.max(e.pendingSinceMs, (e.lastSentMs ?? -Infinity) + this.options.minIntervalMs);
      case 'resolve':
        return e.known === 'open' ? (e.resolvedAtMs ?? e.pendingSinceMs) + this.options.flapWindowMs : e.pendingSinceMs;
      default:
        return Infinity;
    }
  }

  private settleEntry(e: Entry, version: number, change: IncidentChange, nowMs: number, delivered: boolean, sent: boolean): void {
    e.inFlight = false;
    e.settledVersion = Math.max(e.settledVersion, version);
    if (delivered) e.known = change === 'resolve' ? 'resolved' : 'open';
    if (sent) e.lastSentMs = nowMs;
    if (e.version > e.settledVersion) e.pendingSinceMs = nowMs;
    // A resolved incident the receiver knows resolved (or never heard of) is done: forget it.
    if (e.latest.status === 'resolved' && e.known !== 'open' && !this.pending(e)) this.entries.delete(e.id);
  }

  /** Makes room for one entry: the oldest idle one is forgotten, else the oldest pending one dropped. */
  private evict(): number {
    let oldestPending: Entry | null = null;
    for (const e of this.entries.values()) {
      if (e.inFlight) continue;
      if (!this.pending(e)) {
        this.entries.delete(e.id);
        return 0;
      }
      oldestPending ??= e;
    }
    if (!oldestPending) return 0;
    this.entries.delete(oldestPending.id);
    this.droppedCount++;
    return 1;
  }
}
