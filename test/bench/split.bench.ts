// npm run bench:split — accepted events/s on a three-node NATS cluster (R3 streams):
// every role in one process (the single-process figure), then one and two processes with
// only the ingest role, the load shared between them. Each configuration gets a fresh
// cluster. Prints figures, never fails: on a machine of two shared cores the processes,
// the three nats-servers and this client compete for the same CPU, and that is printed too.
import os from 'node:os';
import { ADMIN_KEY, spawnFloorwatch, tempDir, type ChildFloorwatch } from '../support/harness.ts';
import { startNatsCluster } from '../../pipelines/bus/nats-cluster.ts';
import { BATCH, cpuBetween, line, makeBodies, percentile, postAll, threadCpu } from './bench-util.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

interface Figure {
  name: string;
  rate: number;
  p50: number;
  p99: number;
  statuses: Map<number, number>;
  cpuPerEvent: number;
  cpu: [string, number][];
}

async function run(name: string, processes: number, roles: string | undefined): Promise<Figure> {
  const cluster = await startNatsCluster({ dir: tempDir('fw-bench-split-') });
  const fws: ChildFloorwatch[] = [];
  try {
    for (let i = 0; i < processes; i++)
      fws.push(await spawnFloorwatch({ NATS_URL: cluster.url, DATA_DIR: tempDir('fw-bench-split-fw-'), LOG_LEVEL: 'warn', ...(roles ? { ROLES: roles } : {}) }));
    const headers = { authorization: `Bearer ${ADMIN_KEY}` };
    const bodies = makeBodies(`s${Date.now()}`, REQUESTS + 20 * processes);
    // warm-up, each process
    for (let i = 0; i < processes; i++) await postAll(`${fws[i].url}/v1/events`, bodies.slice(i * 20, (i + 1) * 20), { concurrency: 4, headers });
    const rest = bodies.slice(20 * processes);
    // this process and its children: the nats-servers and the Floorwatch processes, by thread name
    const sample = () => new Map([...threadCpu(process.pid)].map(([k, v]) => [k === 'main' ? 'bench client' : k, v]));
    const cpu0 = sample();
    const t0 = performance.now();
    // the load split evenly, each share with its own connections
    const parts = await Promise.all(
      fws.map((f, i) => postAll(`${f.url}/v1/events`, rest.filter((_, j) => j % processes === i), { concurrency: Math.ceil(CONCURRENCY / processes), headers })),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuBetween(cpu0, sample());
    const statuses = new Map<number, number>();
    for (const p of parts) for (const [s, n] of p.statuses) statuses.set(s, (statuses.get(s) ?? 0) + n);
    const latencies = parts.flatMap((p) => p.latencies).sort((a, b) => a - b);
    const accepted = (statuses.get(202) ?? 0) * BATCH;
    const total = cpu.reduce((s, [, v]) => s + v, 0);
    return { name, rate: accepted / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses, cpuPerEvent: (total / (accepted || 1)) * 1e6, cpu };
  } finally {
    await Promise.all(fws.map((f) => f.kill('SIGTERM')));
    await cluster.stop();
  }
}

async function main() {
  console.log(`split benchmark: ${REQUESTS} requests × ${BATCH} events, ${CONCURRENCY} in flight, 3-node NATS cluster (R3), ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}`);
  const figures = [
    await run('one process, every role', 1, undefined),
    await run('one ingest process', 1, 'ingest'),
    await run('two ingest processes', 2, 'ingest'),
  ];
  console.log('');
  for (const f of figures) {
    line(f.name, `${Math.round(f.rate).toLocaleString('en')} ev/s`);
    line('  request latency p50 / p99', `${f.p50.toFixed(0)} / ${f.p99.toFixed(0)} ms`);
    line('  statuses', JSON.stringify(Object.fromEntries(f.statuses)));
    line('  CPU per accepted event (all processes)', `${f.cpuPerEvent.toFixed(1)} µs`);
    for (const [k, s] of f.cpu.slice(0, 6)) line(`    ${k}`, `${s.toFixed(2)} s`);
  }
  const [single, one, two] = figures;
  console.log('');
  line('two ingest processes / one', (two.rate / one.rate).toFixed(2));
  line('two ingest processes / every role in one', (two.rate / single.rate).toFixed(2));
  console.log(`load average after: ${os.loadavg()[0].toFixed(1)} (other work on this machine moves these figures)`);
}

await main();
