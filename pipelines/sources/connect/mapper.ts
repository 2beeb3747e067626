// Amazon Connect records → events of spec/events.md. Three kinds of JSON document come in:
// - agent event stream records (Kinesis; EventType LOGIN / LOGOUT / STATE_CHANGE /
//   HEART_BEAT with CurrentAgentSnapshot) → agent.state;
// - contact events as EventBridge delivers them ("Amazon Connect Contact Event", eventType
//   QUEUED / CONNECTED_TO_AGENT / DISCONNECTED …) → contact.queued / answered / ended /
//   abandoned while the contact is going on, which is what the live wall needs;
// - contact trace records (CTRs, written once the contact and its after-contact work are
//   over) → the same facts again plus contact.wrapped.
// Every event id comes from the platform (`connect:<ContactId>:<kind>`, `connect:agent:<EventId>`),
// so a contact event and the CTR of the same contact give the same ids for the same facts,
// and a re-sent Firehose batch changes nothing.
// Contact events name queues and agents by ARN only; the agent event stream and CTRs carry
// the names too. `learnNames` collects ARN id → name from every document so the mapper can
// turn ARNs into the names the other records use (the route keeps them per tenant).
// Queue transfers: a contact that a flow moves from one queue to another while it waits gets
// a new ContactId (InitiationMethod QUEUE_TRANSFER, PreviousContactId the one it leaves,
// InitialContactId the first of the chain), and the contact it leaves ends without an agent
// (its CTR has NextContactId). So that the wall and history see one contact moving on (spec
// kpis.md: the transfer ends the segment in the old queue, out of the service-level divisor,
// and starts one in the new queue), the new ContactId's records are mapped under the id of
// the contact it continues (the previous contact's own series id, else InitialContactId), with
// `contact.transferred {queue: the previous contact's queue, to_queue}` at its enqueue time
// (`connect:<new ContactId>:transferred`). The previous contact's queue comes from a per-tenant
// memory (`ContactMemory`, kept by the route) or the same delivery; when it is unknown the new
// ContactId counts on its own. The contact left is not an abandon. An agent's transfer
// (InitiationMethod TRANSFER: the contact was answered already) keeps its own ContactId: its
// answered segment is over, and the new contact's queued starts the next segment.
import type { CcEvent, EventOf } from '../../events/schema.ts';
import { resolvedOf } from '../outcome.ts';

type AgentState = EventOf<'agent.state'>['state'];
type Channel = EventOf<'contact.queued'>['channel'];

export interface ConnectConfig {
  /** Connect channel → Floorwatch channel (default VOICE voice, CHAT chat, TASK messaging) */
  channels?: Record<string, Channel>;
  /** contact attribute holding the first-contact resolution ("true"/"false"), default `resolved` */
  resolvedAttribute?: string;
  /** event id prefix, default `connect` */
  idPrefix?: string;
}

export type ConnectRejectReason = 'unknown_record' | 'unknown_event' | 'bad_time' | 'unmappable' | 'bad_json';

export interface ConnectReject {
  reason: ConnectRejectReason;
  detail: string;
  record: string;
  id?: string;
}

export interface ConnectOutput {
  events: CcEvent[];
  rejects: ConnectReject[];
  /** documents understood but without a Floorwatch event (HEART_BEAT, INITIATED …), by kind */
  ignored: Record<string, number>;
  /** what was learnt of contacts (ContactId → memory), for the route to keep */
  contacts: Map<string, ContactMemory>;
}

/** What is remembered of one Connect contact (per tenant; the route keeps it for 2 days). */
export interface ContactMemory {
  /** the queue it waited in */
  q?: string;
  /** the contact id its events are mapped under, when not its own ContactId (queue transfers) */
  s?: string;
  /** a queue transfer continued it under another ContactId */
  next?: boolean;
  /** epoch ms of the write */
  t?: number;
}

export type ContactLookup = (contactId: string) => ContactMemory | undefined;

export const newOutput = (): ConnectOutput => ({ events: [], rejects: [], ignored: {}, contacts: new Map() });

/** ARN id → name lookup (queue and agent ids are UUIDs, so one table serves both). */
export type NameLookup = (arnId: string) => string | undefined;

