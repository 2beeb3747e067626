// The history role: a durable JetStream consumer of contact and agent events. For each
// batch it waits until the writer has stored the batch's events in ClickHouse, then
// recomputes the facts of the contacts and agents touched from the raw events (so the
// order in which events arrive, duplicates and restarts do not matter), and only then
// acknowledges. Unacked messages are redelivered after a crash: the rewrite is idempotent.
// While the writer has a backlog it waits (bounded): in a burst raw events go first.
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { durableConsumer } from '../bus/durable.ts';
import { Batcher } from '../bus/batcher.ts';
import { decodeEvents } from '../bus/event-message.ts';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.ts';
import { EVENTS_STREAM, eventSubjectParts } from '../bus/subjects.ts';
import type { BusEvent } from '../events/schema.ts';
import type { Registry } from '../../server/metrics.ts';
import { rebuildAgents, rebuildContacts, staleTeams, type AgentSpan } from './rebuild.ts';

export interface HistoryConsumerOptions {
  bus: Bus;
  ch: ClickHouseClient;
  log: Logger;
  metrics: Registry;
  durable?: string;
  maxMessages?: number;
  maxDelayMs?: number;
  /** give up waiting for the writer after this long and compute from what is stored */
  storeWaitMs?: number;
  /** the writer's durable consumer, whose ack floor tells what is stored */
  writerDurable?: string;
  /**
   * While the writer has more messages than this waiting, a batch waits (up to
   * `yieldMaxMs`): in a burst the raw events are stored first and facts catch up after.
   */
  yieldAbove?: number;
  yieldMaxMs?: number;
}

/** Only contact and agent events make facts. */
const makesFacts = (type: string) => type.startsWith('contact.') || type === 'agent.state';

export class HistoryConsumer {
  private messages: ConsumerMessages | null = null;
  private batcher: Batcher<JsMsg>;
  private stopping = false;
  private readonly o: Required<HistoryConsumerOptions>;
  private m;

  constructor(opts: HistoryConsumerOptions) {
    // 1 s batches, not 200 ms: each batch re-reads from ClickHouse the raw events of the
    // agents and contacts it touched (every agent, in the ingest benchmark) and rewrites
    // their facts, so fewer, larger batches cost less per event. Facts lag events by ~1 s more.
    // Yielding above ~2 writer batches (a message holds ~125 events in the ingest bench):
    // facts of a batch computed during a burst cost as much ClickHouse time as storing
    // the events, and the writer's inserts and lookups waited behind them.
    this.o = {
      durable: 'history', maxMessages: 5_000, maxDelayMs: 1_000, storeWaitMs: 60_000, writerDurable: 'writer',
      yieldAbove: 300, yieldMaxMs: 30_000, ...opts,
    };
    this.batcher = new Batcher({ maxWeight: this.o.maxMessages, maxDelayMs: this.o.maxDelayMs, handle: (b) => this.process(b) });
    this.m = {
      contacts: opts.metrics.counter('fw_history_segments_total', 'segments rewritten by the history consumer'),
      batchMs: opts.metrics.histogram('fw_history_batch_ms', 'milliseconds per history batch', [10, 50, 100, 250, 500, 1000, 5000]),
      failures: opts.metrics.counter('fw_history_failures_total', 'history batches that failed (retried)'),
    };
  }

  async start(): Promise<void> {
    const { bus, durable } = this.o;
    // One filter (servers before 2.10 take no list): other types are skipped in process().
    const consumer = await durableConsumer(bus, {
      stream: EVENTS_STREAM,
      durable,
      filterSubject: 'cc.events.>',
      ackWaitMs: 120_000,
      maxAckPending: 50_000,
    });
    this.messages = await consumer.consume({ max_messages: 1_000 });
    void this.loop();
  }

  private async loop() {
    for await (const msg of this.messages!) {
      await this.batcher.add(msg);
      if (this.stopping) break;
    }
  }

  /** Processes what is buffered; batches run one after another. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  private async process(batch: JsMsg[]) {
    const t0 = performance.now();
    let events: BusEvent[] | null = null;
    for (let attempt = 1; ; attempt++) {
      try {
        events ??= await this.storedEvents(batch);
        if (this.stopping) return; // not acked: redelivered after restart
        this.m.contacts.inc({}, await applyEvents(this.o.ch, events));
        break;
      } catch (err) {
        if (this.stopping) return; // not acked: redelivered after restart
        this.m.failures.inc();
        this.o.log.warn({ err: (err as Error).message, attempt }, 'history batch failed, retrying');
        for (const m of batch) m.working();
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 5_000)));
      }
    }
    for (const m of batch) m.ack();
    this.m.batchMs.observe(performance.now() - t0);
  }

  /**
   * The batch's contact and agent events, once they are stored. They are decoded only
   * after the wait: during a burst the writer's backlog holds history back (up to
   * yieldMaxMs), and decoding first would spend that CPU while it is scarcest.
   */
  private async storedEvents(batch: JsMsg[]): Promise<BusEvent[]> {
    const deadline = Date.now() + this.o.storeWaitMs;
    const waited = await this.waitForWriter(batch, deadline);
    const events: BusEvent[] = [];
    for (const msg of batch) {
      // messages of other types are not decoded at all
      if (!makesFacts(eventSubjectParts(msg.subject).type)) continue;
      // an undecodable message is the writer's to dead-letter; nothing to compute from it
      for (const e of decodeEvents(msg.data) ?? []) if (makesFacts(e.type)) events.push(e);
    }
    if (!waited) await this.pollStored(events, batch, deadline);
    return events;
  }

