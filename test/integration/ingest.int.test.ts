// POST /v1/events against a real nats-server and chDB: every type stored intact, every
// rejection path as api.md says, keys, scopes and tenant isolation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFloorwatch, startTestNats, eventually, post, type TestFloorwatch } from '../support/harness.ts';
import { everyType } from '../support/sample-events.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { EVENTS_STREAM } from '../../pipelines/bus/subjects.ts';

let nats: PrivateNats;
let fw: TestFloorwatch;
let ev: string;

async function rows(tenant: string, idPrefix: string) {
  const r = await fw.rt.svc.ch.query({
    query: 'SELECT * EXCEPT received_at FROM events WHERE tenant = {t:String} AND startsWith(id, {p:String}) ORDER BY id',
    query_params: { t: tenant, p: idPrefix },
    format: 'JSONEachRow',
  });
  return r.json<Record<string, any>>();
}

async function key(scopes: string[], tenant?: string) {
  const r = await post(`${fw.url}/v1/keys`, { scopes, tenant }, fw.admin);
  expect(r.status).toBe(201);
  return { authorization: `Bearer ${r.json.key}`, id: r.json.id as string, tenant: r.json.tenant as string };
}

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url });
  ev = `${fw.url}/v1/events`;
});
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

describe('accepting events', () => {
  it('stores every event type in ClickHouse with every field intact', async () => {
    const events = everyType('all');
    const r = await post(ev, events, fw.admin);
    expect(r.status).toBe(202);
    expect(r.json).toEqual({ accepted: events.length });
    const stored = await eventually(async () => {
      const x = await rows('default', 'all-');
      return x.length === events.length ? x : null;
    });
    const byId = new Map(stored.map((s) => [s.id, s]));
    for (const e of events) {
      const s = byId.get(e.id)!;
      expect(s.type).toBe(e.type);
      expect(new Date(s.time + 'Z').toISOString()).toBe(new Date(e.time).toISOString());
      expect(JSON.parse(s.payload)).toEqual(e);
    }
    // Every typed column holds the event's field, or its default when the event has none
    // (ClickHouse maps the events: sql/0014_events_in.sql).
    const columns = ['contact_id', 'ticket_id', 'queue', 'to_queue', 'channel', 'agent_id', 'customer_id', 'team', 'state',
      'reason', 'survey', 'score', 'priority', 'wait_ms', 'hold_ms', 'resolved', 'comment', 'language'];
    for (const e of events as unknown as Record<string, unknown>[]) {
      const s = byId.get(e.id as string)!;
      expect(s.tenant).toBe('default');
      for (const c of columns) expect([e.id, c, s[c]]).toEqual([e.id, c, e[c] ?? (typeof s[c] === 'string' ? '' : null)]);
      expect(s.attrs).toEqual(e.attrs ?? {});
      const due = e.first_response_due as string | undefined;
      expect(s.first_response_due === null ? null : new Date(s.first_response_due + 'Z').toISOString()).toBe(due ? new Date(due).toISOString() : null);
    }
    const q = byId.get('all-2')!;
    expect([q.contact_id, q.queue, q.channel, q.priority, q.customer_id]).toEqual(['c1', 'billing', 'voice', 3, 'cust-9']);
    expect(q.attrs).toEqual({ region: 'eu', campaign: 'x' });
    expect(byId.get('all-7')!.resolved).toBe(true);
    expect(byId.get('all-6')!.hold_ms).toBe(15000);
    expect(byId.get('all-12')!.comment).toBe('Operatore gentilissimo, problema risolto subito');
    expect(byId.get('all-1')!.team).toBe('north');
  });

  it('stores text with a lone surrogate (as U+FFFD) along with the rest of its request', async () => {
    const [a, b] = everyType('lone').slice(-2);
    const odd = { ...b, id: 'lone-odd', comment: 'half a pair \ud83d here' };
    expect((await post(ev, [a, odd], fw.admin)).status).toBe(202);
    const stored = await eventually(async () => {
      const x = await rows('default', 'lone-');
      return x.length === 2 ? x : null;
    });
    const s = stored.find((x) => x.id === 'lone-odd')!;
    expect(s.comment).toBe('half a pair \ufffd here');
    expect(JSON.parse(s.payload).comment).toBe('half a pair \ufffd here');
  });

  it('publishes one message per type with the ids in an Fw-Ids header, in body order', async () => {
    const events = everyType('hdr');
    const queued = [events[1], { ...events[1], id: 'hdr-2b', contact_id: 'c9' }];
    expect((await post(ev, [...queued, events[2]], fw.admin)).status).toBe(202);
    const m = await fw.rt.svc.bus.jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: 'cc.events.default.contact.queued' });
    const body = JSON.parse(new TextDecoder().decode(m!.data)) as { id: string }[];
    expect(body.map((e) => e.id)).toEqual(['hdr-2', 'hdr-2b']);
    expect(JSON.parse(m!.header.get('Fw-Ids'))).toEqual(['hdr-2', 'hdr-2b']);
  });

  it('accepts a single event object and NDJSON', async () => {
    const [one, two] = everyType('nd');
    expect((await post(ev, one, fw.admin)).status).toBe(202);
    const nd = await fetch(ev, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', ...fw.admin },
      body: `${JSON.stringify(two)}\n{not json\n`,
    });
    expect(nd.status).toBe(207);
    const body = await nd.json();
    expect(body.accepted).toBe(1);
    expect(body.rejected[0].index).toBe(1);
    expect(body.rejected[0].errors[0]).toMatch(/invalid JSON/);
    await eventually(async () => (await rows('default', 'nd-')).length === 2);
  });
});

