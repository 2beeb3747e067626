// The NATS connection every role shares: streams created/updated idempotently at start,
// publishing with JetStream acks, and a cheap "is the bus up" answer for 503s.
import { connect, headers, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { ALERTS_STREAM, DLQ_STREAM, EVENTS_STREAM, VOC_STREAM, defaultReplicas } from './subjects.ts';
import { IDS_HEADER } from './event-message.ts';

/** A CC_EVENTS message as ingestion publishes it (server/ingest/publish.ts). */
export interface BusMessage {
  subject: string;
  data: Uint8Array;
  msgID: string;
  /** the events' ids as a JSON array, for the IDS_HEADER (absent when too large) */
  ids?: string;
}

export class BusUnavailable extends Error {
  constructor(msg = 'the event bus is unavailable') {
    super(msg);
  }
}

const DAY_MS = 86_400_000;

function streams(duplicateWindowMs: number, replicas: number): Partial<StreamConfig>[] {
  return ([
  {
    name: EVENTS_STREAM,
    subjects: ['cc.events.>'],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(3 * DAY_MS),
    // Fast retries of the same event id are dropped by JetStream itself; later ones by
    // the writer and the engine (see sql/0001_events.sql).
    duplicate_window: nanos(duplicateWindowMs),
  },
  { name: DLQ_STREAM, subjects: ['cc.dlq.>'], storage: StorageType.File, max_age: nanos(30 * DAY_MS) },
  {
    name: ALERTS_STREAM,
    subjects: ['cc.alerts.>'],
    storage: StorageType.File,
    retention: RetentionPolicy.Workqueue,
    duplicate_window: nanos(600_000),
  },
  {
    name: VOC_STREAM,
    subjects: ['cc.voc.>'],
    storage: StorageType.File,
    max_age: nanos(7 * DAY_MS),
    duplicate_window: nanos(600_000),
  },
  ] as Partial<StreamConfig>[]).map((c) => ({ ...c, num_replicas: replicas }));
}

export class Bus {
  readonly js: JetStreamClient;
  private connected = true;
  private kvs = new Map<string, Promise<KV>>();

  private constructor(
    /** the URL it connected to: other threads of this process connect there too */
    readonly url: string,
    readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
    private log: Logger,
    private duplicateWindowMs: number,
    /** stream and KV replicas (3 on a three-node cluster) */
    readonly replicas: number,
  ) {
    this.js = jetstream(nc, { timeout: 5_000 });
    void this.watchStatus();
  }

  /** `url`: one server, or a cluster's servers comma-separated; the client reconnects to any of them. */
  static async connect(url: string, log: Logger, opts: { duplicateWindowMs?: number; replicas?: number } = {}): Promise<Bus> {
    const servers = url.split(',').map((u) => u.trim()).filter(Boolean);
    const nc = await connect({
      servers,
      name: 'floorwatch',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: false,
      timeout: 5_000,
      // With async traces every request (each JetStream publish) builds an Error up front
      // for its stack: 4% of the main thread's CPU in the ingest benchmark's profile.
      noAsyncTraces: true,
    });
    const jsm = await jetstreamManager(nc, { timeout: 5_000 });
    const bus = new Bus(url, nc, jsm, log, opts.duplicateWindowMs ?? 120_000, opts.replicas ?? defaultReplicas(servers.length));
    await bus.ensureStreams();
    return bus;
  }

  private async watchStatus() {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        this.connected = false;
        this.log.warn({ server: (s as { server?: string }).server }, 'NATS disconnected');
      } else if (s.type === 'reconnect') {
        this.connected = true;
        this.log.info('NATS reconnected');
        // A restarted server without our store would have lost the streams.
        this.ensureStreams().catch((err) => this.log.error({ err }, 'stream setup after reconnect failed'));
      }
    }
  }

  get isUp(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  /**
   * A cluster that has just elected its meta leader may not know all its peers yet, and
   * refuses a replicated stream with "no suitable peers for placement" (seen when the
   * three nodes came up on a busy machine): that answer is retried for up to `waitMs`.
   */
  async ensureStreams(waitMs = 30_000): Promise<void> {
    const end = Date.now() + waitMs;
    for (;;) {
      try {
        return await this.ensureStreamsOnce();
      } catch (err) {
        if (!/no suitable peers/i.test(String((err as Error).message)) || Date.now() > end) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  private async ensureStreamsOnce(): Promise<void> {
    for (const cfg of streams(this.duplicateWindowMs, this.replicas)) {
      try {
        await this.jsm.streams.info(cfg.name!);
        await this.jsm.streams.update(cfg.name!, cfg);
      } catch (err) {
        if ((err as { code?: number; api_error?: { err_code?: number } }).api_error?.err_code === 10059 ||
            /not found/i.test(String((err as Error).message))) {
          await this.jsm.streams.add(cfg as StreamConfig);
        } else throw err;
      }
    }
  }

  /**
   * Publishes every message and resolves only after JetStream acknowledged each one.
   * Rejects with BusUnavailable when the bus is down or does not ack in time: the caller
   * answers 503 and the source retries (duplicates are dropped by msgID).
   */
  async publishAll(msgs: BusMessage[]): Promise<{ duplicates: number }> {
    if (!this.isUp) throw new BusUnavailable();
    try {
      const acks = await Promise.all(
        msgs.map((m) => {
          let h: MsgHdrs | undefined;
          if (m.ids !== undefined) {
            h = headers();
            h.set(IDS_HEADER, m.ids);
          }
          return this.js.publish(m.subject, m.data, { msgID: m.msgID, timeout: 5_000, headers: h });
        }),
      );
      let duplicates = 0;
      for (const a of acks) if (a.duplicate) duplicates++;
      return { duplicates };
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'JetStream publish failed');
      throw new BusUnavailable();
    }
  }

  kv(bucket: string): Promise<KV> {
    let p = this.kvs.get(bucket);
    if (!p) {
      p = new Kvm(this.nc).create(bucket, { history: 5, replicas: this.replicas });
      p.catch(() => this.kvs.delete(bucket));
      this.kvs.set(bucket, p);
    }
    return p;
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain().catch(() => this.nc.close());
  }
}
