import { describe, expect, it } from 'vitest';
import {
  applyChange, deriveItem, isDetractor, isOverdue, newItem, route, STATUSES, transitionError, WorkflowError,
  type FeedbackChange, type FeedbackStatus, type FeedbackSubmission,
} from '../../../pipelines/voc/workflow.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);
const sub = (over: Partial<FeedbackSubmission> = {}): FeedbackSubmission => ({ feedback_id: 'f1', survey: 'nps', score: 3, submitted_at: T0, ...over });
const ch = (c: Record<string, unknown> & { kind: FeedbackChange['kind'] }, at = T0 + H): FeedbackChange =>
  ({ feedback_id: 'f1', at, actor: 'lead-1', ...c }) as FeedbackChange;

describe('status transitions', () => {
  const forward: [FeedbackStatus, FeedbackStatus][] = [];
  const backward: [FeedbackStatus, FeedbackStatus][] = [];
  for (let i = 0; i < STATUSES.length; i++) for (let j = 0; j < STATUSES.length; j++) {
    if (j > i) forward.push([STATUSES[i], STATUSES[j]]);
    else backward.push([STATUSES[i], STATUSES[j]]);
  }

  it.each(forward)('%s → %s is allowed', (from, to) => {
    expect(transitionError(from, to)).toBeNull();
  });

  it.each(backward)('%s → %s is refused with a message naming both', (from, to) => {
    const err = transitionError(from, to);
    expect(err).toContain(`${from} → ${to}`);
  });

  it('walks the full path with a follow-up closing the loop', () => {
    let item = newItem(sub());
    item = applyChange(item, ch({ kind: 'assigned', owner: 'maria', team: 'care' }));
    expect(item).toMatchObject({ status: 'assigned', owner: 'maria', team: 'care' });
    item = applyChange(item, ch({ kind: 'status', status: 'in_progress' }));
    item = applyChange(item, ch({ kind: 'status', status: 'actioned' }));
    item = applyChange(item, ch({ kind: 'follow_up', channel: 'phone', message: 'Called back, credit issued' }, T0 + 5 * H));
    expect(item.status).toBe('followed_up');
    expect(item.followed_up_at).toBe(T0 + 5 * H);
    expect(item.follow_ups).toEqual([{ at: T0 + 5 * H, actor: 'lead-1', channel: 'phone', message: 'Called back, credit issued' }]);
    expect(item.history.map((h) => `${h.from}>${h.to}`)).toEqual(['new>assigned', 'assigned>in_progress', 'in_progress>actioned', 'actioned>followed_up']);
  });

  it('throws WorkflowError with from/to on an invalid move', () => {
    const item = applyChange(newItem(sub()), ch({ kind: 'status', status: 'actioned' }));
    try {
      applyChange(item, ch({ kind: 'status', status: 'assigned' }));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WorkflowError);
      expect((e as WorkflowError).message).toBe('invalid transition actioned → assigned: status moves forward only');
      expect((e as WorkflowError).from).toBe('actioned');
      expect((e as WorkflowError).to).toBe('assigned');
    }
  });

  it('reaches followed_up only through a recorded follow-up', () => {
    expect(() => applyChange(newItem(sub()), ch({ kind: 'status', status: 'followed_up' }))).toThrow(/new → followed_up: record a follow_up/);
    expect(() => applyChange(newItem(sub()), ch({ kind: 'follow_up', channel: 'email', message: ' ' }))).toThrow(/channel and a message/);
  });

  it('re-assigning later changes the owner but not the status', () => {
    let item = applyChange(newItem(sub()), ch({ kind: 'status', status: 'in_progress' }));
    item = applyChange(item, ch({ kind: 'assigned', owner: 'pavel' }));
    expect(item).toMatchObject({ status: 'in_progress', owner: 'pavel' });
  });
});

