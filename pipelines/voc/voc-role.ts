// The VoC role: a durable JetStream consumer of `feedback.submitted` that classifies each
// comment (tenant keyword rules), routes it (tenant routing rules), stores the submission
// and its routing change append-only in ClickHouse and only then acks. Workflow changes
// from the API go through `patch`. The current state lives in a FeedbackView restored
// from ClickHouse at start; other nodes' writes reach it through the CC_VOC stream.
// Live KPIs (voc_overdue, loop_closure_rate, sentiment_avg) go out on cc.kpi-ext.<tenant>
// when they change and at least every 5 s, so an overdue flips at its deadline unaided.
import crypto from 'node:crypto';
import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { durableConsumer } from '../bus/durable.ts';
import { Batcher } from '../bus/batcher.ts';
import { decodeEvents } from '../bus/event-message.ts';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.ts';
import type { KvMap } from '../bus/kv-map.ts';
import { EVENTS_STREAM, VOC_STREAM } from '../bus/subjects.ts';
import type { BusEvent, EventOf } from '../events/schema.ts';
import type { Registry } from '../../server/metrics.ts';
import { tenantSettings, type TenantSettings } from '../../server/settings.ts';
import { DayClock } from '../engine/day-start.ts';
import { classify, type KeywordRule } from './classify.ts';
import { route, type FeedbackChange, type RoutingRule, type Survey } from './workflow.ts';
import { FeedbackView, type ChangeRecord, type Entry, type ItemRecord } from './feedback-view.ts';
import { insertChanges, insertItems, loadSince } from './feedback-store.ts';

export const VOC_RULES_BUCKET = 'fw_voc_rules';
export interface VocRules {
  keyword_rules: KeywordRule[];
  routing_rules: RoutingRule[];
}
export const NO_RULES: VocRules = { keyword_rules: [], routing_rules: [] };

export interface VocRoleOptions {
  bus: Bus;
  ch: ClickHouseClient;
  log: Logger;
  metrics: Registry;
  rules: KvMap<VocRules>;
  tenants: KvMap<Partial<TenantSettings>>;
  /** run the feedback consumer and publish KPIs here (role "voc"); else only serve the view */
  consume?: boolean;
  /** the clock (tests move it to a deadline) */
  now?: () => number;
  durable?: string;
  /** submissions older than this are not kept in memory */
  memoryDays?: number;
  tickMs?: number;
  heartbeatMs?: number;
  maxBatch?: number;
  maxDelayMs?: number;
}

const DAY = 86_400_000;
const vocSubject = (tenant: string) => `cc.voc.${tenant}.sync`;
const kpiExtSubject = (tenant: string) => `cc.kpi-ext.${tenant}`;
type Submitted = BusEvent & EventOf<'feedback.submitted'>;

/** A change before it has an id (what a PATCH asks for). */
export type ChangeInput = FeedbackChange;

export class VocRole {
  readonly view: FeedbackView;
  readonly now: () => number;
  private o: VocRoleOptions & Required<Pick<VocRoleOptions, 'durable' | 'memoryDays' | 'tickMs' | 'heartbeatMs' | 'maxBatch' | 'maxDelayMs'>>;
  private messages: ConsumerMessages | null = null;
  private follower: ConsumerMessages | null = null;
  private batcher: Batcher<JsMsg>;
  private locks = new Map<string, Promise<unknown>>();
  private ticker: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private clocks = new Map<string, DayClock>();
  private published = new Map<string, { json: string; at: number }>();
  private lastSeq = 0;
  private stopping = false;
  private enc = new TextEncoder();
  private m;

  constructor(opts: VocRoleOptions) {
    this.o = { durable: 'voc', memoryDays: 90, tickMs: 1_000, heartbeatMs: 5_000, maxBatch: 500, maxDelayMs: 100, ...opts };
    this.batcher = new Batcher({ maxWeight: this.o.maxBatch, maxDelayMs: this.o.maxDelayMs, handle: (b) => this.process(b) });
    this.now = opts.now ?? Date.now;
    this.view = new FeedbackView((t) => this.settings(t).voc_follow_up_hours);
    this.m = {
      classified: opts.metrics.counter('fw_voc_classified_total', 'feedback submissions classified and stored'),
      changes: opts.metrics.counter('fw_voc_changes_total', 'feedback workflow changes stored'),
      failures: opts.metrics.counter('fw_voc_failures_total', 'feedback batches that failed to store (retried)'),
    };
  }

  settings(tenant: string): TenantSettings {
    return tenantSettings(this.o.tenants, tenant);
  }

