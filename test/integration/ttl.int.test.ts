// Retention is a setting: EVENTS_TTL_DAYS and HISTORY_TTL_DAYS become ClickHouse TTLs at
// start-up, and unset means keep everything.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFloorwatch, startTestNats, type TestFloorwatch } from '../support/harness.ts';
import { historyArea } from '../../server/history/area.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';

let nats: PrivateNats;
let fw: TestFloorwatch;
beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [historyArea()], env: { EVENTS_TTL_DAYS: '30', HISTORY_TTL_DAYS: '400' } });
});
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

const ddl = async (table: string) =>
  (await (await fw.rt.svc.ch.query({ query: `SHOW CREATE TABLE ${table}`, format: 'JSONEachRow' })).json<{ statement: string }>())[0]
    .statement;

it('applies the configured retention to raw events and history facts', async () => {
  expect(await ddl('events')).toMatch(/TTL toDateTime\(time\) \+ toIntervalDay\(30\)/);
  expect(await ddl('hist_contact_facts')).toMatch(/toIntervalDay\(400\)/);
  expect(await ddl('hist_agent_states')).toMatch(/toIntervalDay\(400\)/);
});
