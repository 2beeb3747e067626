// Asynchronous tickets: created with a first-response due time by priority, replied by an
// agent of the queue who is logged in (so night tickets wait for the morning and some
// breach), solved, sometimes reopened, and surveyed after solving.
import type { AgentFloor } from './agent-floor.ts';
import type { QueueDef } from './center-plan.ts';
import { customerLanguage } from './contact-flow.ts';
import { drawFeedback } from './feedback-model.ts';
import { centerTicketRate, iso, maxTicketRate, pickWeighted, type SimCore } from './sim-core.ts';

interface Ticket {
  id: string;
  queue: QueueDef;
  channel: string;
  customer: number;
  createdAt: number;
  due: number;
  firstReplyAt?: number;
  replies: number;
  reopened: boolean;
  agentId?: string;
  agentName?: string;
}

const MIN = 60_000;
const SLA_MIN = [60, 240, 480];
const REPLY_MEDIAN_MIN = [30, 90, 180];

export class TicketFlow {
  private readonly customers: number;

  constructor(
    private readonly sim: SimCore,
    private readonly floor: AgentFloor,
  ) {
    this.customers = Math.max(500, sim.plan.agents.length * 400);
  }

  start(): void {
    const { sim } = this;
    sim.poisson((t) => centerTicketRate(sim.plan, sim.clock, t), maxTicketRate(sim.plan), () => this.create());
  }

  private create(): void {
    const { sim } = this;
    const queue = pickWeighted(sim.rng, sim.plan.queues);
    const channel = pickWeighted(sim.rng, queue.ticketMix).channel;
    const p = sim.rng.weighted([0.15, 0.6, 0.25]);
    const t: Ticket = {
      id: sim.nextId('t'),
      queue,
      channel,
      customer: sim.rng.int(1, this.customers),
      createdAt: sim.now,
      due: sim.now + SLA_MIN[p] * MIN,
      replies: 0,
      reopened: false,
    };
    // Some sources send no due time: the queue's policy applies then.
    const withDue = sim.rng.chance(0.9);
    if (!withDue) t.due = sim.now + 60 * MIN;
    sim.emit('ticket.created', {
      ticket_id: t.id,
      queue: queue.id,
      channel,
      priority: p + 1,
      ...(withDue ? { first_response_due: iso(t.due) } : {}),
    });
    sim.after(sim.rng.lognormal(REPLY_MEDIAN_MIN[p], 0.8) * MIN, () => this.reply(t));
  }

  private reply(t: Ticket): void {
    const { sim } = this;
    const agent = this.floor.anyOnShift(t.queue.id);
    if (!agent) {
      sim.after(sim.rng.uniform(10, 20) * MIN, () => this.reply(t));
      return;
    }
    t.agentId = agent.def.id;
    t.agentName = agent.def.name;
    t.firstReplyAt ??= sim.now;
    t.replies++;
    sim.emit('ticket.replied', { ticket_id: t.id, agent_id: agent.def.id });
    if (t.replies >= 3 || sim.rng.chance(0.65)) {
      sim.after(sim.rng.lognormal(45, 1) * MIN, () => this.solve(t));
    } else {
      // The customer answers, and the ticket needs another reply later.
      sim.after(sim.rng.lognormal(180, 0.8) * MIN, () => this.reply(t));
    }
  }

  private solve(t: Ticket): void {
    const { sim } = this;
    sim.emit('ticket.solved', { ticket_id: t.id, ...(t.agentId ? { agent_id: t.agentId } : {}) });
    if (!t.reopened && sim.rng.chance(0.07)) {
      sim.after(sim.rng.lognormal(360, 1) * MIN, () => {
        t.reopened = true;
        sim.emit('ticket.reopened', { ticket_id: t.id });
        sim.after(sim.rng.lognormal(60, 0.8) * MIN, () => this.reply(t));
      });
      return;
    }
    if (sim.rng.chance(0.2)) {
      const breached = (t.firstReplyAt ?? sim.now) > t.due;
      // Minutes waited for an email weigh like seconds waited on the phone.
      const waitS = ((t.firstReplyAt ?? sim.now) - t.createdAt) / 60_000;
      const fb = drawFeedback(
        sim.rng,
        { waitS, resolved: true, breached, reopened: t.reopened, agentName: t.agentName },
        customerLanguage(sim.seed, t.customer),
      );
      sim.after(sim.rng.uniform(10, 180) * MIN, () =>
        sim.emit('feedback.submitted', {
          ...fb,
          ticket_id: t.id,
          queue: t.queue.id,
          channel: t.channel,
          ...(t.agentId ? { agent_id: t.agentId } : {}),
        }),
      );
    }
  }
}
