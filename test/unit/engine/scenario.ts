// Random contact-center scenarios for the property test: several queues, channels,
// teams (agents move between teams), transfers, answers without a known queued event,
// tickets with reopen, and surveys. Seeded, so a failure can be replayed.
import type { BusEvent } from '../../../pipelines/events/schema.ts';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Scenario {
  events: BusEvent[];
  /** events in arrival order: late by up to 10 s, with duplicates */
  arrivals: BusEvent[];
  from: number;
  to: number;
}

const QUEUES = ['billing', 'sales', 'support', 'vip'];
const CHANNELS = ['voice', 'chat', 'video'] as const;
const TICKET_CH = ['email', 'web'] as const;
const TEAMS = ['north', 'south', 'east'];

export function scenario(seed: number, from: number, minutes: number, size = 1): Scenario {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const to = from + minutes * 60_000;
  const at = () => from + Math.floor(r() * (to - from));
  let n = 0;
  const events: BusEvent[] = [];
  const iso = (t: number) => new Date(t).toISOString();
  const push = (t: number, body: Record<string, unknown>) => {
    events.push({ id: `e${seed}-${n++}`, time: iso(t), ts: t, tenant: 't', received_at: 0, ...body } as BusEvent);
  };
  const agents = Array.from({ length: 10 }, (_, i) => `a${i}`);
  const states = ['available', 'busy', 'wrap_up', 'away', 'offline'] as const;
  for (const a of agents) {
    let t = from - Math.floor(r() * 600_000);
    push(t, { type: 'agent.state', agent_id: a, state: 'available', team: pick(TEAMS), name: `N${a}`, queues: [pick(QUEUES), pick(QUEUES)] });
    while ((t += r() < 0.3 ? 1_000 + Math.floor(r() * 9_000) : 20_000 + Math.floor(r() * 600_000)) < to) {
      const extra: Record<string, unknown> = {};
      if (r() < 0.08) extra.team = pick(TEAMS);
      if (r() < 0.08) extra.queues = [pick(QUEUES)];
      if (r() < 0.2) extra.reason = 'lunch';
      push(t, { type: 'agent.state', agent_id: a, state: pick(states), ...extra });
    }
  }
  for (let c = 0; c < 220 * size; c++) {
    const cid = `c${c}`;
    let t = at();
    let q = pick(QUEUES);
    const known = r() > 0.07;
    if (known) push(t, { type: 'contact.queued', contact_id: cid, queue: q, channel: pick(CHANNELS) });
    for (let hop = 0; hop < 3; hop++) {
      const wait = Math.floor(r() * (r() < 0.3 ? 8_000 : 90_000));
      const end = t + wait;
      const wait_ms = known ? undefined : wait;
      const u = r();
      if (u < 0.15 && known) {
        const nq = pick(QUEUES);
        push(end, { type: 'contact.transferred', contact_id: cid, queue: q, to_queue: nq });
        q = nq;
        t = end;
        continue;
      }
      if (u < 0.35) {
        push(end, { type: 'contact.abandoned', contact_id: cid, queue: q, ...(wait_ms !== undefined && r() < 0.8 ? { wait_ms } : {}) });
        break;
      }
      if (u < 0.42 && end > to - 600_000) break; // still waiting at the end
      const ag = pick(agents);
      push(end, { type: 'contact.answered', contact_id: cid, queue: q, agent_id: ag, ...(wait_ms !== undefined ? { wait_ms } : {}) });
      const talk = end + 20_000 + Math.floor(r() * 400_000);
      push(talk, { type: 'contact.ended', contact_id: cid, agent_id: ag });
      if (r() < 0.9) {
        const res = r();
        push(talk + Math.floor(r() * 60_000), { type: 'contact.wrapped', contact_id: cid, agent_id: ag, ...(res < 0.7 ? { resolved: res < 0.45 } : {}) });
      }
      if (r() < 0.3) {
        push(talk + 60_000 + Math.floor(r() * 60_000), {
          type: 'feedback.submitted', survey: 'csat', score: 1 + Math.floor(r() * 5), contact_id: cid, agent_id: ag, queue: q,
          ...(known ? {} : { channel: 'voice' }),
        });
      }
      if (r() < 0.1 && known) {
        const nq = pick(QUEUES);
        push(talk - 1000, { type: 'contact.transferred', contact_id: cid, queue: q, to_queue: nq, agent_id: ag });
        q = nq;
        t = talk - 1000;
        continue;
      }
      break;
    }
  }
  for (let k = 0; k < 60 * size; k++) {
    const tid = `t${k}`;
    let t = at();
    const q = pick(QUEUES);
    push(t, {
      type: 'ticket.created', ticket_id: tid, queue: q, channel: pick(TICKET_CH),
      ...(r() < 0.5 ? { first_response_due: iso(t + Math.floor(r() * 1_800_000)) } : {}),
    });
    if (r() < 0.7) push((t += Math.floor(r() * 2_400_000)), { type: 'ticket.replied', ticket_id: tid, agent_id: pick(agents) });
    if (r() < 0.2) push(t + 5_000, { type: 'ticket.replied', ticket_id: tid, agent_id: pick(agents) });
    if (r() < 0.5) push((t += Math.floor(r() * 1_800_000)), { type: 'ticket.solved', ticket_id: tid });
    if (r() < 0.2) push((t += Math.floor(r() * 900_000)), { type: 'ticket.reopened', ticket_id: tid });
    if (r() < 0.5) push((t += Math.floor(r() * 900_000)), { type: 'ticket.solved', ticket_id: tid });
  }
  for (let k = 0; k < 50 * size; k++) {
    const survey = pick(['csat', 'nps', 'ces'] as const);
    const score = survey === 'csat' ? 1 + Math.floor(r() * 5) : survey === 'nps' ? Math.floor(r() * 11) : 1 + Math.floor(r() * 7);
    push(at(), {
      type: 'feedback.submitted', survey, score,
      ...(r() < 0.7 ? { queue: pick(QUEUES) } : {}),
      ...(r() < 0.5 ? { channel: pick(CHANNELS) } : {}),
      ...(r() < 0.5 ? { agent_id: pick(agents) } : {}),
    });
  }
  // arrival order: each event up to 10 s late; some ids arrive twice
  const keyed = events.map((e) => ({ e, k: e.ts + r() * 10_000 }));
  for (const e of events) if (r() < 0.05) keyed.push({ e: { ...e }, k: e.ts + r() * 60_000 });
  keyed.sort((a, b) => a.k - b.k);
  return { events, arrivals: keyed.map((x) => x.e), from, to };
}
