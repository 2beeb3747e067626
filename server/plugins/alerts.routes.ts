// /v1/alerts: rules (admin), firing alerts and recent transitions (read), silences and
// acknowledgements. Rules, silences, acks and alert state live in NATS KV, so any node
// answers; transitions are read from ClickHouse.
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { requireScope, tenantOf, type Services } from '../context.ts';
import { badRequest, Errors } from '../errors.ts';
import { tenantSettings, TENANTS_BUCKET, type TenantSettings } from '../settings.ts';
import {
  ACKS_BUCKET,
  publicRule,
  ruleKey,
  ruleProblems,
  RULES_BUCKET,
  RuleBody,
  SILENCES_BUCKET,
  STATE_BUCKET,
  toRule,
  type FieldError,
  type Rule,
  type RuleInput,
} from '../../pipelines/alerts/rule-schema.ts';
import { targetProblem, type LookupAll } from '../../pipelines/alerts/target-safety.ts';
import type { AlertState } from '../../pipelines/alerts/evaluator.ts';
import type { Ack, Silence } from '../../pipelines/alerts/silences.ts';
import { liveAlert, type AlertEngine } from '../../pipelines/alerts/alert-engine.ts';
import type { AlertFields } from '../../pipelines/alerts/transition-log.ts';

const SilenceBody = Type.Object(
  {
    rule_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    scope: Type.Optional(Type.String({ minLength: 3, maxLength: 300, pattern: '^(all|(queue|channel|team|agent):.+)$' })),
    duration_s: Type.Number({ minimum: 1, maximum: 31 * 86_400 }),
    comment: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

const RecentQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: true },
);

interface TransitionRead extends AlertFields {
  at: string;
  from_state: string;
  to_state: string;
  notification: string;
  silenced: boolean;
  starts_at: string | null;
  ends_at: string | null;
}

const chTime = (s: string | null) => (s ? new Date(s.replace(' ', 'T') + 'Z').toISOString() : null);

export interface AlertsRoutesOptions {
  /** the evaluator of this process, if it runs here: its state is fresher than KV's */
  engine?: () => AlertEngine | null;
  /** DNS for target checks (tests) */
  lookup?: LookupAll;
}