  rulesOf(tenant: string): VocRules {
    return { ...NO_RULES, ...this.o.rules.get(tenant) };
  }

  async start(): Promise<void> {
    const t0 = Date.now();
    // Follow first, from now on: a write another node makes while we read ClickHouse is
    // then seen either in the read or on the stream (the view takes both in any order).
    await this.follow();
    const { items, changes } = await loadSince(this.o.ch, this.now() - this.o.memoryDays * DAY);
    // Changes first: they wait for their item, so each item is derived once.
    this.view.addChanges(changes);
    for (const r of items) this.view.addItem(r);
    this.o.log.info({ items: items.length, changes: changes.length, ms: Date.now() - t0 }, 'voc view restored');
    if (this.o.consume !== false) {
      await this.consume();
      this.ticker = setInterval(() => this.tick(), this.o.tickMs);
    }
  }

  /** Applies what other nodes stored (and, harmlessly, our own writes) from CC_VOC. */
  private async follow() {
    const consumer = await this.o.bus.js.consumers.get(VOC_STREAM, { deliver_policy: DeliverPolicy.New });
    this.follower = await consumer.consume({ max_messages: 256 });
    void (async () => {
      for await (const m of this.follower!) {
        try {
          const { items, changes } = m.json<{ items: ItemRecord[]; changes: ChangeRecord[] }>();
          let dirty = false;
          for (const r of items ?? []) dirty = this.view.addItem(r) || dirty;
          if (changes?.length) this.view.addChanges(changes);
          if (dirty || changes?.length) this.kick();
        } catch (err) {
          this.o.log.warn({ err: (err as Error).message }, 'voc: bad sync message skipped');
        }
      }
    })().catch((err) => this.o.log.error({ err }, 'voc follower stopped'));
  }

