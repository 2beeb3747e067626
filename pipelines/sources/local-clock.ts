// Local wall time in the tenant's time zone, for the intraday profile and the shift
// plan. Offsets are cached per UTC hour because Intl formatting is slow and the
// simulator asks for the local time of every candidate arrival.
const HOUR = 3_600_000;
export const DAY_MS = 86_400_000;

export class LocalClock {
  private readonly fmt: Intl.DateTimeFormat | null;
  private readonly cache = new Map<number, number>();

  constructor(readonly timeZone = 'UTC') {
    this.fmt =
      timeZone === 'UTC'
        ? null
        : new Intl.DateTimeFormat('en-US', {
            timeZone,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
            second: 'numeric',
          });
  }

  /** Local time minus UTC, in ms, at instant t. */
  offset(t: number): number {
    if (!this.fmt) return 0;
    const key = Math.floor(t / HOUR);
    let off = this.cache.get(key);
    if (off === undefined) {
      const at = key * HOUR;
      const p: Record<string, number> = {};
      for (const part of this.fmt.formatToParts(at)) p[part.type] = Number(part.value);
      off = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - at;
      this.cache.set(key, off);
    }
    return off;
  }

  /** Local time expressed as if it were UTC epoch ms ("local epoch"). */
  toLocal(t: number): number {
    return t + this.offset(t);
  }

  /** The instant whose local time is `local` (the earlier one across a DST fold). */
  fromLocal(local: number): number {
    let g = local - this.offset(local);
    g = local - this.offset(g);
    return g;
  }

  /** Days since 1970-01-01 in local time. */
  dayIndex(t: number): number {
    return Math.floor(this.toLocal(t) / DAY_MS);
  }

  /** 0 = Sunday … 6 = Saturday, for a local day index. */
  static weekday(dayIndex: number): number {
    return (((dayIndex + 4) % 7) + 7) % 7;
  }
}
