// How events reach the `events` table: as bus messages, each a JSON array of BusEvents,
// inserted into `events_in` one line `{"m":[...]}` per message. ClickHouse parses the
// array and maps each event to its row (sql/0014_events_in.sql), so the writer never
// rebuilds an event in JavaScript: a message stored whole is copied as bytes.
import { isUtf8 } from 'node:buffer';
import type { ClickHouseClient } from '@clickhouse/client';
import type { BusEvent } from '../events/schema.ts';
import { insertRaw } from '../../server/db/clickhouse.ts';

/**
 * `m` is a String column that takes the array's JSON text as it is. One thread parses
 * the body: with parallel parsing, chDB spent more CPU on the same insert (a writer batch
 * of 20,000 events, merges stopped: 8.7–15 µs per event against 6.1–9.3;
 * `npm run bench:store`, 2026-12-07, in the change that also read bodies from a file).
 */
export const EVENTS_IN_SETTINGS = { input_format_json_read_arrays_as_strings: 1, input_format_parallel_parsing: 0, max_threads: 1 } as const;

const OPEN = Buffer.from('{"m":');
const CLOSE = Buffer.from('}\n');

/** True when the bytes are one JSON array as ingestion writes it (`[` first, `]` last, no padding). */
function isJsonArray(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x5b && data[data.length - 1] === 0x5d;
}

/**
 * The insert body for messages, each a JSON array of BusEvents (see isJsonArray), in a
 * buffer of its own: from a role thread, an insert hands its body's buffer over to the
 * main thread, so build one per attempt.
 */
export function eventsInBody(arrays: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const a of arrays) n += OPEN.length + a.length + CLOSE.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const a of arrays) {
    out.set(OPEN, at);
    out.set(a, (at += OPEN.length));
    out.set(CLOSE, (at += a.length));
    at += CLOSE.length;
  }
  return out;
}

const SURROGATE_ESCAPE = Buffer.from('\\ud');

/**
 * True when ClickHouse reads the bytes as JavaScript did. Two things JSON.parse accepts
 * and ClickHouse's JSON functions do not: bytes that are not UTF-8 (TextDecoder put
 * U+FFFD in their place) and an escaped lone surrogate (`\ud800`, the only way
 * JSON.stringify writes a `\ud…` escape; a pair is written as UTF-8). ClickHouse
 * would read no array at all from such a message.
 */
function readsTheSame(data: Uint8Array): boolean {
  return isJsonArray(data) && isUtf8(data) && Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(SURROGATE_ESCAPE) < 0;
}

// String.prototype.toWellFormed is in Node 20; TypeScript's ES2022 lib does not list it.
type WellFormable = string & { toWellFormed(): string };
const wellFormed = (_k: string, v: unknown) => (typeof v === 'string' ? (v as WellFormable).toWellFormed() : v);

/**
 * One event as writeEvents writes it inside its array: the same test per event (an
 * escaped lone surrogate is all JSON.stringify can write that ClickHouse reads otherwise).
 */
export function eventJson(ev: BusEvent): string {
  const plain = JSON.stringify(ev);
  return plain.includes('\\ud') ? JSON.stringify(ev, wellFormed) : plain;
}

/** Events written as a JSON array ClickHouse reads as JavaScript does (lone surrogates as U+FFFD). */
export function writeEvents(events: readonly BusEvent[]): Uint8Array {
  const plain = Buffer.from(JSON.stringify(events));
  return readsTheSame(plain) ? plain : Buffer.from(JSON.stringify(events, wellFormed));
}

/**
 * A whole message's bytes for ClickHouse: its own when ClickHouse reads them as
 * JavaScript did, else its events written again. A body JavaScript cannot decode either
 * goes as it is, for ClickHouse to refuse (and the writer to dead-letter).
 */
export function messageBytes(data: Uint8Array, events: () => BusEvent[] | null): Uint8Array {
  if (readsTheSame(data)) return data;
  const evs = events();
  return evs ? writeEvents(evs) : data;
}

/**
 * Stores events the way the writer does, for tools and tests that bypass the bus (no
 * duplicate check). Chunks of 5,000 keep each line well below ClickHouse's field limits.
 */
export async function insertEvents(ch: ClickHouseClient, events: readonly BusEvent[]): Promise<void> {
  const arrays: Uint8Array[] = [];
  for (let i = 0; i < events.length; i += 5_000) arrays.push(writeEvents(events.slice(i, i + 5_000)));
  if (arrays.length) await insertRaw(ch, 'events_in', eventsInBody(arrays), { ...EVENTS_IN_SETTINGS });
}
