// withLock (pipelines/bus/lock.ts) on a real nats-server: holders never overlap, each
// waiter gets its turn, a failing holder releases, and the key of a holder that died
// expires after the TTL instead of holding everyone up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Kvm } from '@nats-io/kv';
import { startTestNats } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { Bus } from '../../pipelines/bus/bus.ts';
import { withLock } from '../../pipelines/bus/lock.ts';

const log = pino({ level: 'silent' });
let nats: PrivateNats;
let buses: Bus[];

beforeAll(async () => {
  nats = await startTestNats();
  // three "processes": three connections
  buses = await Promise.all([0, 1, 2].map(() => Bus.connect(nats.url, log)));
}, 60_000);
afterAll(async () => {
  for (const b of buses ?? []) await b.close();
  await nats?.stop();
});

describe('withLock', () => {
  it('lets one holder in at a time and every waiter in turn', async () => {
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        withLock(buses[i % 3], 'migrations-test', log, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 80));
          order.push(i);
          inside--;
        }, { pollMs: 20 }),
      ),
    );
    expect(most).toBe(1);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('releases when the holder fails', async () => {
    await expect(withLock(buses[0], 'fails', log, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await withLock(buses[1], 'fails', log, async () => 'next')).toBe('next');
  });

  it('is not held up for longer than the TTL by a holder that died', async () => {
    // its own server: the bucket keeps the TTL it was made with (60 s in the tests above)
    const own = await startTestNats();
    const bus = await Bus.connect(own.url, log);
    try {
      // a holder that created the key and never came back
      const kv = await new Kvm(bus.nc).create('fw_locks', { history: 1, ttl: 1_500 });
      await kv.create('orphan', 'dead@holder');
      const t0 = Date.now();
      expect(await withLock(bus, 'orphan', log, async () => 'got it', { ttlMs: 1_500, pollMs: 50 })).toBe('got it');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      await bus.close();
      await own.stop();
    }
  });
});
