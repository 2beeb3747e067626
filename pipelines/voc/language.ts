// Language of a comment when the event carries none. eld (already a dependency, no model
// download: its n-gram tables ship in the package) restricted to it/cs/en scored 100 % on
// the labelled set; a stop-word guesser backs it up when eld abstains (very short text).
import { eld } from 'eld/small';
import { fold } from './text.ts';

const detector = eld.newInstance();
detector.setLanguageSubset(['it', 'cs', 'en']);

const CZECH_LETTERS = /[ěščřžůň]/;
const STOPWORDS: Record<string, readonly string[]> = {
  it: ['il', 'la', 'di', 'che', 'non', 'per', 'un', 'una', 'mi', 'ho', 'sono', 'con', 'ma', 'dopo', 'da', 'della', 'perche', 'piu', 'gli', 'lo', 'molto', 'ancora', 'e', 'del', 'nel', 'stato', 'hanno', 'anche', 'sempre', 'tutto'],
  cs: ['je', 'se', 'na', 'jsem', 'to', 'ze', 'ale', 'uz', 'jak', 'byl', 'byla', 'neni', 'me', 'vas', 'pro', 'po', 'za', 'do', 'jen', 'porad', 'velmi', 'moc', 'bylo', 'jste', 'ktery', 'co', 'nic', 'uz', 'jeste', 'vse'],
  en: ['the', 'and', 'to', 'i', 'is', 'was', 'not', 'my', 'of', 'for', 'it', 'with', 'you', 'they', 'but', 'after', 'very', 'no', 'me', 'have', 'had', 'this', 'that', 'on', 'at', 'all', 'be', 'been', 'are', 'so'],
};
const STOP = new Map<string, string[]>();
for (const [lang, words] of Object.entries(STOPWORDS)) for (const w of words) STOP.set(w, [...(STOP.get(w) ?? []), lang]);

/** Our own detector: stop-word votes plus Czech-only letters. Kept for the fallback and
 * for the survey in README.md. */
export function guessLanguage(text: string): 'it' | 'cs' | 'en' {
  const score: Record<string, number> = { it: 0, cs: 0, en: 0 };
  if (CZECH_LETTERS.test(text.toLowerCase())) score.cs += 3;
  for (const w of fold(text).split(/[^\p{L}]+/u)) {
    const langs = STOP.get(w);
    if (langs) for (const l of langs) score[l] += 1 / langs.length;
    if (w.endsWith('zione') || w.endsWith('mente')) score.it += 1;
  }
  let best: 'it' | 'cs' | 'en' = 'en';
  for (const l of ['it', 'cs'] as const) if (score[l] > score[best]) best = l;
  return best;
}

export function detectLanguage(text: string): 'it' | 'cs' | 'en' {
  const l = detector.detect(text).language;
  return l === 'it' || l === 'cs' || l === 'en' ? l : guessLanguage(text);
}

/** BCP 47 tag → primary language subtag ("it-IT" → "it"). */
export function primaryLanguage(tag: string): string {
  return tag.trim().toLowerCase().split(/[-_]/)[0];
}
