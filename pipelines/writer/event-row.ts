// Maps a bus event to its row in `events` (sql/0001_events.sql).
import type { BusEvent } from '../events/schema.ts';

export interface EventRow {
  tenant: string;
  type: string;
  time: number;
  id: string;
  received_at: number;
  contact_id: string;
  ticket_id: string;
  queue: string;
  to_queue: string;
  channel: string;
  agent_id: string;
  customer_id: string;
  team: string;
  state: string;
  reason: string;
  survey: string;
  score: number | null;
  priority: number | null;
  wait_ms: number | null;
  hold_ms: number | null;
  resolved: boolean | null;
  first_response_due: number | null;
  comment: string;
  language: string;
  attrs: Record<string, string>;
  payload: string;
}

export function eventRow(ev: BusEvent): EventRow {
  const e = ev as Record<string, unknown>;
  const s = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : '');
  const n = (k: string) => (typeof e[k] === 'number' ? (e[k] as number) : null);
  const { tenant: _t, ts: _ts, received_at: _r, ...original } = ev;
  const due = s('first_response_due');
  return {
    tenant: ev.tenant,
    type: ev.type,
    time: ev.ts,
    id: ev.id,
    received_at: ev.received_at,
    contact_id: s('contact_id'),
    ticket_id: s('ticket_id'),
    queue: s('queue'),
    to_queue: s('to_queue'),
    channel: s('channel'),
    agent_id: s('agent_id'),
    customer_id: s('customer_id'),
    team: s('team'),
    state: s('state'),
    reason: s('reason'),
    survey: s('survey'),
    score: n('score'),
    priority: n('priority'),
    wait_ms: n('wait_ms'),
    hold_ms: n('hold_ms'),
    resolved: typeof e.resolved === 'boolean' ? e.resolved : null,
    first_response_due: due ? Date.parse(due) : null,
    comment: s('comment'),
    language: s('language'),
    attrs: (e.attrs as Record<string, string>) ?? {},
    payload: JSON.stringify(original),
  };
}
