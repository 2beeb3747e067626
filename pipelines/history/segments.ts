// Pairs the events of one contact into queue segments (kpis.md): a segment starts with
// `contact.queued` (or `contact.transferred` into `to_queue`) and ends with
// `contact.answered`, `contact.abandoned` or `contact.transferred` out of its queue.
// Pure and order-independent: the events are sorted here, so a late or out-of-order
// event only needs the contact to be recomputed from all of its events.

export interface ContactEvent {
  id: string;
  type: string;
  /** epoch ms */
  ts: number;
  queue?: string;
  to_queue?: string;
  channel?: string;
  agent_id?: string;
  wait_ms?: number | null;
  resolved?: boolean | null;
}

export type Outcome = 'answered' | 'abandoned' | 'transferred' | 'waiting';

export interface Segment {
  contact_id: string;
  seg: number;
  queue: string;
  channel: string;
  /** epoch ms of the start when seen, else null */
  started_at: number | null;
  ended_at: number | null;
  outcome: Outcome;
  /** end − start, or the `wait_ms` of the ending event when the start is unknown; null if neither */
  wait_ms: number | null;
  agent_id: string;
  answered_at: number | null;
  wrapped_at: number | null;
  handle_ms: number | null;
  resolved: boolean | null;
}

// Same instant: starts sort before ends, ends before wraps, so a zero-wait answer pairs.
const RANK: Record<string, number> = {
  'contact.queued': 0,
  'contact.answered': 1,
  'contact.abandoned': 1,
  'contact.transferred': 1,
  'contact.ended': 2,
  'contact.wrapped': 3,
};

export function contactSegments(contactId: string, events: ContactEvent[]): Segment[] {
  const seen = new Set<string>();
  const evs = events
    .filter((e) => e.type in RANK && !seen.has(e.id) && seen.add(e.id))
    .sort((a, b) => a.ts - b.ts || RANK[a.type] - RANK[b.type] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const channel = evs.find((e) => e.type === 'contact.queued')?.channel ?? '';
  const segs: Segment[] = [];
  const open = new Map<string, Segment>();
  const start = (queue: string, ts: number) => {
    if (open.has(queue)) return; // a repeated start while waiting is the same segment
    const s: Segment = {
      contact_id: contactId, seg: segs.length, queue, channel, started_at: ts, ended_at: null,
      outcome: 'waiting', wait_ms: null, agent_id: '', answered_at: null, wrapped_at: null,
      handle_ms: null, resolved: null,
    };
    segs.push(s);
    open.set(queue, s);
  };
  const end = (e: ContactEvent, outcome: Outcome) => {
    const queue = e.queue ?? '';
    let s = open.get(queue);
    if (s) open.delete(queue);
    else {
      s = {
        contact_id: contactId, seg: segs.length, queue, channel, started_at: null, ended_at: null,
        outcome, wait_ms: null, agent_id: '', answered_at: null, wrapped_at: null, handle_ms: null, resolved: null,
      };
      segs.push(s);
    }
    s.ended_at = e.ts;
    s.outcome = outcome;
    s.wait_ms = s.started_at !== null ? e.ts - s.started_at : (e.wait_ms ?? null);
    if (outcome === 'answered') {
      s.agent_id = e.agent_id ?? '';
      s.answered_at = e.ts;
    }
  };
  for (const e of evs) {
    switch (e.type) {
      case 'contact.queued':
        start(e.queue ?? '', e.ts);
        break;
      case 'contact.answered':
        end(e, 'answered');
        break;
      case 'contact.abandoned':
        end(e, 'abandoned');
        break;
      case 'contact.transferred':
        end(e, 'transferred');
        if (e.to_queue) start(e.to_queue, e.ts);
        break;
      case 'contact.wrapped': {
        // The wrap closes the latest answered segment not yet wrapped, preferably the wrapping agent's.
        const answered = segs.filter((s) => s.outcome === 'answered' && s.wrapped_at === null && s.answered_at! <= e.ts);
        const s = answered.filter((x) => x.agent_id === e.agent_id).at(-1) ?? answered.at(-1);
        if (s) {
          s.wrapped_at = e.ts;
          s.handle_ms = e.ts - s.answered_at!;
          s.resolved = e.resolved ?? null;
        }
        break;
      }
    }
  }
  return segs;
}
