import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classify, type KeywordRule } from '../../../pipelines/voc/classify.ts';
import { detectLanguage, guessLanguage } from '../../../pipelines/voc/language.ts';
import { evaluate, type Labelled } from '../../../pipelines/voc/evaluate.ts';

const set: Labelled[] = JSON.parse(readFileSync(new URL('../../fixtures/voc/labelled.json', import.meta.url), 'utf8'));

describe('labelled set', () => {
  it('has ≥ 300 comments, a third per language, all categories and labels', () => {
    expect(set.length).toBeGreaterThanOrEqual(300);
    for (const lang of ['it', 'cs', 'en']) {
      const rows = set.filter((x) => x.language === lang);
      expect(rows.length).toBeGreaterThanOrEqual(100);
      expect(new Set(rows.map((x) => x.category)).size).toBe(4);
      expect(new Set(rows.map((x) => x.sentiment_label)).size).toBe(3);
    }
  });

  for (const lang of ['it', 'cs', 'en']) {
    it(`${lang}: sentiment macro-F1 ≥ 0.8 and category accuracy ≥ 0.75`, () => {
      const m = evaluate(set.filter((x) => x.language === lang), (t) => classify(t, { language: lang }));
      expect(m.sentiment_macro_f1).toBeGreaterThanOrEqual(0.8);
      expect(m.category_accuracy).toBeGreaterThanOrEqual(0.75);
    });
  }
});

describe('sentiment', () => {
  it('returns a score in −1…1 consistent with its label', () => {
    for (const x of set.slice(0, 60)) {
      const r = classify(x.text);
      expect(r.sentiment).toBeGreaterThanOrEqual(-1);
      expect(r.sentiment).toBeLessThanOrEqual(1);
      if (r.sentiment_label === 'positive') expect(r.sentiment).toBeGreaterThan(0);
      if (r.sentiment_label === 'negative') expect(r.sentiment).toBeLessThan(0);
    }
  });

  it.each([
    ['it', 'L’operatore è stato gentile', "L'operatore non è stato gentile"],
    ['cs', 'Operátor byl ochotný', 'Operátor nebyl vůbec ochotný'],
    ['cs', 'Technik mi pomohl', 'Technik mi nepomohl'],
    ['en', 'The agent was helpful', 'The agent was not helpful at all'],
    ['en', 'They solved it', "They didn't solve it"],
  ])('negation flips a positive (%s)', (language, plain, negated) => {
    expect(classify(plain, { language }).sentiment_label).toBe('positive');
    expect(classify(negated, { language }).sentiment_label).toBe('negative');
  });

  it.each([
    ['it', 'Nessun problema con la consegna'],
    ['cs', 'Žádný problém s doručením'],
    ['en', 'No problems with the delivery'],
    ['cs', 'Nikdy mě nezklamali'],
  ])('negated negative reads as positive (%s)', (language, text) => {
    expect(classify(text, { language }).sentiment_label).toBe('positive');
  });

  it('a determiner negation does not reach past its noun', () => {
    expect(classify('Bez váhání bych vás doporučila', { language: 'cs' }).sentiment_label).toBe('positive');
    expect(classify('Would recommend without hesitation', { language: 'en' }).sentiment_label).toBe('positive');
  });

  it('folds accents so Czech typed without diacritics scores the same', () => {
    const a = classify('Operátorka byla neochotná a nepříjemná', { language: 'cs' });
    const b = classify('operatorka byla neochotna a neprijemna', { language: 'cs' });
    expect(b.sentiment).toBe(a.sentiment);
    expect(b.subcategory).toBe('agent_courtesy');
  });

  it('intensifiers strengthen and softeners weaken', () => {
    const base = classify('The agent was rude', { language: 'en' }).sentiment;
    expect(classify('The agent was extremely rude', { language: 'en' }).sentiment).toBeLessThan(base);
    expect(classify('The agent was slightly rude', { language: 'en' }).sentiment).toBeGreaterThan(base);
    expect(classify('Operatore gentilissimo', { language: 'it' }).sentiment).toBeGreaterThan(classify('Operatore gentile', { language: 'it' }).sentiment);
  });

  it('the clause after "but" outweighs the one before', () => {
    expect(classify('The wait was long but the agent was lovely', { language: 'en' }).sentiment_label).toBe('positive');
    expect(classify('The agent was lovely but the wait was endless', { language: 'en' }).sentiment_label).toBe('negative');
    expect(classify('Operátor byl příjemný, ale čekání bylo nekonečné', { language: 'cs' }).sentiment_label).toBe('negative');
  });

  it('questions are enquiries, not complaints', () => {
    expect(classify('How do I cancel my contract?', { language: 'en' }).sentiment_label).toBe('neutral');
  });
});

