// The evaluation role: listens to the KPI snapshots the engine publishes, evaluates the
// rules of that (tenant, scope) — rules are indexed so the cost of an update is
// proportional to its scope's rules — and turns notifications into messages on CC_ALERTS
// (one per notification × target, msgID fingerprint:seq:target, so a repeat after a
// crash is dropped by JetStream). State is saved in KV after each change, so a restart
// neither re-notifies nor forgets a firing alert.
import type { Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.ts';
import type { KvMap } from '../bus/kv-map.ts';
import { alertLiveSubject, alertSubject, fromSubjectToken } from '../bus/subjects.ts';
import type { ScopeSnapshot } from '../engine/types.ts';
import type { Registry } from '../../server/metrics.ts';
import { evaluate, type AlertState, type NotifyKind, type Step } from './evaluator.ts';
import { alertId, fingerprint, webhookBody, type AlertMessage } from './payload.ts';
import { ruleKey, type Rule } from './rule-schema.ts';
import { silenceMatches, type Ack, type Silence } from './silences.ts';
import type { AlertFields, TransitionLog } from './transition-log.ts';

export interface AlertEngineOptions {
  bus: Bus;
  log: Logger;
  metrics: Registry;
  rules: KvMap<Rule>;
  states: KvMap<AlertState>;
  silences: KvMap<Silence>;
  acks: KvMap<Ack>;
  transitions: TransitionLog;
  /** public base URL of Floorwatch, for the links in notifications */
  baseUrl: string;
  /** the tenants whose rules this process evaluates: its engine partitions' (default all) */
  owns?: (tenant: string) => boolean;
}

/** What walls get on alertLiveSubject(tenant) (forwarded as {"type":"alert","alert":…}). */
export interface LiveAlert extends AlertFields {
  id: string;
  status: 'firing' | 'resolved';
  starts_at: string;
  ends_at: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The fields every alert record copies from its rule, with the value it saw. */
export function alertFields(rule: Rule, value: number | null): AlertFields {
  return {
    rule_id: rule.id,
    rule_name: rule.name,
    metric: rule.metric,
    scope: rule.scope,
    window: rule.window,
    severity: rule.severity,
    value,
    threshold: rule.threshold,
  };
}

export function liveAlert(rule: Rule, st: AlertState): LiveAlert {
  const startsAt = st.starts_at ?? st.since;
  const active = st.status === 'firing' || st.status === 'recovering';
  return {
    id: alertId(rule.id, startsAt),
    ...alertFields(rule, st.value),
    status: active ? 'firing' : 'resolved',
    starts_at: iso(startsAt)!,
    ends_at: active ? null : iso(st.ends_at),
  };
}

export class AlertEngine {
  /** tenant → scope → rule id → rule */
  private index = new Map<string, Map<string, Map<string, Rule>>>();
  private silencesByTenant = new Map<string, Silence[]>();
  private state = new Map<string, AlertState>();
  /** per rule: publish-then-save runs in order, one change after the other */
  private chains = new Map<string, Promise<void>>();
  private sub: Subscription | null = null;
  private unwatch: (() => void)[] = [];
  private stopped = false;
  private m;

  constructor(private o: AlertEngineOptions) {
    const r = o.metrics;
    this.m = {
      evalUs: r.histogram('fw_alert_eval_us', 'microseconds to evaluate the rules of one KPI update', [10, 50, 100, 500, 1000, 5000]),
      transitions: r.counter('fw_alert_transitions_total', 'alert state changes'),
      queued: r.counter('fw_alert_notifications_queued_total', 'notifications put on CC_ALERTS'),
    };
    r.gauge('fw_alert_rules', 'alert rules loaded').set(() => o.rules.values().length);
  }

  async start(): Promise<void> {
    for (const [k, st] of this.o.states.entries()) this.state.set(k, st);
    for (const r of this.o.rules.values()) this.indexRule(r);
    this.rebuildSilences();
    this.unwatch.push(
      this.o.rules.onChange((key, rule) => this.onRuleChange(key, rule)),
      this.o.silences.onChange(() => this.rebuildSilences()),
    );
    this.sub = this.o.bus.nc.subscribe('cc.kpi.*.>', {
      callback: (err, msg) => {
        if (err || this.stopped) return;
        this.onKpi(msg.subject, msg.data);
      },
    });
  }

  private byRuleId = new Map<string, Rule>();

  private indexRule(r: Rule) {
    let t = this.index.get(r.tenant);
    if (!t) this.index.set(r.tenant, (t = new Map()));
    let s = t.get(r.scope);
    if (!s) t.set(r.scope, (s = new Map()));
    s.set(r.id, r);
    this.byRuleId.set(ruleKey(r.tenant, r.id), r);
  }

  private unindexRule(r: Rule) {
    const s = this.index.get(r.tenant)?.get(r.scope);
    s?.delete(r.id);
    if (s && s.size === 0) this.index.get(r.tenant)!.delete(r.scope);
    this.byRuleId.delete(ruleKey(r.tenant, r.id));
  }

  private onRuleChange(key: string, rule: Rule | undefined) {
    const old = this.byRuleId.get(key);
    if (old) this.unindexRule(old);
    if (rule && rule.enabled) this.indexRule(rule);
    // A rule that is gone, disabled or now watches another scope ends its alert.
    if (old && (!rule || !rule.enabled || rule.scope !== old.scope || rule.metric !== old.metric || rule.window !== old.window))
      this.endAlert(key, old);
  }

  private endAlert(key: string, rule: Rule) {
    const st = this.state.get(key);
    if (!st) return;
    this.state.delete(key);
    const now = Date.now();
    const active = st.status === 'firing' || st.status === 'recovering';
    const next: AlertState = { ...st, status: 'normal', since: now, ends_at: active ? now : st.ends_at, notified: false };
    const notify: NotifyKind | null = active && st.notified ? 'resolved' : null;
    if (notify) next.seq++;
    this.emit(key, rule, { state: next, changed: st.status !== 'normal', from: st.status, notify }, false, true);
  }

  private rebuildSilences() {
    this.silencesByTenant.clear();
    for (const s of this.o.silences.values()) {
      let l = this.silencesByTenant.get(s.tenant);
      if (!l) this.silencesByTenant.set(s.tenant, (l = []));
      l.push(s);
    }
  }

  private onKpi(subject: string, data: Uint8Array) {
    // cc.kpi.<tenant>.<scope-token>: look the rules up before paying for JSON.parse.
    const parts = subject.split('.');
    if (parts.length !== 4) return;
    // another engine process evaluates the tenants of the partitions it serves
    if (this.o.owns && !this.o.owns(parts[2])) return;
    const rules = this.index.get(parts[2])?.get(fromSubjectToken(parts[3]));
    if (!rules || rules.size === 0) return;
    let snap: ScopeSnapshot;
    try {
      snap = JSON.parse(new TextDecoder().decode(data)) as ScopeSnapshot;
    } catch {
      return;
    }
    this.evaluateSnapshot(snap, rules);
  }

  /** Evaluates one snapshot against the rules of its scope (exposed for the benchmark). */
  evaluateSnapshot(snap: ScopeSnapshot, rules = this.index.get(snap.tenant)?.get(snap.scope)) {
    if (!rules) return;
    const t0 = performance.now();
    const now = snap.at;
    const silences = this.silencesByTenant.get(snap.tenant);
    for (const rule of rules.values()) {
      const key = ruleKey(rule.tenant, rule.id);
      const prev = this.state.get(key);
      const value = snap.windows?.[rule.window]?.[rule.metric] as number | null | undefined;
      const silenced = !!silences?.some((s) => silenceMatches(s, rule, now));
      let acked = false;
      if (prev?.notified && rule.repeat_s > 0) {
        const a = this.o.acks.get(key);
        acked = !!a && a.starts_at === prev.starts_at;
      }
      const step = evaluate(rule, prev, value, now, { silenced, acked });
      this.state.set(key, step.state);
      if (step.changed || step.notify) this.emit(key, rule, step, silenced, false);
    }
    this.m.evalUs.observe((performance.now() - t0) * 1000);
  }

  private emit(key: string, rule: Rule, step: Step, silenced: boolean, deleted: boolean) {
    const st = step.state;
    this.m.transitions.inc({ to: st.status });
    const fp = fingerprint(rule);
    const msgs: { subject: string; data: Uint8Array; msgID: string }[] = [];
    if (step.notify) {
      const body = webhookBody(rule, st, step.notify, this.o.baseUrl);
      rule.targets.forEach((target, i) => {
        const delivery_id = `${fp}:${st.seq}:${i}`;
        const m: AlertMessage = { tenant: rule.tenant, target, kind: step.notify!, delivery_id, body };
        msgs.push({ subject: alertSubject(rule.tenant), data: new TextEncoder().encode(JSON.stringify(m)), msgID: delivery_id });
      });
    }
    const wasActive = step.from === 'firing' || step.from === 'recovering';
    const isActive = st.status === 'firing' || st.status === 'recovering';
    const live = wasActive !== isActive ? liveAlert(rule, st) : null;
    this.o.transitions.add({
      tenant: rule.tenant,
      at: st.since > 0 && step.changed ? st.since : (st.last_notified_at ?? Date.now()),
      ...alertFields(rule, st.value),
      from_state: step.from,
      to_state: st.status,
      notification: step.notify ?? '',
      silenced,
      fingerprint: fp,
      seq: st.seq,
      starts_at: st.starts_at,
      ends_at: isActive ? null : st.ends_at,
    });
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(async () => {
      if (msgs.length) {
        await this.publishWithRetry(msgs);
        this.m.queued.inc({}, msgs.length);
      }
      if (live) this.o.bus.nc.publish(alertLiveSubject(rule.tenant), JSON.stringify(live));
      // Saved only after the notifications are queued: a crash in between re-evaluates
      // to the same seq, and JetStream drops the repeated msgIDs.
      if (deleted) await this.o.states.delete(key).catch(() => {});
      else await this.o.states.put(key, st).catch((err) => this.o.log.warn({ err: (err as Error).message }, 'alert state save failed'));
    });
    this.chains.set(key, next);
    void next.finally(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  private async publishWithRetry(msgs: { subject: string; data: Uint8Array; msgID: string }[]) {
    for (let delay = 200; ; delay = Math.min(delay * 2, 10_000)) {
      try {
        await this.o.bus.publishAll(msgs);
        return;
      } catch (err) {
        if (this.stopped) throw err;
        this.o.log.warn({ retryInMs: delay }, 'queueing alert notifications failed, retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** the in-memory state of a rule's alert (fresher than the saved one) */
  current(tenant: string, ruleId: string): AlertState | undefined {
    return this.state.get(ruleKey(tenant, ruleId));
  }

  /** resolves when every queued publish and state save is done (tests, shutdown) */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.allSettled([...this.chains.values()]);
  }

  async stop(): Promise<void> {
    this.sub?.unsubscribe();
    for (const u of this.unwatch) u();
    await this.idle();
    this.stopped = true;
    await this.o.transitions.stop();
  }
}
