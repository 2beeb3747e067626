// What one contact or one ticket contributes, derived from all of its events at once.
// The engine keeps each contact's (ticket's) events and re-derives on every arrival, so
// a late or out-of-order event gives the same result as the in-order stream.
import { K, type RecSpec } from './acc.ts';
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

/** Inserts keeping evOrder (events mostly arrive last, so search from the end). */
export function insertEv<T extends { ts: number; r: number; id: string }>(list: T[], e: T): void {
  let i = list.length;
  while (i > 0 && evOrder(list[i - 1], e) > 0) i--;
  if (i === list.length) list.push(e); else list.splice(i, 0, e);
}

export interface OpenSpec {
  t: number;
  q: string;
  ch: string | null;
}

export interface ContactDerived {
  recs: RecSpec[];
  /** the segment waiting now, if any */
  open: OpenSpec[];
  /** answered and not wrapped yet: handle time may still come */
  pending: boolean;
}

type Policy = (queue: string) => QueuePolicy;

export function deriveContact(evs: readonly ContactEv[], pol: Policy): ContactDerived {
  const recs: RecSpec[] = [];
  let ch: string | null = null;
  for (const e of evs) if (e.r === CR.QUEUED) { ch = e.ch; break; }
  let cur: { t: number; q: string } | null = null;
  let last: { t: number; q: string; ag: string | null; wrapped: boolean } | null = null;
  for (const e of evs) {
    switch (e.r) {
      case CR.QUEUED:
        if (cur) break;
        cur = { t: e.ts, q: e.q! };
        recs.push({ k: K.ARR, t: e.ts, v: 0, f: 0, q: cur.q, ch, ag: null });
        break;
      case CR.TRANSFERRED:
        cur = { t: e.ts, q: e.to! };
        recs.push({ k: K.ARR, t: e.ts, v: 0, f: 0, q: cur.q, ch, ag: null });
        break;
      case CR.ANSWERED:
      case CR.ABANDONED: {
        const q = cur ? cur.q : e.q!;
        const w = cur ? e.ts - cur.t : e.w;
        cur = null;
        const p = pol(q);
        if (e.r === CR.ANSWERED) {
          const met = w >= 0 && w <= p.sl_threshold_s * 1000 ? 1 : 0;
          recs.push({ k: K.ANS, t: e.ts, v: w, f: met, q, ch, ag: e.ag });
          last = { t: e.ts, q, ag: e.ag, wrapped: false };
        } else {
          const short = w >= 0 && w < p.short_abandon_s * 1000 ? 1 : 0;
          recs.push({ k: K.ABN, t: e.ts, v: w, f: short, q, ch, ag: null });
        }
        break;
      }
      case CR.WRAPPED:
        if (last && !last.wrapped) {
          recs.push({ k: K.WRAP, t: e.ts, v: e.ts - last.t, f: e.res, q: last.q, ch, ag: last.ag });
          last.wrapped = true;
        }
        break;
    }
  }
  return {
    recs,
    open: cur ? [{ t: cur.t, q: cur.q, ch }] : [],
    pending: last !== null && !last.wrapped,
  };
}

export interface TicketStatus {
  open: boolean;
  replied: boolean;
  due: number;
  q: string;
  ch: string | null;
}

export interface TicketDerived {
  recs: RecSpec[];
  status: TicketStatus | null;
}

export function deriveTicket(evs: readonly TicketEv[], pol: Policy): TicketDerived {
  const created = evs.find((e) => e.r === TR.CREATED);
  if (!created) return { recs: [], status: null }; // queue and channel unknown yet
  const q = created.q!;
  const ch = created.ch;
  const recs: RecSpec[] = [];
  let seen = false;
  let open = false;
  let replied = false;
  for (const e of evs) {
    switch (e.r) {
      case TR.CREATED:
        if (e !== created) break;
        seen = true;
        open = true;
        recs.push({ k: K.TCR, t: e.ts, v: 0, f: 0, q, ch, ag: null });
        break;
      case TR.REPLIED:
        if (seen && !replied) {
          replied = true;
          recs.push({ k: K.FRT, t: e.ts, v: e.ts - created.ts, f: 0, q, ch, ag: null });
        }
        break;
      case TR.SOLVED:
        if (open) {
          open = false;
          recs.push({ k: K.TSO, t: e.ts, v: 0, f: 0, q, ch, ag: null });
        }
        break;
      case TR.REOPENED:
        if (seen) open = true;
        break;
    }
  }
  const due = created.due >= 0 ? created.due : created.ts + pol(q).first_response_sla_s * 1000;
  return { recs, status: { open, replied, due, q, ch } };
}
