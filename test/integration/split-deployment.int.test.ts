// Floorwatch split across processes on a three-node NATS cluster, as deploy/compose.yaml
// runs it: two `ingest,gateway` processes, one engine per partition (ENGINE_PARTITIONS=2),
// one writer (with history), one notifier and one voc, sharing one ClickHouse server.
// Under steady load from several tenants, posted to both ingest processes, a NATS node and
// then an ingest process are SIGKILLed and restarted. Every event that got a 202 must be
// stored exactly once, every tenant's live KPIs must equal what the pure engine makes of
// the same events, and walls on either gateway must show the same numbers. Last, one
// engine process is SIGKILLed and its partition moved to the other: still exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { ADMIN_KEY, eventually, post, spawnFloorwatch, tempDir, type ChildFloorwatch } from '../support/harness.ts';
import { startClickHouseServer, type TestClickHouse } from '../support/clickhouse-server.ts';
import { startNatsCluster, waitForJetStream, type NatsCluster } from '../../pipelines/bus/nats-cluster.ts';
import { partitionOf } from '../../pipelines/live/partition.ts';
import { TenantEngine } from '../../pipelines/engine/index.ts';
import type { BusEvent, CcEvent } from '../../pipelines/events/schema.ts';

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const names = Array.from({ length: 40 }, (_, i) => `split-${i}`);
// four tenants, two in each engine partition
const TENANTS = [...names.filter((t) => partitionOf(t, 2) === 0).slice(0, 2), ...names.filter((t) => partitionOf(t, 2) === 1).slice(0, 2)];

let cluster: NatsCluster;
let chServer: TestClickHouse;
let ch: ClickHouseClient;
const procs = new Map<string, ChildFloorwatch>();
let base: Record<string, string>;

const ROLE_ENV: Record<string, Record<string, string>> = {
  writer: { ROLES: 'writer' },
  'engine-0': { ROLES: 'engine', ENGINE_PARTITION: '0' },
  'engine-1': { ROLES: 'engine', ENGINE_PARTITION: '1' },
  notifier: { ROLES: 'notifier' },
  voc: { ROLES: 'voc' },
  'ingest-a': { ROLES: 'ingest,gateway' },
  'ingest-b': { ROLES: 'ingest,gateway' },
};

async function start(name: string, env: Record<string, string> = {}): Promise<ChildFloorwatch> {
  const p = await spawnFloorwatch({ ...base, ...ROLE_ENV[name], ...env, DATA_DIR: tempDir(`fw-split-${name}-`) });
  procs.set(name, p);
  return p;
}

beforeAll(async () => {
  cluster = await startNatsCluster({ dir: tempDir('fw-split-cluster-') });
  chServer = await startClickHouseServer();
  ch = createClient({ url: chServer.url, username: chServer.user, password: chServer.password });
  base = {
    ...chServer.env,
    NATS_URL: cluster.url,
    ENGINE_PARTITIONS: '2',
    ENGINE_SNAPSHOT_S: '2',
    LOG_LEVEL: 'warn',
  };
  // one at a time: the first creates the streams and applies the migrations
  for (const name of Object.keys(ROLE_ENV)) await start(name);
}, 300_000);

afterAll(async () => {
  await Promise.all([...procs.values()].map((p) => p.kill('SIGTERM')));
  await ch?.close();
  await chServer?.stop();
  await cluster?.stop();
});

/** A contact's life and its agent's states: realistic enough to move every contact KPI. */
function contactEvents(tenant: string, i: number, at: number): CcEvent[] {
  const id = `${tenant}-${i}`;
  const agent = `a${i % 6}`;
  const queue = `q${i % 3}`;
  const t = (ms: number) => new Date(at + ms).toISOString();
  const ev = (suffix: string, o: object) => ({ id: `${id}-${suffix}`, ...o }) as CcEvent;
  const out = [ev('q', { type: 'contact.queued', time: t(0), contact_id: id, queue, channel: i % 4 ? 'voice' : 'chat' })];
  if (i % 5 === 4) {
    out.push(ev('x', { type: 'contact.abandoned', time: t(300 + (i % 7) * 10), contact_id: id, queue }));
    return out;
  }
  out.push(
    ev('s1', { type: 'agent.state', time: t(100), agent_id: agent, state: 'busy', team: `team${i % 2}`, queues: [queue] }),
    ev('a', { type: 'contact.answered', time: t(100), contact_id: id, queue, agent_id: agent }),
    ev('e', { type: 'contact.ended', time: t(400), contact_id: id, agent_id: agent }),
    ev('w', { type: 'contact.wrapped', time: t(500), contact_id: id, agent_id: agent, resolved: i % 3 !== 0 }),
    ev('s2', { type: 'agent.state', time: t(500), agent_id: agent, state: 'available', team: `team${i % 2}`, queues: [queue] }),
  );
  return out;
}

