// Normalisation and tokenisation shared by the lexicons, tenant rules and the classifier.
// Matching happens on accent-folded lowercase text, so Czech typed without diacritics
// ("cekani") hits the same entries as "čekání".

const COMBINING = /\p{M}+/gu;
const TOKEN = /[\p{L}\p{N}]+|[.,;:!?]/gu;

export function fold(text: string): string {
  return text.toLowerCase().normalize('NFD').replace(COMBINING, '');
}

/** Folded word tokens plus the punctuation that bounds clauses and negation scopes. */
export function tokenize(text: string): string[] {
  // English contractions carry a negation: "didn't" → "did not", "can't" → "ca not".
  const folded = fold(text).replace(/n[’']t\b/g, ' not');
  return folded.match(TOKEN) ?? [];
}

export function isPunct(token: string): boolean {
  const c = token.charCodeAt(0);
  return token.length === 1 && (c === 46 || c === 44 || c === 59 || c === 58 || c === 33 || c === 63);
}