const DEFAULT_CHANNELS: Record<string, Channel> = { VOICE: 'voice', CHAT: 'chat', TASK: 'messaging' };
const AGENT_EVENTS = new Set(['LOGIN', 'LOGOUT', 'STATE_CHANGE', 'HEART_BEAT']);
const CONTACT_EVENTS_IGNORED = new Set(['INITIATED', 'CONTACT_DATA_UPDATED', 'COMPLETED']);
const BUSY = new Set(['CONNECTED', 'CONNECTED_ONHOLD', 'PAUSED']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const okId = (s: string | undefined): s is string => s !== undefined && s.length <= 128;

/** The resource id at the end of an ARN (`…/queue/<id>`), or the string itself. */
export function arnId(arn: string): string {
  const i = arn.lastIndexOf('/');
  return i < 0 ? arn : arn.slice(i + 1);
}

class Unmappable extends Error {
  constructor(readonly reason: ConnectRejectReason, detail: string) {
    super(detail);
  }
}

function time(v: unknown, field: string): string {
  const s = str(v);
  const t = s === undefined ? NaN : Date.parse(s);
  if (!Number.isFinite(t)) throw new Unmappable('bad_time', `${field}: ${s === undefined ? 'missing' : `"${s.slice(0, 64)}" is not a time`}`);
  return new Date(t).toISOString();
}

/** Collects ARN id → name pairs a document carries (agents' usernames, queues' names). */
export function learnNames(doc: unknown, into: Map<string, string>): void {
  if (!isObj(doc)) return;
  const put = (arn: unknown, name: unknown) => {
    const a = str(arn);
    const n = str(name);
    if (a && n && n.length <= 128) into.set(arnId(a), n);
  };
  const snap = obj(doc.CurrentAgentSnapshot);
  if (str(doc.AgentARN)) {
    const conf = obj(snap.Configuration);
    put(doc.AgentARN, conf.Username);
    for (const q of arr(obj(conf.RoutingProfile).InboundQueues)) put(obj(q).ARN, obj(q).Name);
    for (const c of arr(snap.Contacts)) put(obj(obj(c).Queue).ARN, obj(obj(c).Queue).Name);
  }
  if (str(doc.ContactId)) {
    put(obj(doc.Queue).ARN, obj(doc.Queue).Name);
    put(obj(doc.Agent).ARN, obj(doc.Agent).Username);
  }
}

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** the contact id a ContactId's events are mapped under, and the queue a queue transfer left */
type Series = { id: string; from?: string };

export class ConnectMapper {
  private readonly prefix: string;
  private readonly channels: Record<string, Channel>;
  private readonly resolvedAttr: string;

  constructor(private readonly names: NameLookup, cfg: ConnectConfig = {}, private readonly memory: ContactLookup = () => undefined) {
    this.prefix = cfg.idPrefix ?? 'connect';
    this.channels = { ...DEFAULT_CHANNELS, ...cfg.channels };
    this.resolvedAttr = cfg.resolvedAttribute ?? 'resolved';
  }

  /** Maps the documents of one delivery: first learns the contacts' queues and transfers, then maps each. */
  mapAll(docs: unknown[], out: ConnectOutput): void {
    for (const d of docs) this.learnContact(d, out);
    for (const d of docs) this.map(d, out);
  }

  private known(cid: string, out: ConnectOutput): ContactMemory | undefined {
    const a = out.contacts.get(cid);
    const b = this.memory(cid);
    return a || b ? { ...b, ...a } : undefined;
  }

  private remember(cid: string, m: ContactMemory, out: ConnectOutput): void {
    out.contacts.set(cid, { ...out.contacts.get(cid), ...m });
  }

  /** A document's contact fields, from a CTR or a contact event. */
  private static fields(doc: unknown) {
    if (!isObj(doc)) return undefined;
    const d = doc['detail-type'] === 'Amazon Connect Contact Event' && isObj(doc.detail) ? doc.detail : undefined;
    if (d)
      return { cid: str(d.contactId), method: str(d.initiationMethod), prev: str(d.previousContactId), initial: str(d.initialContactId),
        queued: d.eventType === 'QUEUED' ? obj(d.queueInfo).queueArn : undefined, qname: undefined as unknown };
    if (str(doc.ContactId) && str(doc.InitiationTimestamp)) {
      const q = obj(doc.Queue);
      return { cid: str(doc.ContactId), method: str(doc.InitiationMethod), prev: str(doc.PreviousContactId), initial: str(doc.InitialContactId),
        queued: str(q.EnqueueTimestamp) ? q.ARN : undefined, qname: q.Name };
    }
    return undefined;
  }

  private learnContact(doc: unknown, out: ConnectOutput): void {
    const f = ConnectMapper.fields(doc);
    if (!f || !okId(f.cid)) return;
    if (f.queued !== undefined || f.qname !== undefined) {
      try {
        this.remember(f.cid, { q: this.queue(f.queued, f.qname) }, out);
      } catch {
        /* no usable queue: nothing to learn */
      }
    }
    if (f.method === 'QUEUE_TRANSFER' && okId(f.prev)) this.remember(f.prev, { next: true }, out);
  }

  /**
   * The contact id a record's events go under, and the queue transfer it starts with: a
   * QUEUE_TRANSFER contact whose previous contact's queue is known continues that contact.
   */
  private series(cid: string, f: ReturnType<typeof ConnectMapper.fields>, out: ConnectOutput): Series {
    const own = this.known(cid, out);
    if (f?.method !== 'QUEUE_TRANSFER' || !okId(f.prev)) return { id: own?.s ?? cid };
    const prev = this.known(f.prev, out);
    if (prev?.q === undefined) return { id: own?.s ?? cid };
    const id = own?.s ?? prev.s ?? (okId(f.initial) ? f.initial : f.prev);
    if (id !== cid) this.remember(cid, { s: id }, out);
    return { id, from: prev.q };
  }

  /** The transfer that starts a continued contact's segment in `queue`, when it moved from another queue. */
  private transfer(cid: string, s: Series, queue: string, t: string): EventOf<'contact.transferred'> | undefined {
    if (s.from === undefined || s.from === queue) return undefined;
    return { id: `${this.prefix}:${cid}:transferred`, type: 'contact.transferred', time: t, contact_id: s.id, queue: s.from, to_queue: queue };
  }

  /** Maps one JSON document; what cannot be mapped goes to `out.rejects` with its reason. */
  map(doc: unknown, out: ConnectOutput): void {
    const before = out.events.length;
    try {
      if (!isObj(doc)) throw new Unmappable('unknown_record', 'not a JSON object');
      if (doc['detail-type'] === 'Amazon Connect Contact Event' && isObj(doc.detail)) this.contactEvent(doc, out);
      else if (str(doc.EventType) && (str(doc.AgentARN) || isObj(doc.CurrentAgentSnapshot))) this.agentEvent(doc, out);
      else if (str(doc.ContactId) && str(doc.InitiationTimestamp)) this.ctr(doc, out);
      else throw new Unmappable('unknown_record', 'neither an agent event, a contact event nor a contact trace record');
    } catch (err) {
      if (!(err instanceof Unmappable)) throw err;
      out.events.length = before; // nothing half-mapped
      out.rejects.push({ reason: err.reason, detail: err.message, record: JSON.stringify(doc).slice(0, 8192), id: this.rejectId(doc) });
    }
  }

  private rejectId(doc: unknown): string | undefined {
    if (!isObj(doc)) return undefined;
    const k = str(doc.EventId) ?? str(doc.id) ?? str(doc.ContactId);
    return k && k.length <= 100 ? `${this.prefix}:reject:${k}` : undefined;
  }

  private ignore(out: ConnectOutput, kind: string): void {
    out.ignored[kind] = (out.ignored[kind] ?? 0) + 1;
  }

  /** A queue's or agent's id: the name the record gives, else the learnt name of its ARN, else the ARN's id. */
  private resolve(what: 'queue' | 'agent', arn: unknown, name: unknown): string {
    const n = str(name);
    if (okId(n)) return n;
    const a = str(arn);
    if (!a) throw new Unmappable('unmappable', `the contact has no ${what}`);
    const id = arnId(a);
    const v = this.names(id) ?? id;
    if (!okId(v)) throw new Unmappable('unmappable', `${what} id longer than 128`);
    return v;
  }

  private queue(arn: unknown, name: unknown): string {
    return this.resolve('queue', arn, name);
  }

  private agent(arn: unknown, username: unknown): string {
    return this.resolve('agent', arn, username);
  }

  private channel(ch: unknown, initiation: unknown): Channel {
    if (initiation === 'CALLBACK') return 'callback';
    const c = this.channels[String(ch)];
    if (!c) throw new Unmappable('unmappable', `channel ${String(ch).slice(0, 32)} has no contact channel (set it in the adapter's channels)`);
    return c;
  }

  private contactId(v: unknown): string {
    const c = str(v);
    if (!okId(c)) throw new Unmappable('unmappable', 'contact id missing or longer than 128');
    return c;
  }

  private agentEvent(doc: Obj, out: ConnectOutput): void {
    const type = doc.EventType as string;
    if (!AGENT_EVENTS.has(type)) throw new Unmappable('unknown_event', `agent event type ${type.slice(0, 32)}`);
    if (type === 'HEART_BEAT') return this.ignore(out, 'HEART_BEAT');
    const eventId = str(doc.EventId);
    if (!eventId || eventId.length > 100) throw new Unmappable('unmappable', 'agent event without EventId');
    const t = time(doc.EventTimestamp, 'EventTimestamp');
    const snap = obj(doc.CurrentAgentSnapshot);
    const conf = obj(snap.Configuration);
    const agentId = this.agent(doc.AgentARN, conf.Username);
    const status = obj(snap.AgentStatus);
    const states = arr(snap.Contacts).map((c) => str(obj(c).State));
    let state: AgentState;
    let reason: string | undefined;
    if (type === 'LOGOUT') state = 'offline';
    else if (states.some((s) => s && BUSY.has(s))) state = 'busy';
    else if (states.includes('ENDED')) state = 'wrap_up';
    else if (status.Type === 'ROUTABLE') state = 'available';
    else if (status.Type === 'OFFLINE') state = 'offline';
    else if (status.Type === 'CUSTOM') {
      state = 'away';
      reason = str(status.Name)?.toLowerCase().slice(0, 128);
    } else throw new Unmappable('unmappable', `agent status type ${String(status.Type).slice(0, 32)}`);
    const ev: EventOf<'agent.state'> = { id: `${this.prefix}:agent:${eventId}`, type: 'agent.state', time: t, agent_id: agentId, state };
    if (reason) ev.reason = reason;
    const name = [str(conf.FirstName), str(conf.LastName)].filter(Boolean).join(' ');
    if (name) ev.name = name.slice(0, 128);
    const groups = obj(conf.AgentHierarchyGroups);
    for (const level of ['Level5', 'Level4', 'Level3', 'Level2', 'Level1']) {
      const g = str(obj(groups[level]).Name);
      if (okId(g)) {
        ev.team = g;
        break;
      }
    }
    const rp = conf.RoutingProfile;
    if (isObj(rp)) {
      // the agent's own queue (…/queue/agent/<id>) has no name and routes nothing to others
      ev.queues = arr(rp.InboundQueues)
        .filter((q) => str(obj(q).Name) !== undefined)
        .map((q) => this.queue(obj(q).ARN, obj(q).Name))
        .slice(0, 256);
    }
    out.events.push(ev);
  }

  private contactEvent(doc: Obj, out: ConnectOutput): void {
    const d = obj(doc.detail);
    const type = str(d.eventType) ?? '';
    if (CONTACT_EVENTS_IGNORED.has(type)) return this.ignore(out, type);
    const own = this.contactId(d.contactId);
    const s = this.series(own, ConnectMapper.fields(doc), out);
    const cid = s.id;
    const q = obj(d.queueInfo);
    const a = obj(d.agentInfo);
    const id = (kind: string) => `${this.prefix}:${own}:${kind}`;
    switch (type) {
      case 'QUEUED': {
        const at = time(q.enqueueTimestamp ?? doc.time, 'queueInfo.enqueueTimestamp');
        this.queued(own, s, this.queue(q.queueArn, undefined), at, d.channel, d.initiationMethod, out);
        return;
      }
      case 'CONNECTED_TO_AGENT':
        out.events.push({
          id: id('answered'), type: 'contact.answered', time: time(a.connectedToAgentTimestamp ?? doc.time, 'agentInfo.connectedToAgentTimestamp'),
          contact_id: cid, queue: this.queue(q.queueArn, undefined), agent_id: this.agent(a.agentArn, undefined),
        });
        return;
      case 'DISCONNECTED': {
        const t = time(d.disconnectTimestamp ?? doc.time, 'disconnectTimestamp');
        if (str(a.agentArn) && str(a.connectedToAgentTimestamp))
          out.events.push({ id: id('ended'), type: 'contact.ended', time: t, contact_id: cid, agent_id: this.agent(a.agentArn, undefined) });
        else if (this.known(own, out)?.next) this.ignore(out, 'TRANSFERRED_OUT'); // a queue transfer continues it
        else if (str(q.queueArn))
          out.events.push({ id: id('abandoned'), type: 'contact.abandoned', time: t, contact_id: cid, queue: this.queue(q.queueArn, undefined) });
        else this.ignore(out, 'DISCONNECTED_UNQUEUED');
        return;
      }
      default:
        throw new Unmappable('unknown_event', `contact event type ${type.slice(0, 32) || '(none)'}`);
    }
  }

  /** contact.queued in `queue` (a contact event's QUEUED or a CTR's Queue), then the queue transfer it continues, if any. */
  private queued(own: string, s: Series, queue: string, at: string, channel: unknown, initiation: unknown, out: ConnectOutput): void {
    const ev: EventOf<'contact.queued'> = {
      id: `${this.prefix}:${own}:queued`, type: 'contact.queued', time: at, contact_id: s.id, queue, channel: this.channel(channel, initiation),
    };
    const im = str(initiation);
    if (im) ev.attrs = { 'connect.initiation_method': im.slice(0, 64) };
    out.events.push(ev);
    const tr = this.transfer(own, s, queue, at);
    if (tr) out.events.push(tr);
  }

  private ctr(doc: Obj, out: ConnectOutput): void {
    const own = this.contactId(doc.ContactId);
    const s = this.series(own, ConnectMapper.fields(doc), out);
    const cid = s.id;
    const q = obj(doc.Queue);
    const a = obj(doc.Agent);
    const id = (kind: string) => `${this.prefix}:${own}:${kind}`;
    const queued = str(q.EnqueueTimestamp) !== undefined;
    const answered = str(a.ConnectedToAgentTimestamp) !== undefined;
    const queue = queued ? this.queue(q.ARN, q.Name) : undefined;
    if (queue !== undefined) this.queued(own, s, queue, time(q.EnqueueTimestamp, 'Queue.EnqueueTimestamp'), doc.Channel, doc.InitiationMethod, out);
    if (answered) {
      const agent = this.agent(a.ARN, a.Username);
      if (queue !== undefined)
        out.events.push({
          id: id('answered'), type: 'contact.answered', time: time(a.ConnectedToAgentTimestamp, 'Agent.ConnectedToAgentTimestamp'),
          contact_id: cid, queue, agent_id: agent,
        });
      const ended: EventOf<'contact.ended'> = {
        id: id('ended'), type: 'contact.ended',
        time: time(a.AfterContactWorkStartTimestamp ?? doc.DisconnectTimestamp, 'DisconnectTimestamp'),
        contact_id: cid, agent_id: agent,
      };
      if (typeof a.CustomerHoldDuration === 'number' && a.CustomerHoldDuration >= 0) ended.hold_ms = Math.round(a.CustomerHoldDuration * 1000);
      const reason = str(doc.DisconnectReason);
      if (reason) ended.attrs = { 'connect.disconnect_reason': reason.slice(0, 64) };
      out.events.push(ended);
      const wrapped: EventOf<'contact.wrapped'> = {
        id: id('wrapped'), type: 'contact.wrapped',
        time: time(a.AfterContactWorkEndTimestamp ?? doc.DisconnectTimestamp, 'Agent.AfterContactWorkEndTimestamp'),
        contact_id: cid, agent_id: agent,
      };
      const res = resolvedOf(obj(doc.Attributes)[this.resolvedAttr]);
      if (res !== undefined) wrapped.resolved = res;
      out.events.push(wrapped);
    } else if (queue !== undefined) {
      if (str(doc.NextContactId) || this.known(own, out)?.next) {
        // Left the queue for another contact (a queue transfer): the next contact's own
        // records open its segment; this one is not an abandon.
        this.ignore(out, 'TRANSFERRED_OUT');
        return;
      }
      const ev: EventOf<'contact.abandoned'> = {
        id: id('abandoned'), type: 'contact.abandoned', time: time(q.DequeueTimestamp ?? doc.DisconnectTimestamp, 'Queue.DequeueTimestamp'),
        contact_id: cid, queue,
      };
      const reason = str(doc.DisconnectReason);
      if (reason) ev.attrs = { 'connect.disconnect_reason': reason.slice(0, 64) };
      out.events.push(ev);
    } else this.ignore(out, 'CTR_UNQUEUED');
  }
}
