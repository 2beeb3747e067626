// npm run bench:history-catchup — the history consumer catching up: N bench-like events
// (300 agents, 20 queues, four types, 20 per ms) are stored first, as after a burst in
// which the writer ran ahead, then applyEvents() rewrites their facts in batches of B.
// Prints time, process CPU (chDB's threads included) and the rows written and read
// back, which show the rewrite's amplification. Embedded chDB in a temp dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { migrate, openClickHouse } from '../../server/db/clickhouse.ts';
import { insertEvents } from '../../pipelines/writer/events-in.ts';
import { applyEvents } from '../../pipelines/history/consumer.ts';
import { written } from '../../pipelines/history/rebuild.ts';
import type { BusEvent } from '../../pipelines/events/schema.ts';
import { line } from './bench-util.ts';

const N = Number(process.env.N ?? 200_000);
const B = Number(process.env.B ?? 10_000);

/** Counts the rows `ch` inserts and the rows its JSON queries return. */
function counted(ch: ClickHouseClient) {
  const n = { inserted: 0, read: 0 };
  const insert = ch.insert.bind(ch);
  const query = ch.query.bind(ch);
  Object.assign(ch, {
    insert: async (o: Parameters<typeof insert>[0]) => {
      n.inserted += Array.isArray(o.values) ? o.values.length : 0;
      return insert(o);
    },
    query: async (o: Parameters<typeof query>[0]) => {
      const r = await query(o);
      const json = r.json.bind(r);
      return Object.assign(r, {
        json: async () => {
          const x = await json();
          n.read += Array.isArray(x) ? x.length : 0;
          return x;
        },
      });
    },
  });
  return n;
}

function events(): BusEvent[] {
  const t0 = Date.now() - 3_600_000;
  const out: BusEvent[] = [];
  for (let n = 0; n < N; n++) {
    const ts = t0 + Math.floor(n / 20);
    const base = { id: `e${n}`, time: new Date(ts).toISOString(), tenant: 'default', ts, received_at: ts };
    const c = `c${n >> 2}`;
    const a = `a${n % 300}`;
    const e = [
      { ...base, type: 'contact.queued', contact_id: c, queue: `q${n % 20}`, channel: 'voice' },
      { ...base, type: 'contact.answered', contact_id: c, queue: `q${n % 20}`, agent_id: a },
      { ...base, type: 'agent.state', agent_id: a, state: 'busy', team: `t${n % 10}` },
      { ...base, type: 'contact.wrapped', contact_id: c, agent_id: a, resolved: true },
    ][n % 4];
    out.push(e as unknown as BusEvent);
  }
  return out;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bench-catchup-'));
try {
  const ch = await openClickHouse({ clickhouse: null, dataDir: dir });
  await migrate(ch);
  const evs = events();
  for (let i = 0; i < evs.length; i += 50_000) await insertEvents(ch, evs.slice(i, i + 50_000));
  const n = counted(ch);
  const t = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < evs.length; i += B) await applyEvents(ch, evs.slice(i, i + B));
  const c = process.cpuUsage(cpu);
  const s = (performance.now() - t) / 1000;
  console.log(`history catch-up: ${N.toLocaleString('en')} stored events, batches of ${B.toLocaleString('en')}`);
  line('time', `${s.toFixed(1)} s`);
  line('events/s', Math.round(N / s).toLocaleString('en'));
  line('CPU per event (process, chDB included)', `${(((c.user + c.system) / N)).toFixed(1)} µs`);
  line('rows written per event', ((n.inserted + Object.values(written).reduce((a, b) => a + b, 0)) / N).toFixed(2));
  line('rows read back per event', (n.read / N).toFixed(2));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
