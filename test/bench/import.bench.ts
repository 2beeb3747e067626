// npm run bench:import — bulk import of a center's past events: EVENTS (default
// 10,000,000) simulated events over ~90 days (pipelines/sources/simulator.ts, 300 agents,
// 20 queues) written as NDJSON (BENCH_GZIP=1: .ndjson.gz), then `npm run import` (the
// real CLI, a child process) streams the file to a Floorwatch started as its own process
// (every role, private nats-server, embedded chDB). Target (issue 17): ≥ 150k events/s
// loaded. Prints the load rate, the history rebuild of the imported range, the total and
// the CPU per thread of the server.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { ADMIN_KEY, ROOT, spawnFloorwatch, tempDir } from '../support/harness.ts';
import { simulate } from '../../pipelines/sources/simulator.ts';
import { cpuBetween, line, threadCpu, threadTimes } from './bench-util.ts';
import { statFields } from '../support/proc-stat.ts';

/** CPU seconds of a whole process (all its threads), 0 once it has gone. */
function processCpu(pid: number): number {
  try {
    const f = statFields(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

const EVENTS = Number(process.env.EVENTS ?? 10_000_000);
const GZIP = process.env.BENCH_GZIP === '1';
const DAY = 86_400_000;
const TARGET = 150_000;

/** Simulated events of the 90 days before yesterday, as NDJSON chunks. */
function* ndjson(from: number, to: number): Generator<string> {
  let n = 0;
  let chunk: string[] = [];
  for (const e of simulate({ seed: 'import-bench', agents: 300, queues: 20, from, to })) {
    chunk.push(JSON.stringify(e));
    if (++n >= EVENTS) break;
    if (chunk.length === 10_000) {
      yield chunk.join('\n') + '\n';
      chunk = [];
    }
  }
  if (chunk.length) yield chunk.join('\n') + '\n';
}

async function main() {
  const dir = process.env.BENCH_DIR ?? tempDir('fw-bench-import-');
  const file = path.join(dir, `events.ndjson${GZIP ? '.gz' : ''}`);
  const end = Math.floor(Date.now() / DAY) * DAY - DAY;
  const from = end - 90 * DAY;
  if (!fs.existsSync(file) || process.env.BENCH_DIR === undefined) {
    const t = performance.now();
    const out = fs.createWriteStream(file);
    if (GZIP) await pipeline(Readable.from(ndjson(from, end)), zlib.createGzip({ level: 6 }), out);
    else await pipeline(Readable.from(ndjson(from, end)), out);
    console.log(`generated ${file}: ${(fs.statSync(file).size / 1e6).toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  const fw = await spawnFloorwatch(
    { DATA_DIR: tempDir('fw-bench-import-data-'), LOG_LEVEL: 'warn' },
    process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
  );
  try {
    const cpu0 = threadCpu(fw.proc.pid!);
    const t0 = performance.now();
    // CPU of the load alone: the server's threads and the CLI read every 250 ms, each
    // thread's CPU of an interval counted under its name at the interval's end (chDB's
    // pool threads rename themselves per task); the load ends rebuild_seconds before the
    // summary (the rebuild runs after it).
    const intervals: { t: number; cpu: Map<string, number> }[] = [];
    let prev = threadTimes(fw.proc.pid!);
    const cli = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/cli/import.ts'), '--json', '--url', fw.url, '--key', ADMIN_KEY, file], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    cli.stdout.on('data', (d) => (stdout += d));
    const sampler = setInterval(() => {
      const now = threadTimes(fw.proc.pid!);
      now.set('cli', { label: 'CLI process', cpu: processCpu(cli.pid!) });
      const cpu = new Map<string, number>();
      for (const [k, { label, cpu: v }] of now) {
        const d = v - (prev.get(k)?.cpu ?? 0);
        if (d > 0) cpu.set(label, (cpu.get(label) ?? 0) + d);
      }
      intervals.push({ t: performance.now(), cpu });
      prev = now;
    }, 250);
    const code = await new Promise<number | null>((r) => cli.once('exit', r));
    clearInterval(sampler);
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuBetween(cpu0, threadCpu(fw.proc.pid!));
    if (code !== 0) throw new Error(`the import CLI exited with ${code}: ${stdout.slice(-2000)}`);
    const s = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      lines: number; loaded: number; duplicates: number; rejected: number; seconds: number; rebuild_seconds: number; from: string; to: string;
    };
    const loadRate = s.loaded / s.seconds;
    console.log(`\nimport benchmark: ${s.loaded.toLocaleString()} events (${s.from} … ${s.to}), ${GZIP ? 'NDJSON.gz' : 'NDJSON'} ${(fs.statSync(file).size / 1e6).toFixed(0)} MB`);
    line('events loaded', s.loaded.toLocaleString(), EVENTS.toLocaleString(), s.loaded === EVENTS && s.rejected === 0 && s.duplicates === 0);
    line('load (read, validate, dedupe, insert)', `${Math.round(loadRate).toLocaleString()} ev/s`, `≥ ${TARGET.toLocaleString()} ev/s`, loadRate >= TARGET);
    line('load time', `${s.seconds.toFixed(1)} s`);
    line('history rebuild of the range (once)', `${s.rebuild_seconds.toFixed(1)} s`);
    line('rebuild rate', `${Math.round(s.loaded / s.rebuild_seconds).toLocaleString()} ev/s`);
    line('total, CLI start to summary', `${wall.toFixed(1)} s`);
    line('total rate', `${Math.round(s.loaded / wall).toLocaleString()} ev/s`);
    console.log('server CPU seconds by thread: ' + cpu.slice(0, 8).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '));
    const loadEnd = t0 + (wall - s.rebuild_seconds) * 1000;
    const during = intervals.filter((x) => x.t <= loadEnd);
    const byName = new Map<string, number>();
    for (const { cpu: c } of during) for (const [k, v] of c) byName.set(k, (byName.get(k) ?? 0) + v);
    const loadCpu = [...byName].sort((x, y) => y[1] - x[1]);
    const total = loadCpu.reduce((a, [, v]) => a + v, 0);
    const us = (v: number) => ((v * 1e6) / s.loaded).toFixed(2);
    line('CPU per event during the load, all threads', `${us(total)} µs`, '≤ 13 µs (150k/s on 2 cores)', (total * 1e6) / s.loaded <= 13);
    console.log(`load CPU µs per event by thread (${((during.at(-1)!.t - t0) / 1000).toFixed(1)} s sampled): ` + loadCpu.slice(0, 10).map(([k, v]) => `${k} ${us(v)}`).join(', '));
    // the history answers: one query over the 90 days, to show the facts are there
    const h = await fetch(`${fw.url}/v1/history?from=${new Date(from).toISOString()}&to=${new Date(end).toISOString()}&interval=1d&metrics=answered,occupancy`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    const rows = ((await h.json()) as { rows: { answered: number }[] }).rows;
    line('history: answered contacts over the range', rows.reduce((a, r) => a + r.answered, 0).toLocaleString());
  } finally {
    await fw.kill();
    if (process.env.BENCH_DIR === undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
