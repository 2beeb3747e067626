// Aggregate views over derived feedback items: the VoC KPIs and the analysis tables.
// Windows follow kpis.md: an item counts when windowStart ≤ submitted_at ≤ now.
import { isOverdue, type FeedbackItem } from './workflow.ts';

export interface VocKpis {
  /** Detractors not followed up and past their deadline at `now`, whenever submitted:
   * an overdue item stays a live problem until someone follows it up. */
  voc_overdue: number;
  /** Detractors submitted in the window that have been followed up (by now) ÷ detractors
   * submitted in the window; null when the window has no detractor. */
  loop_closure_rate: number | null;
  /** Mean sentiment (−1…1) of classified items submitted in the window; null if none. */
  sentiment_avg: number | null;
}

export function vocKpis(items: readonly FeedbackItem[], now: number, windowStart: number): VocKpis {
  let overdue = 0;
  let detractors = 0;
  let closed = 0;
  let sentSum = 0;
  let sentN = 0;
  for (const it of items) {
    if (isOverdue(it, now)) overdue++;
    if (it.submitted_at < windowStart || it.submitted_at > now) continue;
    if (it.detractor) {
      detractors++;
      if (it.followed_up_at !== undefined && it.followed_up_at <= now) closed++;
    }
    if (it.sentiment !== undefined) {
      sentSum += it.sentiment;
      sentN++;
    }
  }
  return {
    voc_overdue: overdue,
    loop_closure_rate: detractors ? closed / detractors : null,
    sentiment_avg: sentN ? sentSum / sentN : null,
  };
}

export interface Theme {
  category: string;
  subcategory: string;
  volume: number;
  sentiment_avg: number | null;
  negative_share: number;
}

/** Volume and mean sentiment per category/subcategory, largest first. */
export function themes(items: readonly FeedbackItem[]): Theme[] {
  const acc = new Map<string, { category: string; subcategory: string; n: number; s: number; sn: number; neg: number }>();
  for (const it of items) {
    if (!it.category || !it.subcategory) continue;
    const key = `${it.category}/${it.subcategory}`;
    let a = acc.get(key);
    if (!a) acc.set(key, (a = { category: it.category, subcategory: it.subcategory, n: 0, s: 0, sn: 0, neg: 0 }));
    a.n++;
    if (it.sentiment !== undefined) {
      a.s += it.sentiment;
      a.sn++;
    }
    if (it.sentiment_label === 'negative') a.neg++;
  }
  return [...acc.values()]
    .map((a) => ({ category: a.category, subcategory: a.subcategory, volume: a.n, sentiment_avg: a.sn ? a.s / a.sn : null, negative_share: a.neg / a.n }))
    .sort((x, y) => y.volume - x.volume || x.category.localeCompare(y.category) || x.subcategory.localeCompare(y.subcategory));
}

export interface TrendBucket {
  start: number;
  category: string;
  volume: number;
  sentiment_avg: number | null;
}

/** Volume and mean sentiment per category in fixed buckets [from, to). */
export function trends(items: readonly FeedbackItem[], from: number, to: number, bucketMs: number): TrendBucket[] {
  if (!(bucketMs > 0)) throw new RangeError('bucketMs must be positive');
  const acc = new Map<string, { start: number; category: string; n: number; s: number; sn: number }>();
  for (const it of items) {
    if (!it.category || it.submitted_at < from || it.submitted_at >= to) continue;
    const start = from + Math.floor((it.submitted_at - from) / bucketMs) * bucketMs;
    const key = `${start}|${it.category}`;
    let a = acc.get(key);
    if (!a) acc.set(key, (a = { start, category: it.category, n: 0, s: 0, sn: 0 }));
    a.n++;
    if (it.sentiment !== undefined) {
      a.s += it.sentiment;
      a.sn++;
    }
  }
  return [...acc.values()]
    .map((a) => ({ start: a.start, category: a.category, volume: a.n, sentiment_avg: a.sn ? a.s / a.sn : null }))
    .sort((x, y) => x.start - y.start || x.category.localeCompare(y.category));
}

export interface CsatDriver {
  subcategory: string;
  responses: number;
  /** Responses mentioning the subcategory ÷ all classified CSAT responses. */
  share: number;
  /** CSAT (kpis.md: share of scores ≥ 4) of those responses. */
  csat: number;
  /** That CSAT minus the overall CSAT; negative pulls CSAT down. */
  gap: number;
  /** share × gap: how many CSAT points the subcategory costs (or adds) overall. */
  impact: number;
}

/** Which subcategories pull CSAT down: most negative impact first. */
export function csatDrivers(items: readonly FeedbackItem[]): CsatDriver[] {
  const csatItems = items.filter((it) => it.survey === 'csat' && it.subcategory);
  if (csatItems.length === 0) return [];
  const top = (xs: readonly FeedbackItem[]) => xs.filter((x) => x.score >= 4).length / xs.length;
  const overall = top(csatItems);
  const bySub = new Map<string, FeedbackItem[]>();
  for (const it of csatItems) bySub.set(it.subcategory!, [...(bySub.get(it.subcategory!) ?? []), it]);
  return [...bySub.entries()]
    .map(([subcategory, xs]) => {
      const share = xs.length / csatItems.length;
      const csat = top(xs);
      return { subcategory, responses: xs.length, share, csat, gap: csat - overall, impact: share * (csat - overall) };
    })
    .sort((a, b) => a.impact - b.impact || a.subcategory.localeCompare(b.subcategory));
}

/** Median ms from submission to first follow-up over the followed-up items; null if none. */
export function medianTimeToFollowUp(items: readonly FeedbackItem[]): number | null {
  const ds = items.filter((it) => it.followed_up_at !== undefined).map((it) => it.followed_up_at! - it.submitted_at).sort((a, b) => a - b);
  if (ds.length === 0) return null;
  const m = ds.length >> 1;
  return ds.length % 2 ? ds[m] : (ds[m - 1] + ds[m]) / 2;
}
