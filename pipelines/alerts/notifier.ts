// The notifier role: a durable pull consumer of CC_ALERTS that POSTs each notification
// and acks it only after a 2xx. A failure is nak'ed with an exponential delay computed
// from JetStream's own delivery count, so the backoff survives a crash or restart of
// this process; a message in flight when the process dies is redelivered after ack_wait.
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.ts';
import type { KvMap } from '../bus/kv-map.ts';
import { ALERTS_STREAM, dlqSubject } from '../bus/subjects.ts';
import type { Registry } from '../../server/metrics.ts';
import { tenantSettings, type TenantSettings } from '../../server/settings.ts';
import { deliver } from './deliver.ts';
import type { AlertMessage } from './payload.ts';

export interface NotifierOptions {
  bus: Bus;
  log: Logger;
  metrics: Registry;
  tenants: KvMap<Partial<TenantSettings>>;
  durable?: string;
  timeoutMs?: number;
  /** how long a delivery may stay unacked before JetStream hands it out again */
  ackWaitMs?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** deliveries before giving up (to the dead-letter stream) */
  maxAttempts?: number;
  concurrency?: number;
}

export function backoffMs(deliveryCount: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, deliveryCount - 1));
}

/** The dead-letter copy keeps everything but the target's signing secret. */
function withoutSecret(data: Uint8Array): Uint8Array {
  try {
    const m = JSON.parse(new TextDecoder().decode(data)) as AlertMessage;
    if (m?.target) m.target = { ...m.target, secret: m.target.secret ? '(removed)' : null };
    return new TextEncoder().encode(JSON.stringify(m));
  } catch {
    return data;
  }
}

export class Notifier {
  private messages: ConsumerMessages | null = null;
  private inFlight = new Set<Promise<void>>();
  /** stream sequences being delivered, and recently delivered ones (bounded) */
  private busySeqs = new Set<number>();
  private doneSeqs = new Set<number>();
  private readonly o: Required<NotifierOptions>;
  private m;

  constructor(opts: NotifierOptions) {
    this.o = {
      durable: 'notifier',
      timeoutMs: 5_000,
      ackWaitMs: 30_000,
      baseBackoffMs: 1_000,
      maxBackoffMs: 300_000,
      maxAttempts: 40,
      concurrency: 64,
      // An option passed as undefined keeps its default.
      ...(Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as NotifierOptions),
    };
    const r = opts.metrics;
    this.m = {
      sent: r.counter('fw_alert_notifications_total', 'notifications delivered (2xx)'),
      failed: r.counter('fw_alert_delivery_failures_total', 'failed delivery attempts (retried)'),
      dropped: r.counter('fw_alert_notifications_dead_total', 'notifications given up on (dead-letter stream)'),
      ms: r.histogram('fw_alert_delivery_ms', 'milliseconds per webhook request', [10, 50, 100, 250, 500, 1000, 5000]),
    };
  }

  async start(): Promise<void> {
    const { bus, durable } = this.o;
    const cfg = {
      ack_policy: AckPolicy.Explicit,
      ack_wait: this.o.ackWaitMs * 1_000_000,
      max_ack_pending: 1_000,
      max_deliver: -1,
    };
    let existing = null;
    try {
      existing = await bus.jsm.consumers.info(ALERTS_STREAM, durable);
    } catch {
      /* not there yet */
    }
    if (existing) {
      // Only when the settings changed: updating a consumer can make nats-server 2.9 hand a
      // message that is waiting for redelivery out a second time.
      if (existing.config.ack_wait !== cfg.ack_wait || existing.config.max_ack_pending !== cfg.max_ack_pending)
        await bus.jsm.consumers.update(ALERTS_STREAM, durable, cfg);
    } else {
      await bus.jsm.consumers.add(ALERTS_STREAM, {
        durable_name: durable,
        deliver_policy: DeliverPolicy.All,
        filter_subject: 'cc.alerts.>',
        ...cfg,
      });
    }
    const consumer = await bus.js.consumers.get(ALERTS_STREAM, durable);
    // Short-lived pull requests: after a crash, the server keeps handing messages to the
    // dead process's open requests until they expire, which would delay the retries.
    this.messages = await consumer.consume({ max_messages: this.o.concurrency * 2, expires: 5_000 });
    void this.loop().catch((err) => this.o.log.error({ err }, 'notifier loop ended'));
  }

