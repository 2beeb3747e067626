// The gateway under load: 1,000 sockets on one node all receive updates, and a client
// that never reads gets coalesced values instead of an ever-growing buffer.
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startFloorwatch, startTestNats, eventually, post, type TestFloorwatch } from '../support/harness.ts';
import { liveArea } from '../../pipelines/live/live-area.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';

let nats: PrivateNats;
let fw: TestFloorwatch;
beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [liveArea()] });
});
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

const metric = async (name: string) => {
  const m = await (await fetch(`${fw.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)`, 'm').exec(m)?.[1]);
};
const queued = (n: number, p: string) =>
  Array.from({ length: n }, (_, i) => ({
    id: `${p}-${i}`, type: 'contact.queued', time: new Date(Date.now() - 500).toISOString(), contact_id: `${p}-${i}`, queue: 'gw', channel: 'chat',
  }));

it('delivers updates to 1,000 sockets on one node', async () => {
  expect((await post(`${fw.url}/v1/events`, queued(1, 'warm'), fw.admin)).status).toBe(202);
  await eventually(async () => (await fetch(`${fw.url}/v1/kpis?scope=queue:gw&window=15m`, { headers: fw.admin })).status === 200);
  const url = fw.url.replace('http', 'ws') + '/v1/live';
  const waiting = new Array<number>(1000).fill(-1);
  const sockets = await Promise.all(
    waiting.map(
      (_, i) =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url, { headers: fw.admin });
          ws.on('message', (d) => {
            const m = JSON.parse(String(d));
            if ((m.type === 'snapshot' || m.type === 'update') && m.scope === 'queue:gw') waiting[i] = m.metrics.waiting;
          });
          ws.once('open', () => {
            ws.send(JSON.stringify({ type: 'subscribe', scopes: ['queue:gw'], windows: ['15m'] }));
            resolve(ws);
          });
          ws.once('error', reject);
        }),
    ),
  );
  await eventually(() => waiting.every((w) => w === 1), 20_000);
  expect(await metric('fw_live_sockets')).toBe(1000);
  expect((await post(`${fw.url}/v1/events`, queued(4, 'burst'), fw.admin)).status).toBe(202);
  await eventually(() => waiting.every((w) => w === 5), 20_000);
  expect(waiting.filter((w) => w === 5).length).toBe(1000);
  for (const ws of sockets) ws.terminate();
  await eventually(async () => (await metric('fw_live_sockets')) === 0);
});

it('does not grow server memory for a client that never reads', async () => {
  // 300 agents flip state every tick: ~1,000 scope snapshots per second for a client
  // subscribed to all of them, far more than a paused socket takes.
  const agents = Array.from({ length: 300 }, (_, i) => `slow-a${i}`);
  const flip = (round: number) =>
    agents.map((a, i) => ({
      id: `flip-${round}-${i}`, type: 'agent.state', time: new Date(Date.now() - 200).toISOString(), agent_id: a,
      state: round % 2 ? 'busy' : 'available', team: 'slow', name: `Agent ${i} ${'x'.repeat(40)}`,
    }));
  expect((await post(`${fw.url}/v1/events`, flip(0), fw.admin)).status).toBe(202);
  await eventually(async () => (await fetch(`${fw.url}/v1/kpis?scope=agent:slow-a299&window=15m`, { headers: fw.admin })).status === 200);

  const ws = new WebSocket(fw.url.replace('http', 'ws') + '/v1/live', { headers: fw.admin });
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'subscribe', scopes: ['all', 'team:slow', ...agents.map((a) => `agent:${a}`)], agents: true }));
  // stop reading: the kernel buffers fill, then the server must hold back
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();

  let maxBuffered = 0;
  for (let round = 1; round <= 24; round++) {
    expect((await post(`${fw.url}/v1/events`, flip(round), fw.admin)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 250));
    maxBuffered = Math.max(maxBuffered, await metric('fw_live_buffered_bytes'));
  }
  // what it holds is bounded by what it subscribed to (latest value per scope × window),
  // not by how long it has been slow: 302 scopes × 3 windows + agent lists ≈ < 2 MiB
  expect(maxBuffered).toBeLessThan(2 * 1024 * 1024);
  expect(await metric('fw_live_coalesced_total')).toBeGreaterThan(0);
  ws.terminate();
});
