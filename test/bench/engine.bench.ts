// Live KPI engine benchmark (one core): 2,000 agents, 200 queues, 50,000 open contacts.
// Prints events/s, time to snapshot every scope of the tenant, heap, and the bytes per
// open contact and per agent. Compares with the targets; never fails the build.
import v8 from 'node:v8';
import vm from 'node:vm';
import { PerformanceObserver } from 'node:perf_hooks';
import type { BusEvent } from '../../pipelines/events/schema.ts';
import { TenantEngine } from '../../pipelines/engine/tenant-engine.ts';
import { IdSet } from '../../pipelines/engine/id-set.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

// GC pauses, to report the share of each timed phase spent collecting garbage
const gcs: { s: number; d: number }[] = [];
const gcObs = new PerformanceObserver((l) => { for (const x of l.getEntries()) gcs.push({ s: x.startTime, d: x.duration }); });
gcObs.observe({ entryTypes: ['gc'] });
const gcIn = (spans: [number, number][]) => {
  let ms = 0;
  for (const g of gcs) if (spans.some(([a, b]) => g.s >= a && g.s < b)) ms += g.d;
  return ms;
};

/** V8 frees objects whose variable is never read again: keep measured engines reachable */
const keep: unknown[] = [];
(globalThis as { __keep?: unknown[] }).__keep = keep;
// `npm run bench:engine -- held [millions] [ckpt]`: the engine thread of bench:ingest at
// 20,000 events/s of its shape (queued, answered, agent state, wrapped; 300 agents, 20
// queues), on a simulated clock so every event stays inside the 1-hour window, with
// what engine-runner.ts does around apply: decodeEvents of each bus message (one per
// type of each 500-event request), and every 250 ms the dirty scopes' snapshots (every
// second all of them, and evict) serialised for publishing. Prints CPU µs per event for
// each million applied: cost per event must not grow with the events held.
// `ckpt`: the checkpointer's engine (liveReads: false, no snapshots) instead.
if (process.argv[2] === 'held') {
  await heldBench(Number(process.argv[3] ?? 3), process.argv[4] === 'ckpt');
  process.exit(0);
}

