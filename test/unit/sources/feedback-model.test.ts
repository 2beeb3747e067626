import { describe, expect, it } from 'vitest';
import { COMMENT_CATEGORIES } from '../../../pipelines/sources/comment-types.ts';
import { BANKS, drawFeedback, LANGUAGES, type Experience } from '../../../pipelines/sources/feedback-model.ts';
import { Rng } from '../../../pipelines/sources/prng.ts';

describe('comment banks', () => {
  it.each(LANGUAGES)('%s has 30+ distinct templates covering every category, positive and negative', (lang) => {
    const { templates } = BANKS[lang];
    expect(new Set(templates.map((t) => t.t)).size).toBeGreaterThanOrEqual(30);
    for (const c of COMMENT_CATEGORIES) {
      for (const p of [true, false]) expect(templates.filter((t) => t.c === c && t.p === p).length, `${c} ${p}`).toBeGreaterThanOrEqual(3);
    }
    expect(templates.some((t) => t.w && !t.p)).toBe(true);
  });

  it('writes Czech with its diacritics', () => {
    const withMarks = BANKS.cs.templates.filter((t) => /[áčďéěíňóřšťúůýž]/i.test(t.t));
    expect(withMarks.length / BANKS.cs.templates.length).toBeGreaterThan(0.9);
  });
});

describe('drawFeedback', () => {
  const sample = (x: Experience, n = 3000) => {
    const rng = new Rng('fb', JSON.stringify(x));
    return Array.from({ length: n }, () => drawFeedback(rng, x, 'en'));
  };
  const csatMean = (xs: ReturnType<typeof sample>) => {
    const s = xs.filter((f) => f.survey === 'csat').map((f) => f.score);
    return s.reduce((a, b) => a + b, 0) / s.length;
  };

  it('scores fall with the wait and without resolution, within each survey range', () => {
    const good = sample({ waitS: 5, resolved: true, agentName: 'Ann Lee' });
    const slow = sample({ waitS: 600, resolved: true, agentName: 'Ann Lee' });
    const unresolved = sample({ waitS: 5, resolved: false, agentName: 'Ann Lee' });
    expect(csatMean(slow)).toBeLessThan(csatMean(good) - 0.8);
    expect(csatMean(unresolved)).toBeLessThan(csatMean(good) - 0.8);
    const ranges = { csat: [1, 5], nps: [0, 10], ces: [1, 7] } as const;
    for (const f of [...good, ...slow]) {
      expect(Number.isInteger(f.score)).toBe(true);
      expect(f.score).toBeGreaterThanOrEqual(ranges[f.survey][0]);
      expect(f.score).toBeLessThanOrEqual(ranges[f.survey][1]);
    }
    const surveys = new Set(good.map((f) => f.survey));
    expect([...surveys].sort()).toEqual(['ces', 'csat', 'nps']);
  });

  it('matches the tone of the comment to the experience and talks about waiting after long waits', () => {
    const positive = new Set(BANKS.en.templates.filter((t) => t.p).map((t) => t.t));
    const waiting = BANKS.en.templates.filter((t) => t.w).map((t) => t.t);
    const tone = (xs: ReturnType<typeof sample>) => {
      const c = xs.filter((f) => f.comment);
      // Case-blind: an opener lower-cases the template's first letter.
      const has = (f: { comment?: string }, t: string) => f.comment!.toLowerCase().includes(t.replace('{agent}', 'Ann').toLowerCase());
      return c.filter((f) => [...positive].some((p) => has(f, p))).length / c.length;
    };
    const good = sample({ waitS: 5, resolved: true, agentName: 'Ann Lee' });
    const bad = sample({ waitS: 900, resolved: false, agentName: 'Ann Lee' });
    expect(tone(good)).toBeGreaterThan(0.8);
    expect(tone(bad)).toBeLessThan(0.2);
    const aboutWaiting = bad.filter((f) => f.comment && waiting.some((w) => f.comment!.toLowerCase().includes(w.toLowerCase()))).length;
    expect(aboutWaiting / bad.filter((f) => f.comment).length).toBeGreaterThan(0.4);
    expect(good.some((f) => f.comment?.includes('Thanks to Ann,'))).toBe(true);
    expect(good.every((f) => !f.comment?.includes('{agent}'))).toBe(true);
  });
});
