import { describe, expect, it } from 'vitest';
import { csatDrivers, medianTimeToFollowUp, themes, trends, vocKpis } from '../../../pipelines/voc/views.ts';
import { newItem, type FeedbackItem, type FeedbackSubmission } from '../../../pipelines/voc/workflow.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);

function item(id: string, s: Partial<FeedbackSubmission>, extra: Partial<FeedbackItem> = {}): FeedbackItem {
  return { ...newItem({ feedback_id: id, survey: 'csat', score: 5, submitted_at: T0, ...s }), ...extra };
}

// Hand-computed set. now = T0 + 60 h, window = [T0 + 10 h, now].
const now = T0 + 60 * H;
const items: FeedbackItem[] = [
  // outside the window (T0), detractor, never followed up → overdue since T0 + 48 h
  item('a', { survey: 'nps', score: 2, submitted_at: T0 }, { category: 'customer_service', subcategory: 'waiting_time', sentiment: -0.8, sentiment_label: 'negative' }),
  // in window, detractor, followed up after 5 h
  item('b', { survey: 'csat', score: 1, submitted_at: T0 + 11 * H }, { category: 'customer_service', subcategory: 'waiting_time', sentiment: -0.6, sentiment_label: 'negative', followed_up_at: T0 + 16 * H }),
  // in window, detractor, open, due T0 + 59 h → overdue at now
  item('c', { survey: 'nps', score: 5, submitted_at: T0 + 11 * H }, { category: 'marketing_sales', subcategory: 'billing', sentiment: -0.4, sentiment_label: 'negative' }),
  // in window, detractor, open, due T0 + 68 h → not overdue yet
  item('d', { survey: 'csat', score: 2, submitted_at: T0 + 20 * H }, { category: 'marketing_sales', subcategory: 'billing', sentiment: 0, sentiment_label: 'neutral' }),
  // in window, promoter, followed up after 1 h
  item('e', { survey: 'csat', score: 5, submitted_at: T0 + 30 * H }, { category: 'customer_service', subcategory: 'agent_courtesy', sentiment: 0.9, sentiment_label: 'positive', followed_up_at: T0 + 31 * H }),
  // in window, csat 4, unclassified
  item('f', { survey: 'csat', score: 4, submitted_at: T0 + 40 * H }),
];

describe('vocKpis', () => {
  it('matches the hand-computed figures', () => {
    const k = vocKpis(items, now, T0 + 10 * H);
    expect(k.voc_overdue).toBe(2); // a, c
    expect(k.loop_closure_rate).toBeCloseTo(1 / 3, 10); // b of b, c, d
    expect(k.sentiment_avg).toBeCloseTo((-0.6 - 0.4 + 0 + 0.9) / 4, 10);
  });

  it('counts the window inclusively at both ends and returns null on empty', () => {
    expect(vocKpis(items, T0 + 16 * H, T0 + 11 * H).loop_closure_rate).toBe(0.5); // b closed exactly at now, c open
    expect(vocKpis([], now, T0)).toEqual({ voc_overdue: 0, loop_closure_rate: null, sentiment_avg: null });
  });

  it('a follow-up after `now` does not close the loop yet', () => {
    expect(vocKpis(items, T0 + 12 * H, T0).loop_closure_rate).toBe(0);
  });
});

describe('themes and trends', () => {
  it('groups by category/subcategory with volume and mean sentiment', () => {
    const t = themes(items);
    expect(t[0]).toMatchObject({ category: 'customer_service', subcategory: 'waiting_time', volume: 2, negative_share: 1 });
    expect(t[0].sentiment_avg).toBeCloseTo(-0.7, 10);
    expect(t.find((x) => x.subcategory === 'billing')).toMatchObject({ volume: 2, sentiment_avg: -0.2, negative_share: 0.5 });
    expect(t).toHaveLength(3);
  });

  it('buckets by category over [from, to)', () => {
    const b = trends(items, T0, T0 + 24 * H, 12 * H);
    expect(b).toEqual([
      { start: T0, category: 'customer_service', volume: 2, sentiment_avg: -0.7 },
      { start: T0, category: 'marketing_sales', volume: 1, sentiment_avg: -0.4 },
      { start: T0 + 12 * H, category: 'marketing_sales', volume: 1, sentiment_avg: 0 },
    ]);
  });
});

describe('csatDrivers', () => {
  it('ranks subcategories by share × gap to overall CSAT', () => {
    // classified csat items: b (1, waiting), d (2, billing), e (5, courtesy) → overall 1/3
    const d = csatDrivers(items);
    expect(d.map((x) => x.subcategory)).toEqual(['billing', 'waiting_time', 'agent_courtesy']);
    const courtesy = d.find((x) => x.subcategory === 'agent_courtesy')!;
    expect(courtesy.share).toBeCloseTo(1 / 3, 10);
    expect(courtesy.gap).toBeCloseTo(2 / 3, 10);
    expect(courtesy.impact).toBeCloseTo(2 / 9, 10);
    expect(d[0].impact).toBeCloseTo(-1 / 9, 10);
  });
});

describe('medianTimeToFollowUp', () => {
  it('is the median delay to the first follow-up', () => {
    expect(medianTimeToFollowUp(items)).toBe(3 * H); // 5 h and 1 h
    expect(medianTimeToFollowUp(items.slice(0, 2))).toBe(5 * H);
    expect(medianTimeToFollowUp([])).toBeNull();
  });
});