async function heldBench(millions: number, ckpt: boolean): Promise<void> {
  const { decodeEvents } = await import('../../pipelines/bus/event-message.ts');
  const RATE = 20_000;
  const PER_REQ = 500;
  const TYPES = ['contact.queued', 'contact.answered', 'agent.state', 'contact.wrapped'];
  const eng = new TenantEngine({ tenant: 't', timeZone: 'Europe/Rome', liveReads: !ckpt });
  const enc = new TextEncoder();
  const major: { s: number; d: number }[] = [];
  const minor: { s: number; d: number }[] = [];
  const obs = new PerformanceObserver((l) => {
    for (const x of l.getEntries()) ((x as unknown as { detail?: { kind?: number } }).detail?.kind === 1 ? minor : major).push({ s: x.startTime, d: x.duration });
  });
  obs.observe({ entryTypes: ['gc'] });
  const cpu = () => {
    const c = process.cpuUsage();
    return c.user + c.system;
  };
  // the bus messages of request r: one per event type, as server/ingest/publish.ts groups them
  const messages = (r: number, now: number): Buffer[] => {
    const base = now - 30_000;
    const byType: string[][] = [[], [], [], []];
    for (let i = 0; i < PER_REQ; i++) {
      const n = r * PER_REQ + i;
      const ts = base + i;
      const id = `"id":"h-${n}","time":"${new Date(ts).toISOString()}","tenant":"t","ts":${ts},"received_at":${now}`;
      const c = `ch-${n >> 2}`;
      const k = n % 4;
      byType[k].push(
        k === 0 ? `{${id},"type":"${TYPES[k]}","contact_id":"${c}","queue":"q${n % 20}","channel":"voice"}`
        : k === 1 ? `{${id},"type":"${TYPES[k]}","contact_id":"${c}","queue":"q${n % 20}","agent_id":"a${n % 300}"}`
        : k === 2 ? `{${id},"type":"${TYPES[k]}","agent_id":"a${n % 300}","state":"busy","team":"t${n % 10}"}`
        : `{${id},"type":"${TYPES[k]}","contact_id":"${c}","agent_id":"a${n % 300}","resolved":true}`,
      );
    }
    return byType.map((x) => Buffer.from(`[${x.join(',')}]`));
  };
  console.log(`engine held-state bench: ${millions}M events at ${RATE} ev/s of simulated time, ${ckpt ? 'checkpointer (liveReads: false)' : 'publisher'}`);
  console.log('millions  held(k)  decode  apply  publish  total µs/ev | publish ms/s | GC minor/major ms per M | heap MB | worst message apply ms');
  const T = Date.parse('2026-11-24T09:00:00Z');
  const reqPerTick = RATE / PER_REQ / 4; // requests per 250 ms
  let now = T;
  let r = 0;
  let tick = 0;
  let dec = 0, app = 0, pub = 0, evs = 0, spanT0 = performance.now(), cpuAll0 = cpu();
  const total = millions * 1_000_000;
  let applied = 0;
  let worst = 0; // the longest apply of one message (wall ms): a stall of the engine thread
  while (applied < total) {
    for (let q = 0; q < reqPerTick; q++, r++) {
      now += 250 / reqPerTick;
      for (const m of messages(r, Math.round(now))) {
        const c0 = cpu();
        const batch = decodeEvents(m)!;
        const c1 = cpu();
        const w0 = performance.now();
        for (let i = 0; i < batch.length; i++) eng.apply(batch[i]);
        const w = performance.now() - w0;
        if (w > worst) worst = w;
        dec += c1 - c0;
        app += cpu() - c1;
        evs += batch.length;
      }
    }
    applied = r * PER_REQ;
    tick++;
    const t = Math.round(now);
    const c0 = cpu();
    const full = tick % 4 === 0;
    if (!ckpt) {
      const dirty = eng.takeDirty();
      const snaps = full ? eng.snapshotAll(t) : [...dirty].flatMap((s) => eng.snapshot(s, t) ?? []);
      for (const s of snaps) enc.encode(JSON.stringify(s));
    } else eng.takeDirty();
    if (full) eng.evict(t);
    pub += cpu() - c0;
    if (applied % 1_000_000 === 0) {
      await new Promise((res) => setTimeout(res, 20)); // the GC observer delivers its entries
      const spanT1 = performance.now();
      const inSpan = (g: { s: number; d: number }[]) => g.filter((x) => x.s >= spanT0 && x.s < spanT1).reduce((a, x) => a + x.d, 0);
      const all = cpu() - cpuAll0;
      const simS = evs / RATE;
      console.log(
        `${(applied / 1e6).toFixed(0).padStart(8)} ${String(Math.round(eng.ids.size / 1000)).padStart(8)}  ${(dec / evs).toFixed(2).padStart(6)} ${(app / evs).toFixed(2).padStart(6)} ${(pub / evs).toFixed(2).padStart(8)} ${(all / evs).toFixed(2).padStart(12)} | ${(pub / 1000 / simS).toFixed(1).padStart(12)} | ${inSpan(minor).toFixed(0).padStart(8)}/${inSpan(major).toFixed(0).padEnd(8)}     | ${(process.memoryUsage().heapUsed / 1e6).toFixed(0).padStart(7)} | ${worst.toFixed(0)}`,
      );
      dec = app = pub = evs = worst = 0;
      spanT0 = spanT1;
      cpuAll0 = cpu();
    }
  }
  obs.disconnect();
  keep.push(eng);
}



const AGENTS = 2000;
const QUEUES = 200;
const TEAMS = 40;
const OPEN = 50_000;
const MINUTES = Number(process.argv[2] ?? 150);
const T0 = Date.parse('2026-11-24T08:00:00Z');

