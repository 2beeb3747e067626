// The ids an import has stored so far, as 64-bit hashes only: 8 bytes a slot, so 10 M ids
// take ~256 MB of typed arrays at most, against ~1 GB for a Set of the strings. A hit is
// only a probable duplicate: the importer confirms it in `event_ids` (hits are rare: a
// file names an id twice, or two ids share 64 bits), so the answer stays exact.
import { hashOf } from '../../pipelines/engine/id-set.ts';

/** A second 32-bit hash, independent of hashOf (other basis, multiplier and finaliser). */
function hash2(id: string): number {
  let h = 0x9747b28c | 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x5bd1e995) ^ (h >>> 15);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  h ^= h >>> 15;
  return h;
}

export class IdHashes {
  private slots = new Int32Array(1 << 21); // 1 M slots (8 MB) from the start; pairs (h1, h2); h1 = 0 marks an empty slot
  private mask = (1 << 20) - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds the id; false when its hash was there already (a probable duplicate). */
  add(id: string): boolean {
    const a = hashOf(id);
    const b = hash2(id);
    const s = this.slots;
    let i = a & this.mask;
    for (; ; i = (i + 1) & this.mask) {
      const v = s[2 * i];
      if (v === 0) break;
      if (v === a && s[2 * i + 1] === b) return false;
    }
    s[2 * i] = a;
    s[2 * i + 1] = b;
    if (++this.count * 2 > this.mask + 1) this.grow();
    return true;
  }

  private grow() {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    const s = new Int32Array(cap * 2);
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += 2) {
      const a = old[j];
      if (a === 0) continue;
      let i = a & mask;
      while (s[2 * i] !== 0) i = (i + 1) & mask;
      s[2 * i] = a;
      s[2 * i + 1] = old[j + 1];
    }
    this.slots = s;
    this.mask = mask;
  }
}
