// The writer role: a durable JetStream consumer that stores events in ClickHouse in
// batches (by size and time), acknowledging a message only after its rows are stored.
// It passes the messages' own bytes to ClickHouse, which maps events to rows
// (pipelines/writer/events-in.ts); JavaScript only reads ids, to drop duplicates.
// A failing insert is retried with backoff (messages kept "in progress" meanwhile);
// a message that can never be stored goes to the dead-letter stream.
import crypto from 'node:crypto';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { durableConsumer } from '../bus/durable.ts';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.ts';
import { dlqSubject, EVENTS_STREAM, eventSubjectParts } from '../bus/subjects.ts';
import type { BusEvent } from '../events/schema.ts';
import { eventsInBody, EVENTS_IN_SETTINGS, messageBytes, writeEvents } from './events-in.ts';
import type { Registry } from '../../server/metrics.ts';
import { clickhouseErrorCode, clickhouseUnreachable, insertRaw } from '../../server/db/clickhouse.ts';
import { Batcher } from '../bus/batcher.ts';
import { decodeEvents, decodeIds, IDS_HEADER } from '../bus/event-message.ts';

export interface WriterOptions {
  bus: Bus;
  ch: ClickHouseClient;
  log: Logger;
  metrics: Registry;
  durable?: string;
  maxRows?: number;
  maxDelayMs?: number;
}

// Short enough that messages delivered to a writer that crashed come back quickly, long
// enough for a buffered batch (retries call working() to extend it).
const ACK_WAIT_MS = 15_000;
/**
 * ClickHouse errors that retrying cannot fix: the data itself is bad (parse and type
 * errors; 190 and 395 are events_in's guards against a message it cannot read).
 */
const PERMANENT_CODES = new Set(['6', '26', '27', '38', '41', '53', '69', '70', '72', '117', '130', '131', '190', '395']);

/** A message taken from the bus: its ids (from the IDS_HEADER, or from the body). */
export interface Pending {
  msg: JsMsg;
  tenant: string;
  ids: string[];
  /** the decoded body, once something needed it (null: not decoded yet or undecodable) */
  events: BusEvent[] | null;
}

/** The events of a message, decoded on first need; null when the body is not a list of bus events. */
function eventsOf(p: Pending): BusEvent[] | null {
  return (p.events ??= decodeEvents(p.msg.data));
}

/** A message read from the bus, or null when it can never be stored (dead letter). */
export function pendingOf(msg: JsMsg): Pending | null {
  const { tenant } = eventSubjectParts(msg.subject);
  const header = msg.headers?.get(IDS_HEADER);
  const ids = header ? decodeIds(header) : null;
  if (ids) return { msg, tenant, ids, events: null };
  const events = decodeEvents(msg.data);
  return events ? { msg, tenant, ids: events.map((e) => e.id), events } : null;
}

/** A message's share of a batch: null when it stores all of its events (the usual case), else the events it stores. */
interface Part {
  p: Pending;
  keep: BusEvent[] | null;
}

/** A batch ready to insert: what each message stores, the body and the insert token. */
interface Prepared {
  parts: Part[];
  /** every (tenant, id) of the batch, stored now or before */
  keys: Set<string>;
  /** events in the batch, duplicates included */
  total: number;
  /** events the insert stores */
  stored: number;
  /** the messages' JSON arrays; the body is built from them per attempt (eventsInBody) */
  arrays: Uint8Array[];
  token: string;
}

const key = (tenant: string, id: string) => `${tenant}\n${id}`;

function toPrepared(parts: Part[], keys: Set<string>, total: number): Prepared {
  const arrays: Uint8Array[] = [];
  const hash = crypto.createHash('sha1');
  let stored = 0;
  for (const { p, keep } of parts) {
    const ids = keep ? keep.map((e) => e.id) : p.ids;
    if (ids.length === 0) continue;
    stored += ids.length;
    arrays.push(keep ? writeEvents(keep) : messageBytes(p.msg.data, () => eventsOf(p)));
    hash.update(`${p.tenant}\n${JSON.stringify(ids)}\n`);
  }
  return { parts, keys, total, stored, arrays, token: hash.digest('hex') };
}