let seed = 42;
const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296);
const pick = (n: number) => Math.floor(rnd() * n);
let nid = 0;
const ev = (ts: number, body: object): BusEvent =>
  ({ id: `e${nid++}`, time: '', ts, tenant: 't', received_at: 0, ...body }) as BusEvent;

/** A realistic stream: agents cycle available → busy → wrap_up, contacts queue, get answered, wrapped. */
function stream(): BusEvent[] {
  const out: BusEvent[] = [];
  const waiting: { cid: string; q: number; t: number }[][] = Array.from({ length: QUEUES }, () => []);
  let cn = 0;
  const queue = (t: number) => {
    const q = pick(QUEUES);
    const cid = `c${cn++}`;
    waiting[q].push({ cid, q, t });
    out.push(ev(t, { type: 'contact.queued', contact_id: cid, queue: `q${q}`, channel: rnd() < 0.7 ? 'voice' : 'chat' }));
  };
  const agentQueues: number[][] = [];
  for (let a = 0; a < AGENTS; a++) {
    agentQueues.push([pick(QUEUES), pick(QUEUES), pick(QUEUES)]);
    out.push(ev(T0 - 3_600_000 + pick(600_000), {
      type: 'agent.state', agent_id: `a${a}`, state: 'available', team: `team${a % TEAMS}`, name: `Agent ${a}`,
      queues: agentQueues[a].map((q) => `q${q}`),
    }));
  }
  for (let i = 0; i < OPEN; i++) queue(T0 - pick(1_800_000));
  // each agent handles contacts back to back: answer, talk, wrap, available
  const next = Array.from({ length: AGENTS }, () => T0 + pick(300_000));
  const end = T0 + MINUTES * 60_000;
  for (;;) {
    let a = 0;
    for (let i = 1; i < AGENTS; i++) if (next[i] < next[a]) a = i;
    const t = next[a];
    if (t >= end) break;
    queue(t - pick(1000)); // one new arrival per answer keeps ~50,000 waiting
    const qs = agentQueues[a];
    const w = waiting[qs[pick(3)]];
    const c = w.shift();
    const agent = `a${a}`;
    if (!c) { next[a] = t + 30_000; continue; }
    out.push(ev(t, { type: 'contact.answered', contact_id: c.cid, queue: `q${c.q}`, agent_id: agent }));
    out.push(ev(t, { type: 'agent.state', agent_id: agent, state: 'busy' }));
    const talk = t + 60_000 + pick(360_000);
    out.push(ev(talk, { type: 'contact.ended', contact_id: c.cid, agent_id: agent }));
    out.push(ev(talk, { type: 'agent.state', agent_id: agent, state: 'wrap_up' }));
    const wrap = talk + 5_000 + pick(60_000);
    out.push(ev(wrap, { type: 'contact.wrapped', contact_id: c.cid, agent_id: agent, resolved: rnd() < 0.7 }));
    out.push(ev(wrap, { type: 'agent.state', agent_id: agent, state: 'available' }));
    if (rnd() < 0.2) out.push(ev(wrap + 30_000, { type: 'feedback.submitted', survey: 'csat', score: 1 + pick(5), agent_id: agent, queue: `q${c.q}`, channel: 'voice' }));
    if (rnd() < 0.1) {
      const tid = `t${nid}`;
      out.push(ev(t, { type: 'ticket.created', ticket_id: tid, queue: `q${c.q}`, channel: 'email' }));
      out.push(ev(wrap, { type: 'ticket.replied', ticket_id: tid, agent_id: agent }));
    }
    if (rnd() < 0.03) out.push(ev(t + 1, { type: 'contact.abandoned', contact_id: `c${cn - 1}`, queue: 'q0' })); // some abandons
    next[a] = wrap + pick(20_000);
  }
  // arrival order: up to 10 s late, 1% sent twice
  const keyed = out.map((e) => ({ e, k: e.ts + rnd() * 10_000 }));
  for (let i = 0; i < out.length; i += 100) keyed.push({ e: out[i], k: out[i].ts + 5_000 });
  keyed.sort((x, y) => x.k - y.k);
  return keyed.map((x) => x.e);
}