const accepted = new Map<string, CcEvent[]>(TENANTS.map((t) => [t, []]));
const statuses = new Map<number, number>();
const keys = new Map<string, string>();
/** contacts made so far, per tenant */
const sent = new Map<string, number>(TENANTS.map((t) => [t, 0]));
let next = 0;

/** the next 10 contacts of the tenant */
function nextBatch(tenant: string): CcEvent[] {
  return Array.from({ length: 10 }, () => {
    const i = sent.get(tenant)!;
    sent.set(tenant, i + 1);
    return contactEvents(tenant, i, Date.now() - 1_000);
  }).flat();
}

/**
 * Posts the batch until it is accepted, on either ingest process (a 503 during a leader
 * election, a refused connection while one is down): only 202s count as accepted.
 */
async function postUntilAccepted(tenant: string, batch: CcEvent[], k = 0): Promise<void> {
  const end = Date.now() + 90_000;
  for (;;) {
    const urls = ingestUrls();
    const url = urls[(next++ + k) % urls.length];
    const r = await post(`${url}/v1/events`, batch, { authorization: `Bearer ${keys.get(tenant)}` }).catch(() => ({ status: 0 }));
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    if (r.status === 202) {
      accepted.get(tenant)!.push(...batch);
      return;
    }
    if (Date.now() > end) throw new Error(`a batch of ${tenant} was not accepted in 90 s (last ${r.status})`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** the URL of each ingest process now (one is restarted on another port) */
const ingestUrls = () => ['ingest-a', 'ingest-b'].map((n) => procs.get(n)!).filter((p) => p.proc.exitCode === null && !p.proc.killed).map((p) => p.url);

describe('Floorwatch split across processes on a NATS cluster', () => {

  it('every process says in /health and /metrics which roles and engine partitions it runs, and that NATS is up', async () => {
    for (const t of TENANTS) {
      const r = await post(`${procs.get('ingest-a')!.url}/v1/keys`, { scopes: ['ingest', 'read'], tenant: t }, admin);
      expect(r.status).toBe(201);
      keys.set(t, r.json.key);
    }
    for (const [name, p] of procs) {
      const h = await (await fetch(`${p.url}/health`)).json();
      expect(h.status, name).toBe('ok');
      expect(h.healthy, name).toBe(true);
      expect(h.roles.sort(), name).toEqual(ROLE_ENV[name].ROLES.split(',').sort());
      expect(h.nats, name).toMatchObject({ cluster: 'floorwatch', replicas: 3, server_name: expect.stringMatching(/^floorwatch-n[123]$/) });
      const m = await (await fetch(`${p.url}/metrics`)).text();
      expect(m, name).toMatch(/^fw_nats_connected 1$/m);
      for (const r of h.roles) expect(m, name).toMatch(new RegExp(`^fw_role\\{role="${r}"\\} 1$`, 'm'));
      if (name.startsWith('engine-')) {
        const i = Number(name.slice(7));
        expect(h.engine, name).toMatchObject({ partitions: { of: 2, owned: [i] }, consumer: 'ok' });
        expect(m, name).toMatch(new RegExp(`^fw_engine_partition\\{of="2",partition="${i}"\\} 1$`, 'm'));
        expect(m, name).toMatch(/^fw_engine_consumer_up 1$/m);
      } else expect(h.engine, name).toBeUndefined();
    }
    const consumers = async (name: string) => (await (await fetch(`${procs.get(name)!.url}/health`)).json()).consumers;
    expect(await consumers('writer')).toMatchObject({ writer: { pending: expect.any(Number) }, history: { pending: expect.any(Number) } });
    expect(await consumers('notifier')).toMatchObject({ notifier: { pending: expect.any(Number) } });
    expect(await consumers('voc')).toMatchObject({ voc: { pending: expect.any(Number) } });
  });

  it('loses nothing acknowledged and stores nothing twice when a NATS node and an ingest process are SIGKILLed', async () => {
    let running = true;
    const loadOf = async (tenant: string, k: number) => {
      while (running) {
        await postUntilAccepted(tenant, nextBatch(tenant), k);
        await new Promise((res) => setTimeout(res, 50));
      }
    };
    const total = () => [...accepted.values()].reduce((s, a) => s + a.length, 0);
    const load = Promise.all(TENANTS.map((t, k) => loadOf(t, k)));

    await eventually(() => total() >= 1_500, 60_000);
    // a NATS node: the event stream's leader
    const jsm = await (async () => {
      const { connect } = await import('@nats-io/transport-node');
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const nc = await connect({ servers: cluster.url.split(','), maxReconnectAttempts: -1 });
      return { nc, jsm: await jetstreamManager(nc) };
    })();
    const leaderName = (await jsm.jsm.streams.info('CC_EVENTS')).cluster?.leader;
    const leader = cluster.nodes.findIndex((_, i) => leaderName?.endsWith(`-n${i + 1}`));
    expect(leader).toBeGreaterThanOrEqual(0);
    await cluster.nodes[leader].kill();
    let at = total();
    await eventually(() => total() >= at + 1_500, 90_000);
    await cluster.nodes[leader].restart();
    await waitForJetStream(cluster.url);

    // an ingest process
    await procs.get('ingest-b')!.kill('SIGKILL');
    at = total();
    await eventually(() => total() >= at + 1_000, 90_000);
    await start('ingest-b');
    at = total();
    await eventually(() => total() >= at + 1_000, 90_000);
    running = false;
    await load;
    await jsm.nc.close();

    // every 202 in ClickHouse, once
    const ids = new Set([...accepted.values()].flat().map((e) => e.id));
    let lastMissing = '';
    const stored = await eventually(async () => {
      const q = await ch.query({
        query: 'SELECT count() AS n, uniqExact(id) AS u, groupArray(id) AS ids FROM events WHERE tenant IN {t:Array(String)}',
        query_params: { t: TENANTS },
        format: 'JSONEachRow',
      });
      const r = (await q.json<{ n: string; u: string; ids: string[] }>())[0];
      const got = new Set(r.ids);
      const missing = [...ids].filter((id) => !got.has(id));
      lastMissing = `${missing.length} of ${ids.size} missing (${missing.slice(0, 3).join(', ')})`;
      return missing.length === 0 ? { n: Number(r.n), u: Number(r.u), got } : null;
    }, 180_000).catch(async (err) => {
      const writer = procs.get('writer')!;
      const health = await fetch(`${writer.url}/health`).then((r) => r.json()).catch((e) => String(e));
      console.error(`not stored: ${lastMissing}\nwriter /health: ${JSON.stringify(health)}\nwriter output:\n${writer.output().slice(-3000)}\nClickHouse server:\n${chServer.output().slice(-2000)}`);
      throw err;
    });
    expect(stored.n).toBe(stored.u);
    expect(stored.u).toBe(ids.size); // nothing that was never accepted: every batch was retried to a 202
    console.log(`split load: ${ids.size} events accepted and stored once; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    // and every process says so again: NATS connected, consumers there, engines following
    for (const [name, p] of procs)
      await eventually(async () => {
        const h = await (await fetch(`${p.url}/health`)).json();
        // an engine has also caught up with the stream
        return h.healthy === true && (!h.engine || (h.engine.stream_seq > 0 && h.engine.seq >= h.engine.stream_seq));
      }, 30_000).catch(async () => {
        throw new Error(`${name} is not healthy: ${await (await fetch(`${p.url}/health`)).text()}`);
      });
  }, 480_000);

  /** what one engine process would show for the tenant at `at`: the pure engine fed the accepted events */
  function reference(tenant: string) {
    const e = new TenantEngine({ tenant, timeZone: 'UTC', policies: {} });
    for (const ev of accepted.get(tenant)!) e.apply({ ...ev, tenant, ts: Date.parse(ev.time), received_at: 0 } as BusEvent);
    return e;
  }
  const sameAs = (got: Record<string, unknown>, want: Record<string, unknown>) =>
    Object.keys(want).every((k) => JSON.stringify(got[k]) === JSON.stringify(want[k]));

  /** every tenant's KPIs on both gateways equal the pure engine's at the same instant */
  async function expectExactKpis() {
    for (const tenant of TENANTS) {
      const ref = reference(tenant);
      for (const scope of ['all', 'queue:q0', 'queue:q2', 'team:team1', 'agent:a3']) {
        for (const gw of ['ingest-a', 'ingest-b']) {
          const read = async () => {
            const r = await fetch(`${procs.get(gw)!.url}/v1/kpis?scope=${encodeURIComponent(scope)}&window=15m`, { headers: { authorization: `Bearer ${keys.get(tenant)}` } });
            if (r.status !== 200) return { ok: false, body: r.status };
            const b = await r.json();
            const want = ref.snapshot(scope, Date.parse(b.at))!.windows['15m'] as unknown as Record<string, unknown>;
            return { ok: sameAs(b.metrics, want), body: b, want };
          };
          const got = await eventually(async () => ((await read()).ok ? true : null), 30_000).catch(() => false);
          if (!got) {
            const last = await read();
            expect({ tenant, scope, gw, metrics: (last.body as { metrics?: unknown }).metrics }).toEqual({ tenant, scope, gw, metrics: last.want });
          }
        }
      }
    }
  }

  it('gives every tenant the live KPIs of one process fed the same events, on both gateways', async () => {
    await expectExactKpis();
    // each engine holds the tenants of its own partition only
    for (const i of [0, 1]) {
      const h = await (await fetch(`${procs.get(`engine-${i}`)!.url}/health`)).json();
      expect(h.engine.tenants, `engine-${i}`).toBe(TENANTS.filter((t) => partitionOf(t, 2) === i).length);
    }
  }, 120_000);

  it('sends walls on either gateway the same numbers, equal to one process\'s', async () => {
    const tenant = TENANTS[1];
    const ref = reference(tenant);
    const wall = (gw: string) => {
      const got: { type: string; scope: string; window: string; at: string; metrics: Record<string, unknown> }[] = [];
      const ws = new WebSocket(procs.get(gw)!.url.replace('http', 'ws') + '/v1/live', { headers: { authorization: `Bearer ${keys.get(tenant)}` } });
      ws.on('message', (d) => got.push(JSON.parse(String(d))));
      ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', scopes: ['all', 'queue:q1'], windows: ['15m'] })));
      return { ws, got };
    };
    const a = wall('ingest-a');
    const b = wall('ingest-b');
    // the numbers move every second (time-driven values): a few seconds of updates on both
    await new Promise((r) => setTimeout(r, 5_000));
    a.ws.close();
    b.ws.close();
    const numbers = (w: typeof a) => new Map(w.got.filter((m) => m.type === 'snapshot' || m.type === 'update').map((m) => [`${m.scope}@${m.at}`, m.metrics]));
    const [na, nb] = [numbers(a), numbers(b)];
    const common = [...na.keys()].filter((k) => nb.has(k));
    expect(common.length).toBeGreaterThanOrEqual(4);
    for (const k of common) {
      expect(JSON.stringify(na.get(k)), k).toBe(JSON.stringify(nb.get(k)));
      const [scope, at] = [k.slice(0, k.indexOf('@')), k.slice(k.indexOf('@') + 1)];
      const want = ref.snapshot(scope, Date.parse(at))!.windows['15m'] as unknown as Record<string, unknown>;
      expect(sameAs(na.get(k)!, want), k).toBe(true);
    }
  }, 60_000);

  it('moves partition 1 to the other engine process after its own was SIGKILLed, and every tenant stays exact', async () => {
    await procs.get('engine-1')!.kill('SIGKILL');
    await procs.get('engine-0')!.kill('SIGTERM');
    const engine = await start('engine-0', { ENGINE_PARTITION: '0,1' });
    for (const t of TENANTS) await postUntilAccepted(t, nextBatch(t));
    const h = await eventually(async () => {
      const x = await (await fetch(`${engine.url}/health`)).json();
      return x.engine?.tenants === TENANTS.length && x.engine.seq >= x.engine.stream_seq ? x : null;
    }, 30_000);
    expect(h.engine.partitions).toEqual({ of: 2, owned: [0, 1] });
    await expectExactKpis();
  }, 120_000);
});