describe('topics', () => {
  it.each([
    ['it', 'La bolletta di questo mese è sbagliata', 'marketing_sales', 'billing'],
    ['cs', 'Kurýr doručil zásilku o tři dny později', 'product', 'delivery'],
    ['en', 'The app keeps logging me out', 'product', 'website_app'],
    ['en', 'I will switch to another provider', 'brand_loyalty', 'churn_intent'],
    ['cs', 'Dlouho jsem čekal ve frontě', 'customer_service', 'waiting_time'],
    // "information" alone is the agent's knowledge; beside a newsletter it is marketing's
    ['it', 'La newsletter è piena di informazioni utili', 'marketing_sales', 'communication'],
    ['en', 'The newsletter has useful information', 'marketing_sales', 'communication'],
    ['it', "L'operatore mi ha dato informazioni sbagliate", 'customer_service', 'agent_knowledge'],
    ['en', 'The agent gave me the wrong information', 'customer_service', 'agent_knowledge'],
  ])('%s: %s', (language, text, category, subcategory) => {
    const r = classify(text, { language });
    expect([r.category, r.subcategory]).toEqual([category, subcategory]);
  });

  it('falls back to customer_service/other when no topic word is present', () => {
    expect(classify('Mah.', { language: 'it' })).toMatchObject({ category: 'customer_service', subcategory: 'other' });
  });
});

describe('tenant keyword rules', () => {
  const rules: KeywordRule[] = [
    { pattern: 'fibra*', category: 'product', subcategory: 'fiber_outage' },
    { pattern: 'super', language: 'en', sentiment: -1 },
    { pattern: 'Mario Rossi', category: 'customer_service', subcategory: 'agent_courtesy', sentiment: 1 },
  ];

  it('override the built-in topic, with a custom subcategory', () => {
    expect(classify('La fibra è lenta da due settimane, pessimo servizio clienti', { language: 'it', rules })).toMatchObject({ category: 'product', subcategory: 'fiber_outage' });
    expect(classify('La fibra è lenta', { language: 'it', rules: rules.slice(1) }).subcategory).not.toBe('fiber_outage');
  });

  it('override built-in sentiment, only in their language', () => {
    expect(classify('Super', { language: 'en' }).sentiment_label).toBe('positive');
    expect(classify('Super', { language: 'en', rules }).sentiment_label).toBe('negative');
    expect(classify('Super', { language: 'cs', rules }).sentiment_label).toBe('positive');
  });

  it('match phrases accent- and case-insensitively and infer the category from a known subcategory', () => {
    const r = classify('ho parlato con MARIO ROSSI', { language: 'it', rules });
    expect(r).toMatchObject({ category: 'customer_service', subcategory: 'agent_courtesy', sentiment_label: 'positive' });
    const s = classify('Balík stále nedorazil', { language: 'cs', rules: [{ pattern: 'balik', subcategory: 'delivery' }] });
    expect(s).toMatchObject({ category: 'product', subcategory: 'delivery' });
  });

  it('the first matching rule with a topic wins', () => {
    const r = classify('fibra e modem', { language: 'it', rules: [{ pattern: 'modem', subcategory: 'a' }, { pattern: 'fibra', subcategory: 'b' }] });
    expect(r.subcategory).toBe('a');
  });
});

describe('language', () => {
  it('detects it/cs/en on the labelled set (≥ 95 %)', () => {
    const ok = set.filter((x) => classify(x.text).language === x.language).length;
    expect(ok / set.length).toBeGreaterThanOrEqual(0.95);
  });

  it('keeps a language given by the event (primary subtag)', () => {
    expect(classify('Waited forever', { language: 'en-GB' }).language).toBe('en');
    expect(classify('Ottimo servizio', { language: 'de' }).language).toBe('de');
  });

  it('falls back to the stop-word guesser when eld abstains', () => {
    expect(['it', 'cs', 'en']).toContain(detectLanguage('ok'));
    expect(guessLanguage('Operátor byl velmi příjemný a vše mi vysvětlil')).toBe('cs');
    expect(guessLanguage('Il problema non è stato risolto e sono molto deluso')).toBe('it');
    expect(guessLanguage('The agent was not helpful and the wait was long')).toBe('en');
  });
});
