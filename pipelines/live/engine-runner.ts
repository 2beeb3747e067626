// The engine role: feeds the pure TenantEngines from JetStream, publishes a ScopeSnapshot
// per changed scope at most every 250 ms and every scope once a second (time-driven
// values move even without events), answers "everything now" requests from gateways,
// and saves snapshots (state + the stream sequence it covers) for restart. live-area.ts
// runs two, each in its own thread: one publishes and never saves, the other only saves.
// Both serve the same tenants: those of this process's engine partitions (partition.ts);
// messages of other tenants are skipped by their subject, before they are decoded.
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { Msg, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.ts';
import { EVENTS_STREAM, eventSubjectParts, kpiSubject } from '../bus/subjects.ts';
import { decodeEvents } from '../bus/event-message.ts';
import { TenantEngine, tenantFromJSON, tenantToJSON, type TenantState } from '../engine/index.ts';
import { WINDOWS, type Metrics, type QueuePolicy, type ScopeSnapshot, type Window } from '../engine/types.ts';
import type { Registry } from '../../server/metrics.ts';
import { ALL_TENANTS, markerKey, ownsTenant, resumePlan, type PartitionAssignment, type SnapshotRow } from './partition.ts';

export const KPI_REQUEST_SUBJECT = (tenant: string) => `cc.kpi-req.${tenant}`;

export interface TenantConfigSource {
  timeZone(tenant: string): string;
  policies(tenant: string): Record<string, Partial<QueuePolicy>>;
  /** called with a tenant whose time zone or queue policies changed */
  onChange(fn: (tenant: string) => void): void;
}

/** Where snapshots live (ClickHouse, reached through the main thread). */
export interface SnapshotStore {
  /** the newest row of each tenant and partition marker, as JSONEachRow lines of {tenant, seq} */
  list(): Promise<Uint8Array>;
  /** the newest snapshot of each of `tenants`, as JSONEachRow lines of {tenant, seq, state} */
  load(tenants: string[]): Promise<Uint8Array>;
  /** stores JSONEachRow lines of {tenant, seq, saved_at, state} */
  save(body: Uint8Array): Promise<void>;
}

export interface EngineRunnerOptions {
  bus: Bus;
  store: SnapshotStore;
  /** publish snapshots and answer gateways (default true); false: a checkpointer */
  publish?: boolean;
  log: Logger;
  config: TenantConfigSource;
  now?: () => number;
  publishEveryMs?: number;
  fullEveryMs?: number;
  /** 0 (default): never saves */
  saveEveryMs?: number;
  /** the tenants this engine serves (default: all of them) */
  partitions?: PartitionAssignment;
  /** where to register fw_engine_* gauges (the role thread's registry) */
  metrics?: Registry;
}

/** What /health shows of an engine. */
export interface EngineStatus {
  partitions: PartitionAssignment;
  tenants: number;
  /** the last stream sequence applied (or skipped as another partition's) */
  seq: number;
  /** the stream's last sequence when last asked (every 2.5 s) */
  stream_seq: number;
  /** the ordered consumer is open and not stalled */
  consumer: 'ok' | 'reopening' | 'stalled';
}

export class EngineRunner {
  readonly engines = new Map<string, TenantEngine>();
  private messages: ConsumerMessages | null = null;
  private stopping = false;
  private timers: NodeJS.Timeout[] = [];
  private subs: Subscription[] = [];
  /** KPIs computed by other roles (voice of the customer), merged into every snapshot */
  private ext = new Map<string, Map<string, Partial<Record<Window, Metrics>>>>();
  private lastSeq = 0;
  private savedSeq = 0;
  /** per restored tenant: the sequence its snapshot covers (its messages up to it are skipped) */
  private tenantSeq = new Map<string, number>();
  readonly owns: (tenant: string) => boolean;
  readonly partitions: PartitionAssignment;
  private consumerState: EngineStatus['consumer'] = 'reopening';
  private streamSeq = 0;
  /** the save in progress, if any */
  private saving: Promise<void> | null = null;
  private lastFull = 0;
  private enc = new TextEncoder();
  private readonly now: () => number;
  /**
   * A checkpointer's engines keep only what their snapshots hold (TenantEngineOptions):
   * no waiting sets, backlogs or changed-scope marks, which only the publisher reads.
   */
  private readonly liveReads: boolean;

  constructor(private o: EngineRunnerOptions) {
    this.now = o.now ?? Date.now;
    this.liveReads = o.publish !== false;
    this.partitions = o.partitions ?? ALL_TENANTS;
    this.owns = ownsTenant(this.partitions);
    if (o.metrics) {
      const p = o.metrics.gauge('fw_engine_partition', 'the engine partitions this process serves (1), of how many');
      for (const i of this.partitions.owned) p.set(1, { partition: String(i), of: String(this.partitions.of) });
      o.metrics.gauge('fw_engine_tenants', 'tenants this engine serves').set(() => this.engines.size);
      o.metrics.gauge('fw_engine_seq', 'the last CC_EVENTS sequence the engine applied').set(() => this.lastSeq);
      o.metrics.gauge('fw_engine_consumer_up', '1 while the engine follows the event stream').set(() => (this.consumerState === 'ok' ? 1 : 0));
    }
    o.config.onChange((t) => {
      const e = this.engines.get(t);
      if (!e) return;
      e.setTimeZone(o.config.timeZone(t));
      for (const [q, p] of Object.entries(o.config.policies(t))) e.setQueuePolicy(q, p);
      this.lastFull = 0; // republish everything with the new settings at the next tick
    });
  }

  status(): EngineStatus {
    return { partitions: this.partitions, tenants: this.engines.size, seq: this.lastSeq, stream_seq: this.streamSeq, consumer: this.consumerState };
  }

  engine(tenant: string): TenantEngine {
    let e = this.engines.get(tenant);
    if (!e) {
      e = new TenantEngine({
        tenant, timeZone: this.o.config.timeZone(tenant), policies: this.o.config.policies(tenant), liveReads: this.liveReads,
      });
      this.engines.set(tenant, e);
    }
    return e;
  }

  async start(): Promise<void> {
    await this.restore();
    const { bus } = this.o;
    await this.follow();

    if (this.o.publish !== false) {
      this.subs.push(
        bus.nc.subscribe('cc.kpi-req.*', { callback: (_err, msg) => this.answer(msg) }),
        bus.nc.subscribe('cc.kpi-ext.*', { callback: (_err, msg) => this.acceptExt(msg) }),
      );
      this.timers.push(setInterval(() => this.tick(), this.o.publishEveryMs ?? 250));
    } else {
      // A checkpointer still releases what no window needs, as the publisher does.
      this.timers.push(setInterval(() => this.evict(), this.o.fullEveryMs ?? 1_000));
    }
    if (this.o.saveEveryMs) this.timers.push(setInterval(() => void this.save(), this.o.saveEveryMs));
  }

  /**
   * An ordered (ephemeral) consumer from the engine's own position: its snapshot's
   * sequence, not a durable's, so state and position always agree. The consumer lives on
   * the stream's leader; when that node is lost (a cluster failover) the client's ordered
   * consumer can end or stall, so it is made again from `lastSeq + 1` whenever it ends,
   * and when the stream has moved past us while nothing arrived for a while.
   */
  private async follow(): Promise<void> {
    const { bus } = this.o;
    const open = async () => {
      const opts = this.lastSeq > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.lastSeq + 1 }
        : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(this.now() - 26 * 3_600_000).toISOString() };
      const consumer = await bus.js.consumers.get(EVENTS_STREAM, opts);
      return consumer.consume({ max_messages: 512 });
    };
    this.messages = await open();
    this.consumerState = 'ok';
    let lastMsgAt = Date.now();
    const loop = async () => {
      while (!this.stopping) {
        const it = this.messages!;
        try {
          for await (const m of it) {
            lastMsgAt = Date.now();
            this.ingest(m.subject, m.data, m.seq);
          }
        } catch (err) {
          this.o.log.warn({ err: (err as Error).message }, 'engine consumer failed; following again');
        }
        if (this.stopping) return;
        this.consumerState = 'reopening';
        for (;;) {
          await new Promise((r) => setTimeout(r, 500));
          if (this.stopping) return;
          try {
            this.messages = await open();
            this.consumerState = 'ok';
            this.o.log.info({ from: this.lastSeq + 1 }, 'engine consumer made again');
            break;
          } catch (err) {
            this.o.log.warn({ err: (err as Error).message }, 'engine consumer cannot be made yet');
          }
        }
      }
    };
    void loop();
    // stall watchdog: messages in the stream past our position, none received for 5 s
    // (the stream's last sequence is also what /health compares our position with)
    this.timers.push(setInterval(() => {
      if (this.stopping || !bus.isUp) return;
      void bus.jsm.streams.info(EVENTS_STREAM).then((i) => {
        this.streamSeq = i.state.last_seq;
        if (i.state.last_seq > this.lastSeq && Date.now() - lastMsgAt >= 5_000 && !this.stopping) {
          this.o.log.warn({ at: this.lastSeq, last: i.state.last_seq }, 'engine consumer stalled; following again');
          this.consumerState = 'stalled';
          lastMsgAt = Date.now();
          void this.messages?.close().catch(() => {});
        }
      }).catch(() => {});
    }, 2_500));
  }

  private evict() {
    const now = this.now();
    for (const e of this.engines.values()) {
      e.takeDirty();
      e.evict(now);
    }
  }

  /** applies one bus message (a JSON array of events); exposed for tests and benches */
  ingest(subject: string, data: Uint8Array, seq: number): void {
    const tenant = eventSubjectParts(subject).tenant;
    // Another partition's tenant, or a message this tenant's restored state already covers:
    // skipped without decoding (a subject split and a map lookup against a JSON parse).
    if (!this.owns(tenant) || seq <= (this.tenantSeq.get(tenant) ?? 0)) {
      this.lastSeq = Math.max(this.lastSeq, seq);
      return;
    }
    const events = decodeEvents(data);
    if (!events) {
      this.lastSeq = Math.max(this.lastSeq, seq); // the writer dead-letters it; nothing to count
      return;
    }
    const e = this.engine(tenant);
    for (const ev of events) e.apply(ev);
    this.lastSeq = Math.max(this.lastSeq, seq);
  }

  private tick() {
    const now = this.now();
    const full = now - this.lastFull >= (this.o.fullEveryMs ?? 1_000);
    if (full) this.lastFull = now;
    for (const [tenant, e] of this.engines) {
      const dirty = e.takeDirty();
      const snaps = full ? e.snapshotAll(now) : [...dirty].flatMap((s) => e.snapshot(s, now) ?? []);
      for (const s of snaps) this.publish(tenant, s);
      if (full) e.evict(now);
    }
  }

  private acceptExt(msg: Msg) {
    const tenant = msg.subject.split('.')[2];
    if (!this.owns(tenant)) return; // its owner publishes it
    try {
      const x = JSON.parse(new TextDecoder().decode(msg.data)) as { scope: string; windows: Partial<Record<Window, Metrics>> };
      if (typeof x.scope !== 'string' || typeof x.windows !== 'object') return;
      let m = this.ext.get(tenant);
      if (!m) this.ext.set(tenant, (m = new Map()));
      m.set(x.scope, x.windows);
      const snap = this.engine(tenant).snapshot(x.scope, this.now());
      if (snap) this.publish(tenant, snap);
    } catch {
      /* ignore a malformed fragment */
    }
  }

  private withExt(tenant: string, s: ScopeSnapshot): ScopeSnapshot {
    const x = this.ext.get(tenant)?.get(s.scope);
    if (!x) return s;
    for (const w of WINDOWS) if (x[w]) s.windows[w] = { ...s.windows[w], ...x[w] };
    return s;
  }

  private publish(tenant: string, s: ScopeSnapshot) {
    s = this.withExt(tenant, s);
    this.o.bus.nc.publish(kpiSubject(tenant, s.scope), this.enc.encode(JSON.stringify(s)));
  }

  /** A gateway that just subscribed a tenant asks for every scope at once. */
  private answer(msg: Msg) {
    const tenant = msg.subject.split('.')[2];
    if (!this.owns(tenant)) return; // the engine of the tenant's partition answers
    const e = this.engines.get(tenant);
    const snaps = e ? e.snapshotAll(this.now()).map((s) => this.withExt(tenant, s)) : [];
    msg.respond(this.enc.encode(JSON.stringify(snaps)));
  }

  private async restore() {
    const dec = new TextDecoder();
    const lines = (b: Uint8Array) => dec.decode(b).split('\n').filter(Boolean);
    const rows = lines(await this.o.store.list()).map((l) => {
      const r = JSON.parse(l) as { tenant: string; seq: number | string };
      return { tenant: r.tenant, seq: Number(r.seq) } satisfies SnapshotRow;
    });
    // Each tenant from its own snapshot and sequence; the stream from the earliest point
    // that every owned tenant (and every tenant without a snapshot) still needs.
    const plan = resumePlan(rows, this.partitions);
    let n = 0;
    if (plan.tenants.size) {
      for (const line of lines(await this.o.store.load([...plan.tenants.keys()]))) {
        const r = JSON.parse(line) as { tenant: string; seq: number | string; state: string };
        if (!this.owns(r.tenant)) continue;
        const e = tenantFromJSON(JSON.parse(r.state) as TenantState, { liveReads: this.liveReads });
        e.setTimeZone(this.o.config.timeZone(r.tenant));
        for (const [q, p] of Object.entries(this.o.config.policies(r.tenant))) e.setQueuePolicy(q, p);
        this.engines.set(r.tenant, e);
        this.tenantSeq.set(r.tenant, Number(r.seq));
        n++;
      }
    }
    this.lastSeq = this.savedSeq = plan.start ?? 0;
    this.o.log.info({ tenants: n, from: plan.start === null ? 'time horizon' : plan.start + 1, partitions: this.partitions },
      n ? 'engine restored from snapshot' : 'engine starts without a snapshot');
  }

  /** Saves the state if it moved; joins a save already in progress. */
  save(): Promise<void> {
    if (!this.saving && this.lastSeq !== this.savedSeq) this.saving = this.saveNow().finally(() => (this.saving = null));
    return this.saving ?? Promise.resolve();
  }

  private async saveNow(): Promise<void> {
    const seq = this.lastSeq;
    const now = this.now();
    let body = '';
    for (const [tenant, e] of this.engines) {
      // a restored state the stream has not caught up with yet still covers its own seq
      const covers = Math.max(seq, this.tenantSeq.get(tenant) ?? 0);
      body += JSON.stringify({ tenant, seq: covers, saved_at: now, state: JSON.stringify(tenantToJSON(e)) }) + '\n';
    }
    // One marker per owned partition: every tenant of it seen up to seq is in this save.
    for (const i of this.partitions.owned)
      body += JSON.stringify({ tenant: markerKey(this.partitions.of, i), seq, saved_at: now, state: '' }) + '\n';
    try {
      await this.o.store.save(this.enc.encode(body));
      this.savedSeq = seq;
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'engine snapshot not saved; will retry');
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    for (const s of this.subs) s.unsubscribe();
    await this.messages?.close().catch(() => {});
    if (!this.o.saveEveryMs) return;
    await this.saving; // then once more, up to the last event applied
    await this.save();
  }
}
