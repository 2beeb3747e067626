// Client of /v1/feedback. Same auth as $lib/api (session cookie, or the `?key=` bearer),
// same problem+json errors (ApiError), so errorText() renders them.
import { request } from '$lib/api';

export type FeedbackStatus = 'new' | 'assigned' | 'in_progress' | 'actioned' | 'followed_up';
export const STATUSES: FeedbackStatus[] = ['new', 'assigned', 'in_progress', 'actioned', 'followed_up'];
export const STATUS_LABELS: Record<FeedbackStatus, string> = {
  new: 'New',
  assigned: 'Assigned',
  in_progress: 'In progress',
  actioned: 'Actioned',
  followed_up: 'Followed up',
};

export interface FeedbackRow {
  id: string;
  survey: 'csat' | 'nps' | 'ces';
  score: number;
  comment: string | null;
  language: string | null;
  language_detected: boolean;
  category: string | null;
  subcategory: string | null;
  sentiment: number | null;
  sentiment_label: 'negative' | 'neutral' | 'positive' | null;
  status: FeedbackStatus;
  team: string | null;
  owner: string | null;
  submitted_at: string;
  agent_id: string | null;
  queue: string | null;
  channel: string | null;
  detractor: boolean;
  follow_up_due: string | null;
  overdue: boolean;
  followed_up_at: string | null;
  notes: number;
}

export interface FeedbackDetail extends Omit<FeedbackRow, 'notes'> {
  notes: { at: string; actor: string; text: string }[];
  follow_ups: { at: string; actor: string; channel: string; message: string }[];
  history: { at: string; actor: string; from: FeedbackStatus; to: FeedbackStatus }[];
  changes: { change_id: string; at: string; actor: string; kind: string; [k: string]: unknown }[];
}

export interface FeedbackPatch {
  status?: FeedbackStatus;
  owner?: string;
  team?: string;
  note?: string;
  follow_up?: { channel: string; message: string; at?: string };
}

export interface FeedbackViews {
  from: string;
  to: string;
  responses: number;
  detractors: number;
  themes: { category: string; subcategory: string; volume: number; sentiment_avg: number | null; negative_share: number }[];
  trends: { start: string; category: string; volume: number; sentiment_avg: number | null }[];
  csat_drivers: { subcategory: string; responses: number; share: number; csat: number; gap: number; impact: number }[];
  loop_closure_rate: number | null;
  median_time_to_follow_up_s: number | null;
  sentiment_avg: number | null;
  voc_overdue: number;
}

export type FeedbackFilter = Partial<Record<'status' | 'category' | 'subcategory' | 'sentiment_label' | 'team' | 'owner' | 'survey' | 'language' | 'q', string>> & {
  detractor?: boolean;
  overdue?: boolean;
};


function query(f: FeedbackFilter, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined || v === '' || v === false) continue;
    p.set(k, String(v));
  }
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

export const feedbackApi = {
  list: (f: FeedbackFilter, cursor?: string | null, limit = 50) =>
    request<{ items: FeedbackRow[]; next_cursor: string | null }>('GET', `/v1/feedback?${query(f, { limit: String(limit), ...(cursor ? { cursor } : {}) })}`),
  get: (id: string) => request<FeedbackDetail>('GET', `/v1/feedback/${encodeURIComponent(id)}`),
  patch: (id: string, body: FeedbackPatch) => request<FeedbackRow>('PATCH', `/v1/feedback/${encodeURIComponent(id)}`, body),
  views: (from: string, to?: string) =>
    request<FeedbackViews>('GET', `/v1/feedback/views?${new URLSearchParams({ from, ...(to ? { to } : {}) })}`),
};

/** Okabe–Ito colours of the app theme, one per sentiment label. */
export function sentimentColour(label: string | null): string {
  return label === 'negative' ? 'var(--alert)' : label === 'positive' ? 'var(--available)' : 'var(--muted)';
}

export function humanise(s: string | null): string {
  return s ? s.replace(/_/g, ' ') : '–';
}

/** "3 h 20 min" style durations for follow-up times. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.round(h / 24)} d`;
}

export function pct(x: number | null): string {
  return x === null ? '–' : `${Math.round(x * 100)} %`;
}
