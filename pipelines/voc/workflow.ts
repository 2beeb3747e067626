// Feedback follow-up workflow, pure: an item's current state is a fold over its
// append-only change events. Nothing here does I/O; callers store the events.
//
// Status rules (decided for issue 8):
//   new → assigned → in_progress → actioned → followed_up
// - Moves are forward-only; steps may be skipped (a supervisor may call a detractor back
//   straight away: new → followed_up). No moving back, no "move" to the same status.
// - `followed_up` is final and is reached only by recording a follow-up (a `follow_up`
//   change with channel and message), never by a bare status change, so every closed
//   loop says how and when the customer was contacted.
// - An `assigned` change sets the owner (and team if given); from `new` it also moves the
//   status to `assigned`; later it just changes the owner.
import type { Category, SentimentLabel } from './taxonomy.ts';

export const STATUSES = ['new', 'assigned', 'in_progress', 'actioned', 'followed_up'] as const;
export type FeedbackStatus = (typeof STATUSES)[number];
export type Survey = 'csat' | 'nps' | 'ces';

/** The part of a `feedback.submitted` event the workflow needs (`submitted_at` = event ts). */
export interface FeedbackSubmission {
  feedback_id: string;
  survey: Survey;
  score: number;
  submitted_at: number;
  comment?: string;
  language?: string;
  agent_id?: string;
  queue?: string;
  channel?: string;
}

interface ChangeBase {
  feedback_id: string;
  at: number;
  actor: string;
}
export type FeedbackChange = ChangeBase &
  (
    | { kind: 'classified'; language: string; category: Category; subcategory: string; sentiment: number; sentiment_label: SentimentLabel }
    | { kind: 'routed'; team: string }
    | { kind: 'assigned'; owner: string; team?: string }
    | { kind: 'status'; status: FeedbackStatus }
    | { kind: 'note'; text: string }
    | { kind: 'follow_up'; channel: string; message: string }
  );

export interface FeedbackItem extends FeedbackSubmission {
  category?: Category;
  subcategory?: string;
  sentiment?: number;
  sentiment_label?: SentimentLabel;
  status: FeedbackStatus;
  team?: string;
  owner?: string;
  notes: { at: number; actor: string; text: string }[];
  follow_ups: { at: number; actor: string; channel: string; message: string }[];
  /** Time of the first follow-up. */
  followed_up_at?: number;
  detractor: boolean;
  /** Deadline for the first follow-up; set for detractors only. */
  follow_up_due?: number;
  history: { at: number; actor: string; from: FeedbackStatus; to: FeedbackStatus }[];
}

export interface VocSettings {
  /** Tenant setting: hours within which a detractor must be followed up. */
  follow_up_hours?: number;
}
export const DEFAULT_FOLLOW_UP_HOURS = 48;
const HOUR = 3_600_000;

export class WorkflowError extends Error {
  constructor(
    message: string,
    readonly from?: FeedbackStatus,
    readonly to?: FeedbackStatus,
  ) {
    super(message);
    this.name = 'WorkflowError';
  }
}

/** NPS 0–6 and CSAT 1–2 are detractors; CES has no detractor rule. */
export function isDetractor(survey: Survey, score: number): boolean {
  return (survey === 'nps' && score <= 6) || (survey === 'csat' && score <= 2);
}

export function newItem(sub: FeedbackSubmission, settings: VocSettings = {}): FeedbackItem {
  const detractor = isDetractor(sub.survey, sub.score);
  const hours = settings.follow_up_hours ?? DEFAULT_FOLLOW_UP_HOURS;
  return {
    ...sub,
    status: 'new',
    notes: [],
    follow_ups: [],
    detractor,
    follow_up_due: detractor ? sub.submitted_at + hours * HOUR : undefined,
    history: [],
  };
}

/** Why a status move is refused, or null when it is allowed. */
export function transitionError(from: FeedbackStatus, to: FeedbackStatus): string | null {
  if (from === to) return `invalid transition ${from} → ${to}: already ${to}`;
  if (from === 'followed_up') return `invalid transition ${from} → ${to}: followed_up is final`;
  if (STATUSES.indexOf(to) < STATUSES.indexOf(from)) return `invalid transition ${from} → ${to}: status moves forward only`;
  return null;
}