/** True when the two sets share an element (walks the smaller one). */
function overlaps(a: Set<string>, b: Set<string>): boolean {
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  for (const k of small) if (big.has(k)) return true;
  return false;
}

/**
 * Each message's events without those `drop` names or seen before in the batch. A
 * message that loses none stays whole; one that does is decoded (or, if its body cannot
 * be, kept whole for ClickHouse to refuse).
 */
function without(parts: Part[], drop: (k: string) => boolean): Part[] {
  const seen = new Set<string>();
  const take = (k: string) => {
    if (drop(k) || seen.has(k)) return false;
    seen.add(k);
    return true;
  };
  /** the message's keys when it loses none of its events, else null */
  const whole = (p: Pending) => {
    const mine = new Set<string>();
    for (const id of p.ids) {
      const k = key(p.tenant, id);
      if (drop(k) || seen.has(k) || mine.has(k)) return null;
      mine.add(k);
    }
    return mine;
  };
  return parts.map(({ p, keep }) => {
    let events = keep;
    if (events === null) {
      const mine = whole(p);
      events = mine ? null : eventsOf(p);
      if (events === null) {
        for (const k of mine ?? p.ids.map((id) => key(p.tenant, id))) seen.add(k);
        return { p, keep: null };
      }
    }
    return { p, keep: events.filter((e) => take(key(p.tenant, e.id))) };
  });
}

export class EventWriter {
  private messages: ConsumerMessages | null = null;
  private batcher: Batcher<Pending>;
  private stopping = false;
  private lag = { pending: -1, seconds: 0 };
  private lagTimer: NodeJS.Timeout | null = null;
  private readonly o: Required<WriterOptions>;
  private m;

  constructor(opts: WriterOptions) {
    // 20,000 rows per insert: chDB pays a fixed ~20 ms per insert, so 5,000-row inserts
    // cost ~12 µs of CPU per row against 7–9 µs at 20,000 (tmp-prof/wbench3.ts). The
    // delay still bounds a batch when events trickle in.
    this.o = { durable: 'writer', maxRows: 20_000, maxDelayMs: 250, ...opts };
    this.batcher = new Batcher({ maxWeight: this.o.maxRows, maxDelayMs: this.o.maxDelayMs, handle: (b) => this.store(b) });
    const r = opts.metrics;
    this.m = {
      rows: r.counter('fw_writer_rows_total', 'event rows stored in ClickHouse'),
      dups: r.counter('fw_writer_duplicates_total', 'events dropped by the writer as already stored'),
      flushMs: r.histogram('fw_writer_flush_ms', 'milliseconds per writer flush', [5, 10, 25, 50, 100, 250, 500, 1000, 5000]),
      flushRows: r.histogram('fw_writer_flush_rows', 'rows per writer flush', [10, 100, 500, 1000, 5000, 10000]),
      failures: r.counter('fw_writer_insert_failures_total', 'failed ClickHouse inserts (retried)'),
      dlq: r.counter('fw_writer_dead_letters_total', 'messages sent to the dead-letter stream'),
    };
    r.gauge('fw_writer_lag_seconds', 'age of the oldest accepted event not yet stored').set(() => this.lag.seconds);
    r.gauge('fw_writer_pending_events', 'accepted messages not yet stored (-1 before the first poll)').set(
      () => this.lag.pending,
    );
  }

  private async pollLag() {
    try {
      const { bus, durable } = this.o;
      const info = await bus.jsm.consumers.info(EVENTS_STREAM, durable);
      const pending = info.num_pending + info.num_ack_pending;
      let seconds = 0;
      if (pending > 0) {
        const oldest = await bus.jsm.streams.getMessage(EVENTS_STREAM, { seq: info.ack_floor.stream_seq + 1 }).catch(() => null);
        if (oldest) seconds = Math.max(0, (Date.now() - oldest.time.getTime()) / 1000);
      }
      this.lag = { pending, seconds };
    } catch {
      /* the bus is down; keep the last figure */
    }
  }

