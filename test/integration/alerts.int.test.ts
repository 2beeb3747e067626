// Alerting end to end against a real nats-server, chDB and a real local HTTP receiver:
// rules API validation, pending → firing → repeat → resolved with hysteresis, signed
// webhooks verified with the README's snippet, Slack bodies, retries, silences, acks,
// live messages and the transitions history.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, post, ROOT, startFloorwatch, startTestNats, tempDir, type TestFloorwatch } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { alertLiveSubject, kpiSubject } from '../../pipelines/bus/subjects.ts';
import type { Metrics, ScopeSnapshot } from '../../pipelines/engine/types.ts';
import { alertsArea } from '../../pipelines/alerts/area.ts';

interface Hit {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
  status: number;
}

/** A webhook receiver that records every request; `failNext` answers 503 that many times. */
async function receiver() {
  const hits: Hit[] = [];
  const state = { failNext: 0 };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const status = state.failNext > 0 ? (state.failNext--, 503) : 200;
      hits.push({ path: req.url!, headers: req.headers, raw, body: JSON.parse(raw), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, hits, state, ok: (p: string) => hits.filter((h) => h.path === p && h.status === 200), close: () => server.close() };
}

let nats: PrivateNats;
let fw: TestFloorwatch;
let rx: Awaited<ReturnType<typeof receiver>>;
let auth: { authorization: string };
const TENANT = 'alerts-int';
const T0 = Date.now();

function snapshot(scope: string, atS: number, m: Metrics, window: '15m' | '1h' = '15m'): ScopeSnapshot {
  const windows = { '15m': {}, '1h': {}, today: {} } as ScopeSnapshot['windows'];
  windows[window] = m;
  return { tenant: TENANT, scope, at: T0 + atS * 1000, windows };
}
async function publish(snaps: ScopeSnapshot[]) {
  const nc = fw.rt.svc.bus.nc;
  for (const s of snaps) nc.publish(kpiSubject(s.tenant, s.scope), JSON.stringify(s));
  await nc.flush();
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** the README's verification snippet, loaded exactly as documented */
async function readmeVerifier(): Promise<(secret: string, raw: string, header: string) => boolean> {
  const md = fs.readFileSync(path.join(ROOT, 'pipelines/alerts/README.md'), 'utf8');
  const section = md.slice(md.indexOf('## Verifying the signature'));
  const code = /```js\n([\s\S]*?)```/.exec(section)![1];
  const file = path.join(tempDir('fw-verify-'), 'verify.mjs');
  fs.writeFileSync(file, code);
  return (await import(file)).verifyFloorwatchSignature;
}

async function createRule(body: Record<string, unknown>) {
  const r = await post(`${fw.url}/v1/alerts/rules`, body, auth);
  expect(r.status, r.text).toBe(201);
  return r.json as { id: string };
}

/** The sandbox has no DNS: example.com stands for any public host. */
const fakeDns = async (host: string) => {
  if (host === 'example.com') return [{ address: '93.184.216.34', family: 4 }];
  if (host === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
};

beforeAll(async () => {
  nats = await startTestNats();
  rx = await receiver();
  fw = await startFloorwatch({
    natsUrl: nats.url,
    areas: [alertsArea({ baseUrl: 'http://fw.test', lookup: fakeDns, notifier: { baseBackoffMs: 200, maxBackoffMs: 1000, ackWaitMs: 5000 } })],
  });
  const k = await post(`${fw.url}/v1/keys`, { scopes: ['read', 'admin'], tenant: TENANT }, fw.admin);
  auth = { authorization: `Bearer ${k.json.key}` };
  const s = await fetch(`${fw.url}/v1/tenant`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ allow_private_webhooks: true }),
  });
  expect(s.status).toBe(200);
});
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
  rx?.close();
});