describe('deriveItem', () => {
  it('replays the log in time order and skips changes invalid at their place', () => {
    const log: FeedbackChange[] = [
      ch({ kind: 'status', status: 'actioned' }, T0 + 3 * H),
      ch({ kind: 'assigned', owner: 'maria' }, T0 + H),
      ch({ kind: 'note', text: 'customer wants a call after 5pm' }, T0 + 2 * H),
      ch({ kind: 'status', status: 'in_progress' }, T0 + 4 * H),
      ch({ kind: 'classified', language: 'it', category: 'marketing_sales', subcategory: 'billing', sentiment: -0.8, sentiment_label: 'negative' }, T0),
      ch({ kind: 'routed', team: 'billing-desk' }, T0),
      { ...ch({ kind: 'note', text: 'other item' }), feedback_id: 'f2' },
    ];
    const { item, rejected } = deriveItem(sub(), log);
    expect(item).toMatchObject({ status: 'actioned', owner: 'maria', team: 'billing-desk', subcategory: 'billing', sentiment: -0.8, language: 'it' });
    expect(item.notes.map((n) => n.text)).toEqual(['customer wants a call after 5pm']);
    expect(rejected).toHaveLength(1);
    expect(rejected[0].error).toBe('invalid transition actioned → in_progress: status moves forward only');
  });

  it('keeps the language the event carried over the detected one', () => {
    const { item } = deriveItem(sub({ language: 'cs' }), [ch({ kind: 'classified', language: 'en', category: 'product', subcategory: 'delivery', sentiment: 0, sentiment_label: 'neutral' })]);
    expect(item.language).toBe('cs');
  });
});

describe('detractors and deadlines', () => {
  it.each([
    ['nps', 6, true], ['nps', 7, false], ['nps', 0, true],
    ['csat', 2, true], ['csat', 3, false], ['ces', 1, false],
  ] as const)('%s %d → detractor %s', (survey, score, expected) => {
    expect(isDetractor(survey, score)).toBe(expected);
  });

  it('is overdue only after the deadline, not exactly at it (default 48 h)', () => {
    const item = newItem(sub());
    expect(item.follow_up_due).toBe(T0 + 48 * H);
    expect(isOverdue(item, T0 + 48 * H - 1)).toBe(false);
    expect(isOverdue(item, T0 + 48 * H)).toBe(false);
    expect(isOverdue(item, T0 + 48 * H + 1)).toBe(true);
  });

  it('uses the tenant deadline and stops being overdue once followed up', () => {
    const { item } = deriveItem(sub(), [ch({ kind: 'follow_up', channel: 'phone', message: 'sorry' }, T0 + 30 * H)], { follow_up_hours: 24 });
    expect(item.follow_up_due).toBe(T0 + 24 * H);
    expect(isOverdue(newItem(sub(), { follow_up_hours: 24 }), T0 + 25 * H)).toBe(true);
    expect(isOverdue(item, T0 + 31 * H)).toBe(false);
  });

  it('promoters are never overdue', () => {
    const item = newItem(sub({ score: 10 }));
    expect(item.follow_up_due).toBeUndefined();
    expect(isOverdue(item, T0 + 1000 * H)).toBe(false);
  });
});

describe('routing', () => {
  const rules = [
    { category: 'marketing_sales' as const, subcategory: 'billing', team: 'billing-desk' },
    { survey: 'nps' as const, max_score: 6, team: 'retention' },
    { category: 'product' as const, team: 'product-care' },
    { team: 'front-office' },
  ];
  it('first matching rule wins', () => {
    expect(route({ category: 'marketing_sales', subcategory: 'billing', survey: 'nps', score: 2 }, rules)).toBe('billing-desk');
    expect(route({ category: 'product', subcategory: 'delivery', survey: 'nps', score: 6 }, rules)).toBe('retention');
    expect(route({ category: 'product', subcategory: 'delivery', survey: 'nps', score: 7 }, rules)).toBe('product-care');
    expect(route({ category: 'brand_loyalty', subcategory: 'trust', survey: 'csat', score: 1 }, rules)).toBe('front-office');
  });
  it('returns undefined when nothing matches', () => {
    expect(route({ category: 'product', subcategory: 'delivery', survey: 'csat', score: 5 }, rules.slice(0, 2))).toBeUndefined();
  });
});
