// Real-time contacts: arrival into a queue, routing to the longest-idle agent serving
// it (or waiting in FIFO), patience and abandonment, talk with hold, transfers (by the
// agent, or an overflow while waiting), after-contact work, resolution and surveys.
import type { AgentFloor, Agent } from './agent-floor.ts';
import { CHANNEL_MODEL, WRAP_SIGMA, type ContactChannel, type QueueDef } from './center-plan.ts';
import { drawFeedback, type Language } from './feedback-model.ts';
import { centerContactRate, maxContactRate, pickWeighted, type SimCore } from './sim-core.ts';
import { hashSeed } from './prng.ts';

interface Contact {
  id: string;
  queue: QueueDef;
  channel: ContactChannel;
  lang: Language;
  segment: number;
  segStart: number;
  waitedMs: number;
  state: 'waiting' | 'routing' | 'talking' | 'done';
  transferred: boolean;
}

const SEC = 1000;
const RING_S: Record<ContactChannel, [number, number]> = { voice: [3, 9], chat: [1, 4], callback: [6, 15] };

export class ContactFlow {
  private readonly waiting = new Map<string, Fifo>();
  private readonly queues: QueueDef[];
  private readonly customers: number;

  constructor(
    private readonly sim: SimCore,
    private readonly floor: AgentFloor,
  ) {
    this.queues = sim.plan.queues;
    for (const q of this.queues) this.waiting.set(q.id, { items: [], head: 0 });
    this.customers = Math.max(500, sim.plan.agents.length * 400);
    floor.onFree = (a) => this.serveNext(a);
  }

  start(): void {
    const { sim } = this;
    sim.poisson((t) => centerContactRate(sim.plan, sim.clock, t), maxContactRate(sim.plan), () => this.arrive());
  }

  private arrive(): void {
    const { sim } = this;
    const queue = pickWeighted(sim.rng, this.queues);
    const channel = pickWeighted(sim.rng, queue.contactMix).channel;
    const customer = sim.rng.int(1, this.customers);
    const c: Contact = {
      id: sim.nextId('c'),
      queue,
      channel,
      lang: customerLanguage(sim.seed, customer),
      segment: 0,
      segStart: sim.now,
      waitedMs: 0,
      state: 'waiting',
      transferred: false,
    };
    sim.emit('contact.queued', {
      contact_id: c.id,
      queue: queue.id,
      channel,
      ...(channel === 'callback' ? { priority: 2 } : {}),
      ...(sim.rng.chance(0.85) ? { customer_id: `cust-${customer}` } : {}),
    });
    this.enqueue(c, 1);
  }

  private enqueue(c: Contact, patienceFactor: number): void {
    const { sim } = this;
    c.segment++;
    c.segStart = sim.now;
    c.state = 'waiting';
    const agent = this.floor.idleFor(c.queue.id);
    if (agent) return this.connect(agent, c);
    const q = this.waiting.get(c.queue.id)!;
    const seg = c.segment;
    trim(q);
    q.items.push({ c, seg });
    const patience = sim.rng.exponential(CHANNEL_MODEL[c.channel].patienceS * SEC * patienceFactor);
    sim.after(patience, () => this.abandon(c, seg));
    if (!c.transferred && this.queues.length > 1 && sim.rng.chance(0.04)) {
      sim.after(sim.rng.uniform(60, 150) * SEC, () => {
        if (c.state === 'waiting' && c.segment === seg) this.transfer(c, undefined);
      });
    }
  }

  private abandon(c: Contact, seg: number): void {
    if (c.state !== 'waiting' || c.segment !== seg) return;
    c.state = 'done';
    this.sim.emit('contact.abandoned', { contact_id: c.id, queue: c.queue.id, wait_ms: this.sim.now - c.segStart });
  }

  /** Oldest waiting contact across the agent's queues. */
  private serveNext(a: Agent): void {
    let best: Contact | undefined;
    for (const qid of a.def.queues) {
      const q = this.waiting.get(qid);
      if (!q) continue;
      trim(q);
      const head = q.items[q.head]?.c;
      if (head && (!best || head.segStart < best.segStart)) best = head;
    }
    if (best) this.connect(a, best);
  }

