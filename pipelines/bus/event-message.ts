// The body of a CC_EVENTS message: a JSON array of BusEvents (ingestion groups the events
// of one type from one request, see server/ingest/publish.ts). Every consumer reads it
// through here, so the format has one definition. The `Fw-Ids` header, when there, holds
// the events' ids in order as a JSON array: the writer needs only those and leaves the
// body to ClickHouse (pipelines/writer/events-in.ts).
import type { BusEvent } from '../events/schema.ts';

const decoder = new TextDecoder();

export const IDS_HEADER = 'Fw-Ids';

/** Ids headers above this size are left out (the message must stay under NATS's 1 MiB). */
export const MAX_IDS_HEADER = 64 * 1024;

/** The ids of an `Fw-Ids` header value, or null when it is not a JSON array of strings. */
export function decodeIds(value: string): string[] | null {
  let ids: unknown;
  try {
    ids = JSON.parse(value);
  } catch {
    return null;
  }
  if (!Array.isArray(ids)) return null;
  for (const id of ids) if (typeof id !== 'string') return null;
  return ids as string[];
}

/**
 * The events of a message, or null when it is not a list of bus events (the writer
 * dead-letters such a message; other consumers skip it).
 */
export function decodeEvents(data: Uint8Array): BusEvent[] | null {
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(data));
  } catch {
    return null;
  }
  const events = (Array.isArray(body) ? body : [body]) as BusEvent[];
  for (const e of events)
    if (!e || typeof e.id !== 'string' || typeof e.tenant !== 'string' || typeof e.ts !== 'number' || typeof e.type !== 'string')
      return null;
  return events;
}
