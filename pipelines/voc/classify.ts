// Lexicon and rule based classifier for feedback comments: topic (category/subcategory),
// sentiment in −1…1 with a label, and the language when the event has none.
// Sentiment handles negation scopes (incl. Czech "ne-" prefixes and negative concord),
// intensifiers/softeners and "but"-clauses; tenant keyword rules take priority.
import { addEntry, compileLexicon, emptyLexicon, matchPhrase, nodesFor, weightPair, type CompiledLexicon, type Node, type Payload } from './lexicon.ts';
import { detectLanguage, primaryLanguage } from './language.ts';
import { categoryOf, FALLBACK_TOPIC, SUBCATEGORIES, type Category, type SentimentLabel } from './taxonomy.ts';
import { isPunct, tokenize } from './text.ts';
import { it } from './lexicons/it.ts';
import { cs } from './lexicons/cs.ts';
import { en } from './lexicons/en.ts';

/** A tenant's keyword rule, edited by admins. `pattern` is a word or phrase; a word ending
 * in `*` matches as a stem. `sentiment` is −1…1. Rules apply in list order (first match
 * with a category/subcategory sets the topic) and override the built-in lexicons. */
export interface KeywordRule {
  pattern: string;
  language?: string;
  category?: Category;
  subcategory?: string;
  sentiment?: number;
}

export interface ClassifyOptions {
  language?: string;
  rules?: readonly KeywordRule[];
}

export interface Classification {
  language: string;
  category: Category;
  subcategory: string;
  sentiment: number;
  sentiment_label: SentimentLabel;
}

const BUILT_IN: Record<string, CompiledLexicon> = { it: compileLexicon(it), cs: compileLexicon(cs), en: compileLexicon(en) };
// Any other language gets all three lexicons at once: loanwords and English are common.
const ANY = compileLexicon({
  sentiment: { ...cs.sentiment, ...it.sentiment, ...en.sentiment },
  topics: Object.fromEntries(Object.keys(SUBCATEGORIES).map((s) => [s, [...(cs.topics[s] ?? []), ...(it.topics[s] ?? []), ...(en.topics[s] ?? [])]])),
  negators: [...cs.negators, ...it.negators, ...en.negators],
  modifiers: { ...cs.modifiers, ...it.modifiers, ...en.modifiers },
  contrast: [...cs.contrast, ...it.contrast, ...en.contrast],
});

/** Scale of lexicon weights; a rule's −1…1 maps onto it. */
const RULE_WEIGHT = 3;
const MODIFIER_SCOPE = 2;
/** Squashes the raw sum into −1…1; larger means more evidence needed for a strong score. */
const SQUASH = 4;
/** |sentiment| below this is neutral. */
const NEUTRAL_BAND = 0.3;
/** Weight of a question's or conditional's opinion words. */
const DAMPENED = 0.3;
const SUB_ORDER = Object.keys(SUBCATEGORIES);

const ruleCache = new WeakMap<readonly KeywordRule[], Map<string, CompiledLexicon>>();

function rulesFor(rules: readonly KeywordRule[], lang: string): CompiledLexicon {
  let perLang = ruleCache.get(rules);
  if (!perLang) ruleCache.set(rules, (perLang = new Map()));
  let lex = perLang.get(lang);
  if (!lex) {
    lex = emptyLexicon();
    // Reverse order so that, for the same pattern, the earlier rule's payload wins.
    for (let i = rules.length - 1; i >= 0; i--) {
      const r = rules[i];
      if (r.language && primaryLanguage(r.language) !== lang) continue;
      const p: Payload = { rule: i };
      if (r.sentiment !== undefined) p.sent = weightPair(Math.max(-1, Math.min(1, r.sentiment)) * RULE_WEIGHT);
      addEntry(lex, r.pattern, p);
    }
    perLang.set(lang, lex);
  }
  return lex;
}

interface Clause {
  sum: number;
  weight: number;
  excl: number;
  /** A question or conditional: an enquiry more than an opinion. */
  damp: boolean;
}

const scratch: Node[] = [];
const scratch2: Node[] = [];

/** Best payload at tokens[i]: a phrase if one matches (longest first), else the word. */
function lookup(lex: CompiledLexicon, tokens: string[], i: number): { p: Payload; len: number; prefixNeg: boolean } | undefined {
  const t = tokens[i];
  const nodes = nodesFor(lex, t, scratch);
  for (const n of nodes) for (const ph of n.phrases) {
    const len = matchPhrase(ph, tokens, i);
    if (len) return { p: ph.payload, len, prefixNeg: false };
  }
  let p: Payload | undefined;
  for (const n of nodes) {
    const q = n.payload;
    if (q.sent || q.topics || q.neg || q.mod !== undefined || q.contrast || q.hypo || q.rule !== undefined) {
      p = p ? { ...q, ...p, topics: p.topics ?? q.topics } : q;
    }
  }
  if (p?.sent) return { p, len: 1, prefixNeg: false };
  if (lex.negPrefix && t.length > 4 && t.startsWith('ne') && !t.startsWith('nej')) {
    const inner = nodesFor(lex, t.slice(2), scratch2).find((n) => n.payload.sent);
    if (inner) return { p: { ...inner.payload, topics: inner.payload.topics ?? p?.topics }, len: 1, prefixNeg: true };
  }
  return p ? { p, len: 1, prefixNeg: false } : undefined;
}

