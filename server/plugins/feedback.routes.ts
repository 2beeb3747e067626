// /v1/feedback: the VoC inbox (read), workflow changes (admin), tenant keyword and routing
// rules (admin) and the analysis views. State comes from the VoC role's in-memory view,
// the change history of one item from ClickHouse (the append-only log itself).
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { requireScope, tenantOf, type Services } from '../context.ts';
import { badRequest, Errors, unavailable } from '../errors.ts';
import { CATEGORIES, SENTIMENT_LABELS } from '../../pipelines/voc/taxonomy.ts';
import { csatDrivers, isOverdue, medianTimeToFollowUp, STATUSES, themes, trends, vocKpis, WorkflowError } from '../../pipelines/voc/workflow.ts';
import type { FeedbackChange, FeedbackItem, FeedbackStatus } from '../../pipelines/voc/workflow.ts';
import type { Entry, ListFilter } from '../../pipelines/voc/feedback-view.ts';
import { changeLog } from '../../pipelines/voc/feedback-store.ts';
import { NO_RULES, VOC_RULES_BUCKET, type VocRole, type VocRules } from '../../pipelines/voc/voc-role.ts';

const Str = (max: number) => Type.String({ minLength: 1, maxLength: max });
const lits = <T extends string>(xs: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...xs] });

const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.String()),
    category: Type.Optional(Type.String()),
    subcategory: Type.Optional(Type.String()),
    sentiment_label: Type.Optional(Type.String()),
    team: Type.Optional(Type.String()),
    owner: Type.Optional(Type.String()),
    survey: Type.Optional(Type.String()),
    language: Type.Optional(Type.String()),
    queue: Type.Optional(Type.String()),
    detractor: Type.Optional(Type.Boolean()),
    overdue: Type.Optional(Type.Boolean()),
    from: Type.Optional(Type.String()),
    to: Type.Optional(Type.String()),
    q: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    cursor: Type.Optional(Type.String({ maxLength: 400 })),
  },
  { additionalProperties: false },
);
type ListQuery = Static<typeof ListQuery>;

const PatchBody = Type.Object(
  {
    status: Type.Optional(lits(STATUSES)),
    owner: Type.Optional(Str(200)),
    team: Type.Optional(Str(200)),
    note: Type.Optional(Str(4000)),
    follow_up: Type.Optional(
      Type.Object(
        { channel: Str(40), message: Str(4000), at: Type.Optional(Type.String({ maxLength: 40 })) },
        { additionalProperties: false },
      ),
    ),
    /** idempotency key: a retried PATCH with the same key is applied once */
    change_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$' })),
  },
  { additionalProperties: false },
);
type PatchBody = Static<typeof PatchBody>;

