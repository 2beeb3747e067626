// Floorwatch on a real three-node NATS cluster (pipelines/bus/nats-cluster.ts), with
// NATS_URL listing the three servers: the streams and KV buckets are kept at R3, and under
// steady load the node that leads the event stream is SIGKILLed and restarted, then the
// node the client is connected to. Every event that got a 202 must be stored exactly once,
// and the worked example posted afterwards must give kpis.md's numbers, as on one server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, post, startFloorwatch, tempDir, type TestFloorwatch } from '../support/harness.ts';
import { EXPECTED, matchesTable, shiftedExample } from '../support/worked-example.ts';
import { startNatsCluster, waitForJetStream, type NatsCluster } from '../../pipelines/bus/nats-cluster.ts';
import { EVENTS_STREAM } from '../../pipelines/bus/subjects.ts';
import { liveArea } from '../../pipelines/live/live-area.ts';
import { ingestKey } from './asterisk-support.ts';
import { readKey } from './adapter-support.ts';

let NOW = Math.floor(Date.now() / 1000) * 1000;
if (new Date(NOW - 16 * 60_000).getUTCDate() !== new Date(NOW).getUTCDate()) NOW -= 20 * 60_000;

let cluster: NatsCluster;
let fw: TestFloorwatch;

beforeAll(async () => {
  cluster = await startNatsCluster({ dir: tempDir('fw-cluster-') });
  fw = await startFloorwatch({ natsUrl: cluster.url, areas: [liveArea({ fixedNow: NOW })] });
}, 120_000);
afterAll(async () => {
  await fw?.close();
  await cluster?.stop();
});

const nodeOf = (name: string | undefined) => cluster.nodes.findIndex((_, i) => name?.endsWith(`-n${i + 1}`));

async function storedIds(tenant: string): Promise<{ n: number; u: number; ids: Set<string> }> {
  const q = await fw.rt.svc.ch.query({
    query: 'SELECT count() AS n, uniqExact(id) AS u, groupArray(id) AS ids FROM events WHERE tenant = {t:String}',
    query_params: { t: tenant },
    format: 'JSONEachRow',
  });
  const r = (await q.json<{ n: string; u: string; ids: string[] }>())[0];
  return { n: Number(r.n), u: Number(r.u), ids: new Set(r.ids) };
}

