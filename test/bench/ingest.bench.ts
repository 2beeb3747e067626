// npm run bench:ingest — what one accepted event costs with every role in one process
// (private nats-server, embedded chDB), and what that buys: accepted events/s sustained
// for BENCH_SECONDS (60), the 202's p99, the writer's lag when posting stops, and how long
// until everything is stored and the history consumer has caught up. Targets (issue 20):
// ≤ 8 µs of CPU per accepted event over every Floorwatch thread and nats-server, ≥ 200k
// events/s, p99 < 250 ms, lag < 2 s, stored within 3 s. BENCH_RUNS (3) runs, each on a
// fresh Floorwatch; a table of all runs at the end.
//
// CPU is counted twice: while posting, and until the process is quiet again (the writer,
// history and the checkpointer catching up), which is the honest cost of the events:
// work deferred past the last 202 is still work. The bare Fastify route that only parses
// the JSON is measured once first, for scale.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { spawnFloorwatch, tempDir, ADMIN_KEY, type ChildFloorwatch } from '../support/harness.ts';
import { BATCH, cpuBetween, line, makeBody, makeBodies, percentile, postAll, threadCpu } from './bench-util.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const TARGET = { usPerEvent: 8, rate: 200_000, p99: 250, lag: 2, stored: 3 };
/** Threads by the role they serve; chDB's own pools have ClickHouse's thread names. */
function roleOf(thread: string): string {
  if (thread === 'main') return 'ingest + gateway (main thread)';
  if (thread === 'fw-engine') return 'live engine';
  if (thread === 'fw-engine-check') return 'engine checkpointer';
  if (thread === 'fw-writer') return 'writer';
  if (thread === 'fw-history') return 'history';
  if (thread.startsWith('fw-')) return thread.slice(3);
  if (thread === 'node (helpers)') return 'V8 helpers (GC) + libuv';
  if (thread === 'nats-server') return 'nats-server';
  if (thread.startsWith('v8:')) return 'profiler';
  return 'chDB (ClickHouse pools)';
}

function byRole(cpu: [string, number][]): [string, number][] {
  const m = new Map<string, number>();
  for (const [t, s] of cpu) m.set(roleOf(t), (m.get(roleOf(t)) ?? 0) + s);
  return [...m].sort((a, b) => b[1] - a[1]);
}

async function bareCeiling(): Promise<number> {
  // The ceiling runs in its own process too, so both measurements pay the same IPC costs.
  const code = `
    const Fastify = require('fastify');
    const app = Fastify({ bodyLimit: 6 * 1024 * 1024 });
    app.post('/v1/events', async (req, reply) => reply.code(202).send({ accepted: req.body.length }));
    app.listen({ port: 0, host: '127.0.0.1' }).then(() => console.log('PORT ' + app.server.address().port));`;
  const proc = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    proc.stdout.on('data', (d) => {
      const m = /PORT (\d+)/.exec(String(d));
      if (m) resolve(m[1]);
    }),
  );
  const bodies = makeBodies('bare', 1600);
  const r = await postAll(`http://127.0.0.1:${port}/v1/events`, bodies, { concurrency: CONCURRENCY });
  proc.kill();
  return (bodies.length * BATCH) / r.seconds;
}

