// Twilio TaskRouter event callbacks (form parameters, as TaskRouter POSTs them to a
// Workspace's Event Callback URL) → events of spec/events.md. One callback is one TaskRouter
// event; each maps on its own (but for task-queue.moved, see below), with ids made of Twilio's sids so a callback
// TaskRouter sends again gives the same ids:
//   task-queue.entered      → contact.queued        twilio:<TaskSid>:queued:<TaskQueueSid>
//   task-queue.moved        → contact.transferred   twilio:<TaskSid>:transferred:<Sid> (the workflow
//                             moved a waiting task to another TaskQueue; the callback names only the
//                             new queue, so the one it left comes from a per-task memory the route
//                             keeps, see `queueMemoryAfter`)
//   reservation.accepted    → contact.answered + agent.state busy
//   task.canceled           → contact.abandoned (a task is canceled only before it is assigned)
//   reservation.wrapup      → contact.ended + agent.state wrap_up
//   reservation.completed   → contact.wrapped + agent.state of the worker's activity
//   worker.activity.update  → agent.state (activity name → state, configurable)
// task.transfer-* (an agent hands an answered task on to a worker or a TaskQueue) map to
// nothing: the answered segment is over already, and the work that then waits for a queue
// reaches it with a task-queue.entered, which starts its segment there.
// Task and worker details come from TaskQueueName, TaskChannelUniqueName, TaskAttributes
// (JSON: `resolved`), WorkerName and WorkerAttributes (JSON: full_name, team_name,
// routing.skills as the worker's queues, as Flex writes them).
import type { CcEvent, EventOf } from '../../events/schema.ts';
import { resolvedOf } from '../outcome.ts';

type AgentState = EventOf<'agent.state'>['state'];
type Channel = EventOf<'contact.queued'>['channel'];

export interface TwilioConfig {
  /** activity friendly name (case-insensitive) → agent state; names not listed are `away` with the name as reason */
  activities?: Record<string, AgentState>;
  /** TaskChannelUniqueName → contact channel */
  channels?: Record<string, Channel>;
  /** which worker field is the agent id: `name` (WorkerName, default) or `sid` */
  agentId?: 'name' | 'sid';
  /** dotted paths in WorkerAttributes / TaskAttributes */
  teamAttribute?: string;
  nameAttribute?: string;
  queuesAttribute?: string;
  resolvedAttribute?: string;
  idPrefix?: string;
}

export const DEFAULT_ACTIVITIES: Record<string, AgentState> = {
  available: 'available', idle: 'available', offline: 'offline', busy: 'busy',
  'wrap up': 'wrap_up', wrapup: 'wrap_up', 'wrap-up': 'wrap_up', wrapping: 'wrap_up',
};
export const DEFAULT_CHANNELS: Record<string, Channel> = {
  voice: 'voice', chat: 'chat', video: 'video', sms: 'messaging', whatsapp: 'messaging', messaging: 'messaging', default: 'messaging',
};

/** TaskRouter event types that carry nothing Floorwatch counts (so they are not "unknown"). */
const IGNORED = new Set([
  'task.created', 'task.updated', 'task.deleted', 'task.system-deleted', 'task.wrapup', 'task.completed',
  'task-queue.created', 'task-queue.deleted', 'task-queue.expression.updated', 'task-queue.timeout',
  'reservation.created', 'reservation.rejected', 'reservation.timeout', 'reservation.canceled', 'reservation.rescinded',
  'reservation.failed',
  'worker.created', 'worker.deleted', 'worker.attributes.update', 'worker.capacity.update', 'worker.channel.availability.update',
  'workflow.created', 'workflow.updated', 'workflow.deleted', 'workflow.entered', 'workflow.timeout', 'workflow.target-matched',
  'workflow.skipped', 'activity.created', 'activity.updated', 'activity.deleted', 'workspace.created', 'workspace.updated', 'workspace.deleted',
  'task.transfer-initiated', 'task.transfer-attempt-failed', 'task.transfer-failed', 'task.transfer-canceled', 'task.transfer-completed',
]);

/** What the route remembers of a task: the TaskQueue it is in now, and the one before. */
export interface TaskQueueMemory {
  q: string;
  from?: string;
  /** epoch ms of the write (entries older than the route's max age are not read) */
  t: number;
}

/**
 * The task's memory after callback `p` (undefined: unchanged). task-queue.entered and
 * task-queue.moved put the task in their queue; the queue before is kept as `from`, so a
 * task-queue.entered of the new queue that comes before the task-queue.moved, or a re-sent
 * task-queue.moved, still finds the queue the task left.
 */
