// Lexicon format and its compiled, lookup-friendly form. Entries are written naturally
// (with accents) and folded at compile time. A trailing `*` makes an entry a stem that
// matches any token starting with it — how Czech and Italian inflection is covered
// ("ochotn*" → ochotný, ochotná, ochotně). An entry with spaces is a phrase.
import { fold } from './text.ts';

/** Sentiment weight on a ±3 scale; a pair gives [plain, when negated] for words whose
 * negation is not simply the opposite ("no problem" is good, "didn't receive" is bad). */
export type Weight = number | readonly [number, number];

export interface LexiconSource {
  sentiment: Record<string, Weight>;
  /** Subcategory → keywords; `word:2` weighs a keyword double. */
  topics: Record<string, readonly string[]>;
  /** Open a negation scope over the next few words; `bez:1` limits it (determiners like
   * "without"/"no" govern only the next word or two). */
  negators: readonly string[];
  /** Conditional markers ("if", "whether"): the rest of the clause is hypothetical. */
  hypothetical?: readonly string[];
  /** Multipliers for the next sentiment word: > 1 intensifies, < 1 softens. */
  modifiers: Record<string, number>;
  /** "but"-words: what follows outweighs what came before. */
  contrast: readonly string[];
  /** Czech negates verbs and adjectives with a `ne` prefix (nefunguje, neochotný). */
  negPrefix?: boolean;
}

export interface Payload {
  sent?: readonly [number, number];
  topics?: { sub: string; w: number }[];
  /** Negation scope length in tokens. */
  neg?: number;
  mod?: number;
  hypo?: boolean;
  contrast?: boolean;
  /** Index of the tenant rule this entry came from. */
  rule?: number;
}

interface Pattern {
  text: string;
  prefix: boolean;
}
export interface Phrase {
  rest: Pattern[];
  payload: Payload;
}
export interface Node {
  payload: Payload;
  phrases: Phrase[];
}

export interface CompiledLexicon {
  exact: Map<string, Node>;
  prefix: Map<string, Node>;
  minStem: number;
  maxStem: number;
  negPrefix: boolean;
}

const DEFAULT_NEGATION_SCOPE = 4;
const NEGATED_POSITIVE = -0.8;
const NEGATED_NEGATIVE = -0.4;

export function weightPair(w: Weight): readonly [number, number] {
  if (typeof w !== 'number') return w;
  return [w, w * (w > 0 ? NEGATED_POSITIVE : NEGATED_NEGATIVE)];
}

function pattern(word: string): Pattern {
  return word.endsWith('*') ? { text: word.slice(0, -1), prefix: true } : { text: word, prefix: false };
}

export function emptyLexicon(negPrefix = false): CompiledLexicon {
  return { exact: new Map(), prefix: new Map(), minStem: 99, maxStem: 0, negPrefix };
}

/** Adds an entry; `merge` folds the new payload into whatever the key already carries. */
export function addEntry(lex: CompiledLexicon, key: string, add: Payload): void {
  const words = fold(key).trim().split(/[\s]+/).filter(Boolean);
  if (words.length === 0) return;
  const head = pattern(words[0]);
  const map = head.prefix ? lex.prefix : lex.exact;
  let node = map.get(head.text);
  if (!node) {
    node = { payload: {}, phrases: [] };
    map.set(head.text, node);
    if (head.prefix) {
      lex.minStem = Math.min(lex.minStem, head.text.length);
      lex.maxStem = Math.max(lex.maxStem, head.text.length);
    }
  }
  if (words.length === 1) {
    merge(node.payload, add);
    return;
  }
  const rest = words.slice(1).map(pattern);
  const same = node.phrases.find((p) => p.rest.length === rest.length && p.rest.every((r, i) => r.text === rest[i].text && r.prefix === rest[i].prefix));
  if (same) merge(same.payload, add);
  else node.phrases.push({ rest, payload: { ...add, topics: add.topics ? [...add.topics] : undefined } });
  // Longer phrases first, so the most specific one wins.
  node.phrases.sort((a, b) => b.rest.length - a.rest.length);
}

function merge(into: Payload, add: Payload): void {
  if (add.sent) into.sent = add.sent;
  if (add.topics) into.topics = [...(into.topics ?? []), ...add.topics];
  if (add.neg) into.neg = add.neg;
  if (add.hypo) into.hypo = true;
  if (add.rule !== undefined) into.rule = add.rule;
  if (add.mod !== undefined) into.mod = add.mod;
  if (add.contrast) into.contrast = true;
}

export function compileLexicon(src: LexiconSource): CompiledLexicon {
  const lex = emptyLexicon(src.negPrefix ?? false);
  for (const [k, w] of Object.entries(src.sentiment)) addEntry(lex, k, { sent: weightPair(w) });
  for (const [sub, words] of Object.entries(src.topics)) {
    for (const entry of words) {
      const m = /^(.*?):(\d+(?:\.\d+)?)$/.exec(entry);
      addEntry(lex, m ? m[1] : entry, { topics: [{ sub, w: m ? Number(m[2]) : 1 }] });
    }
  }
  for (const entry of src.negators) {
    const m = /^(.*?):(\d+)$/.exec(entry);
    addEntry(lex, m ? m[1] : entry, { neg: m ? Number(m[2]) : DEFAULT_NEGATION_SCOPE });
  }
  for (const k of src.hypothetical ?? []) addEntry(lex, k, { hypo: true });
  for (const [k, m] of Object.entries(src.modifiers)) addEntry(lex, k, { mod: m });
  for (const k of src.contrast) addEntry(lex, k, { contrast: true });
  return lex;
}

/** Nodes whose head matches the token: the exact one first, then stems longest first. */
export function nodesFor(lex: CompiledLexicon, token: string, out: Node[]): Node[] {
  out.length = 0;
  const exact = lex.exact.get(token);
  if (exact) out.push(exact);
  for (let len = Math.min(token.length, lex.maxStem); len >= lex.minStem; len--) {
    const n = lex.prefix.get(len === token.length ? token : token.slice(0, len));
    if (n) out.push(n);
  }
  return out;
}

/** Number of tokens after `start` matched by the phrase, or 0. */
export function matchPhrase(phrase: Phrase, tokens: string[], start: number): number {
  const { rest } = phrase;
  if (start + rest.length >= tokens.length) return 0;
  for (let j = 0; j < rest.length; j++) {
    const t = tokens[start + 1 + j];
    const p = rest[j];
    if (p.prefix ? !t.startsWith(p.text) : t !== p.text) return 0;
  }
  return rest.length + 1;
}
