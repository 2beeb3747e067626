// npm run bench:history — loads ~10 M events (90 days, 200 queues, 2,000 agents) into
// embedded chDB and times the history API over HTTP.
// Load path: events are generated in JS day by day and bulk-inserted (JSONEachRow) into
// `events` the way the writer stores them (insertEvents); the facts are computed with the
// pipeline's pure functions (contactSegments, agentIntervals, segmentFacts) and inserted
// the same way. Skipped versus the live path: NATS and the writer's duplicate lookup.
// Options: --days=N (default 90), --agents=N (default 2000), --runs=N (default 15),
// --dir=PATH keeps the loaded data there and reuses it on the next run (skips the load).
import fs from 'node:fs';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { startFloorwatch, startTestNats, tempDir } from '../support/harness.ts';
import { historyArea } from '../../server/history/area.ts';
import { insertEvents } from '../../pipelines/writer/events-in.ts';
import type { BusEvent } from '../../pipelines/events/schema.ts';
import { contactSegments } from '../../pipelines/history/segments.ts';
import { agentIntervals, type AgentInterval } from '../../pipelines/history/agent-intervals.ts';
import { intervalRow, segmentFacts } from '../../pipelines/history/facts.ts';
import { rng } from '../unit/history/scenario.ts';
import { line, percentile } from './bench-util.ts';
import type { ClickHouseClient } from '@clickhouse/client';
import { historyBody, historyColumns } from '../../server/history/history-query.ts';
import { compactSettled } from '../../server/history/compact.ts';
import { rollupSettled } from '../../server/history/rollup.ts';

const arg = (k: string, d: number) => Number(process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d);
const DAYS = arg('days', 90);
const AGENTS = arg('agents', 2000);
const RUNS = arg('runs', 15);
const QUEUES = 200;
const TENANT = 'default';
const DAY = 86_400_000;
const END = Date.UTC(2026, 10, 23); // data up to the day before "today" of the worked example
const START = END - DAYS * DAY;

type Ev = BusEvent;

function generateDay(d: number, r: () => number, seq: { n: number }) {
  const evs: Ev[] = [];
  const day0 = START + d * DAY;
  const ev = (type: string, ts: number, f: Record<string, unknown>) =>
    evs.push({ id: `e${seq.n++}`, type, time: new Date(ts).toISOString(), ...f, tenant: TENANT, ts, received_at: ts } as unknown as Ev);
  const contacts = new Map<string, Ev[]>();
  const agentEvs = new Map<string, Ev[]>();
  for (let a = 0; a < AGENTS; a++) {
    const agent = `ag-${a}`;
    const queues = [`q-${a % QUEUES}`, `q-${(a + 1) % QUEUES}`];
    const mine: Ev[] = [];
    const st = (ts: number, state: string, extra: Record<string, unknown> = {}) => {
      ev('agent.state', ts, { agent_id: agent, state, ...extra });
      mine.push(evs[evs.length - 1]);
    };
    let t = day0 + (6 + (a % 12)) * 3_600_000 + Math.floor(r() * 1800) * 1000;
    st(t, 'available', { team: `team-${a % 100}`, queues });
    for (let k = 0; k < 7; k++) {
      t += Math.floor(60 + r() * 1200) * 1000;
      const c = `c-${d}-${a}-${k}`;
      const q = queues[k % 2];
      const wait = Math.floor(r() * 60) * 1000;
      const cev: Ev[] = [];
      const cv = (type: string, ts: number, f: Record<string, unknown>) => {
        ev(type, ts, { contact_id: c, ...f });
        cev.push(evs[evs.length - 1]);
      };
      cv('contact.queued', t - wait, { queue: q, channel: r() < 0.7 ? 'voice' : 'chat' });
      cv('contact.answered', t, { queue: q, agent_id: agent });
      st(t, 'busy');
      t += Math.floor(60 + r() * 400) * 1000;
      cv('contact.ended', t, { agent_id: agent });
      st(t, 'wrap_up');
      t += Math.floor(10 + r() * 90) * 1000;
      cv('contact.wrapped', t, { agent_id: agent, ...(r() < 0.8 ? { resolved: r() < 0.7 } : {}) });
      st(t, 'available');
      if (r() < 0.1) ev('feedback.submitted', t + 60_000, { survey: 'csat', score: 1 + Math.floor(r() * 5), contact_id: c, agent_id: agent, queue: q });
      contacts.set(c, cev);
    }
    // one abandoned contact per agent-day in its first queue
    const c = `c-${d}-${a}-x`;
    const qt = day0 + Math.floor(r() * 20 * 3600) * 1000;
    ev('contact.queued', qt, { contact_id: c, queue: queues[0], channel: 'voice' });
    ev('contact.abandoned', qt + Math.floor(r() * 90) * 1000, { contact_id: c, queue: queues[0] });
    contacts.set(c, evs.slice(-2));
    st(t + 600_000, 'offline');
    agentEvs.set(agent, mine);
  }
  for (let q = 0; q < QUEUES; q++)
    for (let k = 0; k < 5; k++) {
      const tk = `t-${d}-${q}-${k}`;
      const t = day0 + Math.floor(r() * 20 * 3600) * 1000;
      ev('ticket.created', t, { ticket_id: tk, queue: `q-${q}`, channel: 'email' });
      ev('ticket.replied', t + Math.floor(r() * 3600) * 1000, { ticket_id: tk, agent_id: `ag-${q}` });
      ev('ticket.solved', t + 3_700_000, { ticket_id: tk });
    }
  return { evs, contacts, agentEvs };
}