describe('rejections', () => {
  const good = () => everyType('r')[1] as Record<string, unknown> & { queue: string };

  it('bad JSON → 400 problem+json', async () => {
    const r = await post(ev, '[{"id":', fw.admin);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.json).toMatchObject({ status: 400, title: 'Bad Request' });
    expect(r.json.detail).toMatch(/not valid JSON/);
  });

  it.each([
    ['unknown type', { ...good(), type: 'contact.teleported' }, /type: unknown event type "contact.teleported"/],
    ['unknown field', { ...good(), colour: 'red' }, /colour: unknown field/],
    ['missing field', (({ queue: _q, ...e }) => e)(good()), /queue: is required/],
    ['bad channel', { ...good(), channel: 'fax' }, /channel/],
    ['out-of-range score', { id: 'r-s', type: 'feedback.submitted', time: new Date().toISOString(), survey: 'nps', score: 11 }, /score/],
    ['out-of-range csat', { id: 'r-c', type: 'feedback.submitted', time: new Date().toISOString(), survey: 'csat', score: 0 }, /score: 0 is out of range for csat \(1–5\)/],
    ['bad time', { ...good(), time: '2026-11-24 10:00' }, /time/],
    ['impossible date', { ...good(), time: '2026-02-30T10:00:00Z' }, /time: "2026-02-30T10:00:00Z" is not a valid RFC 3339 time/],
    ['far future', { ...good(), time: new Date(Date.now() + 8 * 86_400_000).toISOString() }, /more than 7 days in the future/],
    ['id too long', { ...good(), id: 'x'.repeat(129) }, /id/],
  ])('%s → 400 naming the field and reason', async (_name, event, re) => {
    const r = await post(ev, event, fw.admin);
    expect(r.status).toBe(400);
    expect(r.json.errors[0].index).toBe(0);
    expect(r.json.errors[0].errors.join('\n')).toMatch(re);
  });

  it('rejects "__proto__" and "constructor" keys as unknown fields', async () => {
    const body = JSON.stringify(good()).replace(/^\{/, '{"__proto__":{"admin":true},"constructor":{"prototype":{}},');
    const r = await post(ev, body, fw.admin);
    expect(r.status).toBe(400);
    expect(r.json.errors[0].errors.join('\n')).toMatch(/__proto__: unknown field|constructor: unknown field/);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('some invalid → 207 with per-event errors, the valid ones stored', async () => {
    const ok = { ...good(), id: 'mixed-ok' };
    const r = await post(ev, [ok, { ...good(), id: 'mixed-bad', queue: '' }], fw.admin);
    expect(r.status).toBe(207);
    expect(r.json.accepted).toBe(1);
    expect(r.json.rejected).toEqual([{ index: 1, id: 'mixed-bad', errors: [expect.stringMatching(/^queue: /)] }]);
    await eventually(async () => (await rows('default', 'mixed-')).length === 1);
    expect((await rows('default', 'mixed-'))[0].id).toBe('mixed-ok');
  });

  it('too many events → 413, too large a body → 413', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => ({ ...good(), id: `big-${i}` }));
    const r = await post(ev, many, fw.admin);
    expect(r.status).toBe(413);
    expect(r.json.detail).toMatch(/at most 10000 events/);
    const huge = await post(ev, JSON.stringify([{ ...good(), pad: 'x'.repeat(6 * 1024 * 1024) }]), fw.admin);
    expect(huge.status).toBe(413);
    expect(huge.json.status).toBe(413);
  });

  it('no key → 401, bad key → 401, wrong scope → 403', async () => {
    expect((await post(ev, good())).status).toBe(401);
    const bad = await post(ev, good(), { authorization: 'Bearer fw_nope_nope' });
    expect(bad.status).toBe(401);
    expect(bad.json.title).toBe('Unauthorized');
    const reader = await key(['read']);
    const r = await post(ev, good(), reader);
    expect(r.status).toBe(403);
    expect(r.json.detail).toMatch(/"ingest" scope/);
  });
});

