// npm run bench:simulator — how fast the simulator generates history (the demo's 7-day
// backfill and `npm run simulate -- --from` depend on it).
import { simulate } from '../../pipelines/sources/simulator.ts';

const from = Date.parse('2026-11-16T00:00:00Z');
for (const [agents, queues, days] of [[40, 6, 7], [200, 12, 7], [40, 6, 30]] as const) {
  const t0 = performance.now();
  let n = 0;
  for (const _ of simulate({ seed: 1, agents, queues, from, to: from + days * 86_400_000, tenantTimeZone: 'Europe/Rome' })) n++;
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${agents} agents, ${queues} queues, ${days} days: ${n.toLocaleString('en')} events in ${s.toFixed(2)} s = ${Math.round(n / s).toLocaleString('en')} ev/s; heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`,
  );
}
