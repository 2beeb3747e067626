// The body of a CC_EVENTS message: a JSON array of BusEvents (ingestion groups the events
// of one type from one request, see server/ingest/publish.ts). Every consumer reads it
// through here, so the format has one definition.
import type { BusEvent } from '../events/schema.ts';

const decoder = new TextDecoder();

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
