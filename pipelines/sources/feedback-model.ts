// Survey answers that depend on what the customer lived through: a latent satisfaction
// falls with the wait (saturating), with an unresolved issue, a transfer, a breached or
// reopened ticket; the survey score and the tone and topic of the comment follow from it.
import type { CommentBank, CommentCategory } from './comment-types.ts';
import { CS } from './comments-cs.ts';
import { EN } from './comments-en.ts';
import { IT } from './comments-it.ts';
import type { Rng } from './prng.ts';

export const LANGUAGES = ['it', 'cs', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const BANKS: Record<Language, CommentBank> = { it: IT, cs: CS, en: EN };

export interface Experience {
  waitS: number;
  resolved: boolean;
  transferred?: boolean;
  breached?: boolean;
  reopened?: boolean;
  agentName?: string;
}

export interface FeedbackDraw {
  survey: 'csat' | 'nps' | 'ces';
  score: number;
  comment?: string;
  language?: string;
}

const CATEGORY_WEIGHTS: [CommentCategory, number][] = [
  ['customer_service', 0.45],
  ['product', 0.22],
  ['marketing_sales', 0.18],
  ['brand_loyalty', 0.15],
];

export function satisfaction(rng: Rng, x: Experience): number {
  let u = 4.45 + (x.resolved ? 0.15 : -1.3);
  u -= 1.7 * (1 - Math.exp(-x.waitS / 200));
  if (x.transferred) u -= 0.3;
  if (x.breached) u -= 0.7;
  if (x.reopened) u -= 0.9;
  return u + rng.normal(0, 0.65);
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(v)));

export function drawFeedback(rng: Rng, x: Experience, language: Language): FeedbackDraw {
  const u = satisfaction(rng, x);
  const s = rng.weighted([0.6, 0.25, 0.15]);
  const survey = s === 0 ? 'csat' : s === 1 ? 'nps' : 'ces';
  const score =
    survey === 'csat'
      ? clamp(u, 1, 5)
      : survey === 'nps'
        ? clamp((u - 1) * 2.6 - 0.3 + rng.normal(0, 0.6), 0, 10)
        : clamp(1 + (u - 1) * 1.5, 1, 7);
  const out: FeedbackDraw = { survey, score };
  const positive = u >= 3.6 ? true : u < 2.8 ? false : rng.chance((u - 2.8) / 0.8);
  if (rng.chance(positive ? 0.5 : 0.7)) {
    out.comment = composeComment(rng, BANKS[language], positive, x);
    if (rng.chance(0.85)) out.language = language;
  }
  return out;
}

export function composeComment(rng: Rng, bank: CommentBank, positive: boolean, x: Experience): string {
  const named = Boolean(x.agentName);
  const first = pickTemplate(rng, bank, positive, x.waitS > 120 && !positive && rng.chance(0.6), named);
  let text = first.t;
  // A second sentence on another topic now and then, as real comments often mix topics.
  if (rng.chance(0.2)) {
    const second = pickTemplate(rng, bank, positive, false, named);
    if (second.c !== first.c) text += ` ${second.t}`;
  }
  const mood = positive ? 'pos' : 'neg';
  if (rng.chance(0.25)) text = rng.pick(bank.openers[mood]) + lowerFirst(text);
  if (rng.chance(0.25)) text += rng.pick(bank.closers[mood]);
  return named ? text.replace('{agent}', (x.agentName as string).split(' ')[0]) : text;
}

function pickTemplate(rng: Rng, bank: CommentBank, positive: boolean, waiting: boolean, named: boolean) {
  if (waiting) {
    const w = bank.templates.filter((t) => t.w);
    if (w.length) return rng.pick(w);
  }
  const cat = CATEGORY_WEIGHTS[rng.weighted(CATEGORY_WEIGHTS.map((c) => c[1]))][0];
  const pool = bank.templates.filter((t) => t.c === cat && t.p === positive && (named || !t.t.includes('{agent}')));
  return rng.pick(pool);
}

function lowerFirst(text: string): string {
  // "I" stays capital in English; proper names ({agent}) are never first.
  if (/^I\b/.test(text)) return text;
  return text.charAt(0).toLowerCase() + text.slice(1);
}
