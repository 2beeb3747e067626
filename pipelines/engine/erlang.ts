// Erlang C staffing of spec/kpis.md ("Staffing"). Erlang B is computed with its
// recurrence B(n) = A·B(n−1) / (n + A·B(n−1)), which never forms A^N or N! and so stays
// finite for thousands of agents; Erlang C follows from B.

/** Probability that a contact waits, with offered load `a` Erlangs and `n` agents. */
export function erlangC(a: number, n: number): number {
  if (a <= 0) return 0;
  if (n <= a) return 1;
  let b = 1;
  for (let k = 1; k <= n; k++) b = (a * b) / (k + a * b);
  return (n * b) / (n - a * (1 - b));
}

/** Share of contacts answered within `thresholdS` seconds. */
export function serviceLevel(a: number, n: number, thresholdS: number, ahtS: number): number {
  if (n <= a) return 0;
  return 1 - erlangC(a, n) * Math.exp((-(n - a) * thresholdS) / ahtS);
}

/** Mean speed of answer in seconds. */
export function erlangAsa(a: number, n: number, ahtS: number): number {
  if (n <= a) return Infinity;
  return (erlangC(a, n) * ahtS) / (n - a);
}

export interface StaffingInput {
  /** contacts per second */
  arrivalsPerS: number;
  ahtS: number;
  thresholdS: number;
  target: number;
}

/**
 * Fewest agents N (from ⌊A⌋ + 1 up) whose Erlang C service level reaches `target`;
 * null when nothing arrives. B is extended one agent at a time, so the search is
 * linear in N overall.
 */
export function agentsRequired({ arrivalsPerS, ahtS, thresholdS, target }: StaffingInput): number | null {
  if (!(arrivalsPerS > 0) || !(ahtS > 0)) return null;
  const a = arrivalsPerS * ahtS;
  let n = Math.floor(a) + 1;
  let b = 1;
  for (let k = 1; k <= n; k++) b = (a * b) / (k + a * b);
  // A target of 1 is never reached exactly; stop far beyond any sensible staffing.
  const cap = n + 1000 + Math.ceil(10 * Math.sqrt(a));
  for (;;) {
    const c = (n * b) / (n - a * (1 - b));
    const sl = 1 - c * Math.exp((-(n - a) * thresholdS) / ahtS);
    if (sl >= target || n >= cap) return n;
    n++;
    b = (a * b) / (n + a * b);
  }
}