/** Posts fresh bodies with CONCURRENCY in flight for `seconds`. */
function postFor(url: string, run: string, seconds: number) {
  const end = performance.now() + seconds * 1000;
  return postAll(`${url}/v1/events`, (i) => (performance.now() < end ? makeBody(run, i) : null), {
    concurrency: CONCURRENCY,
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
}

async function metrics(url: string) {
  const m = await (await fetch(`${url}/metrics`)).text();
  const get = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(m)?.[1] ?? NaN);
  return { lag: get('fw_writer_lag_seconds'), pending: get('fw_writer_pending_events'), rows: get('fw_writer_rows_total') };
}

/** Pending messages of the history consumer, from /health. */
async function historyPending(url: string): Promise<number> {
  const h = (await (await fetch(`${url}/health`)).json()) as { consumers: Record<string, { pending: number; ack_pending: number } | string> };
  const c = h.consumers.history;
  return typeof c === 'object' ? c.pending + c.ack_pending : NaN;
}

/** CPU seconds per second per thread of an idle Floorwatch (timers, publishing ticks), over `seconds`. */
async function idleRate(fw: ChildFloorwatch, seconds: number): Promise<Map<string, number>> {
  const a = threadCpu(fw.proc.pid!);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return new Map(cpuBetween(a, threadCpu(fw.proc.pid!)).map(([t, v]) => [t, v / seconds]));
}

/** Waits until the process is back to its idle rate (+5% of a core) for 2 s (90 s at most). */
async function quiet(fw: ChildFloorwatch, idle = 0): Promise<number> {
  const t0 = Date.now();
  const total = () => [...threadCpu(fw.proc.pid!).values()].reduce((s, v) => s + v, 0);
  let last = total();
  let calm = 0;
  while (Date.now() - t0 < 90_000) {
    await new Promise((r) => setTimeout(r, 500));
    const now = total();
    calm = now - last < (idle + 0.05) * 0.5 ? calm + 1 : 0;
    last = now;
    if (calm >= 4) break;
  }
  return (Date.now() - t0) / 1000;
}

interface RunResult {
  rate: number;
  p50: number;
  p99: number;
  lag: number;
  storedS: number;
  historyS: number;
  usPosting: number;
  usAll: number;
  /** µs of CPU per accepted event by role, catch-up included, largest first */
  roles: [string, number][];
  statuses: string;
}

async function runOnce(k: number): Promise<RunResult> {
  const fw = await spawnFloorwatch(
    { DATA_DIR: tempDir('fw-bench-ingest-'), LOG_LEVEL: 'warn', ...(process.env.BENCH_ROLES ? { ROLES: process.env.BENCH_ROLES } : {}) },
    process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
  );
  try {
    const run = `r${k}x${Date.now().toString(36)}`;
    await postFor(fw.url, `${run}w`, 2); // warm-up, not counted
    await quiet(fw);
    const idle = await idleRate(fw, 5);
    const idleTotal = [...idle.values()].reduce((a, b) => a + b, 0);
    const rows0 = (await metrics(fw.url)).rows;
    const cpu0 = threadCpu(fw.proc.pid!);
    const t0 = Date.now();
    const r = await postFor(fw.url, run, SECONDS);
    const tLast = Date.now();
    const cpuPosting = cpuBetween(cpu0, threadCpu(fw.proc.pid!));
    const atEnd = await metrics(fw.url);
    const accepted = (r.statuses.get(202) ?? 0) * BATCH;
    let storedS = NaN;
    let historyS = NaN;
    while (Date.now() - tLast < 120_000 && (Number.isNaN(storedS) || Number.isNaN(historyS))) {
      if (Number.isNaN(storedS) && (await metrics(fw.url)).rows - rows0 >= accepted) storedS = (Date.now() - tLast) / 1000;
      if (Number.isNaN(historyS) && (await historyPending(fw.url)) === 0) historyS = (Date.now() - tLast) / 1000;
      await new Promise((res) => setTimeout(res, 100));
    }
    await quiet(fw, idleTotal);
    // what the idle process would have spent meanwhile is not the events' cost
    const elapsed = (Date.now() - t0) / 1000;
    const cpuAll = cpuBetween(cpu0, threadCpu(fw.proc.pid!))
      .map(([t, v]) => [t, Math.max(0, v - (idle.get(t) ?? 0) * elapsed)] as [string, number]);
    const sum = (c: [string, number][]) => c.reduce((s, [, v]) => s + v, 0);
    const per = (s: number) => (s / (accepted || 1)) * 1e6;
    const res: RunResult = {
      rate: accepted / r.seconds,
      p50: percentile(r.latencies, 50),
      p99: percentile(r.latencies, 99),
      lag: atEnd.lag,
      storedS,
      historyS,
      usPosting: per(sum(cpuPosting)),
      usAll: per(sum(cpuAll)),
      roles: byRole(cpuAll).map(([role, sec]) => [role, per(sec)]),
      statuses: JSON.stringify(Object.fromEntries(r.statuses)),
    };
    console.log(`\nrun ${k + 1} of ${RUNS}: ${accepted.toLocaleString('en')} events accepted in ${r.seconds.toFixed(1)} s, ${os.cpus().length} cores`);
    line('accepted', `${Math.round(res.rate).toLocaleString('en')} ev/s`, `≥ ${TARGET.rate.toLocaleString('en')}`, res.rate >= TARGET.rate);
    line('202 latency p50 / p99', `${res.p50.toFixed(0)} / ${res.p99.toFixed(0)} ms`, `p99 < ${TARGET.p99} ms`, res.p99 < TARGET.p99);
    line('statuses', res.statuses);
    line('writer lag when posting stopped', `${res.lag.toFixed(2)} s`, `< ${TARGET.lag} s`, res.lag < TARGET.lag);
    line('everything stored after the last 202', `${res.storedS.toFixed(1)} s`, `< ${TARGET.stored} s`, res.storedS < TARGET.stored);
    line('history caught up after the last 202', `${res.historyS.toFixed(1)} s`);
    line('idle process (subtracted)', `${(idleTotal * 100).toFixed(1)} % of a core`);
    line('CPU per event while posting', `${res.usPosting.toFixed(1)} µs`);
    line('CPU per event, catch-up included', `${res.usAll.toFixed(1)} µs`, `≤ ${TARGET.usPerEvent} µs`, res.usAll <= TARGET.usPerEvent);
    for (const [role, us] of res.roles) line(`  ${role}`, `${us.toFixed(2)} µs/ev`);
    if (process.env.BENCH_THREADS) for (const [t, s] of cpuAll) line(`    thread ${t}`, `${per(s).toFixed(2)} µs/ev`);
    return res;
  } finally {
    await fw.kill('SIGTERM');
  }
}

async function main() {
  console.log(`ingest benchmark: every role in one process, ${RUNS} runs × ${SECONDS} s, ${BATCH} events a request, ${CONCURRENCY} in flight`);
  const ceiling = await bareCeiling();
  line('bare Fastify JSON parse (for scale)', `${Math.round(ceiling).toLocaleString('en')} ev/s`);
  const runs: RunResult[] = [];
  for (let k = 0; k < RUNS; k++) runs.push(await runOnce(k));

  const roles = [...new Set(runs.flatMap((r) => r.roles.map(([n]) => n)))];
  console.log('\n| run | accepted ev/s | p99 202 | lag | stored after | µs/ev posting | µs/ev all | ' + roles.join(' | ') + ' |');
  console.log('|' + ' --- |'.repeat(7 + roles.length));
  runs.forEach((r, i) => {
    const us = (name: string) => (r.roles.find(([n]) => n === name)?.[1] ?? 0).toFixed(1);
    console.log(`| ${i + 1} | ${Math.round(r.rate).toLocaleString('en')} | ${r.p99.toFixed(0)} ms | ${r.lag.toFixed(1)} s | ${r.storedS.toFixed(1)} s | ${r.usPosting.toFixed(1)} | ${r.usAll.toFixed(1)} | ${roles.map(us).join(' | ')} |`);
  });
}

await main();
