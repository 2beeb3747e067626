// Bulk import of past events: records from a stream (formats.ts) are validated with the
// ingest schema (validateEvent, unchanged), deduplicated by id, and inserted straight into
// ClickHouse through `events_in` in batches, one insert in flight while the next batch is
// read. Imported events do not go over the bus: they are history, not live traffic.
//
// Duplicates: an id stored before the import (or by the live writer during it) is found
// in `event_ids`; an id the import itself stored is found in an in-memory table of 64-bit
// hashes (id-hashes.ts) and confirmed exactly. A tenant with no stored ids when the import
// starts skips the per-batch `event_ids` lookup (~1.8 µs of chDB time per event, a third
// of the insert's own cost) for as long as nothing else adds ids for it: before each batch
// one count of the tenant's ids says so.
import crypto from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { EVENTS_IN_SETTINGS } from '../../pipelines/writer/events-in.ts';
import { fileInsert, insertRaw } from '../db/clickhouse.ts';
import { validateEvent } from '../ingest/validate.ts';
import { EventBytes } from './event-bytes.ts';
import { StreamStop, type ImportRecord } from './formats.ts';
import { IdHashes } from './id-hashes.ts';

export interface ImportError {
  line: number;
  field: string;
  reason: string;
  id?: string;
}

export interface ImportProgress {
  /** records read (lines of NDJSON/CSV, elements of a JSON array) */
  lines: number;
  loaded: number;
  duplicates: number;
  rejected: number;
  /** body bytes read (after gunzip: of the decompressed text) */
  bytes: number;
  seconds: number;
  /** records per second so far */
  events_per_s: number;
}

export interface ImportSummary extends Omit<ImportProgress, 'events_per_s'> {
  /** the first MAX_ERRORS bad records */
  errors: ImportError[];
  /** first and last event time stored (RFC 3339), null when nothing was */
  from: string | null;
  to: string | null;
  events_per_s: number;
  rebuild_seconds: number;
  /** set when the body could not be read to its end: where, and why */
  stopped?: { line: number; byte: number; reason: string };
}

export interface ImportOptions {
  ch: ClickHouseClient;
  tenant: string;
  /** "now" for the future-time check (default Date.now()) */
  now?: number;
  /**
   * events per insert (default 200,000). chDB's CPU per event of an events_in insert
   * falls with its size (1 M bench events into a fresh store, process CPU, 2 runs each):
   * 5.8/5.9 µs at 50k, 5.0/5.1 at 100k, 4.0/4.3 at 200k, 4.4/4.3 at 400k.
   */
  batchSize?: number;
  /** inserts under way at once (default MAX_INFLIGHT) */
  inflight?: number;
  /** bytes read so far, for progress */
  bytes?: () => number;
  onProgress?: (p: ImportProgress) => void;
  progressMs?: number;
  /** runs once after the last insert when something was stored (the history rebuild) */
  afterLoad?: (tenant: string, from: number, to: number) => Promise<void>;
}

export const MAX_ERRORS = 1000;
/**
 * Each `m` row is one long JSON array: ClickHouse's parallel parsing of the input (which
 * splits it into chunks for several threads) and a multi-threaded pipeline only add
 * overhead there. Measured on 400k simulated events, embedded chDB, 25k per insert:
 * 6.4–7.7 → 5.2–5.4 µs of CPU per event, and the import shares two cores with it.
 */
const IMPORT_INSERT_SETTINGS = { input_format_parallel_parsing: 0, max_threads: 1 } as const;
/**
 * Inserts under way at once. chDB's insert of a batch is the slower stage (~4.8 µs of
 * CPU per event against ~3.9 to read and validate it) and mostly single-threaded: with one
 * in flight the two cores ran at ~1.2 of 2. The 10 M bench on a quiet machine, 2026-12-07:
 * one in flight 139.8k and 128.0k events/s, two 155.0k and 148.5k, three 159.8k.
 * Each holds its batch's body (~30 MB at 200k events). FW_IMPORT_INFLIGHT overrides it.
 */
const MAX_INFLIGHT = Math.max(1, Number(process.env.FW_IMPORT_INFLIGHT ?? 3));
/** ids per `event_ids` lookup */
const LOOKUP_IDS = 50_000;
/** events per `m` row of events_in (one JSON array each; sql/0014) */
const PER_MESSAGE = 500;