const RulesBody = Type.Object(
  {
    keyword_rules: Type.Array(
      Type.Object(
        {
          pattern: Str(200),
          language: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$', maxLength: 35 })),
          category: Type.Optional(lits(CATEGORIES)),
          subcategory: Type.Optional(Type.String({ minLength: 1, maxLength: 60, pattern: '^[a-z0-9_]+$' })),
          sentiment: Type.Optional(Type.Number({ minimum: -1, maximum: 1 })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 1000 },
    ),
    routing_rules: Type.Array(
      Type.Object(
        {
          category: Type.Optional(lits(CATEGORIES)),
          subcategory: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
          survey: Type.Optional(lits(['csat', 'nps', 'ces'] as const)),
          max_score: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
          team: Str(200),
        },
        { additionalProperties: false },
      ),
      { maxItems: 500 },
    ),
  },
  { additionalProperties: false },
);

const ViewsQuery = Type.Object(
  { from: Type.Optional(Type.String()), to: Type.Optional(Type.String()), bucket: Type.Optional(lits(['1h', '1d'] as const)) },
  { additionalProperties: false },
);

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** The inbox row: api.md's fields plus what the page needs to act on it. */
export function itemOut(e: Entry, now: number) {
  const it: FeedbackItem = e.item;
  return {
    id: it.feedback_id,
    survey: it.survey,
    score: it.score,
    comment: it.comment ?? null,
    language: it.language ?? null,
    language_detected: e.rec.language_detected,
    category: it.category ?? null,
    subcategory: it.subcategory ?? null,
    sentiment: it.sentiment ?? null,
    sentiment_label: it.sentiment_label ?? null,
    status: it.status,
    team: it.team ?? null,
    owner: it.owner ?? null,
    submitted_at: iso(it.submitted_at),
    contact_id: e.rec.contact_id || null,
    ticket_id: e.rec.ticket_id || null,
    agent_id: it.agent_id ?? null,
    queue: it.queue ?? null,
    channel: it.channel ?? null,
    detractor: it.detractor,
    follow_up_due: iso(it.follow_up_due),
    overdue: isOverdue(it, now),
    followed_up_at: iso(it.followed_up_at),
    notes: it.notes.length,
  };
}

function time(field: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw badRequest(`${field} is not a time: use ISO 8601 or epoch ms`, [{ field, reason: 'not a time' }]);
  return t;
}

const list = (v: string | undefined) => (v === undefined || v === '' ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));

function filterOf(q: ListQuery): ListFilter {
  const status = list(q.status);
  const bad = status?.find((s) => !(STATUSES as readonly string[]).includes(s));
  if (bad) throw badRequest(`unknown status "${bad}": use ${STATUSES.join(', ')}`, [{ field: 'status', reason: 'unknown status' }]);
  const labels = list(q.sentiment_label);
  const badLabel = labels?.find((s) => !(SENTIMENT_LABELS as readonly string[]).includes(s));
  if (badLabel) throw badRequest(`unknown sentiment_label "${badLabel}"`, [{ field: 'sentiment_label', reason: 'unknown label' }]);
  return {
    status: status as FeedbackStatus[] | undefined,
    category: list(q.category),
    subcategory: list(q.subcategory),
    sentiment_label: labels,
    team: list(q.team),
    owner: list(q.owner),
    survey: list(q.survey),
    language: list(q.language),
    queue: list(q.queue),
    detractor: q.detractor,
    overdue: q.overdue,
    from: time('from', q.from),
    to: time('to', q.to),
    q: q.q || undefined,
  };
}

function parseCursor(c: string | undefined): [number, string] | undefined {
  if (!c) return undefined;
  try {
    const x = JSON.parse(Buffer.from(c, 'base64url').toString());
    if (Array.isArray(x) && typeof x[0] === 'number' && typeof x[1] === 'string') return [x[0], x[1]];
  } catch {
    /* fall through */
  }
  throw badRequest('cursor is invalid: pass next_cursor from the previous page', [{ field: 'cursor', reason: 'invalid' }]);
}

/** The workflow changes a PATCH body asks for, in the order they apply. */
function changesOf(b: PatchBody, id: string, actor: string, now: number, submittedAt: number): FeedbackChange[] {
  const base = { feedback_id: id, at: now, actor };
  const out: FeedbackChange[] = [];
  if (b.owner !== undefined) out.push({ ...base, kind: 'assigned', owner: b.owner, ...(b.team ? { team: b.team } : {}) });
  else if (b.team !== undefined) out.push({ ...base, kind: 'routed', team: b.team });
  // Recording a follow-up is what closes the loop; a status of followed_up with it is implied.
  if (b.status !== undefined && !(b.status === 'followed_up' && b.follow_up)) out.push({ ...base, kind: 'status', status: b.status });
  if (b.note !== undefined) out.push({ ...base, kind: 'note', text: b.note });
  if (b.follow_up) {
    const at = time('follow_up.at', b.follow_up.at) ?? now;
    if (at > now + 60_000 || at < submittedAt) {
      throw badRequest('follow_up.at must lie between the submission and now', [{ field: 'follow_up.at', reason: 'out of range' }]);
    }
    out.push({ ...base, at, kind: 'follow_up', channel: b.follow_up.channel, message: b.follow_up.message });
  }
  return out;
}

export interface FeedbackRoutesOptions {
  role: () => VocRole | null;
}

export function feedbackRoutes(opts: FeedbackRoutesOptions): FastifyPluginAsync<{ svc: Services }> {
  return async function routes(app: FastifyInstance, { svc }: { svc: Services }) {
    const rules = await svc.kv<VocRules>(VOC_RULES_BUCKET);
    const admin = { onRequest: requireScope('admin') };
    const read = { onRequest: requireScope('read') };
    const role = () => {
      const r = opts.role();
      if (!r) throw unavailable('the feedback view is starting', 2);
      return r;
    };
    const tags = ['feedback'];

    app.get<{ Querystring: ListQuery }>('/feedback', { ...read, schema: { tags, querystring: ListQuery } }, async (req) => {
      const r = role();
      const now = r.now();
      const limit = req.query.limit ?? 50;
      const { entries, more } = r.view.list(tenantOf(req), filterOf(req.query), now, limit, parseCursor(req.query.cursor));
      const last = entries[entries.length - 1];
      return {
        items: entries.map((e) => itemOut(e, now)),
        next_cursor: more && last ? Buffer.from(JSON.stringify([last.rec.submitted_at, last.rec.feedback_id])).toString('base64url') : null,
      };
    });

    app.get('/feedback/rules', { ...admin, schema: { tags } }, async (req) => ({ ...NO_RULES, ...rules.get(tenantOf(req)) }));

    app.put<{ Body: VocRules }>('/feedback/rules', { ...admin, schema: { tags, body: RulesBody } }, async (req) => {
      const value: VocRules = { keyword_rules: req.body.keyword_rules, routing_rules: req.body.routing_rules };
      await rules.put(tenantOf(req), value);
      return value;
    });

    app.get<{ Querystring: Static<typeof ViewsQuery> }>('/feedback/views', { ...read, schema: { tags, querystring: ViewsQuery } }, async (req) => {
      const r = role();
      const tenant = tenantOf(req);
      const now = r.now();
      const to = time('to', req.query.to) ?? now;
      const from = time('from', req.query.from) ?? to - 7 * 86_400_000;
      if (from > to) throw badRequest('from is after to', [{ field: 'from', reason: 'after to' }]);
      const bucketMs = (req.query.bucket ?? (to - from <= 3 * 86_400_000 ? '1h' : '1d')) === '1h' ? 3_600_000 : 86_400_000;
      const items = r.view.range(tenant, from, to);
      const k = vocKpis(items, Math.max(now, to), from);
      const median = medianTimeToFollowUp(items);
      return {
        from: iso(from),
        to: iso(to),
        responses: items.length,
        detractors: items.filter((i) => i.detractor).length,
        themes: themes(items),
        trends: trends(items, from, to + 1, bucketMs).map((b) => ({ ...b, start: iso(b.start) })),
        csat_drivers: csatDrivers(items),
        loop_closure_rate: k.loop_closure_rate,
        median_time_to_follow_up_s: median === null ? null : Math.round(median / 1000),
        sentiment_avg: k.sentiment_avg,
        voc_overdue: r.view.all(tenant).filter((i) => isOverdue(i, now)).length,
      };
    });

    app.get<{ Params: { id: string } }>('/feedback/:id', { ...read, schema: { tags } }, async (req) => {
      const r = role();
      const tenant = tenantOf(req);
      const e = r.view.get(tenant, req.params.id);
      if (!e) throw new Errors.NotFound(`no feedback ${req.params.id}`);
      const log = await changeLog(svc.ch, tenant, req.params.id);
      const it = e.item;
      return {
        ...itemOut(e, r.now()),
        notes: it.notes.map((n) => ({ ...n, at: iso(n.at) })),
        follow_ups: it.follow_ups.map((f) => ({ ...f, at: iso(f.at) })),
        history: it.history.map((h) => ({ ...h, at: iso(h.at) })),
        changes: log.map(({ change_id, change: { feedback_id: _f, at, actor, kind, ...data } }) => ({ change_id, at: iso(at), actor, kind, ...data })),
        rejected_changes: e.rejected,
      };
    });

    app.patch<{ Params: { id: string }; Body: PatchBody }>('/feedback/:id', { ...admin, schema: { tags, body: PatchBody } }, async (req) => {
      const r = role();
      const tenant = tenantOf(req);
      const e = r.view.get(tenant, req.params.id);
      if (!e) throw new Errors.NotFound(`no feedback ${req.params.id}`);
      const changes = changesOf(req.body, e.rec.feedback_id, `key:${req.principal!.keyId}`, r.now(), e.rec.submitted_at);
      if (changes.length === 0) throw badRequest('nothing to change: send status, owner, team, note or follow_up', []);
      try {
        const after = await r.patch(tenant, req.params.id, changes, req.body.change_id);
        if (!after) throw new Errors.NotFound(`no feedback ${req.params.id}`);
        return itemOut(after, r.now());
      } catch (err) {
        if (!(err instanceof WorkflowError)) throw err;
        const from = r.view.get(tenant, req.params.id)?.item.status;
        const transition = /^invalid transition/.test(err.message);
        const field = err.to ? 'status' : changes.find((c) => err.message.startsWith(c.kind))?.kind ?? 'status';
        const e2 = transition ? new Errors.Conflict(err.message) : new Errors.BadRequest(err.message);
        (e2 as Error & { errors?: unknown[] }).errors = [{ field, reason: err.message, from: err.from ?? from, to: err.to ?? null }];
        throw e2;
      }
    });
  };
}