export function alertsRoutes(opts: AlertsRoutesOptions = {}): FastifyPluginAsync<{ svc: Services }> {
  return async function routes(app: FastifyInstance, { svc }: { svc: Services }) {
    const rules = await svc.kv<Rule>(RULES_BUCKET);
    const states = await svc.kv<AlertState>(STATE_BUCKET);
    const silences = await svc.kv<Silence>(SILENCES_BUCKET);
    const acks = await svc.kv<Ack>(ACKS_BUCKET);
    const tenants = await svc.kv<Partial<TenantSettings>>(TENANTS_BUCKET);
    const admin = { onRequest: requireScope('admin') };
    const read = { onRequest: requireScope('read') };

    async function check(tenant: string, body: RuleInput): Promise<void> {
      const errors: FieldError[] = ruleProblems(body);
      const allowPrivate = tenantSettings(tenants, tenant).allow_private_webhooks;
      const targets = body.targets ?? [];
      const problems = await Promise.all(targets.map((t) => targetProblem(t.url, allowPrivate, opts.lookup)));
      problems.forEach((p, i) => p && errors.push({ field: `targets.${i}.url`, reason: p }));
      if (errors.length)
        throw badRequest(`rule is invalid: ${errors.map((e) => `${e.field}: ${e.reason}`).join('; ')}`, errors);
    }

    function ownRule(tenant: string, id: string): Rule {
      const r = rules.get(ruleKey(tenant, id));
      if (!r || r.tenant !== tenant) throw new Errors.NotFound(`no alert rule ${id}`);
      return r;
    }

    const stateOf = (tenant: string, ruleId: string) =>
      opts.engine?.()?.current(tenant, ruleId) ?? states.get(ruleKey(tenant, ruleId));

    app.get('/alerts/rules', { ...read, schema: { tags: ['alerts'] } }, async (req) => ({
      items: rules.values(`${tenantOf(req)}.`).map(publicRule).sort((a, b) => a.name.localeCompare(b.name)),
    }));

    app.get<{ Params: { id: string } }>('/alerts/rules/:id', { ...read, schema: { tags: ['alerts'] } }, async (req) =>
      publicRule(ownRule(tenantOf(req), req.params.id)),
    );

    app.post<{ Body: RuleInput }>(
      '/alerts/rules',
      { ...admin, schema: { tags: ['alerts'], body: RuleBody } },
      async (req, reply) => {
        const t = tenantOf(req);
        await check(t, req.body);
        const rule = toRule(`r${crypto.randomBytes(6).toString('hex')}`, t, req.body);
        await rules.put(ruleKey(t, rule.id), rule);
        req.log.info({ rule: rule.id, tenant: t }, 'alert rule created');
        return reply.code(201).send(publicRule(rule));
      },
    );

    app.put<{ Params: { id: string }; Body: RuleInput }>(
      '/alerts/rules/:id',
      { ...admin, schema: { tags: ['alerts'], body: RuleBody } },
      async (req) => {
        const t = tenantOf(req);
        const prev = ownRule(t, req.params.id);
        await check(t, req.body);
        const rule = toRule(prev.id, t, req.body, prev);
        await rules.put(ruleKey(t, rule.id), rule);
        return publicRule(rule);
      },
    );

    app.delete<{ Params: { id: string } }>('/alerts/rules/:id', { ...admin, schema: { tags: ['alerts'] } }, async (req, reply) => {
      const t = tenantOf(req);
      ownRule(t, req.params.id);
      await rules.delete(ruleKey(t, req.params.id));
      return reply.code(204).send();
    });

    app.get<{ Querystring: Static<typeof RecentQuery> }>(
      '/alerts',
      { ...read, schema: { tags: ['alerts'], querystring: RecentQuery } },
      async (req) => {
        const t = tenantOf(req);
        const firing = [];
        for (const rule of rules.values(`${t}.`)) {
          const st = stateOf(t, rule.id);
          if (!st || (st.status !== 'firing' && st.status !== 'recovering')) continue;
          const ack = acks.get(ruleKey(t, rule.id));
          firing.push({
            ...liveAlert(rule, st),
            state: st.status,
            acked: !!ack && ack.starts_at === st.starts_at,
            silenced: silences.values(`${t}.`).some((s) => Date.now() < s.ends_at && Date.now() >= s.starts_at &&
              (s.rule_id === null || s.rule_id === rule.id) && (s.scope === null || s.scope === rule.scope)),
          });
        }
        const res = await svc.ch.query({
          query: `SELECT at, rule_id, rule_name, metric, scope, \`window\`, severity, from_state, to_state, notification,
                         silenced, value, threshold, starts_at, ends_at
                  FROM alert_transitions FINAL WHERE tenant = {t:String} ORDER BY at DESC LIMIT {n:UInt32}`,
          query_params: { t, n: req.query.limit ?? 100 },
          format: 'JSONEachRow',
        });
        const recent = (await res.json<TransitionRead>()).map((r) => {
          const startsAt = chTime(r.starts_at);
          return {
            id: `${r.rule_id}.${startsAt ? Date.parse(startsAt) : ''}`,
            rule_id: r.rule_id,
            rule_name: r.rule_name,
            metric: r.metric,
            scope: r.scope,
            window: r.window,
            severity: r.severity,
            status: r.to_state === 'firing' || r.to_state === 'recovering' ? 'firing' : 'resolved',
            value: r.value,
            threshold: r.threshold,
            starts_at: startsAt,
            ends_at: chTime(r.ends_at),
            at: chTime(r.at),
            from: r.from_state,
            to: r.to_state,
            notification: r.notification || null,
            silenced: !!r.silenced,
          };
        });
        return { firing, recent };
      },
    );

    app.post<{ Params: { id: string } }>('/alerts/:id/ack', { ...admin, schema: { tags: ['alerts'] } }, async (req) => {
      const t = tenantOf(req);
      // The id of a firing alert is "<rule id>.<starts_at ms>"; a bare rule id means its current alert.
      const [ruleId, startsAt] = req.params.id.split('.');
      const rule = rules.get(ruleKey(t, ruleId));
      const st = rule ? stateOf(t, ruleId) : undefined;
      if (!rule || !st || (st.status !== 'firing' && st.status !== 'recovering') ||
          (startsAt !== undefined && Number(startsAt) !== st.starts_at))
        throw new Errors.NotFound(`no firing alert ${req.params.id}`);
      const ack: Ack = {
        alert_id: `${ruleId}.${st.starts_at}`,
        rule_id: ruleId,
        starts_at: st.starts_at!,
        at: Date.now(),
        by: req.principal!.keyId,
      };
      await acks.put(ruleKey(t, ruleId), ack);
      return { ...ack, at: new Date(ack.at).toISOString(), acked: true };
    });

    const silenceOut = (s: Silence) => ({
      ...s,
      starts_at: new Date(s.starts_at).toISOString(),
      ends_at: new Date(s.ends_at).toISOString(),
      active: Date.now() < s.ends_at,
    });

    app.get('/alerts/silences', { ...read, schema: { tags: ['alerts'] } }, async (req) => {
      const t = tenantOf(req);
      const now = Date.now();
      const items = [];
      for (const [k, s] of [...silences.entries(`${t}.`)]) {
        // Expired a day ago: nobody needs it listed any more.
        if (s.ends_at < now - 86_400_000) await silences.delete(k).catch(() => {});
        else items.push(silenceOut(s));
      }
      return { items: items.sort((a, b) => b.ends_at.localeCompare(a.ends_at)) };
    });

    app.post<{ Body: Static<typeof SilenceBody> }>(
      '/alerts/silences',
      { ...admin, schema: { tags: ['alerts'], body: SilenceBody } },
      async (req, reply) => {
        const t = tenantOf(req);
        const b = req.body;
        if (!b.rule_id && !b.scope)
          throw badRequest('a silence needs rule_id, scope or both', [{ field: 'rule_id', reason: 'rule_id or scope is required' }]);
        if (b.rule_id && !rules.get(ruleKey(t, b.rule_id)))
          throw badRequest(`rule_id: no alert rule ${b.rule_id}`, [{ field: 'rule_id', reason: 'no such rule' }]);
        const now = Date.now();
        const s: Silence = {
          id: `s${crypto.randomBytes(6).toString('hex')}`,
          tenant: t,
          rule_id: b.rule_id ?? null,
          scope: b.scope ?? null,
          starts_at: now,
          ends_at: now + b.duration_s * 1000,
          comment: b.comment ?? '',
          created_by: req.principal!.keyId,
        };
        await silences.put(`${t}.${s.id}`, s);
        return reply.code(201).send(silenceOut(s));
      },
    );

    app.delete<{ Params: { id: string } }>('/alerts/silences/:id', { ...admin, schema: { tags: ['alerts'] } }, async (req, reply) => {
      const t = tenantOf(req);
      const k = `${t}.${req.params.id}`;
      if (!/^[A-Za-z0-9_-]+$/.test(req.params.id) || !silences.get(k)) throw new Errors.NotFound(`no silence ${req.params.id}`);
      await silences.delete(k);
      return reply.code(204).send();
    });
  };
}

export default alertsRoutes();