  async start(): Promise<void> {
    const { bus, durable } = this.o;
    const consumer = await durableConsumer(bus, {
      stream: EVENTS_STREAM,
      durable,
      filterSubject: 'cc.events.>',
      ackWaitMs: ACK_WAIT_MS,
      maxAckPending: 100_000,
    });
    this.messages = await consumer.consume({ max_messages: 256 });
    void this.loop();
    await this.pollLag();
    this.lagTimer = setInterval(() => void this.pollLag(), 1_000);
  }

  private async loop() {
    for await (const msg of this.messages!) {
      const p = pendingOf(msg);
      if (!p) {
        await this.deadLetter(msg, 'undecodable: not a JSON list of bus events');
        continue;
      }
      await this.batcher.add(p, p.ids.length);
      if (this.stopping) break;
    }
  }

  /** Stores what is buffered (after any batch before it). */
  async flush(): Promise<void> {
    await this.batcher.flush();
    await this.committing;
  }

  /**
   * Two stages per batch, overlapping between batches: while batch N is inserted
   * (commit), batch N+1 is deduplicated and looked up in `event_ids` (prepare). When this
   * was built the stages took ~350 ms (prepare, then also serialising rows) and ~600 ms
   * per 20,000 rows under the ingest benchmark, one after the other: the writer stored
   * ~20k events/s while 70–80k/s came in. Inserts stay in order.
   *
   * The lookup of N+1 starts only once N−1 is committed, so the only ids it cannot see
   * are N's: commit(N+1) drops the rows whose ids N stored (`lastStored`).
   */
  private committing: Promise<void> = Promise.resolve();
  private lastStored = new Set<string>();

  private async store(batch: Pending[]) {
    const before = this.committing; // commit(N−1) still runs: wait for it, see its ids
    const prepared = this.prepareRetrying(batch);
    this.committing = before.then(async () =>
      this.commit(batch, await prepared).catch((err) => this.o.log.error({ err }, 'writer commit failed; messages left for redelivery')),
    );
    await Promise.all([before, prepared]);
  }

  /** Stores one batch without overlap, from inside commit() (to find a message that cannot be stored). */
  private async storeAlone(batch: Pending[]) {
    const p = await this.prepareRetrying(batch);
    await this.commit(batch, p);
  }

