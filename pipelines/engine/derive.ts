// What one contact or one ticket contributes, derived from all of its events at once.
// The engine keeps each contact's (ticket's) events and re-derives on every arrival, so
// a late or out-of-order event gives the same result as the in-order stream.
import { K, newRec, type Rec } from './acc.ts';
import type { QueuePolicy } from './types.ts';

/** Contact event ranks: the tie-break for events of one contact at the same instant. */
export const CR = { QUEUED: 0, TRANSFERRED: 1, ANSWERED: 2, ABANDONED: 3, ENDED: 4, WRAPPED: 5 } as const;
/** Ticket event ranks. */
export const TR = { CREATED: 0, REPLIED: 1, SOLVED: 2, REOPENED: 3 } as const;

/** A contact event, reduced to what the KPIs read. */
export interface ContactEv {
  id: string;
  r: number;
  ts: number;
  /** queue (transferred: from queue) */
  q: string | null;
  ch: string | null;
  ag: string | null;
  /** transferred: to_queue */
  to: string | null;
  /** wait_ms, −1 when absent */
  w: number;
  /** resolved: 0 absent, 1 false, 2 true */
  res: number;
  /** the contact's event before this one in order (the contact keeps only its last) */
  prev: ContactEv | null;
}

export interface TicketEv {
  id: string;
  r: number;
  ts: number;
  q: string | null;
  ch: string | null;
  /** first_response_due in epoch ms, −1 when absent */
  due: number;
}