/** Splits validateEvent's "field: reason" texts into the summary's shape (one entry per record). */
export function errorOf(line: number, errors: string[], id?: string): ImportError {
  const [first, ...rest] = errors;
  const at = first.indexOf(': ');
  const field = at > 0 ? first.slice(0, at) : '(event)';
  const reason = (at > 0 ? first.slice(at + 2) : first) + (rest.length ? `; also ${rest.join('; ')}` : '');
  return id ? { line, field, reason, id } : { line, field, reason };
}

async function tenantIds(ch: ClickHouseClient, tenant: string): Promise<number> {
  const r = await ch.query({
    query: 'SELECT count() AS n FROM event_ids WHERE tenant = {tenant:String}',
    query_params: { tenant },
    format: 'JSONEachRow',
  });
  return Number((await r.json<{ n: number }>())[0].n);
}

/** The ids of `ids` stored for the tenant, asked 50k at a time (one query's parameters stay small). */
async function storedIds(ch: ClickHouseClient, tenant: string, ids: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < ids.length; i += LOOKUP_IDS) {
    const r = await ch.query({
      query: 'SELECT id FROM event_ids WHERE tenant = {tenant:String} AND id IN {ids:Array(String)}',
      query_params: { tenant, ids: ids.slice(i, i + LOOKUP_IDS) },
      format: 'JSONCompactEachRow',
    });
    for (const [id] of await r.json<[string]>()) out.add(id);
  }
  return out;
}