  // The agent is reserved now and answers after a ring / accept delay.
  private connect(a: Agent, c: Contact): void {
    const { sim } = this;
    c.state = 'routing';
    a.busyWith = c;
    const [lo, hi] = RING_S[c.channel];
    sim.after(sim.rng.uniform(lo, hi) * SEC, () => this.answer(a, c));
  }

  private answer(a: Agent, c: Contact): void {
    const { sim } = this;
    const wait = sim.now - c.segStart;
    c.waitedMs += wait;
    c.state = 'talking';
    sim.emit('contact.answered', { contact_id: c.id, queue: c.queue.id, agent_id: a.def.id, wait_ms: wait });
    this.floor.report(a, 'busy');
    const m = CHANNEL_MODEL[c.channel];
    const talk = Math.max(15, sim.rng.lognormal(m.talkS, m.talkSigma)) * SEC;
    if (!c.transferred && this.queues.length > 1 && sim.rng.chance(0.05)) {
      sim.after(talk * sim.rng.uniform(0.3, 0.6), () => this.transfer(c, a));
      return;
    }
    const hold = c.channel === 'voice' && sim.rng.chance(0.25) ? Math.round(Math.min(talk / 2, sim.rng.lognormal(40, 0.6) * SEC)) : 0;
    sim.after(talk, () => {
      sim.emit('contact.ended', { contact_id: c.id, agent_id: a.def.id, ...(hold ? { hold_ms: hold } : {}) });
      this.floor.report(a, 'wrap_up');
      sim.after(Math.max(3, sim.rng.lognormal(m.wrapS, WRAP_SIGMA)) * SEC, () => this.wrap(a, c));
    });
  }

  private wrap(a: Agent, c: Contact): void {
    const { sim } = this;
    c.state = 'done';
    const resolved = sim.rng.chance(c.queue.resolveRate * (c.transferred ? 0.85 : 1));
    sim.emit('contact.wrapped', { contact_id: c.id, agent_id: a.def.id, ...(sim.rng.chance(0.98) ? { resolved } : {}) });
    if (sim.rng.chance(0.22)) {
      const fb = drawFeedback(sim.rng, { waitS: c.waitedMs / SEC, resolved, transferred: c.transferred, agentName: a.def.name }, c.lang);
      sim.after(sim.rng.uniform(1, 20) * 60 * SEC, () =>
        sim.emit('feedback.submitted', { ...fb, contact_id: c.id, agent_id: a.def.id, queue: c.queue.id, channel: c.channel }),
      );
    }
    this.floor.free(a);
  }

  /** Moves the contact to another queue: by its agent mid-contact, or as an overflow while waiting. */
  private transfer(c: Contact, a: Agent | undefined): void {
    const { sim } = this;
    const others = this.queues.filter((q) => q !== c.queue);
    const to = pickWeighted(sim.rng, others);
    sim.emit('contact.transferred', { contact_id: c.id, queue: c.queue.id, to_queue: to.id, ...(a ? { agent_id: a.def.id } : {}) });
    c.transferred = true;
    c.queue = to;
    if (a) {
      this.floor.report(a, 'wrap_up');
      sim.after(Math.max(3, sim.rng.lognormal(15, WRAP_SIGMA)) * SEC, () => this.floor.free(a));
    }
    this.enqueue(c, 1.5);
  }
}

interface Fifo {
  items: { c: Contact; seg: number }[];
  head: number;
}

// Entries of abandoned, transferred or answered segments are dropped lazily from the
// front, and the array is compacted now and then (a queue nobody serves must not grow).
function trim(q: Fifo): void {
  while (q.head < q.items.length && !isLive(q.items[q.head])) q.head++;
  if (q.head > 256 && q.head * 2 > q.items.length) {
    q.items = q.items.slice(q.head);
    q.head = 0;
  }
}

function isLive(e: { c: Contact; seg: number }): boolean {
  return e.c.state === 'waiting' && e.c.segment === e.seg;
}

/** A customer always writes in the same language (40% it, 30% cs, 30% en). */
export function customerLanguage(seed: string | number, customer: number): Language {
  const r = hashSeed(seed, `lang:${customer}`) % 10;
  return r < 4 ? 'it' : r < 7 ? 'cs' : 'en';
}
