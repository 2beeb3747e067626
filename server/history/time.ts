// RFC 3339 in a given time zone ("2026-11-24T10:00:00+01:00"), for bucket labels that
// read as local times and still parse back to the exact instant.
import { RFC3339 } from '../../pipelines/events/schema.ts';

const formats = new Map<string, Intl.DateTimeFormat>();
function fmt(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formats.set(tz, f);
  }
  return f;
}

export function rfc3339In(ms: number, tz: string): string {
  const p: Record<string, string> = {};
  for (const x of fmt(tz).formatToParts(ms)) if (x.type !== 'literal') p[x.type] = x.value;
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
  const off = Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
  const frac = ms % 1000 ? `.${String(((ms % 1000) + 1000) % 1000).padStart(3, '0')}` : '';
  const base = `${p.year}-${p.month}-${p.day}T${String(+p.hour % 24).padStart(2, '0')}:${p.minute}:${p.second}${frac}`;
  if (off === 0) return `${base}Z`;
  const a = Math.abs(off);
  return `${base}${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

const RE = new RegExp(RFC3339);
/** Epoch ms of an RFC 3339 string, or null when it is not one. */
export function parseRfc3339(s: string): number | null {
  if (!RE.test(s)) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}