  private async consume() {
    const { bus, durable } = this.o;
    const consumer = await durableConsumer(bus, {
      stream: EVENTS_STREAM,
      durable,
      filterSubject: 'cc.events.*.feedback.submitted',
      ackWaitMs: 60_000,
      maxAckPending: 10_000,
    });
    this.messages = await consumer.consume({ max_messages: 1_000 });
    void (async () => {
      for await (const msg of this.messages!) await this.batcher.add(msg);
    })().catch((err) => this.o.log.error({ err }, 'voc consumer stopped'));
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /** Classifies and routes a submission: the item row and its routing change. */
  private toRecords(e: Submitted, at: number): { item: ItemRecord; change?: ChangeRecord } {
    const rules = this.rulesOf(e.tenant);
    const comment = e.comment?.trim() ?? '';
    const c = comment ? classify(comment, { language: e.language, rules: rules.keyword_rules }) : null;
    const item: ItemRecord = {
      tenant: e.tenant, feedback_id: e.id, submitted_at: e.ts, survey: e.survey as Survey, score: e.score,
      comment: e.comment ?? '', language: e.language ?? c?.language ?? '', language_detected: !e.language && !!c,
      contact_id: e.contact_id ?? '', ticket_id: e.ticket_id ?? '', agent_id: e.agent_id ?? '',
      queue: e.queue ?? '', channel: e.channel ?? '',
      category: c?.category ?? '', subcategory: c?.subcategory ?? '',
      sentiment: c ? Math.round(c.sentiment * 1000) / 1000 : null, sentiment_label: c?.sentiment_label ?? '',
      classified_at: at,
    };
    const team = route({ category: c?.category, subcategory: c?.subcategory, score: e.score, survey: e.survey as Survey }, rules.routing_rules);
    if (!team) return { item };
    // Deterministic id: a redelivered submission routes to the same change row.
    const change: FeedbackChange = { kind: 'routed', feedback_id: e.id, at, actor: 'routing', team };
    return { item, change: { tenant: e.tenant, change_id: `${e.id}:routed`, seq: this.seq(), change } };
  }

  private async process(batch: JsMsg[]) {
    const now = this.now();
    const items: ItemRecord[] = [];
    const changes: ChangeRecord[] = [];
    const seen = new Set<string>();
    for (const msg of batch) {
      // an undecodable message is the writer's to dead-letter
      for (const e of (decodeEvents(msg.data) ?? []) as Submitted[]) {
        if (e.type !== 'feedback.submitted') continue;
        const key = `${e.tenant}\u0000${e.id}`;
        if (seen.has(key) || this.view.has(e.tenant, e.id)) continue; // duplicate event
        seen.add(key);
        const r = this.toRecords(e, now);
        items.push(r.item);
        if (r.change) changes.push(r.change);
      }
    }
    for (let attempt = 1; items.length; attempt++) {
      try {
        await insertItems(this.o.ch, items);
        await insertChanges(this.o.ch, changes);
        break;
      } catch (err) {
        if (this.stopping) return; // not acked: redelivered after restart, rows are idempotent
        this.m.failures.inc();
        this.o.log.warn({ err: (err as Error).message, attempt }, 'voc insert failed, retrying');
        for (const m of batch) m.working();
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 5_000)));
      }
    }
    for (const r of items) this.view.addItem(r);
    this.view.addChanges(changes);
    for (const m of batch) m.ack();
    if (items.length) {
      this.m.classified.inc({}, items.length);
      this.sync(items, changes);
      this.kick();
    }
  }

  private seq(): number {
    this.lastSeq = Math.max(this.lastSeq + 1, Date.now() * 1000);
    return this.lastSeq;
  }

  private sync(items: ItemRecord[], changes: ChangeRecord[]) {
    const byTenant = new Map<string, { items: ItemRecord[]; changes: ChangeRecord[] }>();
    const of = (t: string) => byTenant.get(t) ?? byTenant.set(t, { items: [], changes: [] }).get(t)!;
    for (const r of items) of(r.tenant).items.push(r);
    for (const c of changes) of(c.tenant).changes.push(c);
    for (const [t, body] of byTenant) {
      this.o.bus.js.publish(vocSubject(t), this.enc.encode(JSON.stringify(body))).catch((err) =>
        this.o.log.warn({ err: (err as Error).message }, 'voc sync publish failed; other nodes see it after their restart'),
      );
    }
  }

  /**
   * Stores workflow changes to one item after checking them against its current state
   * (one at a time per item). Throws WorkflowError (with from/to) for a refused change.
   */
  async patch(tenant: string, id: string, changes: FeedbackChange[], idempotencyKey?: string): Promise<Entry | undefined> {
    const key = `${tenant}\u0000${id}`;
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.catch(() => {}).then(async () => {
      if (!this.view.has(tenant, id)) return undefined;
      const ids = changes.map((_, i) => (idempotencyKey ? `${idempotencyKey}:${i}` : crypto.randomUUID()));
      if (idempotencyKey && ids.every((c) => this.view.hasChange(tenant, c))) return this.view.get(tenant, id);
      this.view.check(tenant, id, changes);
      const recs = changes.map((change, i) => ({ tenant, change_id: ids[i], seq: this.seq(), change }));
      await insertChanges(this.o.ch, recs);
      this.view.addChanges(recs);
      this.m.changes.inc({}, recs.length);
      this.sync([], recs);
      this.kick();
      return this.view.get(tenant, id);
    });
    this.locks.set(key, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === run) this.locks.delete(key);
    }
  }

  /** Window starts at `now` in the tenant's time zone. */
  starts(tenant: string, now: number) {
    const tz = this.settings(tenant).time_zone;
    let c = this.clocks.get(tenant);
    if (!c) this.clocks.set(tenant, (c = new DayClock(tz)));
    else if (c.timeZone !== tz) c.timeZone = tz;
    return { '15m': now - 15 * 60_000, '1h': now - 3_600_000, today: c.start(now) };
  }

  /** A change happened: publish soon rather than at the next tick. */
  private kick() {
    if (this.soon || !this.ticker) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      this.tick();
    }, 50);
  }

  /** Publishes every scope whose KPIs changed, and all of them every heartbeat. */
  tick(): void {
    const now = this.now();
    const wall = performance.now();
    for (const tenant of this.view.tenantIds()) {
      this.view.setFollowUpHours(tenant, this.settings(tenant).voc_follow_up_hours);
      for (const [scope, windows] of this.view.kpis(tenant, now, this.starts(tenant, now))) {
        const json = JSON.stringify(windows);
        const k = `${tenant}\u0000${scope}`;
        const last = this.published.get(k);
        if (last && last.json === json && wall - last.at < this.o.heartbeatMs) continue;
        this.published.set(k, { json, at: wall });
        this.o.bus.nc.publish(kpiExtSubject(tenant), this.enc.encode(`{"scope":${JSON.stringify(scope)},"windows":${json}}`));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.ticker) clearInterval(this.ticker);
    if (this.soon) clearTimeout(this.soon);
    this.ticker = null;
    await this.messages?.close().catch(() => {});
    await this.flush().catch(() => {});
    await this.follower?.close().catch(() => {});
    await Promise.allSettled([...this.locks.values()]);
  }
}