  /**
   * Waits until the writer stored the batch, and then while the writer's backlog is above
   * `yieldAbove` (at most `yieldMaxMs`). The writer acks a message only after its
   * events are stored (or dead-lettered), so once its consumer's ack floor reaches the
   * batch's last stream sequence every event is there: one JetStream request per poll.
   * Without a writer consumer on the stream, polls `event_ids` for the batch's ids as
   * before; that parameterized query (all ids of the batch) cost chDB and the main
   * thread's parameter serialisation per poll, and queued behind the writer's own
   * lookups in chDB's process-wide lock for bound parameters. False when there is no
   * writer consumer (then pollStored).
   */
  private async waitForWriter(batch: JsMsg[], deadline: number): Promise<boolean> {
    let last = 0;
    for (const m of batch) last = Math.max(last, m.seq);
    const yieldUntil = Date.now() + this.o.yieldMaxMs;
    for (;;) {
      const writer = await this.writerState();
      if (writer === null) return false;
      if (this.stopping) return true;
      const stored = writer.floor >= last;
      if (stored && (writer.backlog <= this.o.yieldAbove || Date.now() > yieldUntil)) return true;
      if (!stored && Date.now() > deadline) {
        this.o.log.warn({ floor: writer.floor, last }, 'history: events not stored in time, computing from what is');
        return true;
      }
      for (const m of batch) m.working();
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async pollStored(events: BusEvent[], batch: JsMsg[], deadline: number) {
    const byTenant = new Map<string, Set<string>>();
    for (const e of events) {
      let s = byTenant.get(e.tenant);
      if (!s) byTenant.set(e.tenant, (s = new Set()));
      s.add(e.id);
    }
    for (const [tenant, ids] of byTenant) {
      for (;;) {
        const r = await this.o.ch.query({
          query: 'SELECT uniqExact(id) AS n FROM event_ids WHERE tenant = {tenant:String} AND id IN {ids:Array(String)}',
          query_params: { tenant, ids: [...ids] },
          format: 'JSONEachRow',
        });
        const [{ n }] = await r.json<{ n: number }>();
        if (Number(n) >= ids.size || this.stopping) break;
        if (Date.now() > deadline) {
          this.o.log.warn({ tenant, missing: ids.size - Number(n) }, 'history: events not stored in time, computing from what is');
          break;
        }
        for (const m of batch) m.working();
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /**
   * The writer consumer's ack floor (stream sequence) and backlog (messages not yet
   * acknowledged), or null when there is no writer consumer.
   */
  private async writerState(): Promise<{ floor: number; backlog: number } | null> {
    try {
      const info = await this.o.bus.jsm.consumers.info(EVENTS_STREAM, this.o.writerDurable);
      return { floor: info.ack_floor.stream_seq, backlog: info.num_pending + info.num_ack_pending };
    } catch (err) {
      if (/not found/i.test(String((err as Error).message)) || (err as { code?: unknown }).code === 404) return null;
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.messages?.close().catch(() => {});
    await this.flush().catch(() => {});
  }
}

/** Recomputes the facts touched by `events` (already stored in `events`). Returns segments written. */
export async function applyEvents(ch: ClickHouseClient, events: BusEvent[]): Promise<number> {
  const byTenant = new Map<string, BusEvent[]>();
  for (const e of events) {
    let l = byTenant.get(e.tenant);
    if (!l) byTenant.set(e.tenant, (l = []));
    l.push(e);
  }
  let n = 0;
  for (const [tenant, evs] of byTenant) {
    const agents = new Map<string, AgentSpan>();
    const contacts = new Set<string>();
    let lo = Infinity;
    let hi = -Infinity;
    for (const e of evs) {
      if (e.type === 'agent.state') {
        const a = agents.get(e.agent_id);
        if (!a) agents.set(e.agent_id, { min: e.ts, max: e.ts });
        else {
          a.min = Math.min(a.min, e.ts);
          a.max = Math.max(a.max, e.ts);
        }
      }
      else if (e.type.startsWith('contact.') && 'contact_id' in e) {
        contacts.add(e.contact_id as string);
        lo = Math.min(lo, e.ts);
        hi = Math.max(hi, e.ts);
      }
    }
    // Agents first: a contact's team is looked up in the agent intervals.
    const until = await rebuildAgents(ch, tenant, agents);
    for (const x of await staleTeams(ch, tenant, agents, until)) {
      contacts.add(x.contact_id);
      lo = Math.min(lo, x.t);
      hi = Math.max(hi, x.t);
    }
    const ids = [...contacts];
    // Chunks of 20,000 contacts, not 2,000: each chunk re-reads the agents' intervals, and
    // under the ingest bench the smaller chunks spent ~21 s of chDB time against ~16.
    for (let i = 0; i < ids.length; i += 20_000) n += await rebuildContacts(ch, tenant, ids.slice(i, i + 20_000), lo, hi);
  }
  return n;
}
