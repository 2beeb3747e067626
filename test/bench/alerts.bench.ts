// npm run bench:alerts — 10,000 rules over 200 queues (50 per queue, 10 metrics × 5
// thresholds), KPI snapshots for every queue every second (as the engine publishes them,
// on core NATS, all three windows), a real local webhook receiver, the evaluator and the
// notifier in one Floorwatch process on a real nats-server and chDB.
// Prints the evaluation cost per KPI update and the breach-to-webhook delay: from the
// KPI update at which `for` had elapsed (the alert's starts_at) to the request arriving.
// Steady phase: 3 queues start a 5 s breach each second; storm: all 200 queues breach at
// once (1,000 alerts). Options: --seconds=N (steady phase, default 20), --for=N (default 2).
import http from 'node:http';
import { startFloorwatch, startTestNats } from '../support/harness.ts';
import { alertsArea } from '../../pipelines/alerts/area.ts';
import { RULES_BUCKET, ruleKey, type Rule } from '../../pipelines/alerts/rule-schema.ts';
import { kpiSubject } from '../../pipelines/bus/subjects.ts';
import type { Metrics, ScopeSnapshot } from '../../pipelines/engine/types.ts';
import { line, percentile } from './bench-util.ts';

const arg = (k: string, d: number) => Number(process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d);
const SECONDS = arg('seconds', 20);
const FOR_S = arg('for', 2);
const QUEUES = 200;
const TENANT = 'bench';
const METRICS = ['waiting', 'longest_wait_s', 'asa_s', 'abandon_rate', 'service_level', 'aht_s', 'backlog', 'occupancy', 'csat', 'frt_avg_s'] as const;