describe('rules API', () => {
  it('rejects invalid rules with a 400 naming the field', async () => {
    const good = { name: 'x', metric: 'asa_s', scope: 'queue:a', window: '15m', op: '>', threshold: 1 };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, metric: 'nope' }, 'metric'],
      [{ ...good, op: '!=' }, 'op'],
      [{ ...good, window: '5m' }, 'window'],
      [{ ...good, scope: 'planet:x' }, 'scope'],
      [{ ...good, for_s: -1 }, 'for_s'],
      [{ ...good, recover_threshold: 2 }, 'recover_threshold'],
      [{ ...good, targets: [{ type: 'webhook', url: 'ftp://example.com/x' }] }, 'targets.0.url'],
      [{ ...good, colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const r = await post(`${fw.url}/v1/alerts/rules`, body, auth);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.errors.map((e: { field: string }) => e.field), JSON.stringify(body)).toContain(field);
    }
  });

  it('refuses loopback and private targets unless the tenant allows them', async () => {
    const body = {
      name: 'x', metric: 'asa_s', scope: 'all', window: '15m', op: '>', threshold: 1,
      targets: [{ type: 'webhook', url: 'https://example.com/ok' }, { type: 'webhook', url: 'http://127.0.0.1:9/hook' }],
    };
    const r = await post(`${fw.url}/v1/alerts/rules`, body, fw.admin); // tenant "default": not allowed
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual([expect.objectContaining({ field: 'targets.1.url' })]);
    expect((await post(`${fw.url}/v1/alerts/rules`, body, auth)).status).toBe(201); // allowed for TENANT
  });

  it('never returns secrets, keeps them on PUT without one, and needs admin to write', async () => {
    const rule = await createRule({
      name: 'secret keeper', metric: 'waiting', scope: 'queue:s', window: '15m', op: '>', threshold: 5,
      targets: [{ type: 'webhook', url: `${rx.url}/keep`, secret: 'topsecret' }],
    });
    const got = await (await fetch(`${fw.url}/v1/alerts/rules/${rule.id}`, { headers: auth })).text();
    expect(got).not.toContain('topsecret');
    expect(JSON.parse(got).targets[0]).toEqual({ type: 'webhook', url: `${rx.url}/keep`, has_secret: true });
    const put = await fetch(`${fw.url}/v1/alerts/rules/${rule.id}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'renamed', metric: 'waiting', scope: 'queue:s', window: '15m', op: '>', threshold: 6,
        targets: [{ type: 'webhook', url: `${rx.url}/keep` }] }),
    });
    expect(put.status).toBe(200);
    expect((await put.json()).targets[0].has_secret).toBe(true);
    const rk = await post(`${fw.url}/v1/keys`, { scopes: ['read'], tenant: TENANT }, fw.admin);
    const ro = { authorization: `Bearer ${rk.json.key}` };
    expect((await post(`${fw.url}/v1/alerts/rules`, { name: 'x' }, ro)).status).toBe(403);
    const list = await (await fetch(`${fw.url}/v1/alerts/rules`, { headers: ro })).json();
    expect(list.items.some((r: { name: string }) => r.name === 'renamed')).toBe(true);
    const del = await fetch(`${fw.url}/v1/alerts/rules/${rule.id}`, { method: 'DELETE', headers: auth });
    expect(del.status).toBe(204);
  });
});

describe('notifications', () => {
  it('pending does not notify, firing once, repeat after repeat_s, no re-fire in the band, resolved; signed and verifiable', async () => {
    const verify = await readmeVerifier();
    const live: any[] = [];
    const sub = fw.rt.svc.bus.nc.subscribe(alertLiveSubject(TENANT), { callback: (_e, m) => void live.push(m.json()) });
    const rule = await createRule({
      name: 'ASA high', metric: 'asa_s', scope: 'queue:life', window: '15m', op: '>', threshold: 30,
      recover_threshold: 20, for_s: 2, repeat_s: 10, severity: 'critical', labels: { team: 'north' },
      targets: [
        { type: 'webhook', url: `${rx.url}/life`, secret: 's3cret' },
        { type: 'slack', url: `${rx.url}/slack` },
      ],
    });
    await sleep(200);
    await publish([snapshot('queue:life', 0, { asa_s: 40 }), snapshot('queue:life', 1, { asa_s: 45 })]);
    await sleep(1000);
    expect(rx.hits.filter((h) => h.path === '/life')).toEqual([]); // pending

    await publish([snapshot('queue:life', 2, { asa_s: 50 })]);
    const first: Hit = await eventually(() => (rx.ok('/life').length === 1 ? rx.ok('/life')[0] : null));
    expect(first.body).toMatchObject({
      status: 'firing', repeat: false, scope: 'queue:life', labels: { team: 'north' }, value: 50, threshold: 30,
      starts_at: new Date(T0 + 2000).toISOString(), ends_at: null, tenant: TENANT,
      rule: { id: rule.id, name: 'ASA high', metric: 'asa_s', severity: 'critical' },
    });
    expect(first.body.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(first.body.links.wall).toContain('http://fw.test/wall/');
    expect(verify('s3cret', first.raw, first.headers['floorwatch-signature'] as string)).toBe(true);
    expect(verify('wrong', first.raw, first.headers['floorwatch-signature'] as string)).toBe(false);
    expect(verify('s3cret', first.raw.replace('50', '51'), first.headers['floorwatch-signature'] as string)).toBe(false);
    const slack = await eventually(() => rx.ok('/slack')[0]);
    expect(slack.body.text).toContain('ASA high');
    expect(Array.isArray(slack.body.blocks)).toBe(true);

    // flapping inside the hysteresis band (20 < v ≤ 30) and back above: nothing new
    await publish([3, 4, 5, 6, 7, 8].map((t, i) => snapshot('queue:life', t, { asa_s: [25, 35, 21, 29, 45, 22][i] })));
    await sleep(1200);
    expect(rx.ok('/life').length).toBe(1);

    const firing = await (await fetch(`${fw.url}/v1/alerts`, { headers: auth })).json();
    const mine = firing.firing.find((a: { rule_id: string }) => a.rule_id === rule.id);
    expect(mine).toMatchObject({ status: 'firing', severity: 'critical', acked: false, scope: 'queue:life' });

    await publish([snapshot('queue:life', 12, { asa_s: 40 })]); // 10 s after the first notification
    const repeat = await eventually(() => rx.ok('/life')[1]);
    expect(repeat.body).toMatchObject({ status: 'firing', repeat: true });
    expect(repeat.headers['floorwatch-delivery']).not.toBe(first.headers['floorwatch-delivery']);

    await publish([snapshot('queue:life', 13, { asa_s: 10 })]);
    const resolved = await eventually(() => rx.ok('/life')[2]);
    expect(resolved.body).toMatchObject({ status: 'resolved', ends_at: new Date(T0 + 13000).toISOString(), value: 10 });
    await eventually(() => rx.ok('/slack').length === 3);
    await sleep(800);
    expect(rx.ok('/life').length).toBe(3);
    const ids = rx.hits.filter((h) => h.path === '/life').map((h) => h.headers['floorwatch-delivery']);
    expect(new Set(ids).size).toBe(3);

    expect(live.filter((a) => a.rule_id === rule.id).map((a) => a.status)).toEqual(['firing', 'resolved']);
    expect(live[0]).toMatchObject({ rule_name: 'ASA high', metric: 'asa_s', window: '15m', threshold: 30 });
    sub.unsubscribe();

    const recent = await eventually(async () => {
      const r = await (await fetch(`${fw.url}/v1/alerts`, { headers: auth })).json();
      const rows = r.recent.filter((x: { rule_id: string }) => x.rule_id === rule.id);
      return rows.length >= 4 && rows;
    });
    const seqs = recent.map((r: any) => `${r.from}>${r.to}:${r.notification ?? ''}`).reverse();
    expect(seqs).toEqual(['normal>pending:', 'pending>firing:firing', 'firing>firing:repeat', 'firing>normal:resolved']);
  });

  it('retries a receiver that is down and delivers exactly once when it is back', async () => {
    rx.state.failNext = 3;
    await createRule({
      name: 'backlog', metric: 'backlog', scope: 'queue:retry', window: '1h', op: '>=', threshold: 10,
      targets: [{ type: 'webhook', url: `${rx.url}/retry` }],
    });
    await sleep(200);
    await publish([snapshot('queue:retry', 100, { backlog: 12 }, '1h')]);
    await eventually(() => rx.ok('/retry').length === 1, 20_000);
    const all = rx.hits.filter((h) => h.path === '/retry');
    expect(all.map((h) => h.status)).toEqual([503, 503, 503, 200]);
    expect(new Set(all.map((h) => h.headers['floorwatch-delivery'])).size).toBe(1);
    await sleep(1500);
    expect(rx.ok('/retry').length).toBe(1);
  });

  it('a silenced rule does not notify; acknowledging stops repeats', async () => {
    const silenced = await createRule({
      name: 'quiet', metric: 'waiting', scope: 'queue:quiet', window: '15m', op: '>', threshold: 3,
      targets: [{ type: 'webhook', url: `${rx.url}/quiet` }],
    });
    const s = await post(`${fw.url}/v1/alerts/silences`, { rule_id: silenced.id, duration_s: 3600, comment: 'maintenance' }, auth);
    expect(s.status).toBe(201);
    const nowS = (Date.now() - T0) / 1000;
    await sleep(200);
    await publish([snapshot('queue:quiet', nowS, { waiting: 9 }), snapshot('queue:quiet', nowS + 1, { waiting: 9 })]);
    await eventually(async () => {
      const r = await (await fetch(`${fw.url}/v1/alerts`, { headers: auth })).json();
      return r.firing.some((a: any) => a.rule_id === silenced.id && a.silenced === true);
    });
    await sleep(1000);
    expect(rx.hits.filter((h) => h.path === '/quiet')).toEqual([]);
    const list = await (await fetch(`${fw.url}/v1/alerts/silences`, { headers: auth })).json();
    expect(list.items).toEqual([expect.objectContaining({ id: s.json.id, rule_id: silenced.id, active: true, comment: 'maintenance' })]);
    expect((await fetch(`${fw.url}/v1/alerts/silences/${s.json.id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    expect((await post(`${fw.url}/v1/alerts/silences`, { duration_s: 60 }, auth)).json.errors[0].field).toBe('rule_id');

    const noisy = await createRule({
      name: 'noisy', metric: 'waiting', scope: 'queue:noisy', window: '15m', op: '>', threshold: 3, repeat_s: 1,
      targets: [{ type: 'webhook', url: `${rx.url}/noisy` }],
    });
    await sleep(200);
    await publish([snapshot('queue:noisy', 200, { waiting: 9 })]);
    await eventually(() => rx.ok('/noisy').length === 1);
    const a = await post(`${fw.url}/v1/alerts/${noisy.id}/ack`, {}, auth);
    expect(a.status).toBe(200);
    expect(a.json.alert_id).toBe(`${noisy.id}.${T0 + 200_000}`);
    await eventually(async () => {
      const r = await (await fetch(`${fw.url}/v1/alerts`, { headers: auth })).json();
      return r.firing.some((x: any) => x.rule_id === noisy.id && x.acked);
    });
    await publish([201, 202, 203, 204].map((t) => snapshot('queue:noisy', t, { waiting: 9 })));
    await sleep(1000);
    expect(rx.ok('/noisy').length).toBe(1);
    await publish([snapshot('queue:noisy', 205, { waiting: 0 })]);
    await eventually(() => rx.ok('/noisy')[1]?.body.status === 'resolved');
    expect((await post(`${fw.url}/v1/alerts/${noisy.id}/ack`, {}, auth)).status).toBe(404);
  });

  it('deleting a firing rule sends resolved and drops it from the firing list', async () => {
    const r = await createRule({
      name: 'doomed', metric: 'abandon_rate', scope: 'channel:chat', window: 'today', op: '>', threshold: 0.1,
      targets: [{ type: 'webhook', url: `${rx.url}/doomed` }],
    });
    await sleep(200);
    const snap = snapshot('channel:chat', 300, {});
    snap.windows.today = { abandon_rate: 0.3 };
    await publish([snap]);
    await eventually(() => rx.ok('/doomed').length === 1);
    expect((await fetch(`${fw.url}/v1/alerts/rules/${r.id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    const resolved = await eventually(() => rx.ok('/doomed')[1]);
    expect(resolved.body).toMatchObject({ status: 'resolved', rule: { id: r.id } });
    const o = await (await fetch(`${fw.url}/v1/alerts`, { headers: auth })).json();
    expect(o.firing.some((a: { rule_id: string }) => a.rule_id === r.id)).toBe(false);
  });
});