  private async loop() {
    for await (const msg of this.messages!) {
      while (this.inFlight.size >= this.o.concurrency) await Promise.race(this.inFlight);
      const p = this.handle(msg).catch((err) => {
        this.o.log.error({ err: (err as Error).message }, 'notification handling failed');
        msg.nak(this.o.baseBackoffMs);
      });
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    }
  }

  private async handle(msg: JsMsg) {
    // nats-server 2.9 can hand a message that waited for redelivery out twice at once
    // (seen after a notifier crash): one stream sequence is delivered once per process.
    const seq = msg.info.streamSequence;
    if (this.doneSeqs.has(seq)) return msg.ack();
    if (this.busySeqs.has(seq)) return;
    this.busySeqs.add(seq);
    try {
      if (await this.attempt(msg)) {
        this.doneSeqs.add(seq);
        if (this.doneSeqs.size > 10_000) this.doneSeqs.delete(this.doneSeqs.values().next().value!);
      }
    } finally {
      this.busySeqs.delete(seq);
    }
  }

  /** true once the message is finished (delivered or dead-lettered) */
  private async attempt(msg: JsMsg): Promise<boolean> {
    let m: AlertMessage;
    try {
      m = msg.json<AlertMessage>();
      if (!m?.target?.url || !m.body || !m.delivery_id) throw new Error('not an alert message');
    } catch (err) {
      await this.deadLetter(msg, `undecodable: ${(err as Error).message}`, 'unknown');
      return true;
    }
    const attempt = msg.info.deliveryCount;
    const t0 = performance.now();
    const allowPrivate = tenantSettings(this.o.tenants, m.tenant).allow_private_webhooks;
    const r = await deliver(m, { allowPrivate, timeoutMs: this.o.timeoutMs });
    this.m.ms.observe(performance.now() - t0);
    // Log the host only: the path of an incoming-webhook URL is itself a secret.
    const host = new URL(m.target.url).host;
    if (r.ok) {
      msg.ack();
      this.m.sent.inc({ kind: m.kind });
      this.o.log.debug({ delivery: m.delivery_id, host, attempt }, 'alert delivered');
      return true;
    }
    if (r.permanent || attempt >= this.o.maxAttempts) {
      await this.deadLetter(msg, `delivery failed: ${r.status ?? r.error} after ${attempt} attempts`, m.tenant);
      return true;
    }
    const delay = backoffMs(attempt, this.o.baseBackoffMs, this.o.maxBackoffMs);
    this.m.failed.inc();
    this.o.log.warn({ delivery: m.delivery_id, host, attempt, status: r.status, err: r.error, retryInMs: delay }, 'alert delivery failed, will retry');
    msg.nak(delay);
    return false;
  }

  private async deadLetter(msg: JsMsg, reason: string, tenant: string) {
    this.o.log.error({ seq: msg.seq, reason }, 'alert notification given up');
    try {
      const h = natsHeaders();
      h.set('Fw-Reason', reason.slice(0, 500));
      h.set('Fw-Original-Subject', msg.subject);
      await this.o.bus.js.publish(dlqSubject(tenant), withoutSecret(msg.data), { headers: h, msgID: `dlq:alerts:${msg.seq}` });
      msg.ack();
      this.m.dropped.inc();
    } catch {
      msg.nak(this.o.maxBackoffMs);
    }
  }

  async stop(): Promise<void> {
    await this.messages?.close().catch(() => {});
    await Promise.allSettled([...this.inFlight]);
  }
}