  /** The lookup fails only while ClickHouse does: retried until it answers. */
  private async prepareRetrying(batch: Pending[]): Promise<Prepared> {
    let delay = 100;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.prepare(batch);
      } catch (err) {
        this.m.failures.inc();
        this.o.log.warn({ err: (err as Error).message, attempt, retryInMs: delay }, 'ClickHouse lookup failed, retrying');
        for (const p of batch) p.msg.working();
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  private async commit(batch: Pending[], prepared: Prepared) {
    const t0 = performance.now();
    let delay = 100;
    let p = prepared;
    // Ids the previous batch stored after this batch's lookup ran. prepare() made the
    // batch's keys once; a key already dropped as found only costs a needless filter.
    const last = this.lastStored;
    if (overlaps(p.keys, last)) {
      p = toPrepared(without(p.parts, (k) => last.has(k)), p.keys, p.total);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const stored = await this.insert(p);
        for (const x of batch) x.msg.ack();
        this.lastStored = p.keys;
        this.m.rows.inc({}, stored);
        this.m.dups.inc({}, p.total - stored);
        this.m.flushRows.observe(stored);
        this.m.flushMs.observe(performance.now() - t0);
        this.o.log.debug({ rows: stored, ms: Math.round(performance.now() - t0) }, 'writer flush');
        break;
      } catch (err) {
        const code = clickhouseErrorCode(err);
        if (PERMANENT_CODES.has(code) && batch.length > 1) {
          // Find the message that cannot be stored: store the others one by one.
          const stored = new Set<string>();
          for (const x of batch) {
            this.lastStored = new Set();
            await this.storeAlone([x]);
            for (const k of this.lastStored) stored.add(k);
          }
          this.lastStored = stored;
          return;
        }
        // A server that cannot be reached (down, restarting) is no fault of the message:
        // wait for it however long it takes, rather than dead-letter good events after ~4 min.
        if (PERMANENT_CODES.has(code) || (attempt > 50 && !clickhouseUnreachable(err))) {
          await this.deadLetter(batch[0].msg, `insert failed: ${(err as Error).message}`);
          this.lastStored = new Set();
          break;
        }
        this.m.failures.inc();
        this.o.log.warn({ err: (err as Error).message, attempt, retryInMs: delay }, 'ClickHouse insert failed, retrying');
        for (const x of batch) x.msg.working();
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  /**
   * Drops ids stored before (or twice in the batch) and builds the insert body. A message
   * whose events are all new (the usual case) goes in as the bytes it came as; only one
   * that lost events to a duplicate is serialised again.
   */
  private async prepare(batch: Pending[]): Promise<Prepared> {
    const keys = new Set<string>();
    const byTenant = new Map<string, string[]>();
    let total = 0;
    let twice = false;
    for (const { tenant, ids: mine } of batch) {
      total += mine.length;
      let ids = byTenant.get(tenant);
      if (!ids) byTenant.set(tenant, (ids = []));
      for (const id of mine) {
        const k = key(tenant, id);
        if (keys.has(k)) {
          twice = true;
          continue;
        }
        keys.add(k);
        ids.push(id);
      }
    }
    const tenants = [...byTenant.keys()];
    const found = new Set<string>();
    const answers = await Promise.all(
      [...byTenant].map(([tenant, ids]) =>
        this.o.ch
          .query({
            query: 'SELECT id FROM event_ids WHERE tenant = {tenant:String} AND id IN {ids:Array(String)}',
            query_params: { tenant, ids },
            format: 'JSONCompactEachRow',
          })
          .then((r) => r.json<[string]>()),
      ),
    );
    answers.forEach((ids, i) => ids.forEach(([id]) => found.add(key(tenants[i], id))));
    let parts: Part[] = batch.map((p) => ({ p, keep: null }));
    if (found.size || twice) parts = without(parts, (k) => found.has(k));
    return toPrepared(parts, keys, total);
  }

  /** Inserts the prepared batch; returns how many events it stored. */
  private async insert(p: Prepared): Promise<number> {
    if (p.stored === 0) return 0;
    // Same token for a retried batch: ClickHouse drops the repeat if the first got in.
    // `events` and `event_ids` are filled from this one insert (sql/0014, sql/0013).
    await insertRaw(this.o.ch, 'events_in', eventsInBody(p.arrays), { ...EVENTS_IN_SETTINGS, insert_deduplication_token: p.token });
    return p.stored;
  }

  private async deadLetter(msg: JsMsg, reason: string) {
    const tenant = eventSubjectParts(msg.subject).tenant || 'unknown';
    this.o.log.error({ subject: msg.subject, seq: msg.seq, reason }, 'event message sent to dead-letter stream');
    try {
      const headers = (await import('@nats-io/transport-node')).headers();
      headers.set('Fw-Reason', reason.slice(0, 500));
      headers.set('Fw-Original-Subject', msg.subject);
      await this.o.bus.js.publish(dlqSubject(tenant), msg.data, { headers, msgID: `dlq:${msg.seq}` });
      msg.ack();
      this.m.dlq.inc();
    } catch (err) {
      // Without the DLQ the message must not vanish: leave it unacked for redelivery.
      this.o.log.error({ err }, 'dead-letter publish failed');
      msg.nak(5_000);
    }
  }

  /** Stops taking messages and stores what is buffered. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    await this.messages?.close().catch(() => {});
    await this.flush();
  }
}
