import { describe, expect, it } from 'vitest';
import {
  fnv1a32, markerKey, ownsTenant, parseMarker, parsePartitionList, partitionOf, resumePlan, type PartitionAssignment,
} from '../../../pipelines/live/partition.ts';
import { ConfigError, loadConfig } from '../../../server/config.ts';

const tenants = Array.from({ length: 1000 }, (_, i) => `tenant-${i}`);
const two = (i: number): PartitionAssignment => ({ of: 2, owned: [i] });

describe('tenant → partition', () => {
  it('is FNV-1a (32 bits) of the tenant id, mod N', () => {
    // the published FNV-1a test vectors
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(partitionOf('foobar', 7)).toBe(0xbf9cf968 % 7);
    expect(partitionOf('anything', 1)).toBe(0);
  });

  it('gives every tenant exactly one owner among the processes of one assignment, spread evenly', () => {
    for (const n of [2, 3, 5]) {
      const owners = Array.from({ length: n }, (_, i) => ownsTenant({ of: n, owned: [i] }));
      const counts = new Array(n).fill(0);
      for (const t of tenants) {
        const who = owners.map((o, i) => (o(t) ? i : -1)).filter((i) => i >= 0);
        expect(who).toEqual([partitionOf(t, n)]);
        counts[who[0]]++;
      }
      for (const c of counts) expect(c).toBeGreaterThan((1000 / n) * 0.8);
    }
  });

  it('is stable: the same tenant lands in the same partition on every call and process', () => {
    expect(tenants.slice(0, 20).map((t) => partitionOf(t, 4))).toEqual(tenants.slice(0, 20).map((t) => fnv1a32(t) % 4));
    expect(partitionOf('acme', 2)).toBe(partitionOf('acme', 2));
    const all = ownsTenant({ of: 3, owned: [0, 1, 2] });
    expect(tenants.every(all)).toBe(true);
  });

  it('reads ENGINE_PARTITIONS and ENGINE_PARTITION', () => {
    expect(parsePartitionList('1', 2)).toEqual([1]);
    expect(parsePartitionList('0,2, 1', 4)).toEqual([0, 1, 2]);
    expect(parsePartitionList('1-3', 4)).toEqual([1, 2, 3]);
    expect(parsePartitionList('2', 2)).toBeNull();
    expect(parsePartitionList('x', 2)).toBeNull();
    expect(loadConfig({}).enginePartitions).toEqual({ of: 1, owned: [0] });
    expect(loadConfig({ ENGINE_PARTITIONS: '2' }).enginePartitions).toEqual({ of: 2, owned: [0, 1] });
    expect(loadConfig({ ENGINE_PARTITIONS: '2', ENGINE_PARTITION: '1' }).enginePartitions).toEqual({ of: 2, owned: [1] });
    expect(() => loadConfig({ ENGINE_PARTITIONS: '2', ENGINE_PARTITION: '2' })).toThrow(ConfigError);
    expect(() => loadConfig({ ENGINE_PARTITIONS: '0' })).toThrow(ConfigError);
  });
});

describe('where an engine resumes', () => {
  const a = tenants.find((t) => partitionOf(t, 2) === 0)!;
  const b = tenants.find((t) => partitionOf(t, 2) === 1)!;
  const b2 = tenants.filter((t) => partitionOf(t, 2) === 1)[1];

  it('markers are not tenants', () => {
    expect(parseMarker(markerKey(2, 1))).toEqual({ of: 2, partition: 1 });
    expect(parseMarker('acme')).toBeNull();
  });

  it('with nothing saved: from the time horizon', () => {
    expect(resumePlan([], two(0))).toEqual({ tenants: new Map(), start: null });
  });

  it('snapshots from before partitions (no markers): from the oldest row, its own tenants only', () => {
    const p = resumePlan([{ tenant: a, seq: 50 }, { tenant: b, seq: 40 }], two(1));
    expect(p).toEqual({ tenants: new Map([[b, 40]]), start: 40 });
  });

  it('N = 1 → 2: each new partition resumes from the single process\'s marker and loads only its own tenants', () => {
    const rows = [{ tenant: a, seq: 100 }, { tenant: b, seq: 100 }, { tenant: markerKey(1, 0), seq: 100 }];
    expect(resumePlan(rows, two(0))).toEqual({ tenants: new Map([[a, 100]]), start: 100 });
    expect(resumePlan(rows, two(1))).toEqual({ tenants: new Map([[b, 100]]), start: 100 });
  });

  it('a tenant saved later than the marker of its partition is skipped up to its own seq; the marker bounds the start', () => {
    const rows = [{ tenant: b, seq: 300 }, { tenant: b2, seq: 120 }, { tenant: markerKey(2, 1), seq: 200 }, { tenant: markerKey(1, 0), seq: 10 }];
    // its own partition's marker wins over an older configuration's
    expect(resumePlan(rows, two(1))).toEqual({ tenants: new Map([[b, 300], [b2, 120]]), start: 120 });
  });

  it('a partition never owned under this N resumes from the markers of the partitions that can share its tenants', () => {
    // N = 2 → 4: partition 3 of 4 holds tenants of partition 1 of 2 only (3 ≡ 1 mod 2)
    const rows = [{ tenant: markerKey(2, 0), seq: 500 }, { tenant: markerKey(2, 1), seq: 400 }];
    expect(resumePlan(rows, { of: 4, owned: [3] }).start).toBe(400);
    expect(resumePlan(rows, { of: 4, owned: [2] }).start).toBe(500);
    // N = 2 → 3: any old partition can share tenants with any new one
    expect(resumePlan(rows, { of: 3, owned: [0] }).start).toBe(400);
  });

  it('a partition that no marker covers, when other partitions have markers: from the time horizon', () => {
    // partition 1 of 2 never ran; partition 0's rows say nothing of its tenants
    const rows = [{ tenant: a, seq: 100 }, { tenant: markerKey(2, 0), seq: 100 }];
    expect(resumePlan(rows, two(1)).start).toBeNull();
  });
});