async function insertBatch(ch: ClickHouseClient, tenant: string, ids: string[], body: Uint8Array): Promise<void> {
  const hash = crypto.createHash('sha1').update(`import\n${tenant}\n`);
  for (const id of ids) hash.update(id).update('\n');
  // Same token on a retry: ClickHouse drops the repeat if the first attempt got in.
  const settings = { ...EVENTS_IN_SETTINGS, ...IMPORT_INSERT_SETTINGS, insert_deduplication_token: hash.digest('hex') };
  const fromFile = fileInsert(ch);
  let delay = 200;
  for (let attempt = 1; ; attempt++) {
    try {
      if (fromFile) await fromFile('events_in', 'm String', body, settings);
      else await insertRaw(ch, 'events_in', body, settings);
      return;
    } catch (err) {
      if (fromFile) {
        // An insert from a file ignores the token: try again only when none of the
        // batch got in (all of it: done); part of it stops the import, whose re-run
        // stores only the ids missing.
        const stored = await storedIds(ch, tenant, ids).catch(() => null);
        if (stored?.size === ids.length) return;
        if (stored === null || stored.size > 0)
          throw new Error(
            `an insert of ${ids.length} events failed (${(err as Error).message}) and ` +
              (stored ? `${stored.size} of them are stored` : 'what it stored could not be read') +
              ': import the file again to store the rest',
          );
      }
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
}

export async function runImport(records: AsyncIterable<ImportRecord[]>, o: ImportOptions): Promise<ImportSummary> {
  const { ch, tenant } = o;
  const now = o.now ?? Date.now();
  const batchSize = o.batchSize ?? 200_000;
  const maxInflight = Math.max(1, o.inflight ?? MAX_INFLIGHT);
  const t0 = performance.now();
  const seen = new IdHashes();
  const errors: ImportError[] = [];
  let lines = 0;
  let loaded = 0;
  let duplicates = 0;
  let rejected = 0;
  let lo = Infinity;
  let hi = -Infinity;
  let stopped: ImportSummary['stopped'];

  // Ids this import did not store: the tenant's count before, plus what we stored.
  const before = await tenantIds(ch, tenant);
  let lookup = before > 0;

  // The batch keeps only what the flush needs of each event, its id and time: the event
  // itself is written to `bytes` when read, so 50k parsed events are not held until the
  // insert (they died old: ~1.25 µs of GC per event on the main thread).
  let ids: string[] = [];
  let tss: number[] = [];
  /** the insert body of the batch, written as it is read */
  const bytes = new EventBytes(tenant, now, PER_MESSAGE);
  /** indexes of batch ids that hit the hash table: a duplicate, or a 64-bit collision */
  let suspects: number[] = [];
  /** the batch's ids as a set, made at its first suspect (a linear search per suspect was quadratic) */
  let inBatch: Set<string> | null = null;
  /** inserts under way, oldest first (at most MAX_INFLIGHT) */
  let inflight: { ids: string[]; done: Promise<void> }[] = [];

  const seconds = () => (performance.now() - t0) / 1000;
  const progress = (): ImportProgress => {
    const s = seconds();
    return { lines, loaded, duplicates, rejected, bytes: o.bytes?.() ?? 0, seconds: Math.round(s * 10) / 10, events_per_s: Math.round(lines / Math.max(s, 1e-3)) };
  };
  let lastProgress = performance.now();
  const progressMs = o.progressMs ?? 1000;

  const reject = (line: number, e: ImportError | null, text?: string, field?: string) => {
    rejected++;
    if (errors.length < MAX_ERRORS) errors.push(e ?? { line, field: field ?? '(line)', reason: text ?? 'invalid' });
  };

  /** Waits for the oldest insert under way and counts it. */
  const retire = async () => {
    const f = inflight.shift()!;
    await f.done;
    loaded += f.ids.length;
  };

  /** Drops from the batch what is stored already, then inserts it (maxInflight inserts in flight). */
  const flush = async () => {
    const all = ids;
    const times = tss;
    const sus = suspects;
    ids = [];
    tss = [];
    suspects = [];
    inBatch = null;
    /** indexes of the batch's duplicates */
    const dropped = new Set<number>();
    if (sus.length) {
      // Confirm probable duplicates: the batches before us must be stored first.
      for (const f of inflight) await f.done;
      const prev = new Set(inflight.flatMap((f) => f.ids));
      const found = await storedIds(ch, tenant, sus.filter((i) => !prev.has(all[i])).map((i) => all[i]));
      // a collision (not stored anywhere) goes in after all
      for (const i of sus) if (prev.has(all[i]) || found.has(all[i])) dropped.add(i);
    }
    if (!lookup && all.length > dropped.size) {
      const stored = loaded + inflight.reduce((n, f) => n + f.ids.length, 0);
      if ((await tenantIds(ch, tenant)) > before + stored) lookup = true; // someone else stores ids for this tenant now
    }
    if (lookup && all.length > dropped.size) {
      const found = await storedIds(ch, tenant, all.filter((_, i) => !dropped.has(i)));
      all.forEach((id, i) => found.has(id) && dropped.add(i));
    }
    duplicates += dropped.size;
    const kept = dropped.size ? all.filter((_, i) => !dropped.has(i)) : all;
    // the batch's body, without what was dropped; the next batch writes a new one
    const body = bytes.body(dropped);
    while (inflight.length >= maxInflight) await retire();
    if (kept.length === 0) return;
    for (let i = 0; i < times.length; i++) {
      if (dropped.has(i)) continue;
      if (times[i] < lo) lo = times[i];
      if (times[i] > hi) hi = times[i];
    }
    const mine = { ids: kept, done: insertBatch(ch, tenant, kept, body) };
    mine.done.catch(() => {}); // awaited (and thrown) by retire()
    inflight.push(mine);
  };

  try {
    for await (const recs of records) {
      for (const rec of recs) {
        lines++;
        if (rec.error !== undefined) {
          reject(rec.line, null, rec.error, rec.field);
          continue;
        }
        const raw = rec.value;
        const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : undefined;
        const r = validateEvent(raw, tenant, now);
        if (!r.ok) {
          reject(rec.line, errorOf(rec.line, r.errors, id));
          continue;
        }
        const ev = r.event;
        if (!seen.add(ev.id)) {
          // in this batch already: a duplicate; else confirmed at the flush
          inBatch ??= new Set(ids);
          if (inBatch.has(ev.id)) {
            duplicates++;
            continue;
          }
          suspects.push(ids.length);
        }
        ids.push(ev.id);
        inBatch?.add(ev.id);
        tss.push(ev.ts);
        bytes.add(ev, rec.src, rec.start, rec.end);
        if (ids.length >= batchSize) await flush();
      }
      if (o.onProgress && performance.now() - lastProgress >= progressMs) {
        lastProgress = performance.now();
        o.onProgress(progress());
      }
    }
  } catch (err) {
    if (!(err instanceof StreamStop)) {
      await Promise.all(inflight.map((f) => f.done.catch(() => {})));
      throw err;
    }
    stopped = { line: err.line || lines, byte: err.byte, reason: err.message };
  }
  await flush();
  while (inflight.length) await retire();
  const loadS = seconds();
  let rebuildS = 0;
  if (loaded > 0 && o.afterLoad) {
    const tr = performance.now();
    await o.afterLoad(tenant, lo, hi);
    rebuildS = (performance.now() - tr) / 1000;
  }
  const p = progress();
  return {
    ...p,
    seconds: Math.round(loadS * 1000) / 1000,
    events_per_s: Math.round(lines / Math.max(loadS, 1e-3)),
    errors,
    from: loaded ? new Date(lo).toISOString() : null,
    to: loaded ? new Date(hi).toISOString() : null,
    rebuild_seconds: Math.round(rebuildS * 1000) / 1000,
    ...(stopped ? { stopped } : {}),
  };
}
