// Alerts across crashes: delivery retries survive a SIGKILL of the notifier process (a
// separate process, restarted), the evaluator resumes from its saved state without
// re-notifying or forgetting a firing alert, and a crash between queueing a notification
// and saving the state does not deliver it twice.
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, post, ROOT, startFloorwatch, startTestNats, type TestFloorwatch } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { KvMap } from '../../pipelines/bus/kv-map.ts';
import { kpiSubject } from '../../pipelines/bus/subjects.ts';
import type { ScopeSnapshot } from '../../pipelines/engine/types.ts';
import { alertsArea } from '../../pipelines/alerts/area.ts';
import { AlertEngine } from '../../pipelines/alerts/alert-engine.ts';
import { TransitionLog } from '../../pipelines/alerts/transition-log.ts';
import { ACKS_BUCKET, RULES_BUCKET, SILENCES_BUCKET, STATE_BUCKET, ruleKey, type Rule } from '../../pipelines/alerts/rule-schema.ts';
import type { AlertState } from '../../pipelines/alerts/evaluator.ts';
import type { Ack, Silence } from '../../pipelines/alerts/silences.ts';
import { Registry } from '../../server/metrics.ts';

const TENANT = 'alerts-crash';
const T0 = Date.now();
const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let nats: PrivateNats;
let fw: TestFloorwatch;
let auth: { authorization: string };
const hits: { path: string; id: string; status: number }[] = [];
const rxState = { down: true };
let rxUrl = '';
const rxServer = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const status = rxState.down ? 503 : 200;
    hits.push({ path: req.url!, id: String(req.headers['floorwatch-delivery']), status });
    res.writeHead(status).end();
  });
});
const ok = (p: string) => hits.filter((h) => h.path === p && h.status === 200);

/** an evaluator with its own KV views, as a freshly started process would have */
async function startEngine() {
  const bus = fw.rt.svc.bus;
  const rules = await KvMap.open<Rule>(bus, RULES_BUCKET);
  const states = await KvMap.open<AlertState>(bus, STATE_BUCKET);
  const silences = await KvMap.open<Silence>(bus, SILENCES_BUCKET);
  const acks = await KvMap.open<Ack>(bus, ACKS_BUCKET);
  const e = new AlertEngine({
    bus, log, metrics: new Registry(), rules, states, silences, acks,
    transitions: new TransitionLog(fw.rt.svc.ch, log), baseUrl: 'http://fw.test',
  });
  await e.start();
  return {
    e,
    states,
    async stop() {
      await e.stop();
      for (const m of [rules, states, silences, acks]) m.close();
    },
  };
}

async function spawnNotifier(): Promise<ChildProcess> {
  const p = spawn(
    process.execPath,
    ['--import', 'tsx', 'pipelines/alerts/notifier-main.ts', `--nats=${nats.url}`, '--ack-wait-ms=2000', '--backoff-ms=300', '--max-backoff-ms=1000'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  if (process.env.DEBUG_NOTIFIER) p.stdout!.on('data', (d) => process.stderr.write(d));
  await eventually(() => out.includes('notifier started') || (p.exitCode !== null && Promise.reject(new Error(out))), 30_000);
  return p;
}
const kill9 = (p: ChildProcess) =>
  new Promise<void>((r) => {
    if (p.exitCode !== null || p.signalCode !== null) return r();
    p.once('exit', () => r());
    p.kill('SIGKILL');
  });

async function publish(scope: string, atS: number, value: number) {
  const s: ScopeSnapshot = { tenant: TENANT, scope, at: T0 + atS * 1000, windows: { '15m': { waiting: value }, '1h': {}, today: {} } };
  fw.rt.svc.bus.nc.publish(kpiSubject(TENANT, scope), JSON.stringify(s));
  await fw.rt.svc.bus.nc.flush();
}

async function rule(name: string, scope: string, path: string) {
  const r = await post(
    `${fw.url}/v1/alerts/rules`,
    { name, metric: 'waiting', scope, window: '15m', op: '>', threshold: 5, recover_threshold: 2, targets: [{ type: 'webhook', url: `${rxUrl}${path}` }] },
    auth,
  );
  expect(r.status, r.text).toBe(201);
  return r.json.id as string;
}

const children: ChildProcess[] = [];
beforeAll(async () => {
  nats = await startTestNats();
  await new Promise<void>((r) => rxServer.listen(0, '127.0.0.1', r));
  rxUrl = `http://127.0.0.1:${(rxServer.address() as { port: number }).port}`;
  // Routes only: the evaluator and the notifier run as the "processes" this test kills.
  fw = await startFloorwatch({ natsUrl: nats.url, areas: [alertsArea()], env: { ROLES: 'ingest,writer,gateway' } });
  const k = await post(`${fw.url}/v1/keys`, { scopes: ['read', 'admin'], tenant: TENANT }, fw.admin);
  auth = { authorization: `Bearer ${k.json.key}` };
  await fetch(`${fw.url}/v1/tenant`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ allow_private_webhooks: true }),
  });
});
afterAll(async () => {
  for (const c of children) await kill9(c);
  await fw?.close();
  await nats?.stop();
  rxServer.close();
});

describe('crash and restart', () => {
  it('retries survive a SIGKILL of the notifier; the restarted evaluator neither re-notifies nor forgets', async () => {
    await rule('crash', 'queue:crash', '/crash');
    let engine = await startEngine();
    const n1 = await spawnNotifier();
    children.push(n1);
    await publish('queue:crash', 0, 9);
    await eventually(() => hits.filter((h) => h.path === '/crash').length >= 2, 20_000); // retried while down
    await kill9(n1);
    await engine.stop(); // the evaluator goes away too; its state is in KV

    rxState.down = false;
    await sleep(2500);
    expect(ok('/crash')).toEqual([]); // nobody is delivering

    engine = await startEngine();
    const n2 = await spawnNotifier();
    children.push(n2);
    await publish('queue:crash', 10, 9); // still firing: no second "firing"
    await eventually(() => ok('/crash').length === 1, 20_000);
    await publish('queue:crash', 11, 1);
    await eventually(() => ok('/crash').length === 2, 20_000);
    await sleep(3000); // longer than ack_wait: a double delivery would show up now
    const delivered = ok('/crash').map((h) => h.id);
    expect(delivered.length).toBe(2);
    expect(new Set(delivered).size).toBe(2);
    const attempts = hits.filter((h) => h.path === '/crash' && h.id === delivered[0]);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    await engine.stop();
    await kill9(n2);
  }, 90_000);

  it('a crash after queueing a notification but before saving the state does not deliver it twice', async () => {
    rxState.down = false;
    const id = await rule('lost save', 'queue:lost', '/lost');
    const n = await spawnNotifier();
    children.push(n);
    const a = await startEngine();
    await publish('queue:lost', 0, 1); // normal, saved nowhere: nothing changed
    await publish('queue:lost', 1, 9);
    await eventually(() => ok('/lost').length === 1, 20_000);
    await a.e.idle();
    // Undo the save, as if the process died right after the JetStream publish.
    await a.states.delete(ruleKey(TENANT, id));
    await a.stop();
    const b = await startEngine();
    expect(b.e.current(TENANT, id)).toBeUndefined();
    await publish('queue:lost', 1, 9); // the same evaluation again
    await eventually(() => b.e.current(TENANT, id)?.status === 'firing');
    await b.e.idle();
    await sleep(2500);
    expect(ok('/lost').length).toBe(1);
    await b.stop();
    await kill9(n);
  }, 60_000);
});