/** Order of events within one contact or ticket: time, then rank, then id. */
export function evOrder(a: { ts: number; r: number; id: string }, b: { ts: number; r: number; id: string }): number {
  return a.ts - b.ts || a.r - b.r || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Inserts keeping evOrder (events mostly arrive last, so search from the end); true when last. */
export function insertEv<T extends { ts: number; r: number; id: string }>(list: T[], e: T): boolean {
  let i = list.length;
  while (i > 0 && evOrder(list[i - 1], e) > 0) i--;
  if (i === list.length) {
    list.push(e);
    return true;
  }
  list.splice(i, 0, e);
  return false;
}

/**
 * Links `e` into a contact's events, kept as a list from the last one back (appending, the
 * common case, reads no array and allocates none); true when `e` comes last. `c.last` is
 * the latest time of the contact's events so far (at least its last event's).
 */
export function linkEv(c: { evTail: ContactEv | null; last: number }, e: ContactEv): boolean {
  let cur = c.evTail;
  // after the contact's latest time (`last`, not yet moved to e): last in order, without
  // reading the last event
  if (cur === null || e.ts > c.last) {
    e.prev = cur;
    c.evTail = e;
    return true;
  }
  let after: ContactEv | null = null;
  while (cur !== null && evOrder(cur, e) > 0) {
    after = cur;
    cur = cur.prev;
  }
  e.prev = cur;
  if (after === null) {
    c.evTail = e;
    return true;
  }
  after.prev = e;
  return false;
}

/** A contact's events in order. */
export function evList(tail: ContactEv | null): ContactEv[] {
  const out: ContactEv[] = [];
  for (let e = tail; e !== null; e = e.prev) out.push(e);
  return out.reverse();
}

/**
 * Where the derivation of one contact stands after its events so far: the segment
 * waiting now (curQ null: none) and the latest answered segment (lastQ null: none).
 * The engine keeps it per contact, so an event that comes last in order is one step.
 */
export interface ContactCursor {
  /** channel: of the contact's first queued event (in order) */
  ch: string | null;
  hasQueued: boolean;
  curT: number;
  curQ: string | null;
  lastT: number;
  lastQ: string | null;
  lastAg: string | null;
  lastWrapped: boolean;
}

type Policy = (queue: string) => QueuePolicy;

/** Answered and not wrapped yet: handle time may still come. */
export const pendingWrap = (c: ContactCursor): boolean => c.lastQ !== null && !c.lastWrapped;

/**
 * Advances the cursor by the next event in order; the record it makes, if any, is
 * returned (unbound: no scopes yet). `c.ch` must already be the contact's channel.
 */
export function stepContact(c: ContactCursor, e: ContactEv, pol: Policy): Rec | null {
  switch (e.r) {
    case CR.QUEUED:
      c.hasQueued = true;
      if (c.curQ !== null) return null;
      c.curT = e.ts;
      c.curQ = e.q!;
      return newRec(K.ARR, e.ts, 0, 0, c.curQ, c.ch, null);
    case CR.TRANSFERRED:
      c.curT = e.ts;
      c.curQ = e.to!;
      return newRec(K.ARR, e.ts, 0, 0, c.curQ, c.ch, null);
    case CR.ANSWERED:
    case CR.ABANDONED: {
      const q = c.curQ !== null ? c.curQ : e.q!;
      const w = c.curQ !== null ? e.ts - c.curT : e.w;
      c.curQ = null;
      const p = pol(q);
      if (e.r === CR.ANSWERED) {
        const met = w >= 0 && w <= p.sl_threshold_s * 1000 ? 1 : 0;
        c.lastT = e.ts;
        c.lastQ = q;
        c.lastAg = e.ag;
        c.lastWrapped = false;
        return newRec(K.ANS, e.ts, w, met, q, c.ch, e.ag);
      }
      const short = w >= 0 && w < p.short_abandon_s * 1000 ? 1 : 0;
      return newRec(K.ABN, e.ts, w, short, q, c.ch, null);
    }
    case CR.WRAPPED:
      if (c.lastQ === null || c.lastWrapped) return null;
      c.lastWrapped = true;
      return newRec(K.WRAP, e.ts, e.ts - c.lastT, e.res, c.lastQ, c.ch, c.lastAg);
    default:
      return null;
  }
}

/** Derives a contact from all of its events (sorted): resets `c`, returns its records. */
export function deriveContact(evs: readonly ContactEv[], pol: Policy, c: ContactCursor): Rec[] {
  c.ch = null;
  c.hasQueued = false;
  c.curQ = null;
  c.lastQ = null;
  c.lastAg = null;
  c.lastWrapped = false;
  for (const e of evs) if (e.r === CR.QUEUED) { c.ch = e.ch; break; }
  const recs: Rec[] = [];
  for (const e of evs) {
    const r = stepContact(c, e, pol);
    if (r) recs.push(r);
  }
  return recs;
}

export interface TicketStatus {
  open: boolean;
  replied: boolean;
  due: number;
  q: string;
  ch: string | null;
  /** time of the (first) creation: first response times count from it */
  cts: number;
}

export interface TicketDerived {
  recs: Rec[];
  status: TicketStatus | null;
}

export function deriveTicket(evs: readonly TicketEv[], pol: Policy): TicketDerived {
  const created = evs.find((e) => e.r === TR.CREATED);
  if (!created) return { recs: [], status: null }; // queue and channel unknown yet
  const q = created.q!;
  const ch = created.ch;
  const recs: Rec[] = [];
  let seen = false;
  let open = false;
  let replied = false;
  for (const e of evs) {
    switch (e.r) {
      case TR.CREATED:
        if (e !== created) break;
        seen = true;
        open = true;
        recs.push(newRec(K.TCR, e.ts, 0, 0, q, ch, null));
        break;
      case TR.REPLIED:
        if (seen && !replied) {
          replied = true;
          recs.push(newRec(K.FRT, e.ts, e.ts - created.ts, 0, q, ch, null));
        }
        break;
      case TR.SOLVED:
        if (open) {
          open = false;
          recs.push(newRec(K.TSO, e.ts, 0, 0, q, ch, null));
        }
        break;
      case TR.REOPENED:
        if (seen) open = true;
        break;
    }
  }
  const due = created.due >= 0 ? created.due : created.ts + pol(q).first_response_sla_s * 1000;
  return { recs, status: { open, replied, due, q, ch, cts: created.ts } };
}
