// Event ids made from the line itself, so a line read twice (a restart, a re-import of a
// rotated file) gives the same ids and Floorwatch counts it once.
//
// `<prefix>:<epoch ms, 13 digits>:<n>:<hash>`: `n` (base 36, 4 digits) numbers the lines
// that share one timestamp, in file order, so two lines of the same second that differ only
// in what follows still get different ids, and ids sort like the lines (the engine breaks
// ties between one agent's states of the same instant by id: ADDMEMBER billing, then
// ADDMEMBER sales, must leave both queues). The hash (FNV-1a, 32 bits, of the raw line)
// keeps lines of other files or PBXes with the same timestamp apart.

export function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function lineId(prefix: string, ms: number, n: number, raw: string): string {
  return `${prefix}:${String(ms).padStart(13, '0')}:${n.toString(36).padStart(4, '0')}:${fnv1a(raw)}`;
}
