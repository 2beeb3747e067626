// A source over its events-per-second budget gets 429 with Retry-After, and the
// events of that request are not accepted (so a retry does not double them).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFloorwatch, startTestNats, post, type TestFloorwatch } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';

let nats: PrivateNats;
let fw: TestFloorwatch;
beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, env: { RATE_LIMIT_PER_KEY: '100' } });
});
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

it('answers 429 with Retry-After past the per-key rate', async () => {
  const events = (p: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ id: `${p}-${i}`, type: 'ticket.reopened', time: new Date().toISOString(), ticket_id: `t${i}` }));
  expect((await post(`${fw.url}/v1/events`, events('a', 150), fw.admin)).status).toBe(202);
  const r = await post(`${fw.url}/v1/events`, events('b', 150), fw.admin);
  expect(r.status).toBe(429);
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(r.json).toMatchObject({ status: 429, title: 'Too Many Requests' });
  expect(r.json.detail).toMatch(/100 events\/s/);
  // another key has its own budget
  const k = await post(`${fw.url}/v1/keys`, { scopes: ['ingest'] }, fw.admin);
  expect((await post(`${fw.url}/v1/events`, events('c', 50), { authorization: `Bearer ${k.json.key}` })).status).toBe(202);
});