const line = (name: string, value: string, ok: boolean | null, target: string) =>
  console.log(`${name.padEnd(38)} ${value.padStart(14)}  ${ok === null ? '    ' : ok ? 'PASS' : 'MISS'}  ${target}`);

const base = heap();
// Kept as JSON chunks and parsed outside the timed part: a live engine reads events off
// the bus and does not hold half a million of them.
const chunks: string[] = [];
let total = 0;
let end = 0;
{
  const all = stream();
  total = all.length;
  for (const x of all) end = Math.max(end, x.ts);
  for (let i = 0; i < all.length; i += 20_000) chunks.push(JSON.stringify(all.slice(i, i + 20_000)));
}
console.log(`engine bench: ${AGENTS} agents, ${QUEUES} queues, ${TEAMS} teams, ${total} events over ${MINUTES} min`);

const e = new TenantEngine({ tenant: 't', timeZone: 'Europe/Rome' });
let busy = 0;
// CPU time (user + system, this process: the GC's helper threads included) around the
// apply loops: wall-clock rates move by ±30 % with the other work on a shared machine
let cpuUs = 0;
let warmCpuUs = 0;
// the first events build every agent and the 50,000 waiting contacts while the JIT warms
// up: the rate past them is reported too, as what a running engine sustains
const WARM = 100_000;
let seen = 0;
let warmBusy = 0;
let warmEvents = 0;
const applySpans: [number, number][] = [];
for (const c of chunks) {
  const batch = JSON.parse(c) as BusEvent[];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  // an indexed loop: for-of in this top-level code allocates an iterator result per event
  for (let i = 0; i < batch.length; i++) e.apply(batch[i]);
  e.evict(batch[batch.length - 1].ts - 10_000); // as the engine does about once a minute
  const t1 = performance.now();
  const c1 = process.cpuUsage(c0);
  const cu = c1.user + c1.system;
  cpuUs += cu;
  busy += t1 - t0;
  applySpans.push([t0, t1]);
  if (seen >= WARM) {
    warmCpuUs += cu;
    warmBusy += t1 - t0;
    warmEvents += batch.length;
  }
  seen += batch.length;
}
chunks.length = 0;
const rate = total / (busy / 1000);
const waiting = e.metrics('all', '15m', end)!.waiting!;

// snapshots of every scope, as the publisher would do once a second. The bench's own
// input (the generated stream and the parsed chunks, ~500 MB) is collected first: its
// one major GC (~250 ms) otherwise lands in whichever snapshot comes next.
heap();
const times: number[] = [];
const snapSpans: [number, number][] = [];
let scopes = 0;
for (let i = 0; i < 30; i++) {
  const s = performance.now();
  scopes = e.snapshotAll(end + i * 1000).length;
  const t = performance.now();
  times.push(t - s);
  snapSpans.push([s, t]);
}
const cold = times[0];
const warm = times.slice(1).sort((x, y) => x - y);
e.evict(end);
keep.push(e);
// over the heap before the input was made: the input chunks, alive while the engine was
// built, are gone by now (measuring from after they were made subtracted their ~50 MB)
const engineHeap = heap() - base;

