// Validate + publish for events an in-process adapter mapped from a platform's records
// (Amazon Connect, Twilio TaskRouter): the same checks and the same bus path as
// POST /v1/events, counted in the same metrics. Events that fail validation are
// returned, not thrown, so the adapter can put them in the dead-letter store.
import type { BusEvent } from '../../pipelines/events/schema.ts';
import { BusUnavailable } from '../../pipelines/bus/bus.ts';
import type { Services } from '../context.ts';
import { unavailable } from '../errors.ts';
import { MS_BUCKETS } from '../metrics.ts';
import { toMessages } from './publish.ts';
import { validateEvent } from './validate.ts';

export interface Invalid {
  event: unknown;
  reason: string;
  errors: string[];
}

/** Publishes a tenant's already validated events; 503 (Retry-After) when the bus does not ack. */
export function eventPublisher(svc: Services) {
  const accepted = svc.metrics.counter('fw_events_accepted_total', 'events accepted (acked by JetStream)');
  const publishMs = svc.metrics.histogram('fw_publish_ms', 'JetStream publish latency per request (ms)', MS_BUCKETS);
  return async (tenant: string, good: BusEvent[]): Promise<void> => {
    if (good.length === 0) return;
    const t0 = performance.now();
    try {
      await svc.bus.publishAll(toMessages(tenant, good));
    } catch (err) {
      if (err instanceof BusUnavailable)
        throw unavailable('the event bus did not acknowledge the events; nothing was accepted, retry later', 2);
      throw err;
    }
    publishMs.observe(performance.now() - t0);
    accepted.inc({}, good.length);
  };
}

/** Validates mapped events and publishes the valid ones; returns the invalid ones. */
export function mappedEventAcceptor(svc: Services) {
  const publish = eventPublisher(svc);
  return async (tenant: string, events: unknown[], now = Date.now()): Promise<{ accepted: number; invalid: Invalid[] }> => {
    const good: BusEvent[] = [];
    const invalid: Invalid[] = [];
    for (const raw of events) {
      const r = validateEvent(raw, tenant, now);
      if (r.ok) good.push(r.event);
      else invalid.push({ event: raw, reason: r.reason, errors: r.errors });
    }
    await publish(tenant, good);
    return { accepted: good.length, invalid };
  };
}
