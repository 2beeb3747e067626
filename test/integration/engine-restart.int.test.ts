// After SIGKILL and a new start, GET /v1/kpis shows the same numbers within 5 s: the
// engine restores its snapshot and replays what came after it, never resetting to zero
// and never counting twice.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { spawnFloorwatch, tempDir, eventually, post, ADMIN_KEY, type ChildFloorwatch } from '../support/harness.ts';
import { statNice } from '../support/proc-stat.ts';
import { shiftedExample } from '../support/worked-example.ts';

const dataDir = tempDir('fw-restart-');
const auth = { authorization: `Bearer ${ADMIN_KEY}` };
let child: ChildFloorwatch | null = null;
afterAll(async () => {
  await child?.kill('SIGTERM'); // graceful: it stops its private nats-server too
});

// Values that do not move with the clock over a few seconds.
const STABLE = ['arrived', 'answered', 'abandoned', 'abandoned_short', 'service_level', 'asa_s', 'wait_p90_s', 'aht_s', 'fcr',
  'csat', 'csat_responses', 'nps', 'ces_avg', 'backlog', 'tickets_created', 'tickets_solved', 'waiting', 'agents'];

async function read(url: string) {
  const out: Record<string, unknown> = {};
  for (const scope of ['queue:billing', 'team:north', 'agent:a1']) {
    const r = await fetch(`${url}/v1/kpis?scope=${scope}&window=1h`, { headers: auth });
    if (r.status !== 200) return null;
    const m = (await r.json()).metrics;
    for (const k of STABLE) if (k in m) out[`${scope}.${k}`] = m[k];
  }
  return out;
}

it('restores the same numbers after SIGKILL', async () => {
  child = await spawnFloorwatch({ DATA_DIR: dataDir, ENGINE_SNAPSHOT_S: '1' });
  const events = shiftedExample(Date.now() - 5_000);
  // half before the snapshot, half after it: the restart needs both restore and replay
  expect((await post(`${child.url}/v1/events`, events.slice(0, 20), auth)).status).toBe(202);
  await new Promise((r) => setTimeout(r, 2_500));
  expect((await post(`${child.url}/v1/events`, events.slice(20), auth)).status).toBe(202);
  // a duplicate of an event from before the snapshot must not count again after restart
  expect((await post(`${child.url}/v1/events`, [events[5]], auth)).status).toBe(202);
  const before = await eventually(async () => {
    const r = await read(child!.url);
    return r && r['queue:billing.arrived'] === 7 && r['queue:billing.csat_responses'] === 3 ? r : null;
  });
  await child.kill('SIGKILL');

  child = await spawnFloorwatch({ DATA_DIR: dataDir, ENGINE_SNAPSHOT_S: '1' });
  const t0 = Date.now();
  const after = await eventually(async () => {
    const r = await read(child!.url);
    return r && JSON.stringify(r) === JSON.stringify(before) ? r : null;
  }, 5_000, 100).catch(async () => read(child!.url));
  expect(after).toEqual(before);
  expect(Date.now() - t0).toBeLessThan(5_000);
  expect(child.output()).toMatch(/engine restored from snapshot/);
});

// The snapshots above come from the checkpointer, which yields the CPU to the other roles
// (server/threads/worker.ts): every role thread carries its name, and only it is niced.
it.runIf(process.platform === 'linux')('runs each role in a named thread, the checkpointer at nice 19', () => {
  const task = `/proc/${child!.proc.pid}/task`;
  const threads = new Map<string, number>();
  for (const tid of readdirSync(task)) {
    const comm = readFileSync(`${task}/${tid}/comm`, 'utf8').trim();
    if (comm.startsWith('fw-')) threads.set(comm, statNice(readFileSync(`${task}/${tid}/stat`, 'utf8')));
  }
  expect(Object.fromEntries(threads)).toEqual({ 'fw-engine': 0, 'fw-engine-check': 19, 'fw-writer': 0, 'fw-history': 0 });
});
