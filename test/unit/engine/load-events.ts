// Bus events from plain fixture objects (what the ingest route adds: tenant, ts).
import type { BusEvent } from '../../../pipelines/events/schema.ts';

export const bus = (e: object, tenant = 't'): BusEvent =>
  ({ ...e, tenant, ts: Date.parse((e as { time: string }).time), received_at: 0 }) as BusEvent;
