// npm run bench:live — latency from the 202 of POST /v1/events to the matching `update`
// on WebSocket clients, with 1,000 clients connected, at 1,000 and 20,000 events/s of
// background load. Target (issues 4, 20): p99 < 500 ms at 20,000 events/s, in each of
// BENCH_RUNS (5) runs per load level, printed per run.
import http from 'node:http';
import WebSocket from 'ws';
import { spawnFloorwatch, tempDir, ADMIN_KEY } from '../support/harness.ts';
import { line, percentile } from './bench-util.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const auth = { authorization: `Bearer ${ADMIN_KEY}` };
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function postJson(url: string, body: unknown): Promise<number> {
  const data = Buffer.from(JSON.stringify(body));
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'content-length': data.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function run(url: string, rate: number, tag: string) {
  const probeQueue = `probe-${tag}`;
  const sent = new Map<number, number>(); // probe number → time of its 202
  const latencies: number[] = [];
  const seen = new Array<number>(CLIENTS).fill(0);
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(url.replace('http', 'ws') + '/v1/live', { headers: auth });
        ws.on('message', (d) => {
          const m = JSON.parse(String(d));
          if (m.type !== 'update' || m.scope !== `queue:${probeQueue}`) return;
          const n = m.metrics.arrived as number;
          const now = performance.now();
          for (let k = seen[i] + 1; k <= n; k++) {
            const t = sent.get(k);
            if (t !== undefined) latencies.push(Math.max(0, now - t));
          }
          seen[i] = Math.max(seen[i], n);
        });
        ws.once('open', () => {
          ws.send(JSON.stringify({ type: 'subscribe', scopes: [`queue:${probeQueue}`], windows: ['1h'] }));
          resolve(ws);
        });
        ws.once('error', reject);
      }),
    ),
  );

  // background load: batches every 50 ms spread over 50 queues and 500 agents
  let loadSeq = 0;
  let loadErrors = 0;
  const perTick = Math.max(1, Math.round(rate / 20));
  const load = setInterval(() => {
    const t = new Date().toISOString();
    const evs = Array.from({ length: perTick }, () => {
      const n = loadSeq++;
      return n % 2
        ? { id: `${tag}-l${n}`, type: 'contact.answered', time: t, contact_id: `${tag}-c${n - 1}`, queue: `q${(n >> 1) % 50}`, agent_id: `a${n % 500}` }
        : { id: `${tag}-l${n}`, type: 'contact.queued', time: t, contact_id: `${tag}-c${n}`, queue: `q${(n >> 1) % 50}`, channel: 'voice' };
    });
    postJson(`${url}/v1/events`, evs).then((s) => s !== 202 && loadErrors++, () => loadErrors++);
  }, 50);

  // probes: one contact queued in the probe queue every 250 ms
  let probe = 0;
  const end = Date.now() + SECONDS * 1000;
  await new Promise((r) => setTimeout(r, 1_000));
  while (Date.now() < end) {
    const k = ++probe;
    const status = await postJson(`${url}/v1/events`, {
      id: `${tag}-p${k}`, type: 'contact.queued', time: new Date().toISOString(), contact_id: `${tag}-pc${k}`, queue: probeQueue, channel: 'chat',
    });
    if (status === 202) sent.set(k, performance.now());
    await new Promise((r) => setTimeout(r, 250));
  }
  clearInterval(load);
  await new Promise((r) => setTimeout(r, 2_000));
  for (const c of clients) c.terminate();
  latencies.sort((a, b) => a - b);
  const delivered = latencies.length;
  const expected = sent.size * CLIENTS;
  return { latencies, delivered, expected, achieved: loadSeq / SECONDS, loadErrors };
}

async function main() {
  console.log(`live benchmark: ${CLIENTS} WebSocket clients, ${SECONDS} s per load level`);
  const fw = await spawnFloorwatch(
    { DATA_DIR: tempDir('fw-bench-live-'), LOG_LEVEL: 'warn', ...(process.env.BENCH_ROLES ? { ROLES: process.env.BENCH_ROLES } : {}) },
    process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
  );
  try {
    const rates = (process.env.BENCH_RATES ?? '1000,20000').split(',').map(Number);
    for (const rate of rates) {
      const p99s: number[] = [];
      for (let k = 1; k <= RUNS; k++) {
        const r = await run(fw.url, rate, `r${rate}n${k}`);
        const p99 = percentile(r.latencies, 99);
        p99s.push(p99);
        console.log(`\n${rate.toLocaleString('en')} ev/s, run ${k} of ${RUNS}`);
        line(`background load (target ${rate.toLocaleString('en')} ev/s)`, `${Math.round(r.achieved).toLocaleString('en')} ev/s`);
        line('updates delivered / expected', `${r.delivered} / ${r.expected}`);
        line('202 → update p50', `${percentile(r.latencies, 50).toFixed(0)} ms`);
        line('202 → update p99', `${p99.toFixed(0)} ms`, rate === 20_000 ? '< 500 ms' : undefined, p99 < 500);
        if (r.loadErrors) line('load requests not accepted', String(r.loadErrors));
        const m = await (await fetch(`${fw.url}/metrics`)).text();
        const q = (x: string) => Number(new RegExp(`fw_event_loop_delay_ms\\{quantile="${x}"\\} (\\S+)`).exec(m)?.[1]);
        line('server event loop delay p99 / max', `${q('0.99').toFixed(0)} / ${q('1').toFixed(0)} ms`);
      }
      const met = p99s.filter((x) => x < 500).length;
      console.log('');
      line(`${rate.toLocaleString('en')} ev/s: p99 per run`, p99s.map((x) => x.toFixed(0)).join(', ') + ' ms',
        rate === 20_000 ? `< 500 ms in ${RUNS} of ${RUNS}` : undefined, met === RUNS);
    }
  } finally {
    await fw.kill('SIGTERM');
  }
}

await main();