export function queueMemoryAfter(p: P, prior: TaskQueueMemory | undefined, now = Date.now()): TaskQueueMemory | undefined {
  if (p.EventType !== 'task-queue.entered' && p.EventType !== 'task-queue.moved') return undefined;
  const q = okId(p.TaskQueueName) ? p.TaskQueueName : p.TaskQueueSid;
  if (!okId(q) || !okId(p.TaskSid)) return undefined;
  if (prior?.q === q) return undefined;
  const m: TaskQueueMemory = { q, t: now };
  if (prior) m.from = prior.q;
  return m;
}

export type TwilioRejectReason = 'unknown_event' | 'bad_time' | 'unmappable';

export type TwilioResult =
  | { ok: true; events: CcEvent[]; ignored?: string }
  | { ok: false; reason: TwilioRejectReason; detail: string };

type P = Record<string, string | undefined>;
const okId = (s: string | undefined): s is string => s !== undefined && s !== '' && s.length <= 128;

class Unmappable extends Error {
  constructor(readonly reason: TwilioRejectReason, detail: string) {
    super(detail);
  }
}

function jsonAttr(raw: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

function path(o: Record<string, unknown>, p: string): unknown {
  let v: unknown = o;
  for (const k of p.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** Event time: TimestampMs when sent, else Timestamp (epoch seconds, or an ISO time). */
export function eventTime(p: P): string {
  const ms = p.TimestampMs;
  if (ms && /^\d{10,16}$/.test(ms)) return new Date(Number(ms)).toISOString();
  const s = p.Timestamp;
  if (s && /^\d{9,11}(\.\d+)?$/.test(s)) return new Date(Math.round(Number(s) * 1000)).toISOString();
  const t = s ? Date.parse(s) : NaN;
  if (!Number.isFinite(t)) throw new Unmappable('bad_time', `Timestamp: ${s === undefined ? 'missing' : `"${s.slice(0, 40)}" is not a time`}`);
  return new Date(t).toISOString();
}

export class TaskRouterMapper {
  private readonly prefix: string;
  private readonly activities: Record<string, AgentState>;
  private readonly channels: Record<string, Channel>;

  constructor(private readonly cfg: TwilioConfig = {}) {
    this.prefix = cfg.idPrefix ?? 'twilio';
    this.activities = { ...DEFAULT_ACTIVITIES };
    for (const [k, v] of Object.entries(cfg.activities ?? {})) this.activities[k.toLowerCase()] = v;
    this.channels = { ...DEFAULT_CHANNELS, ...cfg.channels };
  }

  /** `memory`: what the route remembers of the callback's task (read for task-queue.moved). */
  map(p: P, memory?: TaskQueueMemory): TwilioResult {
    const type = p.EventType ?? '';
    try {
      const events = this.apply(type, p, memory);
      if (events === null) {
        if (IGNORED.has(type)) return { ok: true, events: [], ignored: type };
        return { ok: false, reason: 'unknown_event', detail: `EventType ${type.slice(0, 64) || '(none)'}` };
      }
      return { ok: true, events };
    } catch (err) {
      if (err instanceof Unmappable) return { ok: false, reason: err.reason, detail: err.message };
      throw err;
    }
  }

  private need(p: P, field: string): string {
    const v = p[field];
    if (!okId(v)) throw new Unmappable('unmappable', `${p.EventType}: ${field} missing or longer than 128`);
    return v;
  }

  private queue(p: P): string {
    const q = okId(p.TaskQueueName) ? p.TaskQueueName : p.TaskQueueSid;
    if (!okId(q)) throw new Unmappable('unmappable', `${p.EventType}: neither TaskQueueName nor TaskQueueSid`);
    return q;
  }

  private agentId(p: P): string {
    return this.need(p, this.cfg.agentId === 'sid' ? 'WorkerSid' : 'WorkerName');
  }

  private agentState(p: P, id: string, time: string, state: AgentState, reason?: string): EventOf<'agent.state'> {
    const ev: EventOf<'agent.state'> = { id, type: 'agent.state', time, agent_id: this.agentId(p), state };
    if (reason) ev.reason = reason.slice(0, 128);
    const a = jsonAttr(p.WorkerAttributes);
    const team = path(a, this.cfg.teamAttribute ?? 'team_name');
    if (typeof team === 'string' && okId(team)) ev.team = team;
    const name = path(a, this.cfg.nameAttribute ?? 'full_name');
    if (typeof name === 'string' && name !== '') ev.name = name.slice(0, 128);
    const queues = path(a, this.cfg.queuesAttribute ?? 'routing.skills');
    if (Array.isArray(queues)) ev.queues = queues.filter((q): q is string => typeof q === 'string' && okId(q)).slice(0, 256);
    return ev;
  }

  private activityState(p: P, id: string, time: string): EventOf<'agent.state'> {
    const name = p.WorkerActivityName;
    if (!name) throw new Unmappable('unmappable', `${p.EventType}: WorkerActivityName missing`);
    const state = this.activities[name.toLowerCase()];
    return state ? this.agentState(p, id, time, state) : this.agentState(p, id, time, 'away', name.toLowerCase());
  }

  private reservation(p: P): { task: string; res: string; t: string } {
    return { task: this.need(p, 'TaskSid'), res: this.need(p, 'ReservationSid'), t: eventTime(p) };
  }

  private apply(type: string, p: P, memory: TaskQueueMemory | undefined): CcEvent[] | null {
    const px = this.prefix;
    switch (type) {
      case 'task-queue.entered': {
        const task = this.need(p, 'TaskSid');
        const ch = this.channels[(p.TaskChannelUniqueName ?? 'default').toLowerCase()];
        if (!ch) throw new Unmappable('unmappable', `task channel ${String(p.TaskChannelUniqueName).slice(0, 32)} has no contact channel`);
        const ev: EventOf<'contact.queued'> = {
          id: `${px}:${task}:queued:${p.TaskQueueSid ?? this.queue(p)}`, type: 'contact.queued', time: eventTime(p),
          contact_id: task, queue: this.queue(p), channel: ch,
        };
        const pr = Number(p.TaskPriority);
        if (p.TaskPriority && Number.isInteger(pr)) ev.priority = pr;
        return [ev];
      }
      case 'task-queue.moved': {
        const task = this.need(p, 'TaskSid');
        const to = this.queue(p);
        const from = memory === undefined ? undefined : memory.q !== to ? memory.q : memory.from;
        if (from === undefined || from === to)
          throw new Unmappable('unmappable', `task-queue.moved: the TaskQueue task ${task.slice(0, 40)} left is unknown (its task-queue.entered was not seen)`);
        const key = okId(p.Sid) ? p.Sid : `${p.TaskQueueSid ?? to}:${Date.parse(eventTime(p))}`;
        return [{ id: `${px}:${task}:transferred:${key}`, type: 'contact.transferred', time: eventTime(p), contact_id: task, queue: from, to_queue: to }];
      }
      case 'reservation.accepted': {
        const { task, res, t } = this.reservation(p);
        return [
          { id: `${px}:${task}:answered:${res}`, type: 'contact.answered', time: t, contact_id: task, queue: this.queue(p), agent_id: this.agentId(p) },
          this.agentState(p, `${px}:${res}:accepted`, t, 'busy'),
        ];
      }
      case 'task.canceled': {
        const task = this.need(p, 'TaskSid');
        if (!okId(p.TaskQueueName) && !okId(p.TaskQueueSid)) return []; // canceled before it reached a queue
        const ev: EventOf<'contact.abandoned'> = { id: `${px}:${task}:abandoned`, type: 'contact.abandoned', time: eventTime(p), contact_id: task, queue: this.queue(p) };
        if (p.TaskCanceledReason) ev.attrs = { 'twilio.canceled_reason': p.TaskCanceledReason.slice(0, 256) };
        return [ev];
      }
      case 'reservation.wrapup': {
        const { task, res, t } = this.reservation(p);
        return [
          { id: `${px}:${task}:ended:${res}`, type: 'contact.ended', time: t, contact_id: task, agent_id: this.agentId(p) },
          this.agentState(p, `${px}:${res}:wrapup`, t, 'wrap_up'),
        ];
      }
      case 'reservation.completed': {
        const { task, res, t } = this.reservation(p);
        const w: EventOf<'contact.wrapped'> = { id: `${px}:${task}:wrapped:${res}`, type: 'contact.wrapped', time: t, contact_id: task, agent_id: this.agentId(p) };
        const r = resolvedOf(path(jsonAttr(p.TaskAttributes), this.cfg.resolvedAttribute ?? 'resolved'));
        if (r !== undefined) w.resolved = r;
        const out: CcEvent[] = [w];
        if (p.WorkerActivityName) out.push(this.activityState(p, `${px}:${res}:completed`, t));
        return out;
      }
      case 'worker.activity.update': {
        const worker = this.need(p, 'WorkerSid');
        const t = eventTime(p);
        const key = okId(p.Sid) ? p.Sid : `${Date.parse(t)}:${p.WorkerActivitySid ?? p.WorkerActivityName ?? ''}`;
        return [this.activityState(p, `${px}:${worker}:activity:${key}`, t)];
      }
      default:
        return null;
    }
  }
}
