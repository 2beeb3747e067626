// Event ids seen, for duplicate detection, forgotten by the hour of their event time.
//
// An open-addressing table: a 32-bit hash per slot in a typed array, the id itself in a
// parallel array to confirm a match, the slot's hour in another. A JavaScript Set of the
// same ids cost ~750 ns per new id under the ingest bench's load (hashing, growing and
// rehashing its ordered table), this ~250 ns (tmp-prof/idset.ts at the time); both
// engine threads pay it for every event. Forgetting an hour rebuilds the table without
// it, once an hour, instead of deleting ids one by one.

const HOUR = 3_600_000;
const MIN_CAPACITY = 1 << 10;

/** @internal FNV-1a over the UTF-16 code units, then murmur3's finaliser; never 0 (0 marks an empty slot). */
export function hashOf(id: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h === 0 ? 1 : h;
}

export class IdSet {
  private hashes = new Int32Array(MIN_CAPACITY);
  private hours = new Int32Array(MIN_CAPACITY);
  private keys: (string | undefined)[] = new Array(MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  private count = 0;
  /** hour (event time / 1 h, floored) → ids filed under it */
  private perHour = new Map<number, number>();

  get size(): number {
    return this.count;
  }

  has(id: string): boolean {
    const h = hashOf(id);
    const hashes = this.hashes;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const v = hashes[i];
      if (v === 0) return false;
      if (v === h && this.keys[i] === id) return true;
    }
  }

  /** Adds the id unless it is there already (one probe sequence); false when it was. */
  addNew(id: string, ts: number): boolean {
    const h = hashOf(id);
    const hashes = this.hashes;
    let i = h & this.mask;
    for (; ; i = (i + 1) & this.mask) {
      const v = hashes[i];
      if (v === 0) break;
      if (v === h && this.keys[i] === id) return false;
    }
    const hour = Math.floor(ts / HOUR);
    hashes[i] = h;
    this.hours[i] = hour;
    this.keys[i] = id;
    this.perHour.set(hour, (this.perHour.get(hour) ?? 0) + 1);
    if (++this.count * 2 > hashes.length) this.rebuild(hashes.length * 2, -Infinity);
    return true;
  }

  add(id: string, ts: number): void {
    this.addNew(id, ts);
  }

  /**
   * Forgets the ids of every hour that ends at or before `t`. Ids of the hour holding
   * `t` stay until that hour is over; callers refuse events before `t` anyway.
   */
  evictBefore(t: number): void {
    const keepFrom = Math.floor(t / HOUR); // hours h with (h + 1) * HOUR <= t end by t
    let gone = 0;
    for (const [h, n] of this.perHour) if (h < keepFrom) gone += n;
    if (gone === 0) return;
    let cap = this.hashes.length;
    while (cap > MIN_CAPACITY && (this.count - gone) * 4 < cap) cap >>= 1;
    this.rebuild(cap, keepFrom);
  }

  clear(): void {
    this.hashes = new Int32Array(MIN_CAPACITY);
    this.hours = new Int32Array(MIN_CAPACITY);
    this.keys = new Array(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.count = 0;
    this.perHour.clear();
  }

  /** [id, start of its hour] pairs, for the saved state */
  entries(): [string, number][] {
    const out: [string, number][] = [];
    for (let i = 0; i < this.hashes.length; i++) if (this.hashes[i] !== 0) out.push([this.keys[i]!, this.hours[i] * HOUR]);
    return out;
  }

  /** Moves every id of an hour at or after `keepFrom` into a table of `capacity` slots. */
  private rebuild(capacity: number, keepFrom: number): void {
    const { hashes: oh, hours: ohr, keys: ok } = this;
    const hashes = new Int32Array(capacity);
    const hours = new Int32Array(capacity);
    const keys: (string | undefined)[] = new Array(capacity);
    const mask = capacity - 1;
    const perHour = new Map<number, number>();
    let count = 0;
    for (let j = 0; j < oh.length; j++) {
      const h = oh[j];
      if (h === 0 || ohr[j] < keepFrom) continue;
      let i = h & mask;
      while (hashes[i] !== 0) i = (i + 1) & mask;
      hashes[i] = h;
      hours[i] = ohr[j];
      keys[i] = ok[j];
      perHour.set(ohr[j], (perHour.get(ohr[j]) ?? 0) + 1);
      count++;
    }
    this.hashes = hashes;
    this.hours = hours;
    this.keys = keys;
    this.mask = mask;
    this.count = count;
    this.perHour = perHour;
  }
}
