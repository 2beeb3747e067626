// Parsing of the simulate CLI's flags: durations ("90s", "10m", "2h", "1d", "0") and
// instants (ISO 8601, "now", or relative to now such as "-7d", "-12h", "+30m").
const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/.exec(text.trim());
  if (!m) throw new Error(`bad duration "${text}" (examples: 90s, 10m, 2h, 1d, 0)`);
  return Math.round(Number(m[1]) * UNIT[m[2] ?? 's']);
}

export function parseInstant(text: string, now = Date.now()): number {
  const t = text.trim();
  if (t === 'now') return now;
  const rel = /^([+-])(.+)$/.exec(t);
  if (rel) return now + (rel[1] === '-' ? -1 : 1) * parseDuration(rel[2]);
  const at = Date.parse(t);
  if (!Number.isFinite(at)) throw new Error(`bad time "${text}" (ISO 8601, now, or relative like -7d)`);
  return at;
}
