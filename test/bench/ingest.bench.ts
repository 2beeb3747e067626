// npm run bench:ingest — HTTP ingestion throughput of a running Floorwatch (all roles in
// one process, private nats-server, embedded chDB) against the ceiling of a bare Fastify
// route that only parses the JSON. Targets (issue 2): ≥ 100,000 events/s accepted,
// writer lag < 5 s after the run, ratio ≥ 0.3.
import { spawn } from 'node:child_process';
import os from 'node:os';
import Fastify from 'fastify';
import { spawnFloorwatch, tempDir, ADMIN_KEY } from '../support/harness.ts';
import { BATCH, cpuBetween, line, makeBodies, percentile, postAll, threadCpu } from './bench-util.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1600);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function bareCeiling(bodies: Buffer[]) {
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
  const r = await postAll(`http://127.0.0.1:${port}/v1/events`, bodies, { concurrency: CONCURRENCY });
  proc.kill();
  return r;
}

void Fastify; // the ceiling uses the same Fastify the app does (resolved from node_modules)

async function main() {
  console.log(`ingest benchmark: ${REQUESTS} requests × ${BATCH} events, ${CONCURRENCY} in flight`);
  const ceiling = await bareCeiling(makeBodies('bare', REQUESTS));
  const ceilRate = (REQUESTS * BATCH) / ceiling.seconds;

  const fw = await spawnFloorwatch(
    { DATA_DIR: tempDir('fw-bench-ingest-'), LOG_LEVEL: 'warn', ...(process.env.BENCH_ROLES ? { ROLES: process.env.BENCH_ROLES } : {}) },
    process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
  );
  const url = fw.url;
  const bodies = makeBodies(`b${Date.now()}`, REQUESTS);
  // warm-up
  await postAll(`${url}/v1/events`, bodies.slice(0, 20), { concurrency: 4, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const cpu0 = threadCpu(fw.proc.pid!);
  const r = await postAll(`${url}/v1/events`, bodies.slice(20), {
    concurrency: CONCURRENCY,
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  const cpu = cpuBetween(cpu0, threadCpu(fw.proc.pid!));
  const accepted = (r.statuses.get(202) ?? 0) * BATCH;
  const rate = accepted / r.seconds;
  const metrics = async () => {
    const m = await (await fetch(`${url}/metrics`)).text();
    const get = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(m)?.[1] ?? NaN);
    return {
      lag: get('fw_writer_lag_seconds'),
      pending: get('fw_writer_pending_events'),
      rows: get('fw_writer_rows_total'),
      flushes: get('fw_writer_flush_ms_count'),
      flushMs: get('fw_writer_flush_ms_sum'),
    };
  };
  await new Promise((res) => setTimeout(res, 1_100));
  const atEnd = await metrics();
  const t0 = Date.now();
  let m = atEnd;
  while (m.pending !== 0 && Date.now() - t0 < 60_000) {
    await new Promise((res) => setTimeout(res, 250));
    m = await metrics();
  }
  const drainS = (Date.now() - t0) / 1000;
  await fw.kill('SIGTERM');

  console.log('');
  line('bare Fastify JSON parse (ceiling)', `${Math.round(ceilRate).toLocaleString('en')} ev/s`);
  line('Floorwatch accepted', `${Math.round(rate).toLocaleString('en')} ev/s`, '≥ 100,000', rate >= 100_000);
  line('ratio to ceiling', (rate / ceilRate).toFixed(2), '≥ 0.3', rate / ceilRate >= 0.3);
  line('request latency p50', `${percentile(r.latencies, 50).toFixed(1)} ms`);
  line('request latency p99', `${percentile(r.latencies, 99).toFixed(1)} ms`);
  line('statuses', JSON.stringify(Object.fromEntries(r.statuses)));
  line('writer lag after the run', `${atEnd.lag.toFixed(2)} s`, '< 5 s', atEnd.lag < 5);
  line('writer pending after the run', `${atEnd.pending} msgs`);
  line('time until everything stored', `${drainS.toFixed(1)} s`);
  line('writer flushes until then', `${m.flushes} × ${Math.round(m.rows / m.flushes).toLocaleString('en')} rows`);
  line('  ms per flush (insert + ack)', `${(m.flushMs / m.flushes).toFixed(0)} ms`);
  if (cpu.length) {
    const total = cpu.reduce((s, [, v]) => s + v, 0);
    console.log(`\nCPU while posting (${r.seconds.toFixed(1)} s, ${os.cpus().length} cores): ${total.toFixed(1)} s, ${((total / (accepted || 1)) * 1e6).toFixed(1)} µs per event`);
    for (const [name, s] of cpu) line(`  ${name}`, `${s.toFixed(2)} s  ${((s / (accepted || 1)) * 1e6).toFixed(1)} µs/ev`);
  }
}

await main();
