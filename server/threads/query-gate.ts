// Embedded chDB runs queries with bound parameters one at a time, process-wide, in the
// order they were sent (its bindings share one parameter slot). Under load the history
// consumer's read-backs queued ahead of the writer's id lookups, and every stored event
// waited behind them. The role threads' bound queries therefore pass through one gate
// that lets one through at a time and picks the most urgent waiting: the writer's (what
// is not stored is not acknowledged) before the history consumer's (facts may lag).
// A ClickHouse server runs queries in parallel and gets no gate.

export class PriorityGate {
  private busy = 0;
  private readonly waiting: (() => void)[][];

  /** `levels` priorities, 0 the most urgent; `limit` callers inside at once */
  constructor(levels: number, private readonly limit = 1) {
    this.waiting = Array.from({ length: levels }, () => []);
  }

  async run<T>(priority: number, f: () => Promise<T>): Promise<T> {
    if (this.busy < this.limit) this.busy++;
    else await new Promise<void>((resolve) => this.waiting[Math.min(priority, this.waiting.length - 1)].push(resolve));
    try {
      return await f();
    } finally {
      this.release();
    }
  }

  /** callers waiting, all priorities */
  get queued(): number {
    return this.waiting.reduce((n, q) => n + q.length, 0);
  }

  private release() {
    for (const q of this.waiting) {
      const next = q.shift();
      if (next) return next(); // the slot passes straight to it
    }
    this.busy--;
  }
}
