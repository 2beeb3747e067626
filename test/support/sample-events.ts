// One event of every type with every optional field set, to check nothing is lost.
import type { CcEvent } from '../../pipelines/events/schema.ts';

export function everyType(prefix: string, at = Date.now() - 60_000): CcEvent[] {
  const t = (s: number) => new Date(at + s * 1000).toISOString();
  const attrs = { region: 'eu', campaign: 'x' };
  return [
    { id: `${prefix}-1`, type: 'agent.state', time: t(0), agent_id: 'a1', state: 'available', team: 'north', name: 'Anna Nováková', reason: 'start', queues: ['billing', 'sales'], attrs },
    { id: `${prefix}-2`, type: 'contact.queued', time: t(1), contact_id: 'c1', queue: 'billing', channel: 'voice', priority: 3, customer_id: 'cust-9', attrs },
    { id: `${prefix}-3`, type: 'contact.answered', time: t(11), contact_id: 'c1', queue: 'billing', agent_id: 'a1', wait_ms: 10000 },
    { id: `${prefix}-4`, type: 'contact.transferred', time: t(60), contact_id: 'c1', queue: 'billing', to_queue: 'sales', agent_id: 'a1' },
    { id: `${prefix}-5`, type: 'contact.abandoned', time: t(70), contact_id: 'c2', queue: 'sales', wait_ms: 4000 },
    { id: `${prefix}-6`, type: 'contact.ended', time: t(120), contact_id: 'c1', agent_id: 'a1', hold_ms: 15000 },
    { id: `${prefix}-7`, type: 'contact.wrapped', time: t(150), contact_id: 'c1', agent_id: 'a1', resolved: true },
    { id: `${prefix}-8`, type: 'ticket.created', time: t(2), ticket_id: 't1', queue: 'billing', channel: 'email', priority: 2, first_response_due: t(3600) },
    { id: `${prefix}-9`, type: 'ticket.replied', time: t(30), ticket_id: 't1', agent_id: 'a1' },
    { id: `${prefix}-10`, type: 'ticket.solved', time: t(40), ticket_id: 't1', agent_id: 'a1' },
    { id: `${prefix}-11`, type: 'ticket.reopened', time: t(50), ticket_id: 't1' },
    { id: `${prefix}-12`, type: 'feedback.submitted', time: t(200), survey: 'csat', score: 5, contact_id: 'c1', agent_id: 'a1', queue: 'billing', channel: 'voice', comment: 'Operatore gentilissimo, problema risolto subito', language: 'it', attrs },
  ];
}
