// Brute-force KPIs straight from a list of raw events, written independently of the
// history SQL, to check it: every KPI of one bucket and group recomputed by walking
// all events. Slow and obvious on purpose. Buckets use a fixed UTC offset (tests pick
// ranges without DST changes).

export interface RawEvent {
  id: string;
  type: string;
  time: string;
  [k: string]: unknown;
}

export interface RefOptions {
  from: number;
  to: number;
  now: number;
  /** bucket start of t (ms) */
  bucket: (t: number) => number;
  groupBy: 'queue' | 'channel' | 'team' | 'agent' | null;
  slMs?: Record<string, number>;
  shortMs?: Record<string, number>;
}

type Acc = Record<string, number | number[]>;
const ms = (e: RawEvent) => Date.parse(e.time);

export function referenceHistory(all: RawEvent[], metrics: string[], o: RefOptions): Map<string, Record<string, number | null>> {
  const seen = new Set<string>();
  const evs = all.filter((e) => !seen.has(e.id) && seen.add(e.id)).sort((a, b) => ms(a) - ms(b));
  const inRange = (t: number) => t >= o.from && t < o.to;
  const accs = new Map<string, Acc>();
  const acc = (t: number, g: string) => {
    const k = `${o.bucket(t)}|${o.groupBy ? g : ''}`;
    let a = accs.get(k);
    if (!a) accs.set(k, (a = { waits: [] }));
    return a;
  };
  const add = (a: Acc, k: string, v = 1) => (a[k] = ((a[k] as number) ?? 0) + v);

  // team of an agent at t: latest team given at or before t
  const teamAt = (agent: string, t: number) => {
    let team = '';
    for (const e of evs) if (e.type === 'agent.state' && e.agent_id === agent && ms(e) <= t && e.team) team = e.team as string;
    return team;
  };
  const dimOf = (x: { queue?: string; channel?: string; agent?: string; team?: string }) =>
    o.groupBy === null ? '' : (x[o.groupBy] ?? '');

  // contacts: walk each contact's events in order
  const byContact = new Map<string, RawEvent[]>();
  for (const e of evs) if (e.type.startsWith('contact.')) {
    const l = byContact.get(e.contact_id as string) ?? [];
    l.push(e);
    byContact.set(e.contact_id as string, l);
  }
  const rank = (t: string) => (t === 'contact.queued' ? 0 : t === 'contact.ended' ? 2 : t === 'contact.wrapped' ? 3 : 1);
  for (const [, l] of byContact) {
    l.sort((a, b) => ms(a) - ms(b) || rank(a.type) - rank(b.type) || (a.id < b.id ? -1 : 1));
    const channel = (l.find((e) => e.type === 'contact.queued')?.channel as string) ?? '';
    const open: Record<string, number> = {};
    const answers: { agent: string; at: number; queue: string; team: string; wrapped: boolean }[] = [];
    for (const e of l) {
      const t = ms(e);
      const q = e.queue as string;
      const startIn = (queue: string) => {
        if (open[queue] !== undefined) return;
        open[queue] = t;
        if (inRange(t)) add(acc(t, dimOf({ queue, channel })), 'arrived');
      };
      if (e.type === 'contact.queued') startIn(q);
      if (['contact.answered', 'contact.abandoned', 'contact.transferred'].includes(e.type)) {
        const st = open[q];
        delete open[q];
        const wait = st !== undefined ? t - st : ((e.wait_ms as number | undefined) ?? null);
        if (e.type === 'contact.answered') {
          const team = teamAt(e.agent_id as string, t);
          answers.push({ agent: e.agent_id as string, at: t, queue: q, team, wrapped: false });
          if (inRange(t)) {
            const a = acc(t, dimOf({ queue: q, channel, agent: e.agent_id as string, team }));
            add(a, 'answered');
            if (wait !== null) {
              add(a, 'answered_w');
              add(a, 'wait_sum', wait);
              (a.waits as number[]).push(wait);
              if (wait <= (o.slMs?.[q] ?? 20_000)) add(a, 'sl_met');
            }
          }
        }
        if (e.type === 'contact.abandoned' && inRange(t)) {
          const a = acc(t, dimOf({ queue: q, channel }));
          add(a, 'abandoned');
          if (wait !== null && wait < (o.shortMs?.[q] ?? 5_000)) add(a, 'abandoned_short');
        }
        if (e.type === 'contact.transferred' && e.to_queue) startIn(e.to_queue as string);
      }
      if (e.type === 'contact.wrapped') {
        const cands = answers.filter((x) => !x.wrapped && x.at <= t);
        const s = cands.filter((x) => x.agent === e.agent_id).at(-1) ?? cands.at(-1);
        if (s) {
          s.wrapped = true;
          if (inRange(t)) {
            const a = acc(t, dimOf({ queue: s.queue, channel, agent: s.agent, team: s.team }));
            add(a, 'wrapped');
            add(a, 'handle_sum', t - s.at);
            if (typeof e.resolved === 'boolean') add(a, 'fcr_d');
            if (e.resolved === true) add(a, 'fcr_n');
          }
        }
      }
    }
  }

  // occupancy: each agent's states, clipped to [from, min(to, now)) and split by bucket
  const agents = new Map<string, RawEvent[]>();
  for (const e of evs) if (e.type === 'agent.state') agents.set(e.agent_id as string, [...(agents.get(e.agent_id as string) ?? []), e]);
  const end = Math.min(o.to, o.now);
  for (const [agent, l] of agents) {
    l.sort((a, b) => ms(a) - ms(b) || (a.id < b.id ? -1 : 1));
    let team = '';
    let queues: string[] = [];
    l.forEach((e, i) => {
      if (e.team) team = e.team as string;
      if (Array.isArray(e.queues)) queues = e.queues as string[];
      if (!['available', 'busy', 'wrap_up'].includes(e.state as string)) return;
      const s0 = Math.max(ms(e), o.from);
      const e0 = Math.min(i + 1 < l.length ? ms(l[i + 1]) : Infinity, end);
      for (let t = s0; t < e0; t += 1000) {
        // 1 s steps: fine for test data whose times are whole seconds
        const groups = o.groupBy === 'queue' ? queues : [dimOf({ agent, team })];
        for (const g of groups) {
          const a = acc(t, g);
          add(a, 'occ_total', 1000);
          if (e.state !== 'available') add(a, 'occ_busy', 1000);
        }
      }
    });
  }

  // feedback and tickets
  const created = new Map<string, RawEvent>();
  const firstReply = new Map<string, number>();
  for (const e of evs) {
    const t = ms(e);
    if (e.type === 'ticket.created' && !created.has(e.ticket_id as string)) created.set(e.ticket_id as string, e);
    if (e.type === 'ticket.replied' && !firstReply.has(e.ticket_id as string)) firstReply.set(e.ticket_id as string, t);
    if (!inRange(t)) continue;
    if (e.type === 'feedback.submitted') {
      const a = acc(t, dimOf({ queue: e.queue as string, channel: e.channel as string, agent: e.agent_id as string, team: e.agent_id ? teamAt(e.agent_id as string, t) : '' }));
      const sc = e.score as number;
      if (e.survey === 'csat') (add(a, 'csat_n'), add(a, 'csat_sum', sc), sc >= 4 && add(a, 'csat_top'));
      if (e.survey === 'nps') (add(a, 'nps_n'), sc >= 9 && add(a, 'nps_pro'), sc <= 6 && add(a, 'nps_det'));
      if (e.survey === 'ces') (add(a, 'ces_n'), add(a, 'ces_sum', sc));
    }
    if (e.type === 'ticket.created') add(acc(t, dimOf({ queue: e.queue as string, channel: e.channel as string })), 'tickets_created');
    if (e.type === 'ticket.solved') {
      const c = created.get(e.ticket_id as string);
      add(acc(t, dimOf({ queue: c?.queue as string, channel: c?.channel as string })), 'tickets_solved');
    }
  }
  for (const [tid, t] of firstReply) {
    const c = created.get(tid);
    if (!c || !inRange(t)) continue;
    const a = acc(t, dimOf({ queue: c.queue as string, channel: c.channel as string }));
    add(a, 'frt_n');
    add(a, 'frt_sum', t - ms(c));
  }

  const out = new Map<string, Record<string, number | null>>();
  for (const [k, a] of accs) {
    const g = (x: string) => (a[x] as number) ?? 0;
    const div = g('answered') + g('abandoned') - g('abandoned_short');
    const w = (a.waits as number[]).sort((x, y) => x - y);
    const vals: Record<string, number | null> = {
      arrived: g('arrived'), answered: g('answered'), abandoned: g('abandoned'), abandoned_short: g('abandoned_short'),
      offered: g('answered') + g('abandoned'),
      service_level: div ? g('sl_met') / div : null,
      abandon_rate: div ? (g('abandoned') - g('abandoned_short')) / div : null,
      asa_s: w.length ? g('wait_sum') / w.length / 1000 : null,
      wait_p90_s: w.length ? w[Math.ceil((9 * w.length) / 10) - 1] / 1000 : null,
      aht_s: g('wrapped') ? g('handle_sum') / g('wrapped') / 1000 : null,
      fcr: g('fcr_d') ? g('fcr_n') / g('fcr_d') : null,
      occupancy: g('occ_total') ? g('occ_busy') / g('occ_total') : null,
      csat: g('csat_n') ? g('csat_top') / g('csat_n') : null,
      csat_avg: g('csat_n') ? g('csat_sum') / g('csat_n') : null,
      csat_responses: g('csat_n'),
      nps: g('nps_n') ? ((g('nps_pro') - g('nps_det')) / g('nps_n')) * 100 : null,
      nps_responses: g('nps_n'),
      ces_avg: g('ces_n') ? g('ces_sum') / g('ces_n') : null,
      frt_avg_s: g('frt_n') ? g('frt_sum') / g('frt_n') / 1000 : null,
      tickets_created: g('tickets_created'), tickets_solved: g('tickets_solved'),
    };
    out.set(k, Object.fromEntries(metrics.map((m) => [m, vals[m]])));
  }
  return out;
}
