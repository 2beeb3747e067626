// Quality measures of the classifier on a labelled set; shared by the unit tests and the
// benchmark so both report the same figures.
import { SENTIMENT_LABELS } from './taxonomy.ts';

export interface Labelled {
  text: string;
  language: string;
  category: string;
  subcategory: string;
  sentiment_label: string;
}

export interface Quality {
  n: number;
  category_accuracy: number;
  subcategory_accuracy: number;
  sentiment_accuracy: number;
  /** Mean F1 over negative/neutral/positive. */
  sentiment_macro_f1: number;
}

export function macroF1(pairs: readonly (readonly [string, string])[], labels: readonly string[]): number {
  let sum = 0;
  for (const c of labels) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const [truth, pred] of pairs) {
      if (pred === c && truth === c) tp++;
      else if (pred === c) fp++;
      else if (truth === c) fn++;
    }
    const p = tp + fp ? tp / (tp + fp) : 0;
    const r = tp + fn ? tp / (tp + fn) : 0;
    sum += p + r ? (2 * p * r) / (p + r) : 0;
  }
  return sum / labels.length;
}

export function evaluate(
  rows: readonly Labelled[],
  predict: (text: string) => { category: string; subcategory: string; sentiment_label: string },
): Quality {
  let cat = 0;
  let sub = 0;
  let sent = 0;
  const pairs: [string, string][] = [];
  for (const x of rows) {
    const r = predict(x.text);
    if (r.category === x.category) cat++;
    if (r.subcategory === x.subcategory) sub++;
    if (r.sentiment_label === x.sentiment_label) sent++;
    pairs.push([x.sentiment_label, r.sentiment_label]);
  }
  const n = rows.length || 1;
  return {
    n: rows.length,
    category_accuracy: cat / n,
    subcategory_accuracy: sub / n,
    sentiment_accuracy: sent / n,
    sentiment_macro_f1: macroF1(pairs, SENTIMENT_LABELS),
  };
}
