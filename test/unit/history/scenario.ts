// Random but reproducible contact-center traffic for history tests: contacts that are
// answered, abandoned (some short), transferred, still waiting, answered with only a
// `wait_ms` (start unknown), wrapped with and without `resolved`; agents changing state
// and team; feedback and tickets. Times are whole seconds.
import type { RawEvent } from './reference.ts';

export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export function scenario(seed: number, start: number, opts: { contacts?: number; spanS?: number; prefix?: string; stableTeams?: boolean; agentPrefix?: string } = {}): RawEvent[] {
  const r = rng(seed);
  const n = opts.contacts ?? 60;
  const span = opts.spanS ?? 4 * 3600;
  const p = opts.prefix ?? `s${seed}`;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const iso = (s: number) => new Date(start + Math.round(s) * 1000).toISOString();
  const queues = ['billing', 'sales', 'tech'];
  const agents = [1, 2, 3, 4].map((i) => `${opts.agentPrefix ?? 'a'}${i}`);
  const evs: RawEvent[] = [];
  let id = 0;
  const ev = (type: string, s: number, f: Record<string, unknown>) => evs.push({ id: `${p}-${id++}`, type, time: iso(s), ...f });
  for (const a of agents) {
    let t = r() * 600;
    ev('agent.state', t, { agent_id: a, state: 'available', team: pick(['north', 'south']), queues: [pick(queues), pick(queues)] });
    while (t < span) {
      t += 60 + r() * 1800;
      const f: Record<string, unknown> = { agent_id: a, state: pick(['available', 'busy', 'wrap_up', 'away', 'offline']) };
      const move = !opts.stableTeams;
      if (r() < 0.15 && move) f.team = pick(['north', 'south', 'east']);
      if (r() < 0.1 && move) f.queues = [pick(queues)];
      ev('agent.state', t, f);
    }
  }
  for (let i = 0; i < n; i++) {
    const c = `${p}-c${i}`;
    const q = pick(queues);
    const ch = pick(['voice', 'chat']);
    let t = r() * span;
    const kind = r();
    const agent = pick(agents);
    let cur = q;
    if (kind < 0.08) {
      // answered, start unknown: only wait_ms tells the wait (sometimes not even that)
      ev('contact.answered', t, { contact_id: c, queue: q, agent_id: agent, ...(r() < 0.7 ? { wait_ms: Math.floor(r() * 40) * 1000 } : {}) });
    } else {
      ev('contact.queued', t, { contact_id: c, queue: q, channel: ch });
      if (kind < 0.12) continue; // still waiting
      t += Math.floor(r() * 45);
      if (kind < 0.3) {
        ev('contact.abandoned', t, { contact_id: c, queue: q });
        continue;
      }
      if (kind < 0.42) {
        const to = pick(queues.filter((x) => x !== q));
        ev('contact.transferred', t, { contact_id: c, queue: q, to_queue: to });
        cur = to;
        t += Math.floor(r() * 30);
        if (r() < 0.2) {
          ev('contact.abandoned', t, { contact_id: c, queue: to });
          continue;
        }
      }
      ev('contact.answered', t, { contact_id: c, queue: cur, agent_id: agent });
    }
    t += 30 + Math.floor(r() * 400);
    ev('contact.ended', t, { contact_id: c, agent_id: agent });
    t += Math.floor(r() * 90);
    if (r() < 0.85) ev('contact.wrapped', t, { contact_id: c, agent_id: agent, ...(r() < 0.7 ? { resolved: r() < 0.6 } : {}) });
    if (r() < 0.4) {
      const survey = pick(['csat', 'nps', 'ces'] as const);
      const score = survey === 'csat' ? 1 + Math.floor(r() * 5) : survey === 'nps' ? Math.floor(r() * 11) : 1 + Math.floor(r() * 7);
      ev('feedback.submitted', t + 60, { survey, score, contact_id: c, agent_id: agent, queue: cur, channel: ch });
    }
  }
  for (let i = 0; i < Math.floor(n / 4); i++) {
    const tk = `${p}-t${i}`;
    let t = r() * span;
    ev('ticket.created', t, { ticket_id: tk, queue: pick(queues), channel: pick(['email', 'web']) });
    if (r() < 0.7) ev('ticket.replied', (t += 60 + r() * 3000), { ticket_id: tk, agent_id: pick(agents) });
    if (r() < 0.5) ev('ticket.replied', (t += 60 + r() * 600), { ticket_id: tk, agent_id: pick(agents) });
    if (r() < 0.5) ev('ticket.solved', (t += 60 + r() * 600), { ticket_id: tk });
  }
  return evs;
}

/** Shuffles locally (events move by up to `maxShift` positions) and repeats some ids. */
export function disorder(evs: RawEvent[], seed: number, dupRate = 0.05, maxShift = 8): RawEvent[] {
  const r = rng(seed);
  const out = [...evs].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  for (let i = 0; i < out.length; i++) {
    const j = Math.min(out.length - 1, i + Math.floor(r() * maxShift));
    [out[i], out[j]] = [out[j], out[i]];
  }
  const dups = out.filter(() => r() < dupRate);
  return [...out, ...dups];
}
