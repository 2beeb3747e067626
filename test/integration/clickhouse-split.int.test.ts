// A split Floorwatch on one ClickHouse server: two processes started together against one
// NATS and one deploy/chdb-http-server.ts, A with ROLES=ingest,gateway and B with
// ROLES=writer,engine. Events posted to A are stored by B (while B is stopped nothing is
// stored, and all of it is once B is back), and A answers /v1/history from what B wrote:
// kpis.md's numbers for the worked example. Both ran the migrations at the same moment
// (which raced before they took turns through pipelines/bus/lock.ts); the schema comes out
// as one process alone makes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { ADMIN_KEY, eventually, post, spawnFloorwatch, startTestNats, tempDir, type ChildFloorwatch } from '../support/harness.ts';
import { startClickHouseServer, type TestClickHouse } from '../support/clickhouse-server.ts';
import { shiftedExample } from '../support/worked-example.ts';
import { exampleNow, expectHistoryKpis, getJson, storedIds } from './adapter-support.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { migrationVersions } from '../../server/db/clickhouse.ts';

const NOW = exampleNow();
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
let nats: PrivateNats;
let ch: TestClickHouse;
let direct: ClickHouseClient;
let a: ChildFloorwatch;
let b: ChildFloorwatch;
const bEnv = () => ({ ...ch.env, NATS_URL: nats.url, ROLES: 'writer,engine', DATA_DIR: tempDir('fw-split-b-') });

async function query<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return (await direct.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<T>();
}
const stored = (prefix: string) => storedIds(direct, 'default', prefix);

beforeAll(async () => {
  nats = await startTestNats();
  ch = await startClickHouseServer();
  direct = ch.client();
  [a, b] = await Promise.all([
    spawnFloorwatch({ ...ch.env, NATS_URL: nats.url, ROLES: 'ingest,gateway', DATA_DIR: tempDir('fw-split-a-') }),
    spawnFloorwatch(bEnv()),
  ]);
}, 180_000);
afterAll(async () => {
  await a?.kill();
  await b?.kill();
  await direct?.close();
  await ch?.stop();
  await nats?.stop();
});

describe('two processes, one ClickHouse server', () => {
  it('each runs only its roles', async () => {
    expect((await getJson({ url: a.url, admin }, '/health')).json.roles.sort()).toEqual(['gateway', 'ingest']);
    expect((await getJson({ url: b.url, admin }, '/health')).json.roles.sort()).toEqual(['engine', 'writer']);
  });

  it('migrated together, the schema is what one process makes: each migration recorded, history partitioned by day, nothing left over', async () => {
    const versions = await query<{ version: string; n: number }>('SELECT version, count() AS n FROM schema_migrations GROUP BY version ORDER BY version');
    expect(versions.map((v) => [v.version, Number(v.n)])).toEqual(migrationVersions().map((v) => [v, 1]));
    const keys = await query<{ name: string; partition_key: string }>(
      "SELECT name, partition_key FROM system.tables WHERE database = currentDatabase() AND name LIKE 'hist_%' ORDER BY name",
    );
    expect(keys.filter((t) => t.name.endsWith('_by_day'))).toEqual([]);
    expect(keys.find((t) => t.name === 'hist_contact_facts')?.partition_key).toBe('toYYYYMMDD(time)');
    expect(keys.find((t) => t.name === 'hist_agent_states')?.partition_key).toBe('toYYYYMMDD(start)');
  });

  it('stores what is posted to the ingest process by the writer process, once, and A reads the history B wrote', async () => {
    const example = shiftedExample(NOW, 'split-');
    for (let i = 0; i < example.length; i += 10) {
      const r = await post(`${a.url}/v1/events`, example.slice(i, i + 10), admin);
      expect(r.status, r.text).toBe(202);
    }
    await eventually(async () => (await stored('split-'))[0] === example.length, 60_000);
    await eventually(async () => {
      const r = await getJson({ url: a.url, admin }, `/v1/history?from=${new Date(NOW - 15 * 60_000).toISOString()}&to=${new Date(NOW + 1).toISOString()}&interval=1d&queue=billing&metrics=arrived`);
      return r.status === 200 && r.json.rows[0]?.arrived === 7;
    }, 60_000);
    await expectHistoryKpis({ url: a.url, admin }, NOW);
    expect(await stored('split-')).toEqual([example.length, example.length]);
  }, 120_000);

  it('stores nothing while the writer process is stopped, and everything once it is back', async () => {
    await b.kill();
    const late = Array.from({ length: 30 }, (_, i) => ({
      id: `while-b-down-${i}`, type: 'contact.queued', time: new Date(NOW - 3_600_000 + i).toISOString(), contact_id: `wbd-${i}`, queue: 'sales', channel: 'chat',
    }));
    expect((await post(`${a.url}/v1/events`, late, admin)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await stored('while-b-down-')).toEqual([0, 0]);
    b = await spawnFloorwatch(bEnv());
    await eventually(async () => (await stored('while-b-down-'))[0] === 30, 60_000);
    expect(await stored('while-b-down-')).toEqual([30, 30]);
  }, 120_000);
});
