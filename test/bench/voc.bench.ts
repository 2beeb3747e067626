// VoC classifier benchmark: quality per language on the labelled set (and the small
// held-out set written after the lexicons), language detection, and throughput on one
// core. Prints figures and PASS/MISS against the issue-8 targets; never fails the build.
import { readFileSync } from 'node:fs';
import { classify } from '../../pipelines/voc/classify.ts';
import { evaluate, macroF1, type Labelled } from '../../pipelines/voc/evaluate.ts';
import { detectLanguage, guessLanguage } from '../../pipelines/voc/language.ts';
import { CATEGORIES } from '../../pipelines/voc/taxonomy.ts';

const TARGET = { sentiment_macro_f1: 0.8, category_accuracy: 0.75, per_second: 5000 };
const load = (name: string): Labelled[] => JSON.parse(readFileSync(new URL(`../fixtures/voc/${name}`, import.meta.url), 'utf8'));
const pct = (x: number) => (x * 100).toFixed(1).padStart(5) + '%';
const mark = (ok: boolean) => (ok ? 'PASS' : 'MISS');

function quality(name: string, rows: Labelled[], withTargets: boolean): void {
  console.log(`\n${name} (${rows.length} comments)`);
  console.log('lang   n   category acc / macroF1   subcat acc   sentiment acc / macroF1');
  for (const lang of ['it', 'cs', 'en']) {
    const mine = rows.filter((x) => x.language === lang);
    const preds = mine.map((x) => classify(x.text, { language: lang }));
    const q = evaluate(mine, (t) => classify(t, { language: lang }));
    const catF1 = macroF1(mine.map((x, i) => [x.category, preds[i].category] as const), CATEGORIES);
    const verdict = withTargets
      ? `  sentiment ${mark(q.sentiment_macro_f1 >= TARGET.sentiment_macro_f1)}  category ${mark(q.category_accuracy >= TARGET.category_accuracy)}`
      : '';
    console.log(`${lang}   ${String(q.n).padStart(4)}   ${pct(q.category_accuracy)} / ${catF1.toFixed(3)}        ${pct(q.subcategory_accuracy)}       ${pct(q.sentiment_accuracy)} / ${q.sentiment_macro_f1.toFixed(3)}${verdict}`);
  }
}

function throughput(rows: Labelled[], label: string, opts: (x: Labelled) => Parameters<typeof classify>[1]): void {
  for (const x of rows) classify(x.text, opts(x)); // warm-up
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 2000) for (const x of rows) (classify(x.text, opts(x)), n++);
  const perSecond = n / ((performance.now() - t0) / 1000);
  console.log(`${label.padEnd(34)} ${Math.round(perSecond).toLocaleString('en').padStart(9)} comments/s  ${mark(perSecond >= TARGET.per_second)} (target ≥ ${TARGET.per_second})`);
}

const labelled = load('labelled.json');
const heldOut = load('held-out.json');
quality('labelled set (targets: sentiment macro-F1 ≥ 0.8, category accuracy ≥ 0.75 per language)', labelled, true);
quality('held-out set (written after the lexicons, never tuned on; indicative only, small)', heldOut, false);

console.log('\nlanguage detection on the labelled set');
for (const [name, fn] of [['eld/small (it/cs/en subset) + fallback', detectLanguage], ['own stop-word guesser', guessLanguage]] as const) {
  const ok = labelled.filter((x) => fn(x.text) === x.language).length;
  console.log(`${name.padEnd(40)} ${pct(ok / labelled.length)}`);
}

console.log('\nthroughput (one core)');
throughput(labelled, 'language given by the event', (x) => ({ language: x.language }));
throughput(labelled, 'language detected', () => ({}));
const rules = Array.from({ length: 50 }, (_, i) => ({ pattern: `keyword${i}*`, subcategory: `custom_${i}` }));
throughput(labelled, 'detected + 50 tenant rules', () => ({ rules }));
