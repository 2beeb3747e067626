// Independent reference for the engine's KPIs: plain loops over the sorted,
// deduplicated event list, recomputed from scratch for every question. Shares no code
// with pipelines/engine (only the shared types).
import type { BusEvent } from '../../../pipelines/events/schema.ts';
import type { Metrics, QueuePolicy, Window } from '../../../pipelines/engine/types.ts';

const DEF: QueuePolicy = { sl_threshold_s: 20, sl_target: 0.8, short_abandon_s: 5, first_response_sla_s: 3600 };
const DAY = 86_400_000;

export interface BruteOpts {
  /** only 'UTC' and 'Europe/Rome' outside summer time (scenarios are in November) */
  tz: 'UTC' | 'Europe/Rome';
  policies: Record<string, Partial<QueuePolicy>>;
  /** events after this instant are unknown (default: now) */
  cut?: number;
}

type E = BusEvent;
type Of<T extends E['type']> = Extract<E, { type: T }>;

function midnight(now: number, tz: BruteOpts['tz']): number {
  const off = tz === 'UTC' ? 0 : 3_600_000;
  return Math.floor((now + off) / DAY) * DAY - off;
}

const CONTACT_RANK: Record<string, number> = {
  'contact.queued': 0, 'contact.transferred': 1, 'contact.answered': 2,
  'contact.abandoned': 3, 'contact.ended': 4, 'contact.wrapped': 5,
};
const TICKET_RANK: Record<string, number> = { 'ticket.created': 0, 'ticket.replied': 1, 'ticket.solved': 2, 'ticket.reopened': 3 };

