// Every role that must see each event once (writer, history, voice of the customer)
// reads CC_EVENTS through a durable pull consumer created here, with explicit acks.
import { AckPolicy, DeliverPolicy, type Consumer } from '@nats-io/jetstream';
import type { Bus } from './bus.ts';

export interface DurableOptions {
  stream: string;
  durable: string;
  /** one subject filter: nats-server 2.9 takes no list */
  filterSubject: string;
  ackWaitMs: number;
  maxAckPending: number;
}

/** Creates the durable consumer, or brings an existing one's limits up to date. */
export async function durableConsumer(bus: Bus, o: DurableOptions): Promise<Consumer> {
  const limits = { ack_wait: o.ackWaitMs * 1_000_000, max_ack_pending: o.maxAckPending };
  try {
    await bus.jsm.consumers.info(o.stream, o.durable);
    await bus.jsm.consumers.update(o.stream, o.durable, limits);
  } catch {
    await bus.jsm.consumers.add(o.stream, {
      ...limits,
      durable_name: o.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: o.filterSubject,
    });
  }
  return bus.js.consumers.get(o.stream, o.durable);
}
