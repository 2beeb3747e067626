// The current state of every feedback item, per tenant, in memory: each item is the fold
// (`deriveItem`) of its stored submission and its change log, re-derived whenever a
// change arrives, so memory always equals a replay of ClickHouse. No I/O here: the role
// feeds it from the bus and from ClickHouse at start.
import { applyChange, deriveItem, isOverdue, newItem, vocKpis, WorkflowError } from './workflow.ts';
import type { FeedbackChange, FeedbackItem, FeedbackStatus, Survey, VocKpis } from './workflow.ts';
import type { Category, SentimentLabel } from './taxonomy.ts';

/** A submission as stored in `feedback_items` (times in epoch ms). */
export interface ItemRecord {
  tenant: string;
  feedback_id: string;
  submitted_at: number;
  survey: Survey;
  score: number;
  comment: string;
  language: string;
  language_detected: boolean;
  contact_id: string;
  ticket_id: string;
  agent_id: string;
  queue: string;
  channel: string;
  /** '' when the submission has no comment (nothing to classify) */
  category: Category | '';
  subcategory: string;
  sentiment: number | null;
  sentiment_label: SentimentLabel | '';
  classified_at: number;
}

/** A change as stored in `feedback_changes`. */
export interface ChangeRecord {
  tenant: string;
  change_id: string;
  seq: number;
  change: FeedbackChange;
}

export interface Entry {
  rec: ItemRecord;
  changes: ChangeRecord[];
  item: FeedbackItem;
  /** changes the replay skipped (made concurrently on two nodes, for instance) */
  rejected: { change_id: string; error: string }[];
}

export interface ListFilter {
  status?: FeedbackStatus[];
  category?: string[];
  subcategory?: string[];
  sentiment_label?: string[];
  team?: string[];
  owner?: string[];
  survey?: string[];
  language?: string[];
  queue?: string[];
  detractor?: boolean;
  overdue?: boolean;
  from?: number;
  to?: number;
  q?: string;
}

export const WINDOWS = ['15m', '1h', 'today'] as const;
export type VocWindow = (typeof WINDOWS)[number];

const opt = (s: string) => (s === '' ? undefined : s);

/** The submission part of a record, in the workflow's terms. */
function submission(r: ItemRecord) {
  return {
    feedback_id: r.feedback_id,
    survey: r.survey,
    score: r.score,
    submitted_at: r.submitted_at,
    comment: opt(r.comment),
    language: opt(r.language),
    agent_id: opt(r.agent_id),
    queue: opt(r.queue),
    channel: opt(r.channel),
  };
}

/** The classification as the first change of the log (it is part of the item row). */
function classifiedChange(r: ItemRecord): FeedbackChange[] {
  if (!r.category || !r.sentiment_label || r.sentiment === null) return [];
  return [{
    kind: 'classified', feedback_id: r.feedback_id, at: r.submitted_at, actor: 'classifier',
    language: r.language, category: r.category, subcategory: r.subcategory,
    sentiment: r.sentiment, sentiment_label: r.sentiment_label,
  }];
}

function cmp(a: ItemRecord, b: ItemRecord): number {
  return a.submitted_at - b.submitted_at || (a.feedback_id < b.feedback_id ? -1 : a.feedback_id > b.feedback_id ? 1 : 0);
}

class TenantView {
  readonly byId = new Map<string, Entry>();
  /** ascending by (submitted_at, id): the inbox pages from the end */
  readonly order: Entry[] = [];
  readonly changeIds = new Set<string>();
  /** changes that arrived before their item (other node, restore order) */
  readonly orphans = new Map<string, ChangeRecord[]>();
  /** detractors not followed up: the only items older than a window that its KPIs need */
  readonly open = new Set<Entry>();
  /** every scope KPIs were computed for: one that empties out must be published empty */
  readonly scopes = new Set<string>();
  hours: number;
  constructor(hours: number) {
    this.hours = hours;
  }

  /** `track` false for a trial derive that must not touch the tenant's open set */
  derive(e: Entry, track = true): void {
    const ordered = [...e.changes].sort((a, b) => a.change.at - b.change.at || a.seq - b.seq);
    const { item, rejected } = deriveItem(submission(e.rec), [...classifiedChange(e.rec), ...ordered.map((c) => c.change)], {
      follow_up_hours: this.hours,
    });
    e.item = item;
    if (!track) {
      /* trial */
    } else if (item.detractor && item.followed_up_at === undefined) this.open.add(e);
    else this.open.delete(e);
    e.rejected = rejected.map((r) => ({ change_id: ordered.find((c) => c.change === r.change)?.change_id ?? '', error: r.error }));
  }

