// Per-key token buckets counted in events, so one chatty source cannot starve the rest.
export class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private perSecond: number,
    private burstSeconds = 2,
  ) {}

  /** Takes `n` tokens; returns 0 when allowed, else seconds to wait before retrying. */
  take(key: string, n: number, now = Date.now()): number {
    const cap = this.perSecond * this.burstSeconds;
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { tokens: cap, at: now }));
    b.tokens = Math.min(cap, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (n <= b.tokens) {
      b.tokens -= n;
      return 0;
    }
    return Math.max(1, (Math.min(n, cap) - b.tokens) / this.perSecond);
  }
}