// ---- receiver
const arrivals: { status: string; startsAt: number; arrived: number; rule: string }[] = [];
const server = http.createServer((req, res) => {
  let raw = '';
  req.on('data', (d) => (raw += d));
  req.on('end', () => {
    const b = JSON.parse(raw);
    arrivals.push({ status: b.repeat ? 'repeat' : b.status, startsAt: Date.parse(b.starts_at), arrived: Date.now(), rule: b.rule.id });
    res.writeHead(204).end();
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const rxUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;

// ---- Floorwatch with the alerts area (evaluator + notifier)
const nats = await startTestNats();
const fw = await startFloorwatch({ natsUrl: nats.url, areas: [alertsArea({ baseUrl: 'http://fw.bench' })], listen: false });
const svc = fw.rt.svc;
await (await svc.kv<{ allow_private_webhooks: boolean }>('fw_tenants')).put(TENANT, { allow_private_webhooks: true });

// When each notification reached the queue (core subscribers see JetStream publishes too).
const queuedAt = new Map<string, number>();
svc.bus.nc.subscribe('cc.alerts.>', {
  callback: (_e, m) => {
    const b = m.json<{ body: { rule: { id: string }; status: string; repeat: boolean } }>().body;
    if (b.status === 'firing' && !b.repeat) queuedAt.set(b.rule.id, Date.now());
  },
});

// ---- 10,000 rules: per queue, 5 thresholds for each of 10 metrics; only `waiting` breaches
const rules = await svc.kv<Rule>(RULES_BUCKET);
const now = new Date().toISOString();
let t0 = performance.now();
const puts: Promise<void>[] = [];
for (let q = 0; q < QUEUES; q++)
  for (const metric of METRICS)
    for (let k = 0; k < 5; k++) {
      const id = `r${q}-${metric}-${k}`;
      const rule: Rule = {
        id, tenant: TENANT, name: `${metric} ${k} q${q}`, metric, scope: `queue:q${q}`, window: '15m',
        op: '>', threshold: 50 + k * 5, for_s: FOR_S, recover_threshold: 20 + k * 5, keep_firing_for_s: 0,
        severity: 'warning', labels: { queue: `q${q}` }, repeat_s: 0, no_data: 'keep', enabled: true,
        targets: [{ type: 'webhook', url: rxUrl, secret: 'bench-secret' }], created_at: now, updated_at: now,
      };
      puts.push(rules.put(ruleKey(TENANT, id), rule));
      if (puts.length >= 500) await Promise.all(puts.splice(0));
    }
await Promise.all(puts);
// The evaluator sees rules through its KV watch: wait until the gauge says all are loaded.
for (;;) {
  const m = /fw_alert_rules (\d+)/.exec(svc.metrics.render());
  if (m && Number(m[1]) >= QUEUES * 50) break;
  await new Promise((r) => setTimeout(r, 100));
}
line('rules loaded', `${QUEUES * 50} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// ---- KPI updates every second for every queue
const breachUntil = new Map<number, number>();
function metrics(q: number, at: number): Metrics {
  const waiting = (breachUntil.get(q) ?? 0) > at ? 100 : 3;
  return {
    waiting, longest_wait_s: 12, arrived: 40, answered: 35, abandoned: 2, abandoned_short: 1, offered: 37,
    service_level: 0.9, abandon_rate: 0.03, asa_s: 11, wait_p90_s: 25, aht_s: 30, fcr: 0.8, occupancy: 0.7,
    csat: 0.8, csat_avg: 4.1, csat_responses: 10, nps: 20, nps_responses: 8, ces_avg: 5, backlog: 12,
    backlog_breached: 1, frt_avg_s: 40, tickets_created: 4, tickets_solved: 3, agents_required: 9,
  };
}
async function tick() {
  const at = Date.now();
  for (let q = 0; q < QUEUES; q++) {
    const m = metrics(q, at);
    const s: ScopeSnapshot = { tenant: TENANT, scope: `queue:q${q}`, at, windows: { '15m': m, '1h': m, today: m } };
    svc.bus.nc.publish(kpiSubject(TENANT, s.scope), JSON.stringify(s));
  }
  await svc.bus.nc.flush();
}
const evalStats = () => {
  const txt = svc.metrics.render();
  const sum = Number(/fw_alert_eval_us_sum (\S+)/.exec(txt)?.[1] ?? 0);
  const n = Number(/fw_alert_eval_us_count (\S+)/.exec(txt)?.[1] ?? 0);
  return { sum, n };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function run(seconds: number, breach: (s: number) => number[]) {
  for (let s = 0; s < seconds; s++) {
    const start = Date.now();
    for (const q of breach(s)) breachUntil.set(q, start + 5_000);
    await tick();
    await sleep(Math.max(0, 1000 - (Date.now() - start)));
  }
}

const cpu0 = process.cpuUsage();
const e0 = evalStats();
t0 = performance.now();
let next = 0;
await run(SECONDS, () => [0, 1, 2].map(() => next++ % QUEUES));
await run(FOR_S + 8, () => []); // let the last breaches fire and resolve
const steady = arrivals.splice(0);
const e1 = evalStats();
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);

const report = (label: string, xs: typeof arrivals) => {
  const firing = xs.filter((a) => a.status === 'firing');
  const d = firing.map((a) => a.arrived - a.startsAt).sort((a, b) => a - b);
  line(`${label}: notifications`, `${firing.length} firing, ${xs.filter((a) => a.status === 'resolved').length} resolved`);
  line(`${label}: breach→webhook p50`, `${percentile(d, 50)} ms`);
  line(`${label}: breach→webhook p99`, `${percentile(d, 99)} ms`, '< 1000 ms', percentile(d, 99) < 1000);
  line(`${label}: breach→webhook max`, `${d[d.length - 1]} ms`);
  const q = firing.map((a) => (queuedAt.get(a.rule) ?? NaN) - a.startsAt).sort((a, b) => a - b);
  line(`${label}: breach→queued p50 / p99`, `${percentile(q, 50)} / ${percentile(q, 99)} ms`);
};

const updates = e1.n - e0.n;
line('KPI updates evaluated', `${updates} (${(updates / wall).toFixed(0)}/s)`);
line('evaluation cost per KPI update (50 rules)', `${((e1.sum - e0.sum) / updates).toFixed(1)} µs`);
line('process CPU during steady phase', `${(((cpu.user + cpu.system) / 1e6 / wall) * 100).toFixed(1)} % of a core`);
report('steady (3 breaches/s)', steady);

// ---- storm: every queue breaches at once → 200 × 5 waiting rules fire together
await run(1, () => Array.from({ length: QUEUES }, (_, q) => q));
await run(FOR_S + 3, () => []);
for (let i = 0; i < 100 && arrivals.filter((a) => a.status === 'firing').length < QUEUES * 5; i++) await sleep(100);
report('storm (1,000 alerts at once)', arrivals.filter((a) => a.status === 'firing'));

await fw.close();
await nats.stop();
server.close();