/** Why the change cannot apply to the item, or null. */
export function changeError(item: FeedbackItem, change: FeedbackChange): string | null {
  if (change.feedback_id !== item.feedback_id) return `change for ${change.feedback_id} applied to ${item.feedback_id}`;
  switch (change.kind) {
    case 'status':
      if (!STATUSES.includes(change.status)) return `unknown status ${String(change.status)}`;
      if (change.status === 'followed_up' && item.status !== 'followed_up') {
        return `invalid transition ${item.status} → followed_up: record a follow_up (channel, message) instead`;
      }
      return transitionError(item.status, change.status);
    case 'assigned':
      return change.owner.trim() ? null : 'assigned needs an owner';
    case 'follow_up':
      if (!change.channel.trim() || !change.message.trim()) return 'follow_up needs a channel and a message';
      return null;
    case 'note':
      return change.text.trim() ? null : 'note needs text';
    case 'routed':
      return change.team.trim() ? null : 'routed needs a team';
    default:
      return null;
  }
}

function moveTo(item: FeedbackItem, to: FeedbackStatus, change: FeedbackChange): FeedbackItem {
  if (item.status === to) return item;
  return { ...item, status: to, history: [...item.history, { at: change.at, actor: change.actor, from: item.status, to }] };
}

/** Applies one change; throws WorkflowError naming from/to when it is not allowed. */
export function applyChange(item: FeedbackItem, change: FeedbackChange): FeedbackItem {
  const err = changeError(item, change);
  if (err) {
    const to = change.kind === 'status' ? change.status : undefined;
    throw new WorkflowError(err, item.status, to);
  }
  switch (change.kind) {
    case 'classified': {
      const { language, category, subcategory, sentiment, sentiment_label } = change;
      return { ...item, language: item.language ?? language, category, subcategory, sentiment, sentiment_label };
    }
    case 'routed':
      return { ...item, team: change.team };
    case 'assigned': {
      const next = { ...item, owner: change.owner, team: change.team ?? item.team };
      return item.status === 'new' ? moveTo(next, 'assigned', change) : next;
    }
    case 'status':
      return moveTo(item, change.status, change);
    case 'note':
      return { ...item, notes: [...item.notes, { at: change.at, actor: change.actor, text: change.text }] };
    case 'follow_up': {
      const next = {
        ...item,
        follow_ups: [...item.follow_ups, { at: change.at, actor: change.actor, channel: change.channel, message: change.message }],
        followed_up_at: item.followed_up_at ?? change.at,
      };
      return moveTo(next, 'followed_up', change);
    }
  }
}

/** Current state from the stored log. Changes are replayed in time order (log order on
 * ties); one that was invalid at its place in the replay is skipped and reported. */
export function deriveItem(
  sub: FeedbackSubmission,
  changes: readonly FeedbackChange[],
  settings: VocSettings = {},
): { item: FeedbackItem; rejected: { change: FeedbackChange; error: string }[] } {
  const ordered = changes
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.feedback_id === sub.feedback_id)
    .sort((a, b) => a.c.at - b.c.at || a.i - b.i);
  let item = newItem(sub, settings);
  const rejected: { change: FeedbackChange; error: string }[] = [];
  for (const { c } of ordered) {
    const err = changeError(item, c);
    if (err) rejected.push({ change: c, error: err });
    else item = applyChange(item, c);
  }
  return { item, rejected };
}

/** Open detractor past its deadline. At exactly the deadline it is still on time. */
export function isOverdue(item: FeedbackItem, now: number): boolean {
  return item.detractor && item.followed_up_at === undefined && item.follow_up_due !== undefined && now > item.follow_up_due;
}

export interface RoutingRule {
  category?: Category;
  subcategory?: string;
  /** Matches scores ≤ max_score (with `survey`, on that survey's scale). */
  max_score?: number;
  survey?: Survey;
  team: string;
}

/** Owning team: the first rule all of whose given fields match; undefined if none. */
export function route(
  item: Pick<FeedbackItem, 'category' | 'subcategory' | 'score' | 'survey'>,
  rules: readonly RoutingRule[],
): string | undefined {
  for (const r of rules) {
    if (r.category !== undefined && r.category !== item.category) continue;
    if (r.subcategory !== undefined && r.subcategory !== item.subcategory) continue;
    if (r.survey !== undefined && r.survey !== item.survey) continue;
    if (r.max_score !== undefined && !(item.score <= r.max_score)) continue;
    return r.team;
  }
  return undefined;
}

export { vocKpis, themes, trends, csatDrivers, medianTimeToFollowUp } from './views.ts';
export type { VocKpis, Theme, TrendBucket, CsatDriver } from './views.ts';
