// Wall clocks show the tenant's time zone, not the browser's: a wall PC set to UTC in a
// Rome office must still read local time.
const cache = new Map<string, Intl.DateTimeFormat>();

function fmt(tz: string | undefined, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const k = `${tz ?? ''}|${JSON.stringify(opts)}`;
  let f = cache.get(k);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: tz });
    } catch {
      f = new Intl.DateTimeFormat('en-GB', opts); // unknown zone: browser time beats nothing
    }
    cache.set(k, f);
  }
  return f;
}

/** hh:mm:ss, 24-hour */
export const clockTime = (ms: number, tz?: string): string =>
  fmt(tz, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(ms);
/** hh:mm, 24-hour */
export const shortTime = (ms: number, tz?: string): string =>
  fmt(tz, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
export const longDate = (ms: number, tz?: string): string =>
  fmt(tz, { weekday: 'long', day: 'numeric', month: 'long' }).format(ms);
