// Shared by the Connect and TaskRouter transfer tests: one contact queued in billing at
// 10:05:00, transferred to sales at 10:06:00 (60 s in billing), answered there at 10:06:20
// (20 s: within sales' 20 s service-level threshold); "now" is 10:10:00.
import { expect } from 'vitest';
import { eventually, type TestFloorwatch } from '../support/harness.ts';
import { matchesTable } from '../support/worked-example.ts';
import { getJson } from './adapter-support.ts';

/** kpis.md: the transfer ends billing's segment (not answered, not abandoned: out of its divisor) and starts sales'. */
export const TRANSFER_LIVE: Record<string, Record<string, unknown>> = {
  'queue:billing': { waiting: 0, longest_wait_s: 0, arrived: 1, answered: 0, abandoned: 0, offered: 0, service_level: null, abandon_rate: null },
  'queue:sales': { waiting: 0, arrived: 1, answered: 1, abandoned: 0, offered: 1, service_level: 1, asa_s: 20 },
  all: { waiting: 0, arrived: 2, answered: 1, offered: 1, service_level: 1, asa_s: 20 },
};

export async function expectTransferLive(fw: TestFloorwatch) {
  for (const [scope, want] of Object.entries(TRANSFER_LIVE)) {
    const url = `/v1/kpis?scope=${encodeURIComponent(scope)}&window=15m`;
    const k = await eventually(async () => {
      const r = await getJson(fw, url);
      return r.status === 200 && matchesTable(r.json.metrics, want).length === 0 ? r : null;
    }, 15_000).catch(() => getJson(fw, url));
    expect(matchesTable(k.json.metrics, want), scope).toEqual([]);
  }
}

export async function expectTransferHistory(fw: TestFloorwatch, now: number, contactId: string) {
  const range = `from=${new Date(now - 15 * 60_000).toISOString()}&to=${new Date(now + 1).toISOString()}&interval=1d`;
  const r = await getJson(fw, `/v1/history?${range}&group_by=queue&metrics=arrived,answered,abandoned,offered,service_level,asa_s`);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  const rows = Object.fromEntries((r.json.rows as { queue: string }[]).map((x) => [x.queue, x]));
  expect(rows.billing).toMatchObject({ arrived: 1, answered: 0, abandoned: 0, offered: 0, service_level: null });
  expect(rows.sales).toMatchObject({ arrived: 1, answered: 1, abandoned: 0, offered: 1, service_level: 1, asa_s: 20 });
  const seg = async (queue: string) => {
    const c = await getJson(fw, `/v1/contacts?queue=${queue}&from=${new Date(now - 15 * 60_000).toISOString()}`);
    expect(c.status, JSON.stringify(c.json)).toBe(200);
    return (c.json.items as { contact_id: string; outcome: string; wait_s: number }[]).map((x) => [x.contact_id, x.outcome, x.wait_s]);
  };
  expect(await seg('billing')).toEqual([[contactId, 'transferred', 60]]);
  expect(await seg('sales')).toEqual([[contactId, 'answered', 20]]);
}
