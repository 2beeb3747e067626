// Event ids seen, for duplicate detection, forgotten by the hour of their event time.
//
// An open-addressing table: a 32-bit hash and the hour per slot, side by side in one typed
// array (a new id writes one line of it, not two), the id itself in a parallel array to
// confirm a match. A JavaScript Set of the
// same ids cost ~750 ns per new id under the ingest bench's load (hashing, growing and
// rehashing its ordered table), this ~250 ns (tmp-prof/idset.ts at the time); both
// engine threads pay it for every event. Forgetting an hour rebuilds the table without
// it, once an hour, instead of deleting ids one by one. The count of ids per hour is one
// counter object per hour, the current one cached: a new id costs no Map operation, and a
// rebuild recounts nothing (growing keeps every hour, forgetting drops whole hours).

const HOUR = 3_600_000;
const MIN_CAPACITY = 1 << 10;
/**
 * Old slots moved into the doubled table per new id while it grows: growing moves the ids
 * a few at a time instead of all at once (4M ids took 2–3 s of one engine thread, during
 * which no update went out). Growth starts at half the new table's threshold, so the move
 * is over well before the next one (8 slots per id: after an eighth of the ids held).
 */
const MOVE_PER_ADD = 8;

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
  /** per slot: [2i] the hash (0: empty), [2i + 1] the hour */
  private slots = new Int32Array(2 * MIN_CAPACITY);
  private keys: (string | undefined)[] = new Array(MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  private count = 0;
  /** hour (event time / 1 h, floored) → ids filed under it */
  private perHour = new Map<number, { n: number }>();
  /** the hour the last new id was filed under, and its counter */
  private curHour = NaN;
  private cur: { n: number } | null = null;
  /** while growing: the table being moved into this one, and the next of its slots to move */
  private oldSlots: Int32Array | null = null;
  private oldKeys: (string | undefined)[] = [];
  private moved = 0;

  get size(): number {
    return this.count;
  }

  has(id: string): boolean {
    const h = hashOf(id);
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const v = slots[2 * i];
      if (v === 0) return this.oldSlots !== null && this.inOld(id, h);
      if (v === h && this.keys[i] === id) return true;
    }
  }

  /** the id is in the table being moved (every id not yet moved is still there) */
  private inOld(id: string, h: number): boolean {
    const os = this.oldSlots!;
    const mask = (os.length >> 1) - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = os[2 * i];
      if (v === 0) return false;
      if (v === h && this.oldKeys[i] === id) return true;
    }
  }

  /** Adds the id unless it is there already (one probe sequence); false when it was. */
  addNew(id: string, ts: number): boolean {
    const h = hashOf(id);
    const slots = this.slots;
    let i = h & this.mask;
    for (; ; i = (i + 1) & this.mask) {
      const v = slots[2 * i];
      if (v === 0) break;
      if (v === h && this.keys[i] === id) return false;
    }
    if (this.oldSlots !== null && this.inOld(id, h)) return false;
    const hour = Math.floor(ts / HOUR);
    slots[2 * i] = h;
    slots[2 * i + 1] = hour;
    this.keys[i] = id;
    let c = this.cur;
    if (hour !== this.curHour || c === null) {
      c = this.perHour.get(hour) ?? null;
      if (c === null) {
        c = { n: 0 };
        this.perHour.set(hour, c);
      }
      this.curHour = hour;
      this.cur = c;
    }
    c.n++;
    if (this.oldSlots !== null) this.move(MOVE_PER_ADD);
    if (++this.count * 4 > slots.length) this.grow();
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
    this.finishMove();
    const keepFrom = Math.floor(t / HOUR); // hours h with (h + 1) * HOUR <= t end by t
    let gone = 0;
    for (const [h, c] of this.perHour) {
      if (h >= keepFrom) continue;
      gone += c.n;
      this.perHour.delete(h);
    }
    if (this.curHour < keepFrom) {
      this.curHour = NaN;
      this.cur = null;
    }
    if (gone === 0) return;
    let cap = this.slots.length >> 1;
    while (cap > MIN_CAPACITY && (this.count - gone) * 4 < cap) cap >>= 1;
    this.rebuild(cap, keepFrom);
  }

  clear(): void {
    this.oldSlots = null;
    this.oldKeys = [];
    this.slots = new Int32Array(2 * MIN_CAPACITY);
    this.keys = new Array(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.count = 0;
    this.perHour.clear();
    this.curHour = NaN;
    this.cur = null;
  }

  /** [id, start of its hour] pairs, for the saved state */
  entries(): [string, number][] {
    this.finishMove();
    const out: [string, number][] = [];
    const slots = this.slots;
    for (let i = 0; i < this.keys.length; i++) if (slots[2 * i] !== 0) out.push([this.keys[i]!, slots[2 * i + 1] * HOUR]);
    return out;
  }

  /** Starts moving into a table of twice the slots (finishing a move still under way). */
  private grow(): void {
    this.finishMove();
    const cap = this.slots.length; // twice the slots: slots.length is 2 per slot
    this.oldSlots = this.slots;
    this.oldKeys = this.keys;
    this.moved = 0;
    this.slots = new Int32Array(2 * cap);
    this.keys = new Array(cap);
    this.mask = cap - 1;
  }

  /** Moves up to `n` slots of the old table into this one. */
  private move(n: number): void {
    const os = this.oldSlots!;
    const ok = this.oldKeys;
    const { slots, keys, mask } = this;
    const end = Math.min(ok.length, this.moved + n);
    for (let j = this.moved; j < end; j++) {
      const h = os[2 * j];
      if (h === 0) continue;
      let i = h & mask;
      while (slots[2 * i] !== 0) i = (i + 1) & mask;
      slots[2 * i] = h;
      slots[2 * i + 1] = os[2 * j + 1];
      keys[i] = ok[j];
    }
    this.moved = end;
    if (end === ok.length) {
      this.oldSlots = null;
      this.oldKeys = [];
    }
  }

  private finishMove(): void {
    if (this.oldSlots !== null) this.move(this.oldKeys.length);
  }

  /**
   * Moves every id of an hour at or after `keepFrom` into a table of `capacity` slots
   * (perHour already lists only those hours).
   */
  private rebuild(capacity: number, keepFrom: number): void {
    const { slots: os, keys: ok } = this;
    const slots = new Int32Array(2 * capacity);
    const keys: (string | undefined)[] = new Array(capacity);
    const mask = capacity - 1;
    let count = 0;
    for (let j = 0; j < ok.length; j++) {
      const h = os[2 * j];
      if (h === 0 || os[2 * j + 1] < keepFrom) continue;
      let i = h & mask;
      while (slots[2 * i] !== 0) i = (i + 1) & mask;
      slots[2 * i] = h;
      slots[2 * i + 1] = os[2 * j + 1];
      keys[i] = ok[j];
      count++;
    }
    this.slots = slots;
    this.keys = keys;
    this.mask = mask;
    this.count = count;
  }
}