// bytes per open contact and per agent, from engines holding only those
const h0 = heap();
const open = new TenantEngine({ tenant: 'm' });
for (let i = 0; i < OPEN; i++) open.apply(ev(T0 + i, { type: 'contact.queued', contact_id: `m${i}`, queue: `q${i % QUEUES}`, channel: 'voice' }));
open.ids.clear(); // ids are accounted per event, below
keep.push(open);
const perContact = (heap() - h0) / OPEN;
const h1 = heap();
const ag = new TenantEngine({ tenant: 'a' });
for (let a = 0; a < AGENTS; a++) {
  ag.apply(ev(T0, { type: 'agent.state', agent_id: `x${a}`, state: 'available', team: `team${a % TEAMS}`, name: `Agent ${a}`, queues: ['q1', 'q2', 'q3'] }));
  for (let k = 1; k < 100; k++) ag.apply(ev(T0 + k * 60_000, { type: 'agent.state', agent_id: `x${a}`, state: k % 2 ? 'busy' : 'available' }));
}
ag.ids.clear();
keep.push(ag);
const perAgent = (heap() - h1) / AGENTS;
const idBytes = (() => {
  const h = heap();
  const m = new IdSet();
  for (let i = 0; i < 100_000; i++) m.add(`evt-${i}-0123456789abcdef`, T0 + i * 500);
  keep.push(m);
  return (heap() - h) / 100_000;
})();

// The checkpointer's engine (liveReads: false: no waiting sets, backlogs or dirty marks)
// over the same stream, made again from the same seed, after every figure above
let ckptCpuUs = 0;
{
  seed = 42;
  nid = 0;
  const all = stream();
  const ck = new TenantEngine({ tenant: 't', timeZone: 'Europe/Rome', liveReads: false });
  for (let i = 0; i < all.length; i += 20_000) {
    const batch = JSON.parse(JSON.stringify(all.slice(i, i + 20_000))) as BusEvent[];
    const c0 = process.cpuUsage();
    for (let j = 0; j < batch.length; j++) ck.apply(batch[j]);
    ck.evict(batch[batch.length - 1].ts - 10_000);
    const c1 = process.cpuUsage(c0);
    ckptCpuUs += c1.user + c1.system;
  }
}

await new Promise((r) => setTimeout(r, 50)); // let the GC observer deliver its entries
gcObs.disconnect();
line('events/s (apply, 1 core)', rate.toFixed(0), rate >= 300_000, '>= 300,000');
line(`  after the first ${WARM / 1000}k events`, (warmEvents / (warmBusy / 1000)).toFixed(0), null, '(steady state)');
line('CPU µs per event (apply)', (cpuUs / total).toFixed(2), null, '(user + system, GC threads too)');
line(`  after the first ${WARM / 1000}k events`, (warmCpuUs / warmEvents).toFixed(2), null, '(steady state)');
line('  checkpointer engine (no live reads)', (ckptCpuUs / total).toFixed(2), null, '(same stream, after the rest)');
line('  GC share of apply time', `${((100 * gcIn(applySpans)) / busy).toFixed(0)}%`, null, '');
line(`snapshot all ${scopes} scopes, first (ms)`, cold.toFixed(1), null, '(cold caches)');
line('snapshot all scopes, median (ms)', warm[Math.floor(warm.length / 2)].toFixed(1), warm[Math.floor(warm.length / 2)] < 20, '< 20 ms');
line('snapshot all scopes, worst warm (ms)', warm[warm.length - 1].toFixed(1), null, '');
line('  GC share of snapshot time', `${((100 * gcIn(snapSpans)) / times.reduce((a, b) => a + b, 0)).toFixed(0)}%`, null, '');
line('contacts waiting at the end', String(waiting), null, `~${OPEN}`);
line('heap of the engine after evict (MB)', (engineHeap / 1e6).toFixed(1), null, '');
line('heap used, whole process (MB)', (heap() / 1e6).toFixed(1), null, `(baseline ${(base / 1e6).toFixed(1)})`);
line('bytes per open contact', perContact.toFixed(0), null, '');
line('bytes per agent (100 state changes)', perAgent.toFixed(0), null, '');
line('bytes per remembered event id', idBytes.toFixed(0), null, '');
keep.push(e, open, ag);