  /** first index whose record sorts after (t, id) */
  upper(t: number, id: string): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const r = this.order[mid].rec;
      if (r.submitted_at < t || (r.submitted_at === t && r.feedback_id <= id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export class FeedbackView {
  private tenants = new Map<string, TenantView>();

  constructor(private followUpHours: (tenant: string) => number) {}

  private tenant(t: string): TenantView {
    let v = this.tenants.get(t);
    if (!v) this.tenants.set(t, (v = new TenantView(this.followUpHours(t))));
    return v;
  }

  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  has(tenant: string, id: string): boolean {
    return this.tenants.get(tenant)?.byId.has(id) ?? false;
  }

  hasChange(tenant: string, changeId: string): boolean {
    return this.tenants.get(tenant)?.changeIds.has(changeId) ?? false;
  }

  get(tenant: string, id: string): Entry | undefined {
    return this.tenants.get(tenant)?.byId.get(id);
  }

  /** Adds a submission; false when it is already known (a duplicate event). */
  addItem(rec: ItemRecord): boolean {
    const v = this.tenant(rec.tenant);
    if (v.byId.has(rec.feedback_id)) return false;
    const e: Entry = { rec, changes: v.orphans.get(rec.feedback_id) ?? [], item: newItem(submission(rec)), rejected: [] };
    v.orphans.delete(rec.feedback_id);
    v.derive(e);
    v.byId.set(rec.feedback_id, e);
    const last = v.order[v.order.length - 1];
    if (!last || cmp(last.rec, rec) < 0) v.order.push(e);
    else v.order.splice(v.upper(rec.submitted_at, rec.feedback_id), 0, e);
    return true;
  }

  /** Adds stored changes (idempotent on change id); re-derives the items touched. */
  addChanges(changes: readonly ChangeRecord[]): void {
    const touched = new Set<Entry>();
    for (const c of changes) {
      const v = this.tenant(c.tenant);
      if (v.changeIds.has(c.change_id)) continue;
      v.changeIds.add(c.change_id);
      const e = v.byId.get(c.change.feedback_id);
      if (e) {
        e.changes.push(c);
        touched.add(e);
      } else {
        const l = v.orphans.get(c.change.feedback_id) ?? [];
        l.push(c);
        v.orphans.set(c.change.feedback_id, l);
      }
    }
    for (const e of touched) this.tenant(e.rec.tenant).derive(e);
  }

  /**
   * The item after `changes`, or a WorkflowError for the first that cannot apply. Checked
   * both in order against the current state and as a replay of the whole log (a
   * follow-up may be dated in the past), so what is accepted is what a replay derives.
   */
  check(tenant: string, id: string, changes: readonly FeedbackChange[]): FeedbackItem {
    const e = this.get(tenant, id);
    if (!e) throw new Error(`no feedback ${id}`);
    let item = e.item;
    for (const c of changes) item = applyChange(item, c);
    const v = this.tenant(tenant);
    const trial: Entry = { ...e, changes: [...e.changes, ...changes.map((c, i) => ({ tenant, change_id: `trial-${i}`, seq: Number.MAX_SAFE_INTEGER, change: c }))] };
    v.derive(trial, false);
    const bad = trial.rejected.find((r) => r.change_id.startsWith('trial-'));
    if (bad) {
      const c = changes[Number(bad.change_id.slice(6))];
      throw new WorkflowError(bad.error, undefined, c.kind === 'status' ? c.status : undefined);
    }
    return trial.item;
  }

  /** Re-derives a tenant's items when its follow-up hours changed. */
  setFollowUpHours(tenant: string, hours: number): void {
    const v = this.tenants.get(tenant);
    if (!v || v.hours === hours) return;
    v.hours = hours;
    for (const e of v.order) v.derive(e);
  }

  /** Newest first, after `cursor` ([submitted_at, id] of the last row of the previous page). */
  list(tenant: string, f: ListFilter, now: number, limit: number, cursor?: [number, string]): { entries: Entry[]; more: boolean } {
    const v = this.tenants.get(tenant);
    if (!v) return { entries: [], more: false };
    let i = cursor ? v.upper(cursor[0], cursor[1]) - 1 : v.order.length - 1;
    // the cursor row itself is excluded: upper() is past it, so step back over it
    if (cursor && i >= 0 && v.order[i].rec.feedback_id === cursor[1] && v.order[i].rec.submitted_at === cursor[0]) i--;
    if (f.to !== undefined) i = Math.min(i, v.upper(f.to, '\uffff') - 1);
    const out: Entry[] = [];
    const q = f.q?.toLowerCase();
    for (; i >= 0; i--) {
      const e = v.order[i];
      const it = e.item;
      if (f.from !== undefined && it.submitted_at < f.from) break;
      if (f.status && !f.status.includes(it.status)) continue;
      if (f.category && !f.category.includes(it.category ?? '')) continue;
      if (f.subcategory && !f.subcategory.includes(it.subcategory ?? '')) continue;
      if (f.sentiment_label && !f.sentiment_label.includes(it.sentiment_label ?? '')) continue;
      if (f.team && !f.team.includes(it.team ?? '')) continue;
      if (f.owner && !f.owner.includes(it.owner ?? '')) continue;
      if (f.survey && !f.survey.includes(it.survey)) continue;
      if (f.language && !f.language.includes(it.language ?? '')) continue;
      if (f.queue && !f.queue.includes(it.queue ?? '')) continue;
      if (f.detractor !== undefined && it.detractor !== f.detractor) continue;
      if (f.overdue !== undefined && isOverdue(it, now) !== f.overdue) continue;
      if (q && !(it.comment ?? '').toLowerCase().includes(q)) continue;
      if (out.length === limit) return { entries: out, more: true };
      out.push(e);
    }
    return { entries: out, more: false };
  }

  /** Items submitted in [from, to]. */
  range(tenant: string, from: number, to: number): FeedbackItem[] {
    const v = this.tenants.get(tenant);
    if (!v) return [];
    const out: FeedbackItem[] = [];
    for (let i = Math.max(0, v.upper(from, '') - 1); i < v.order.length; i++) {
      const it = v.order[i].item;
      if (it.submitted_at > to) break;
      if (it.submitted_at >= from) out.push(it);
    }
    return out;
  }

  all(tenant: string): FeedbackItem[] {
    return (this.tenants.get(tenant)?.order ?? []).map((e) => e.item);
  }

  /** Live KPIs per scope (all, queue:, channel:, agent:) and window, as `vocKpis` defines
   * them. Only items submitted since the earliest window start and open detractors (for
   * voc_overdue) can count, so the rest is never visited: the cost follows today's volume
   * and the open backlog, not the memory's size. */
  kpis(tenant: string, now: number, starts: Record<VocWindow, number>): Map<string, Record<VocWindow, VocKpis>> {
    const groups = new Map<string, FeedbackItem[]>();
    const add = (scope: string, it: FeedbackItem) => {
      let l = groups.get(scope);
      if (!l) groups.set(scope, (l = []));
      l.push(it);
    };
    const v = this.tenants.get(tenant);
    if (!v) return new Map();
    const since = Math.min(starts['15m'], starts['1h'], starts.today);
    const scopesOf = (it: FeedbackItem) => {
      const out = ['all'];
      if (it.queue) out.push(`queue:${it.queue}`);
      if (it.channel) out.push(`channel:${it.channel}`);
      if (it.agent_id) out.push(`agent:${it.agent_id}`);
      return out;
    };
    // forward, in submission order, so sums match vocKpis over the whole list bit for bit
    for (let i = v.upper(since - 1, '\uffff'); i < v.order.length; i++) {
      for (const sc of scopesOf(v.order[i].item)) add(sc, v.order[i].item);
    }
    // voc_overdue counts open detractors of any age, once per scope (not per window).
    const overdue = new Map<string, number>();
    for (const e of v.open) {
      if (!isOverdue(e.item, now)) continue;
      for (const sc of scopesOf(e.item)) {
        overdue.set(sc, (overdue.get(sc) ?? 0) + 1);
        if (!groups.has(sc)) groups.set(sc, []);
      }
    }
    for (const sc of v.scopes) if (!groups.has(sc)) groups.set(sc, []);
    for (const sc of groups.keys()) v.scopes.add(sc);
    const out = new Map<string, Record<VocWindow, VocKpis>>();
    for (const [scope, items] of groups) {
      const k = (start: number) => ({ ...vocKpis(items, now, start), voc_overdue: overdue.get(scope) ?? 0 });
      out.set(scope, { '15m': k(starts['15m']), '1h': k(starts['1h']), today: k(starts.today) });
    }
    return out;
  }
}
