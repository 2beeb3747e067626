// The event model of spec/events.md, defined once: these TypeBox schemas validate
// POST /v1/events, type the code (Static<>), and feed the OpenAPI page.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** RFC 3339 with a mandatory offset and optional fraction (format checked again in normalise). */
export const RFC3339 =
  '^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$';

const Id = Type.String({ minLength: 1, maxLength: 128 });
const Time = Type.String({ pattern: RFC3339, description: 'RFC 3339 with offset' });
const Attrs = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 256 }), {
  maxProperties: 32,
});

export const CONTACT_CHANNELS = ['voice', 'chat', 'video', 'messaging', 'callback'] as const;
export const TICKET_CHANNELS = ['email', 'web', 'social', 'messaging'] as const;
export const AGENT_STATES = ['available', 'busy', 'wrap_up', 'away', 'offline'] as const;
export const SURVEYS = ['csat', 'nps', 'ces'] as const;
export const SCORE_RANGES = { csat: [1, 5], nps: [0, 10], ces: [1, 7] } as const;

const lit = <T extends readonly string[]>(xs: T) => Type.Union(xs.map((x) => Type.Literal(x)));

function event<T extends string, P extends Record<string, TSchema>>(type: T, props: P) {
  return Type.Object(
    {
      id: Id,
      type: Type.Literal(type),
      time: Time,
      attrs: Type.Optional(Attrs),
      ...props,
    },
    { additionalProperties: false, $id: `event.${type}` },
  );
}

const opt = Type.Optional;

export const EventSchemas = {
  'contact.queued': event('contact.queued', {
    contact_id: Id,
    queue: Id,
    channel: lit(CONTACT_CHANNELS),
    priority: opt(Type.Integer()),
    customer_id: opt(Id),
  }),
  'contact.answered': event('contact.answered', {
    contact_id: Id,
    queue: Id,
    agent_id: Id,
    wait_ms: opt(Type.Integer({ minimum: 0 })),
  }),
  'contact.abandoned': event('contact.abandoned', {
    contact_id: Id,
    queue: Id,
    wait_ms: opt(Type.Integer({ minimum: 0 })),
  }),
  'contact.transferred': event('contact.transferred', {
    contact_id: Id,
    queue: Id,
    to_queue: Id,
    agent_id: opt(Id),
  }),
  'contact.ended': event('contact.ended', {
    contact_id: Id,
    agent_id: Id,
    hold_ms: opt(Type.Integer({ minimum: 0 })),
  }),
  'contact.wrapped': event('contact.wrapped', {
    contact_id: Id,
    agent_id: Id,
    resolved: opt(Type.Boolean()),
  }),
  'ticket.created': event('ticket.created', {
    ticket_id: Id,
    queue: Id,
    channel: lit(TICKET_CHANNELS),
    priority: opt(Type.Integer()),
    first_response_due: opt(Time),
  }),
  'ticket.replied': event('ticket.replied', { ticket_id: Id, agent_id: Id }),
  'ticket.solved': event('ticket.solved', { ticket_id: Id, agent_id: opt(Id) }),
  'ticket.reopened': event('ticket.reopened', { ticket_id: Id }),
  'agent.state': event('agent.state', {
    agent_id: Id,
    state: lit(AGENT_STATES),
    team: opt(Id),
    name: opt(Type.String({ minLength: 1, maxLength: 128 })),
    reason: opt(Type.String({ minLength: 1, maxLength: 128 })),
    queues: opt(Type.Array(Id, { maxItems: 256 })),
  }),
  'feedback.submitted': event('feedback.submitted', {
    survey: lit(SURVEYS),
    score: Type.Integer({ minimum: 0, maximum: 10 }),
    contact_id: opt(Id),
    ticket_id: opt(Id),
    agent_id: opt(Id),
    queue: opt(Id),
    channel: opt(Id),
    comment: opt(Type.String({ maxLength: 4000 })),
    language: opt(Type.String({ pattern: '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$', maxLength: 35 })),
  }),
} as const;

export type EventType = keyof typeof EventSchemas;
export const EVENT_TYPES = Object.keys(EventSchemas) as EventType[];

export type EventOf<T extends EventType> = Static<(typeof EventSchemas)[T]>;
/** An event exactly as a source sent it (after validation). */
export type CcEvent = { [T in EventType]: EventOf<T> }[EventType];

export const AnyEvent = Type.Union(Object.values(EventSchemas), { $id: 'event' });

/**
 * An event as it travels on the bus: the validated event plus what the server adds.
 * `ts` is `time` in epoch milliseconds (parsed once at ingestion, so consumers never re-parse).
 */
export type BusEvent = CcEvent & { tenant: string; ts: number; received_at: number };