export function classify(text: string, opts: ClassifyOptions = {}): Classification {
  const language = opts.language ? primaryLanguage(opts.language) : detectLanguage(text);
  const lex = BUILT_IN[language] ?? ANY;
  const ruleLex = opts.rules && opts.rules.length > 0 ? rulesFor(opts.rules, language) : undefined;
  const tokens = tokenize(text);

  const clauses: Clause[] = [];
  let cur: Clause = { sum: 0, weight: 1, excl: 0, damp: false };
  const votes: { sub: string; w: number; clause: Clause }[] = [];
  let ruleTopic = -1;
  let negLeft = 0;
  let mod = 1;
  let modLeft = 0;

  for (let i = 0; i < tokens.length; ) {
    const t = tokens[i];
    if (isPunct(t)) {
      if (t === '!') cur.excl++;
      if (t === '?') cur.damp = true;
      if (t === '.' || t === '!' || t === '?' || t === ';') {
        clauses.push(cur);
        cur = { sum: 0, weight: cur.weight, excl: 0, damp: false };
      }
      negLeft = 0;
      modLeft = 0;
      i++;
      continue;
    }
    let hit = ruleLex ? lookup(ruleLex, tokens, i) : undefined;
    if (hit) {
      const idx = hit.p.rule ?? -1;
      const r = opts.rules![idx];
      if (r && (r.category || r.subcategory) && (ruleTopic < 0 || idx < ruleTopic)) ruleTopic = idx;
      // A rule without its own sentiment leaves the words to the built-in lexicon.
      if (!hit.p.sent) hit = undefined;
    }
    hit ??= lookup(lex, tokens, i);
    if (!hit) {
      i++;
      if (negLeft > 0) negLeft--;
      if (modLeft > 0) modLeft--;
      continue;
    }
    const { p, len, prefixNeg } = hit;
    if (p.contrast) {
      for (const c of clauses) c.weight = 0.5;
      cur.weight = 0.5;
      clauses.push(cur);
      cur = { sum: 0, weight: 1.5, excl: 0, damp: false };
      negLeft = 0;
      i += len;
      continue;
    }
    if (p.hypo) cur.damp = true;
    if (p.topics) for (const tp of p.topics) votes.push({ sub: tp.sub, w: tp.w, clause: cur });
    // A word that is both a modifier and a sentiment word ("hrozně", "terribly") modifies
    // when a sentiment word follows, and counts itself otherwise.
    const modifies = p.mod !== undefined && (!p.sent || (i + len < tokens.length && lookup(lex, tokens, i + len)?.p.sent !== undefined));
    if (modifies) {
      mod = p.mod!;
      modLeft = MODIFIER_SCOPE + 1;
    } else if (p.sent) {
      const negated = prefixNeg || negLeft > 0;
      let v = negated ? p.sent[1] : p.sent[0];
      if (modLeft > 0) v *= mod;
      if (language === 'it' && t.includes('issim')) v *= 1.3;
      cur.sum += v;
      modLeft = 0;
      // A negation flips the first opinion word it reaches, not everything after it.
      if (negLeft > 0 && !p.neg) negLeft = len;
    }
    // Negative concord (it "non … mai", cs "nikdo ne…"): a second negator keeps the scope open.
    if (p.neg && negLeft <= len) negLeft = p.neg + len;
    i += len;
    if (negLeft > 0) negLeft -= len;
    if (modLeft > 0) modLeft--;
  }
  clauses.push(cur);

  let raw = 0;
  for (const c of clauses) raw += c.sum * c.weight * (1 + 0.15 * Math.min(c.excl, 3)) * (c.damp ? DAMPENED : 1);
  const sentiment = Math.round((raw / Math.sqrt(raw * raw + SQUASH)) * 1000) / 1000;
  const sentiment_label: SentimentLabel = sentiment >= NEUTRAL_BAND ? 'positive' : sentiment <= -NEUTRAL_BAND ? 'negative' : 'neutral';

  let { category, subcategory } = pickTopic(votes);
  if (ruleTopic >= 0) {
    const r = opts.rules![ruleTopic];
    if (r.subcategory) subcategory = r.subcategory;
    category = r.category ?? categoryOf(r.subcategory ?? '') ?? category;
  }
  return { language, category, subcategory, sentiment, sentiment_label };
}

function pickTopic(votes: { sub: string; w: number; clause: Clause }[]): { category: Category; subcategory: string } {
  if (votes.length === 0) return { ...FALLBACK_TOPIC };
  const score = new Map<string, number>();
  for (const v of votes) score.set(v.sub, (score.get(v.sub) ?? 0) + v.w * v.clause.weight);
  let best = '';
  let bestScore = -Infinity;
  for (const sub of SUB_ORDER) {
    const s = score.get(sub);
    if (s !== undefined && s > bestScore) {
      best = sub;
      bestScore = s;
    }
  }
  return { category: categoryOf(best) ?? FALLBACK_TOPIC.category, subcategory: best };
}