describe('Floorwatch on a three-node NATS cluster', () => {
  it('keeps the streams and the KV buckets at three replicas', async () => {
    expect(fw.rt.svc.bus.replicas).toBe(3);
    const s = await fw.rt.svc.bus.jsm.streams.info(EVENTS_STREAM);
    expect(s.config.num_replicas).toBe(3);
    expect(s.cluster?.replicas?.length).toBe(2);
    const any = (await fw.rt.svc.bus.jsm.streams.names().next()).filter((n) => n.startsWith('KV_'));
    expect(any.length).toBeGreaterThan(0);
    for (const n of any) expect((await fw.rt.svc.bus.jsm.streams.info(n)).config.num_replicas, n).toBe(3);
  });

  it('/health says which roles run here, which node and cluster it is on, and how far its consumers are', async () => {
    const r = await (await fetch(`${fw.url}/health`)).json();
    expect(r.status).toBe('ok');
    expect(r.roles).toEqual(expect.arrayContaining(['ingest', 'writer', 'engine', 'gateway']));
    expect(r.nats).toMatchObject({ cluster: 'floorwatch', replicas: 3, server_name: expect.stringMatching(/^floorwatch-n[123]$/) });
    expect(cluster.url.split(',')).toContain(`nats://${r.nats.server}`);
    expect(r.consumers.writer).toMatchObject({ pending: expect.any(Number), ack_pending: expect.any(Number) });
    const m = await (await fetch(`${fw.url}/metrics`)).text();
    expect(m).toMatch(/^fw_nats_connected 1$/m);
    expect(m).toMatch(/^fw_role\{role="writer"\} 1$/m);
  });

  it('loses nothing acknowledged, and stores nothing twice, when the stream leader and then the connected node are SIGKILLed', async () => {
    const tenant = 'cluster-load';
    const key = await ingestKey(fw, tenant);
    const accepted = new Set<string>();
    const statuses = new Map<number, number>();
    let seq = 0;
    let running = true;
    const load = (async () => {
      while (running) {
        const batch = Array.from({ length: 100 }, () => {
          const i = seq++;
          return { id: `load-${i}`, type: 'contact.queued', time: new Date(Date.now() - 1000).toISOString(), contact_id: `c-${i}`, queue: `q${i % 5}`, channel: 'voice' };
        });
        // a client that retries what was not accepted, as the simulator's sink does
        for (let attempt = 0; running || attempt === 0; attempt++) {
          const r = await post(`${fw.url}/v1/events`, batch, { authorization: `Bearer ${key}` }).catch(() => ({ status: 0, json: null }));
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 202) {
            for (const e of batch) accepted.add(e.id);
            break;
          }
          await new Promise((res) => setTimeout(res, 200));
        }
        await new Promise((res) => setTimeout(res, 20));
      }
    })();

    const bus = fw.rt.svc.bus;
    await eventually(async () => accepted.size >= 2000, 60_000);
    // the stream's leader
    const leader = nodeOf((await bus.jsm.streams.info(EVENTS_STREAM)).cluster?.leader);
    expect(leader).toBeGreaterThanOrEqual(0);
    await cluster.nodes[leader].kill();
    const atKill = accepted.size;
    await eventually(async () => accepted.size >= atKill + 2000, 60_000); // a new leader took over
    await cluster.nodes[leader].restart();
    // the node the client is connected to
    const connected = cluster.nodes.findIndex((n) => bus.nc.getServer().endsWith(`:${n.port}`));
    expect(connected).toBeGreaterThanOrEqual(0);
    await cluster.nodes[connected].kill();
    const atKill2 = accepted.size;
    await eventually(async () => accepted.size >= atKill2 + 2000, 60_000); // reconnected to another node
    await cluster.nodes[connected].restart();
    running = false;
    await waitForJetStream(cluster.url);
    await load;

    // everything acknowledged reaches ClickHouse, once
    const all = await eventually(async () => {
      const s = await storedIds(tenant);
      return [...accepted].every((id) => s.ids.has(id)) ? s : null;
    }, 90_000);
    expect(all.n).toBe(all.u);
    for (const id of all.ids) expect(id).toMatch(/^load-\d+$/);
    expect(all.n).toBeGreaterThanOrEqual(accepted.size);
    expect(all.n).toBeLessThanOrEqual(seq); // nothing that was never sent
    expect(accepted.size).toBeGreaterThanOrEqual(6000);
    console.log(`cluster load: ${accepted.size} accepted, ${all.n} stored, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 240_000);

  it('the worked example then gives the live KPIs of kpis.md, as on one server', async () => {
    const key = await ingestKey(fw, 'cluster-we');
    const r = await post(`${fw.url}/v1/events`, shiftedExample(NOW, 'cl-'), { authorization: `Bearer ${key}` });
    expect(r.status).toBe(202);
    const read = await readKey(fw, 'cluster-we');
    for (const scope of ['queue:billing', 'team:north', 'agent:a1']) {
      const got = await eventually(async () => {
        const res = await fetch(`${fw.url}/v1/kpis?scope=${encodeURIComponent(scope)}&window=15m`, { headers: { authorization: `Bearer ${read}` } });
        const j = await res.json();
        return res.status === 200 && matchesTable(j.metrics, EXPECTED[scope]).length === 0 ? j : null;
      }, 30_000).catch(async (e) => {
        const res = await fetch(`${fw.url}/v1/kpis?scope=${encodeURIComponent(scope)}&window=15m`, { headers: { authorization: `Bearer ${read}` } });
        const j = await res.json();
        console.error(scope, res.status, JSON.stringify(j).slice(0, 400), matchesTable(j.metrics ?? {}, EXPECTED[scope]));
        throw e;
      });
      expect(matchesTable(got.metrics, EXPECTED[scope])).toEqual([]);
    }
  });
});