async function compactInsert(ch: ClickHouseClient, table: string, rows: object[]) {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  await ch.insert({
    table,
    values: rows.map((r) => cols.map((c) => (r as Record<string, unknown>)[c])),
    columns: cols as [string, ...string[]],
    format: 'JSONCompactEachRow',
  });
}

/**
 * Times GETs of `url` from a separate client process, as a browser on another machine
 * would make them: the response is read whole and decoded as text inside the timing,
 * parsed (for the row count) outside it. In the bench's own process, the client's work
 * (receiving and decoding 25 MB) would queue on the server's event loop and be counted
 * as the server's. The first run warms caches and is not counted.
 */
async function timeFromClient(url: string, headers: Record<string, string>, runs: number) {
  const code = `
    (async () => {
      const [url, headers, runs] = [process.argv[1], JSON.parse(process.argv[2]), Number(process.argv[3])];
      const ms = []; const ttfb = []; let bytes = 0; let rowsN = 0;
      for (let i = 0; i < runs + 1; i++) {
        const s = performance.now();
        const res = await fetch(url, { headers });
        const h = performance.now() - s;
        const body = await res.text();
        const t = performance.now() - s;
        if (res.status !== 200) { console.log(JSON.stringify({ error: res.status + ' ' + body.slice(0, 300) })); return; }
        if (i > 0) { ms.push(t); ttfb.push(h); }
        bytes = body.length;
        const j = JSON.parse(body);
        rowsN = (j.rows ?? j.items ?? j.events ?? j.series).length;
      }
      console.log(JSON.stringify({ ms, ttfb, bytes, rowsN }));
    })();`;
  const proc = spawn(process.execPath, ['-e', code, url, JSON.stringify(headers), String(runs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  await new Promise((resolve) => proc.on('exit', resolve));
  const r = JSON.parse(out) as { ms: number[]; ttfb: number[]; bytes: number; rowsN: number; error?: string };
  if (r.error) throw new Error(`${url}: ${r.error}`);
  return r;
}

async function main() {
  const nats = await startTestNats();
  const keepDir = process.argv.find((a) => a.startsWith('--dir='))?.slice(6);
  const dataDir = keepDir ?? tempDir('fw-bench-history-');
  const marker = `${dataDir}/history-bench-loaded.json`;
  const reuse = keepDir !== undefined && fs.existsSync(marker);
  const fw = await startFloorwatch({ natsUrl: nats.url, dataDir, areas: [historyArea({ consumer: false, now: () => END })] });
  const ch = fw.rt.svc.ch;
  const r = rng(42);
  const seq = { n: 0 };
  const last = new Map<string, AgentInterval>();
  let segs = 0;
  const phase = { gen: 0, ins: 0 };
  const t0 = performance.now();
  for (let d = 0; d < (reuse ? 0 : DAYS); d++) {
    const tp = performance.now();
    const { evs, contacts, agentEvs } = generateDay(d, r, seq);
    const facts = [];
    const ivRows = [];
    const teamOf = (a: string) => `team-${Number(a.slice(3)) % 100}`; // fixed in this data set
    for (const [agent, l] of agentEvs) {
      const ivs = agentIntervals(agent, l.map((e: any) => ({ id: e.id, ts: e.ts, state: e.state, team: e.team ?? '', queues: e.queues ?? null })), last.get(agent) ?? null);
      last.set(agent, ivs[ivs.length - 1]);
      for (const iv of ivs) ivRows.push(intervalRow(TENANT, iv, 1));
    }
    for (const [c, l] of contacts)
      for (const s of contactSegments(c, l as any)) {
        segs++;
        facts.push(...segmentFacts(TENANT, s, s.agent_id ? teamOf(s.agent_id) : '', 1));
      }
    const tg = performance.now();
    // Events as the writer stores them; the facts as compact arrays (no keys): less to parse in bulk.
    await Promise.all([
      insertEvents(ch, evs),
      compactInsert(ch, 'hist_contact_facts', facts),
      compactInsert(ch, 'hist_agent_states', ivRows),
    ]);
    phase.gen += tg - tp;
    phase.ins += performance.now() - tg;
    if (d % 10 === 9) console.log(`  day ${d + 1}/${DAYS}: ${seq.n.toLocaleString()} events, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  let loadS = (performance.now() - t0) / 1000;
  if (reuse) ({ loadS, segs, n: seq.n } = JSON.parse(fs.readFileSync(marker, 'utf8')));
  else if (keepDir) fs.writeFileSync(marker, JSON.stringify({ loadS, segs, n: seq.n }));
  // The steady state of a running system: its history role merges each settled day into
  // one part (server/history/compact.ts: every 10 minutes, days quiet for 10 minutes), so
  // FINAL reads those days without merging. Data loaded a moment ago is not quiet yet:
  // the bench runs the same pass without the quiet period.
  const tc = performance.now();
  const compacted = await compactSettled(ch, { quietMs: 0 });
  const compactS = (performance.now() - tc) / 1000;
  // …and rolls each compacted day up by hour and queue, and by hour, queue and channel
  // (server/history/rollup.ts). Data loaded before sql/0015 is rolled up again here.
  const tr = performance.now();
  const rolled = await rollupSettled(ch, { quietMs: 0 });
  const rollupS = (performance.now() - tr) / 1000;
  const sizes = await (await ch.query({
    query: `SELECT table, sum(bytes_on_disk) AS b, sum(rows) AS n FROM system.parts WHERE active AND table IN ('events', 'hist_contact_facts', 'hist_agent_states', 'hist_queue_hourly', 'hist_queue_channel_hourly') GROUP BY table`,
    format: 'JSONEachRow',
  })).json<{ table: string; b: number; n: number }>();
  console.log(`\nhistory benchmark: ${seq.n.toLocaleString()} events, ${segs.toLocaleString()} segments, ${DAYS} days, ${QUEUES} queues, ${AGENTS} agents`);
  line(`load (generate + insert events + facts)${reuse ? ' [earlier run]' : ''}`, `${loadS.toFixed(1)} s`);
  if (!reuse) {
    line('  of which generating + facts in JS', `${(phase.gen / 1000).toFixed(1)} s`);
    line('  of which inserting', `${(phase.ins / 1000).toFixed(1)} s`);
  }
  line('compaction of settled days', `${compactS.toFixed(1)} s, ${compacted.length} partitions`);
  line('hourly rollups of settled days (queue; queue × channel)', `${rollupS.toFixed(1)} s, ${rolled.length} days`);
  line('load rate', `${Math.round(seq.n / loadS).toLocaleString()} ev/s`);
  let total = 0;
  for (const s of sizes) {
    total += Number(s.b);
    line(`  ${s.table} on disk`, `${(Number(s.b) / 1e6).toFixed(1)} MB (${Number(s.n).toLocaleString()} rows)`);
  }
  line('storage per million events (all tables)', `${(total / 1e6 / (seq.n / 1e6)).toFixed(1)} MB`);

  const iso = (t: number) => new Date(t).toISOString();
  const lastDay = END - DAY;
  // issue 17's targets: the 90-day hourly query p50 < 300 ms and p99 < 600 ms, every other p50 < 150 ms
  const queries: [string, string, number, number?][] = [
    ['90 d × 1h SL + ASA by queue', `/v1/history?metrics=service_level,asa_s&interval=1h&group_by=queue&from=${iso(START)}&to=${iso(END)}`, 300, 600],
    ['  the same, format=columns (one series per queue)', `/v1/history?metrics=service_level,asa_s&interval=1h&group_by=queue&from=${iso(START)}&to=${iso(END)}&format=columns`, 300, 600],
    ['90 d × 1h SL + ASA + p90 by channel', `/v1/history?metrics=service_level,asa_s,wait_p90_s&interval=1h&group_by=channel&from=${iso(START)}&to=${iso(END)}`, 150],
    ['90 d × 1d SL + abandon rate by queue, chat only', `/v1/history?metrics=service_level,abandon_rate&interval=1d&group_by=queue&channel=chat&from=${iso(START)}&to=${iso(END)}`, 150],
    ['1 d × 15m by agent (answered, ASA, AHT, occ.)', `/v1/history?metrics=answered,asa_s,aht_s,occupancy&interval=15m&group_by=agent&from=${iso(lastDay)}&to=${iso(END)}`, 150],
    ['contacts list, queue + outcome + wait filter', `/v1/contacts?queue=q-17&outcome=answered&wait_min=30&limit=50`, 150],
    ['one contact timeline', `/v1/contacts/c-${DAYS - 3}-1234-3`, 150],
  ];
  // The machine may be shared: the figures below mean little without the load they ran under.
  line('load average (1, 5, 15 min) before the queries', os.loadavg().map((x) => x.toFixed(1)).join(', '));
  console.log('');
  for (const [label, path, p50Target, p99Target] of queries) {
    const { ms, ttfb, bytes, rowsN } = await timeFromClient(`${fw.url}${path}`, fw.admin, RUNS);
    ms.sort((a, b) => a - b);
    ttfb.sort((a, b) => a - b);
    const p50 = percentile(ms, 50);
    const p99 = percentile(ms, 99);
    line(label, `p50 ${p50.toFixed(0)} ms`, `< ${p50Target} ms`, p50 < p50Target);
    if (p99Target) line('', `p99 ${p99.toFixed(0)} ms`, `< ${p99Target} ms`, p99 < p99Target);
    else line('', `p99 ${p99.toFixed(0)} ms`);
    line('', `p95 ${percentile(ms, 95).toFixed(0)} ms, ${rowsN.toLocaleString()} rows, ${(bytes / 1e6).toFixed(1)} MB`);
    line('', `first byte p50 ${percentile(ttfb, 50).toFixed(0)} ms`);
  }
  // The same two history queries without HTTP: ClickHouse, including formatting the JSON.
  const pol = { queues: [], slMs: [], shortMs: [], defaultSlMs: 20_000, defaultShortMs: 5_000 };
  const direct: [string, Parameters<typeof historyBody>[1]][] = [
    ['  ClickHouse only: 90 d × 1h by queue', { tenant: TENANT, metrics: ['service_level', 'asa_s'], from: START, to: END, interval: '1h', groupBy: 'queue', filters: {}, tz: 'UTC', policies: pol, now: END }],
    ['  ClickHouse only: the same from the facts alone', { tenant: TENANT, metrics: ['service_level', 'asa_s'], from: START, to: END, interval: '1h', groupBy: 'queue', filters: {}, tz: 'UTC', policies: pol, now: END, rollup: null }],
    // format=columns: ClickHouse pivots and writes the arrays, JS orders the groups (CPU: both)
    ['  ClickHouse + JS: 90 d × 1h by queue, format=columns', { tenant: TENANT, metrics: ['service_level', 'asa_s'], from: START, to: END, interval: '1h', groupBy: 'queue', filters: {}, tz: 'UTC', policies: pol, now: END }],
    ['  ClickHouse only: 90 d × 1h by queue, to 12:30 today', { tenant: TENANT, metrics: ['service_level', 'asa_s'], from: START + 1_800_000, to: END + 45_000_000, interval: '1h', groupBy: 'queue', filters: {}, tz: 'UTC', policies: pol, now: END + 45_000_000 }],
    // every channel of the data: the same rows as by queue, read from the queue × channel rollup (its channels merged)
    ['  ClickHouse only: 90 d × 1h by queue from the queue × channel rollup', { tenant: TENANT, metrics: ['service_level', 'asa_s'], from: START, to: END, interval: '1h', groupBy: 'queue', filters: { channel: ['voice', 'chat'] }, tz: 'UTC', policies: pol, now: END }],
    ['  ClickHouse only: 90 d × 1h by channel', { tenant: TENANT, metrics: ['service_level', 'asa_s', 'wait_p90_s'], from: START, to: END, interval: '1h', groupBy: 'channel', filters: {}, tz: 'UTC', policies: pol, now: END }],
    ['  ClickHouse only: the same from the facts alone', { tenant: TENANT, metrics: ['service_level', 'asa_s', 'wait_p90_s'], from: START, to: END, interval: '1h', groupBy: 'channel', filters: {}, tz: 'UTC', policies: pol, now: END, rollup: null }],
    ['  ClickHouse only: 1 d × 15m by agent', { tenant: TENANT, metrics: ['answered', 'asa_s', 'aht_s', 'occupancy'], from: lastDay, to: END, interval: '15m', groupBy: 'agent', filters: {}, tz: 'UTC', policies: pol, now: END }],
    // what a rollup by team or agent would save (pipelines/history/README.md): the facts' answers
    ['  ClickHouse only: 90 d × 1d by team (facts)', { tenant: TENANT, metrics: ['answered', 'asa_s', 'aht_s', 'fcr'], from: START, to: END, interval: '1d', groupBy: 'team', filters: {}, tz: 'UTC', policies: pol, now: END }],
    ['  ClickHouse only: 30 d × 1d by agent (facts)', { tenant: TENANT, metrics: ['answered', 'asa_s', 'aht_s', 'fcr'], from: END - 30 * DAY, to: END, interval: '1d', groupBy: 'agent', filters: {}, tz: 'UTC', policies: pol, now: END }],
    ['  ClickHouse only: 7 d × 1h by agent (facts)', { tenant: TENANT, metrics: ['answered', 'asa_s', 'aht_s', 'fcr'], from: END - 7 * DAY, to: END, interval: '1h', groupBy: 'agent', filters: {}, tz: 'UTC', policies: pol, now: END }],
  ];
  // CPU time too (chDB runs in this process, idle otherwise): on a shared machine it moves
  // far less than the wall time.
  for (const [label, req] of direct) {
    const ms: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < Math.min(RUNS, 5) + 1; i++) {
      const s = performance.now();
      const c = process.cpuUsage();
      await (label.includes('format=columns') ? historyColumns(ch, req) : historyBody(ch, req, 'json'));
      const d = process.cpuUsage(c);
      if (i > 0) {
        ms.push(performance.now() - s);
        cpu.push((d.user + d.system) / 1000);
      }
    }
    ms.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    line(label, `p50 ${percentile(ms, 50).toFixed(0)} ms, CPU p50 ${percentile(cpu, 50).toFixed(0)} ms`);
  }
  line('load average (1, 5, 15 min) after the queries', os.loadavg().map((x) => x.toFixed(1)).join(', '));
  // How far an hourly rollup would shrink what a query reads: facts against (hour, key) rows.
  const [k] = await (await ch.query({
    query: `SELECT count() AS facts, uniqExact(toStartOfHour(time), queue) AS q, uniqExact(toStartOfHour(time), queue, channel) AS qc,
              uniqExact(toStartOfHour(time), team) AS t, uniqExact(toStartOfHour(time), agent_id) AS a
            FROM hist_contact_facts WHERE kind = 'outcome'`,
    format: 'JSONEachRow',
  })).json<Record<string, number>>();
  line('  outcome facts → hourly rows by queue; × channel', `${Number(k.facts).toLocaleString()} → ${Number(k.q).toLocaleString()}; ${Number(k.qc).toLocaleString()}`);
  line('  outcome facts → hourly rows by team; by agent', `${Number(k.facts).toLocaleString()} → ${Number(k.t).toLocaleString()}; ${Number(k.a).toLocaleString()}`);
  await fw.close();
  await nats.stop();
  if (!keepDir) fs.rmSync(dataDir, { recursive: true, force: true });
}

await main();