describe('keys and tenants', () => {
  it('a tenant never sees another tenant’s data', async () => {
    const a = await key(['ingest', 'read', 'admin'], 'acme');
    const b = await key(['ingest', 'read', 'admin'], 'globex');
    expect((await post(ev, everyType('iso-a'), a)).status).toBe(202);
    expect((await post(ev, everyType('iso-b'), b)).status).toBe(202);
    await eventually(async () => (await rows('acme', 'iso-a')).length === 12 && (await rows('globex', 'iso-b')).length === 12);
    expect(await rows('acme', 'iso-b')).toEqual([]);
    expect(await rows('globex', 'iso-a')).toEqual([]);
    // keys of acme are invisible to globex, and globex cannot revoke them
    const listB = await (await fetch(`${fw.url}/v1/keys`, { headers: b })).json();
    expect(listB.items.every((k: { tenant: string }) => k.tenant === 'globex')).toBe(true);
    const del = await fetch(`${fw.url}/v1/keys/${a.id}`, { method: 'DELETE', headers: b });
    expect(del.status).toBe(404);
    // a non-bootstrap admin cannot mint keys for another tenant
    const cross = await post(`${fw.url}/v1/keys`, { scopes: ['read'], tenant: 'acme' }, b);
    expect(cross.status).toBe(403);
  });

  it('keys are listed without secrets and can be revoked', async () => {
    const k = await key(['ingest'], 'revoke-me');
    const boot = await key(['admin'], 'revoke-me');
    const list = await (await fetch(`${fw.url}/v1/keys`, { headers: boot })).json();
    expect(list.items.length).toBe(2);
    for (const item of list.items) {
      expect(item).not.toHaveProperty('key');
      expect(item).not.toHaveProperty('hash');
    }
    expect((await post(ev, everyType('rv')[0], k)).status).toBe(202);
    expect((await fetch(`${fw.url}/v1/keys/${k.id}`, { method: 'DELETE', headers: boot })).status).toBe(204);
    expect((await post(ev, everyType('rv2')[0], k)).status).toBe(401);
  });

  it('stores only a hash of each key', async () => {
    const r = await post(`${fw.url}/v1/keys`, { scopes: ['read'] }, fw.admin);
    const kv = await fw.rt.svc.bus.kv('fw_keys');
    const entry = await kv.get(r.json.id);
    const stored = entry!.string();
    const secret = r.json.key.split('_').slice(2).join('_');
    expect(stored).not.toContain(secret);
    expect(JSON.parse(stored).hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects an invalid key request with the field and reason', async () => {
    const r = await post(`${fw.url}/v1/keys`, { scopes: ['root'] }, fw.admin);
    expect(r.status).toBe(400);
    expect(r.json.errors.some((e: { field: string }) => e.field.startsWith('scopes'))).toBe(true);
    const t = await post(`${fw.url}/v1/keys`, { scopes: ['read'], tenant: 'Bad Tenant!' }, fw.admin);
    expect(t.status).toBe(400);
    expect(t.json.detail).toMatch(/^tenant:/);
  });

  it('signs a browser in with a key and out again', async () => {
    const reader = await key(['read']);
    const r = await post(`${fw.url}/v1/session`, { key: reader.authorization.slice(7) });
    expect(r.status).toBe(200);
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(/fw_session=.*HttpOnly/i);
    const me = await fetch(`${fw.url}/v1/session`, { headers: { cookie: cookie.split(';')[0] } });
    expect(await me.json()).toEqual({ tenant: 'default', scopes: ['read'] });
    expect((await post(`${fw.url}/v1/session`, { key: 'wrong' })).status).toBe(401);
    const forged = await fetch(`${fw.url}/v1/session`, { headers: { cookie: 'fw_session=a.b.c' } });
    expect(forged.status).toBe(401);
  });
});

describe('operations', () => {
  it('answers healthz, readyz, metrics and docs', async () => {
    expect((await fetch(`${fw.url}/healthz`)).status).toBe(200);
    const ready = await (await fetch(`${fw.url}/readyz`)).json();
    expect(ready).toEqual({ status: 'ready', checks: { nats: 'ok', clickhouse: 'ok', migrations: 'ok' } });
    const m = await (await fetch(`${fw.url}/metrics`)).text();
    expect(m).toMatch(/fw_events_accepted_total \d+/);
    expect(m).toMatch(/fw_events_rejected_total\{reason="unknown_type"\} \d+/);
    expect(m).toMatch(/fw_writer_flush_ms_count \d+/);
    expect(m).toMatch(/fw_writer_lag_seconds/);
    expect(m).toMatch(/fw_publish_ms_bucket/);
    const doc = await (await fetch(`${fw.url}/docs/json`)).json();
    expect(doc.paths['/v1/events'].post).toBeTruthy();
    expect(JSON.stringify(doc.paths['/v1/events'].post.requestBody)).toContain('#/components/schemas/');
    expect(JSON.stringify(doc.components.schemas)).toContain('feedback.submitted');
  });

  it('answers unknown API paths with problem+json 404', async () => {
    const r = await fetch(`${fw.url}/v1/nothing-here`, { headers: fw.admin });
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/problem\+json/);
  });
});
