// "Accepted" means stored even if the process dies right after answering: Floorwatch in
// its default set-up (private nats-server, embedded chDB) is SIGKILLed right after the
// 202s and started again; every accepted event must end up in ClickHouse, once.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnFloorwatch, tempDir, eventually, post, ADMIN_KEY, type ChildFloorwatch } from '../support/harness.ts';
import { openClickHouse } from '../../server/db/clickhouse.ts';

const dataDir = tempDir('fw-crash-');
let child: ChildFloorwatch | null = null;
afterAll(async () => {
  await child?.kill('SIGTERM'); // graceful: it stops its private nats-server too
});

describe('a crash right after the 202s', () => {
  it('loses no accepted event', async () => {
    child = await spawnFloorwatch({ DATA_DIR: dataDir });
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    const accepted: string[] = [];
    const sends = Array.from({ length: 20 }, async (_, b) => {
      const events = Array.from({ length: 500 }, (_, i) => ({
        id: `k-${b}-${i}`,
        type: 'contact.queued',
        time: new Date(Date.now() - 60_000 + i).toISOString(),
        contact_id: `c-${b}-${i}`,
        queue: `q${b % 4}`,
        channel: 'voice',
      }));
      const r = await post(`${child!.url}/v1/events`, events, auth);
      if (r.status === 202) accepted.push(...events.map((e) => e.id));
    });
    await Promise.all(sends);
    await child.kill('SIGKILL');
    expect(accepted.length).toBe(10_000);

    // Start again on the same data dir: the orphaned nats-server is replaced, the writer
    // resumes its durable consumer.
    child = await spawnFloorwatch({ DATA_DIR: dataDir });
    await eventually(async () => {
      const m = await (await fetch(`${child!.url}/metrics`)).text();
      return /fw_writer_pending_events 0\b/.test(m);
    }, 60_000, 250);
    expect(await child.kill('SIGTERM')).toBe(0);
    child = null;

    const ch = await openClickHouse({ clickhouse: null, dataDir });
    const rows = await (
      await ch.query({ query: "SELECT count() AS n, uniqExact(id) AS u FROM events WHERE startsWith(id, 'k-')", format: 'JSONEachRow' })
    ).json<{ n: number; u: number }>();
    await ch.close();
    expect(Number(rows[0].u)).toBe(10_000);
    expect(Number(rows[0].n)).toBe(10_000);
  });
});