function byTime(rank: Record<string, number>) {
  return (a: E, b: E) => a.ts - b.ts || (rank[a.type] ?? 0) - (rank[b.type] ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

interface Seg { q: string; ch: string | null; start: number | null; end: number | null; kind: 'ans' | 'abn' | 'trf' | null; wait: number | null; agent: string | null }
interface Wrap { t: number; q: string; ch: string | null; agent: string | null; handle: number; resolved: boolean | undefined }
interface Ticket { q: string; ch: string; created: number; open: boolean; replied: boolean; due: number; firstReply: number | null; solves: number[] }

export function bruteMetrics(all: E[], scope: string, window: Window, now: number, o: BruteOpts): Metrics {
  const cut = o.cut ?? now;
  const seen = new Set<string>();
  const evs: E[] = [];
  for (const e of all) if (!seen.has(e.id)) { seen.add(e.id); if (e.ts <= cut) evs.push(e); }
  const pol = (q: string): QueuePolicy => ({ ...DEF, ...o.policies[q] });
  const start = window === '15m' ? now - 900_000 : window === '1h' ? now - 3_600_000 : midnight(now, o.tz);
  const inWin = (t: number) => t >= start && t <= now;
  const [kind, id] = scope === 'all' ? ['all', ''] : [scope.slice(0, scope.indexOf(':')), scope.slice(scope.indexOf(':') + 1)];

  // agents: latest team / queues / state, by (ts, id)
  const agentEvs = new Map<string, Of<'agent.state'>[]>();
  for (const e of evs) if (e.type === 'agent.state') {
    if (!agentEvs.has(e.agent_id)) agentEvs.set(e.agent_id, []);
    agentEvs.get(e.agent_id)!.push(e);
  }
  const teamOf = new Map<string, string>();
  const queuesOf = new Map<string, string[]>();
  const stateOf = new Map<string, string>();
  for (const [a, list] of agentEvs) {
    list.sort(byTime({}));
    for (const e of list) {
      if (e.team !== undefined) teamOf.set(a, e.team);
      if (e.queues !== undefined) queuesOf.set(a, e.queues);
      stateOf.set(a, e.state);
    }
  }
  const agentIn = (a: string | null | undefined): boolean =>
    a != null && (kind === 'all' || (kind === 'agent' && a === id) || (kind === 'team' && teamOf.get(a) === id));

  // contacts → segments and wraps
  const byContact = new Map<string, E[]>();
  for (const e of evs) if (e.type.startsWith('contact.')) {
    const c = (e as Of<'contact.queued'>).contact_id;
    if (!byContact.has(c)) byContact.set(c, []);
    byContact.get(c)!.push(e);
  }
  const segs: Seg[] = [];
  const wraps: Wrap[] = [];
  for (const list of byContact.values()) {
    list.sort(byTime(CONTACT_RANK));
    const q0 = list.find((e) => e.type === 'contact.queued') as Of<'contact.queued'> | undefined;
    const ch = q0 ? q0.channel : null;
    let open: Seg | null = null;
    let lastAns: { seg: Seg; wrapped: boolean } | null = null;
    for (const e of list) {
      if (e.type === 'contact.queued') {
        if (open) continue;
        open = { q: e.queue, ch, start: e.ts, end: null, kind: null, wait: null, agent: null };
        segs.push(open);
      } else if (e.type === 'contact.transferred') {
        if (open) { open.end = e.ts; open.kind = 'trf'; }
        open = { q: e.to_queue, ch, start: e.ts, end: null, kind: null, wait: null, agent: null };
        segs.push(open);
      } else if (e.type === 'contact.answered' || e.type === 'contact.abandoned') {
        let seg: Seg;
        if (open) { seg = open; seg.wait = e.ts - (seg.start as number); }
        else { seg = { q: e.queue, ch, start: null, end: null, kind: null, wait: e.wait_ms ?? null, agent: null }; segs.push(seg); }
        seg.end = e.ts;
        open = null;
        if (e.type === 'contact.answered') { seg.kind = 'ans'; seg.agent = e.agent_id; lastAns = { seg, wrapped: false }; }
        else seg.kind = 'abn';
      } else if (e.type === 'contact.wrapped') {
        if (lastAns && !lastAns.wrapped) {
          lastAns.wrapped = true;
          wraps.push({ t: e.ts, q: lastAns.seg.q, ch, agent: lastAns.seg.agent, handle: e.ts - (lastAns.seg.end as number), resolved: e.resolved });
        }
      }
    }
  }
  const full = kind === 'all' || kind === 'queue' || kind === 'channel';
  const contactIn = (q: string, ch: string | null, agent: string | null): boolean =>
    kind === 'all' || (kind === 'queue' && q === id) || (kind === 'channel' && ch === id) || agentIn(agent);

  const m: Metrics = {};
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const answered = segs.filter((s) => s.kind === 'ans' && inWin(s.end!) && contactIn(s.q, s.ch, s.agent));
  if (full) {
    const mine = segs.filter((s) => contactIn(s.q, s.ch, null));
    const waiting = mine.filter((s) => s.start !== null && s.end === null);
    m.waiting = waiting.length;
    m.longest_wait_s = waiting.length ? Math.max(0, now - Math.min(...waiting.map((s) => s.start!))) / 1000 : 0;
    m.arrived = mine.filter((s) => s.start !== null && inWin(s.start)).length;
    const abandoned = mine.filter((s) => s.kind === 'abn' && inWin(s.end!));
    const short = abandoned.filter((s) => s.wait !== null && s.wait < pol(s.q).short_abandon_s * 1000).length;
    const met = answered.filter((s) => s.wait !== null && s.wait <= pol(s.q).sl_threshold_s * 1000).length;
    m.answered = answered.length;
    m.abandoned = abandoned.length;
    m.abandoned_short = short;
    m.offered = answered.length + abandoned.length;
    const div = answered.length + abandoned.length - short;
    m.service_level = div ? met / div : null;
    m.abandon_rate = div ? (abandoned.length - short) / div : null;
  } else {
    m.answered = answered.length;
  }
  const waits = answered.filter((s) => s.wait !== null).map((s) => s.wait!).sort((a, b) => a - b);
  const asa = mean(waits);
  m.asa_s = asa === null ? null : asa / 1000;
  m.wait_p90_s = waits.length ? waits[Math.ceil(0.9 * waits.length - 1e-9) - 1] / 1000 : null;
  const myWraps = wraps.filter((w) => inWin(w.t) && contactIn(w.q, w.ch, w.agent));
  const aht = mean(myWraps.map((w) => w.handle));
  m.aht_s = aht === null ? null : aht / 1000;
  const given = myWraps.filter((w) => w.resolved !== undefined);
  m.fcr = given.length ? given.filter((w) => w.resolved).length / given.length : null;

  if (kind !== 'channel') {
    const members = [...agentEvs.keys()].filter((a) =>
      kind === 'all' || (kind === 'agent' && a === id) || (kind === 'team' && teamOf.get(a) === id) ||
      (kind === 'queue' && (queuesOf.get(a) ?? []).includes(id)));
    const counts = { available: 0, busy: 0, wrap_up: 0, away: 0, offline: 0 };
    let occ = 0;
    let tot = 0;
    for (const a of members) {
      counts[stateOf.get(a) as keyof typeof counts]++;
      const list = agentEvs.get(a)!;
      for (let i = 0; i < list.length; i++) {
        const from = Math.max(list[i].ts, start);
        const to = Math.min(i + 1 < list.length ? list[i + 1].ts : now, now);
        if (to <= from) continue;
        const st = list[i].state;
        if (st === 'busy' || st === 'wrap_up') occ += to - from;
        if (st === 'busy' || st === 'wrap_up' || st === 'available') tot += to - from;
      }
    }
    m.agents = counts;
    m.occupancy = tot > 0 ? occ / tot : null;
  }

  const fb = evs.filter((e): e is Of<'feedback.submitted'> => e.type === 'feedback.submitted' && inWin(e.ts))
    .filter((e) => kind === 'all' || (kind === 'queue' && e.queue === id) || (kind === 'channel' && e.channel === id) || agentIn(e.agent_id));
  const cs = fb.filter((e) => e.survey === 'csat').map((e) => e.score);
  const np = fb.filter((e) => e.survey === 'nps').map((e) => e.score);
  const ce = fb.filter((e) => e.survey === 'ces').map((e) => e.score);
  m.csat = cs.length ? cs.filter((x) => x >= 4).length / cs.length : null;
  m.csat_avg = mean(cs);
  m.csat_responses = cs.length;
  m.nps = np.length ? ((np.filter((x) => x >= 9).length - np.filter((x) => x <= 6).length) / np.length) * 100 : null;
  m.nps_responses = np.length;
  m.ces_avg = mean(ce);

  if (full) {
    const byTicket = new Map<string, E[]>();
    for (const e of evs) if (e.type.startsWith('ticket.')) {
      const t = (e as Of<'ticket.created'>).ticket_id;
      if (!byTicket.has(t)) byTicket.set(t, []);
      byTicket.get(t)!.push(e);
    }
    const tickets: Ticket[] = [];
    for (const list of byTicket.values()) {
      list.sort(byTime(TICKET_RANK));
      const c = list.find((e) => e.type === 'ticket.created') as Of<'ticket.created'> | undefined;
      if (!c) continue;
      const t: Ticket = {
        q: c.queue, ch: c.channel, created: c.ts, open: false, replied: false, firstReply: null, solves: [],
        due: c.first_response_due ? Date.parse(c.first_response_due) : c.ts + pol(c.queue).first_response_sla_s * 1000,
      };
      let began = false;
      for (const e of list) {
        if (e === c) { began = true; t.open = true; }
        else if (e.type === 'ticket.replied' && began && !t.replied) { t.replied = true; t.firstReply = e.ts; }
        else if (e.type === 'ticket.solved' && t.open) { t.open = false; t.solves.push(e.ts); }
        else if (e.type === 'ticket.reopened' && began) t.open = true;
      }
      tickets.push(t);
    }
    const mine = tickets.filter((t) => kind === 'all' || (kind === 'queue' && t.q === id) || (kind === 'channel' && t.ch === id));
    m.backlog = mine.filter((t) => t.open).length;
    m.backlog_breached = mine.filter((t) => t.open && !t.replied && t.due < now).length;
    const frt = mean(mine.filter((t) => t.firstReply !== null && inWin(t.firstReply)).map((t) => t.firstReply! - t.created));
    m.frt_avg_s = frt === null ? null : frt / 1000;
    m.tickets_created = mine.filter((t) => inWin(t.created)).length;
    m.tickets_solved = mine.reduce((n, t) => n + t.solves.filter(inWin).length, 0);
  }

  if (kind === 'queue') {
    const from = now - 900_000;
    const arrivals = segs.filter((s) => s.q === id && s.start !== null && s.start >= from && s.start <= now).length;
    const hourWraps = wraps.filter((w) => w.q === id && w.t >= now - 3_600_000 && w.t <= now);
    const ahtS = hourWraps.length ? hourWraps.reduce((a, w) => a + w.handle, 0) / hourWraps.length / 1000 : 300;
    m.agents_required = arrivals ? requiredByDefinition(arrivals / 900, ahtS, pol(id)) : null;
  }
  return m;
}

/** Erlang C straight from its textbook form (sums of A^k/k!), fine for the small loads of tests. */
function requiredByDefinition(lambda: number, ahtS: number, p: QueuePolicy): number {
  const a = lambda * ahtS;
  for (let n = Math.floor(a) + 1; ; n++) {
    let term = 1;
    let sum = 0;
    for (let k = 0; k < n; k++) { sum += term; term = (term * a) / (k + 1); }
    const top = (term * n) / (n - a); // term = A^n/n!
    const pw = top / (sum + top);
    if (1 - pw * Math.exp((-(n - a) * p.sl_threshold_s) / ahtS) >= p.sl_target) return n;
  }
}
