// Start of "today" (local midnight in a tenant's time zone), found with Intl so that
// DST days of 23 or 25 hours come out right.

const formats = new Map<string, Intl.DateTimeFormat>();
function format(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23',
      year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formats.set(tz, f);
  }
  return f;
}

/** Local wall clock of instant `t` in `tz`, expressed as if it were UTC (ms). */
function wall(t: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const x of format(tz).formatToParts(t)) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second);
}

const DAY = 86_400_000;

/** First instant of the local calendar day that contains `t`. */
export function localMidnight(t: number, tz: string): number {
  const tSec = Math.floor(t / 1000) * 1000;
  const day = Math.floor(wall(tSec, tz) / DAY) * DAY; // local midnight, wall-clock ms
  // Two offset corrections settle any zone; then make sure it is the first instant of
  // that local date (midnight may be skipped by a DST jump).
  let m = day - (wall(day, tz) - day);
  m = day - (wall(m, tz) - m);
  if (Math.floor(wall(m, tz) / DAY) * DAY !== day || wall(m - 1000, tz) >= day) {
    let lo = day - 2 * DAY;
    let hi = day + 2 * DAY; // invariant: wall(lo) < day <= wall(hi)
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2000) * 1000;
      if (wall(mid, tz) < day) lo = mid; else hi = mid;
    }
    m = hi;
  }
  return m;
}

/** Caches the current day's bounds: one Intl call per day instead of per query. */
export class DayClock {
  private from = 0;
  private to = -1;
  constructor(private tz: string) {
    format(tz); // throws RangeError on an unknown zone, here rather than later
  }
  get timeZone(): string {
    return this.tz;
  }
  set timeZone(tz: string) {
    format(tz);
    this.tz = tz;
    this.to = -1;
  }
  start(now: number): number {
    if (now >= this.from && now < this.to) return this.from;
    this.from = localMidnight(now, this.tz);
    this.to = localMidnight(this.from + 26 * 3_600_000, this.tz);
    return this.from;
  }
}
