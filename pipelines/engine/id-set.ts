// Event ids seen, for duplicate detection, forgotten by the hour of their event time.
// One Set answers `has` in a single lookup; the per-hour lists let eviction drop an hour
// without scanning every id (a Map id → time did that, and boxed every time on the heap).

const HOUR = 3_600_000;

export class IdSet {
  private readonly set = new Set<string>();
  /** hour (event time / 1 h, floored) → ids of that hour */
  private readonly gens = new Map<number, string[]>();
  private lastHour = NaN;
  private lastGen: string[] = [];

  get size(): number {
    return this.set.size;
  }

  has(id: string): boolean {
    return this.set.has(id);
  }

  /** Adds the id unless it is there already (one lookup); false when it was. */
  addNew(id: string, ts: number): boolean {
    const n = this.set.size;
    this.set.add(id);
    if (this.set.size === n) return false;
    this.file(id, ts);
    return true;
  }

  add(id: string, ts: number): void {
    this.set.add(id);
    this.file(id, ts);
  }

  private file(id: string, ts: number): void {
    const h = Math.floor(ts / HOUR);
    let g = this.lastGen;
    if (h !== this.lastHour) {
      let found = this.gens.get(h);
      if (!found) {
        found = [];
        this.gens.set(h, found);
      }
      g = found;
      this.lastHour = h;
      this.lastGen = g;
    }
    g.push(id);
  }

  /**
   * Forgets the ids of every hour that ends at or before `t`. Ids of the hour holding
   * `t` stay until that hour is over; callers refuse events before `t` anyway.
   */
  evictBefore(t: number): void {
    for (const [h, ids] of this.gens) {
      if ((h + 1) * HOUR > t) continue;
      for (const id of ids) this.set.delete(id);
      this.gens.delete(h);
      if (h === this.lastHour) this.lastHour = NaN;
    }
  }

  clear(): void {
    this.set.clear();
    this.gens.clear();
    this.lastHour = NaN;
  }

  /** [id, start of its hour] pairs, for the saved state */
  entries(): [string, number][] {
    const out: [string, number][] = [];
    for (const [h, ids] of this.gens) for (const id of ids) out.push([id, h * HOUR]);
    return out;
  }
}
