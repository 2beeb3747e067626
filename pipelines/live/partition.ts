// Which engine process computes which tenant. Tenants are split into ENGINE_PARTITIONS
// partitions by a stable hash of the tenant id (FNV-1a, 32 bits, of its UTF-8 bytes,
// mod N); each engine process serves the partitions listed in ENGINE_PARTITION. Only the
// owner of a tenant applies its events, publishes its KPIs, answers the gateways'
// "everything now" requests and saves its snapshot. Pure: no NATS, no ClickHouse.

export interface PartitionAssignment {
  /** N: how many partitions the tenants are split into */
  of: number;
  /** the partitions this process serves, ascending, each in [0, of) */
  owned: number[];
}

/** Every tenant in one partition, served here: the default (a single engine process). */
export const ALL_TENANTS: PartitionAssignment = { of: 1, owned: [0] };

/** FNV-1a, 32 bits, of the UTF-8 bytes of `s`. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export const partitionOf = (tenant: string, of: number): number => (of <= 1 ? 0 : fnv1a32(tenant) % of);

/** A membership test for one assignment, remembering each tenant's answer (one hash per tenant). */
export function ownsTenant(a: PartitionAssignment): (tenant: string) => boolean {
  if (a.of === 1 || a.owned.length === a.of) return () => true;
  const owned = new Set(a.owned);
  const memo = new Map<string, boolean>();
  return (t) => {
    let v = memo.get(t);
    if (v === undefined) memo.set(t, (v = owned.has(partitionOf(t, a.of))));
    return v;
  };
}

/** "0,2" or "1-3" (or a mix) into the sorted partition list; null if malformed or out of range. */
export function parsePartitionList(s: string, of: number): number[] | null {
  const out = new Set<number>();
  for (const part of s.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi >= of) return null;
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out.size ? [...out].sort((a, b) => a - b) : null;
}

export const describeAssignment = (a: PartitionAssignment): string =>
  a.of === 1 ? 'all tenants' : `partition${a.owned.length > 1 ? 's' : ''} ${a.owned.join(',')} of ${a.of}`;

// ---------------------------------------------------------------------------------------
// Snapshots and where to resume.
//
// Each save writes one row per tenant it holds ({tenant, seq, state}: that tenant's state
// covers every message of the stream up to seq) and one marker row per partition it owns,
// tenant = markerKey(N, i), state '': "every tenant of partition i of N that had an event
// up to seq is in a row of this save". A tenant without a row then has no event before
// the marker, so resuming from the smallest of the marker and the owned tenants' seqs,
// and skipping each tenant's messages up to its own seq, counts every event once, however
// the partitions were assigned before.

const MARKER = /^~p:(\d+):(\d+)$/;
export const markerKey = (of: number, partition: number) => `~p:${of}:${partition}`;
export function parseMarker(tenant: string): { of: number; partition: number } | null {
  const m = MARKER.exec(tenant);
  return m ? { of: Number(m[1]), partition: Number(m[2]) } : null;
}

export interface SnapshotRow {
  tenant: string;
  seq: number;
}

export interface ResumePlan {
  /** the owned tenants to load, with the sequence each one's state covers */
  tenants: Map<string, number>;
  /**
   * the last sequence already covered for every owned tenant (resume at start + 1), or
   * null when nothing says so: resume at the stream's time horizon instead
   */
  start: number | null;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Where an engine serving `a` resumes, from the newest row of each tenant and marker.
 * For each owned partition: its own marker if there is one; otherwise the markers of other
 * partition counts whose partition can share a tenant with it (i ≡ j mod gcd(N, M): the
 * hash is the same number); otherwise, when no marker exists at all, the rows of a save
 * from before markers (one process saved every tenant at once). Earlier is always safe
 * (each tenant skips what its state already covers); later would miss events.
 */
export function resumePlan(rows: SnapshotRow[], a: PartitionAssignment): ResumePlan {
  const owns = ownsTenant(a);
  const tenants = new Map<string, number>();
  const markers: { of: number; partition: number; seq: number }[] = [];
  let anyTenantMin = Infinity;
  for (const r of rows) {
    const m = parseMarker(r.tenant);
    if (m) markers.push({ ...m, seq: r.seq });
    else {
      anyTenantMin = Math.min(anyTenantMin, r.seq);
      if (owns(r.tenant)) tenants.set(r.tenant, r.seq);
    }
  }
  let start = Infinity;
  for (const i of a.owned) {
    const own = markers.find((m) => m.of === a.of && m.partition === i);
    let cover: number;
    if (own) cover = own.seq;
    else if (markers.length) {
      const compatible = markers.filter((m) => m.of !== a.of && m.partition % gcd(m.of, a.of) === i % gcd(m.of, a.of));
      if (!compatible.length) return { tenants, start: null };
      cover = Math.min(...compatible.map((m) => m.seq));
    } else if (Number.isFinite(anyTenantMin)) cover = anyTenantMin;
    else return { tenants, start: null };
    start = Math.min(start, cover);
  }
  for (const s of tenants.values()) start = Math.min(start, s);
  return { tenants, start: Number.isFinite(start) ? start : null };
}
