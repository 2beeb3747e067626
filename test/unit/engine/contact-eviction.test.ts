// evict() finds the contacts to release without scanning them all (settled ones listed by
// the minute of their last event, unsettled ones counted by its hour). It must release
// exactly the contacts the rule names: settled (nothing waiting, every answer wrapped)
// and silent since before now − 1 h − 2 min, or silent for 24 h whatever their state.
import { describe, expect, it } from 'vitest';
import { pendingWrap } from '../../../pipelines/engine/derive.ts';
import { TenantEngine } from '../../../pipelines/engine/tenant-engine.ts';
import type { BusEvent } from '../../../pipelines/events/schema.ts';
import { rng } from './scenario.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const FROM = Date.parse('2026-11-24T06:00:00Z');

/** Contacts over 30 hours with every fate, their events up to 10 minutes late. */
function stream(seed: number): BusEvent[] {
  const r = rng(seed);
  const out: BusEvent[] = [];
  let n = 0;
  const push = (t: number, body: Record<string, unknown>) =>
    out.push({ id: `x${n++}`, time: '', ts: t, tenant: 't', received_at: 0, ...body } as BusEvent);
  for (let i = 0; i < 1500; i++) {
    const cid = `c${i}`;
    let t = FROM + Math.floor(r() * 30 * HOUR);
    const q = `q${Math.floor(r() * 3)}`;
    const fate = r();
    push(t, { type: 'contact.queued', contact_id: cid, queue: q, channel: r() < 0.5 ? 'voice' : 'chat' });
    if (fate < 0.15) continue; // lost: waits for ever
    t += Math.floor(r() * 5 * MIN);
    if (fate < 0.3) {
      push(t, { type: 'contact.abandoned', contact_id: cid, queue: q });
      continue;
    }
    push(t, { type: 'contact.answered', contact_id: cid, queue: q, agent_id: `a${i % 7}` });
    if (fate < 0.4) {
      // never wrapped: in handling for ever; its last event is the end of the talk
      if (fate < 0.35) push(t + Math.floor(r() * 20 * MIN), { type: 'contact.ended', contact_id: cid, agent_id: `a${i % 7}` });
      continue;
    }
    t += Math.floor(r() * 10 * MIN);
    push(t, { type: 'contact.ended', contact_id: cid, agent_id: `a${i % 7}` });
    push(t + 1000, { type: 'contact.wrapped', contact_id: cid, agent_id: `a${i % 7}`, resolved: true });
    if (fate < 0.55) {
      // comes back later: transferred into a queue again, then answered (or not)
      t += Math.floor(r() * 3 * HOUR);
      push(t, { type: 'contact.transferred', contact_id: cid, queue: q, to_queue: 'q9' });
      if (r() < 0.5) push(t + MIN, { type: 'contact.answered', contact_id: cid, queue: 'q9', agent_id: 'a1' });
    }
  }
  return out.map((e) => ({ e, k: e.ts + r() * 10 * MIN })).sort((a, b) => a.k - b.k).map((x) => x.e);
}

/** The rule, applied to every held contact; `last`: its latest accepted event, kept by the test. */
function survivors(e: TenantEngine, now: number, last: Map<string, number>): string[] {
  const recFrom = now - HOUR - 2 * MIN;
  const keep: string[] = [];
  for (const [id, c] of e.contacts) {
    const settled = c.openSc === null && !pendingWrap(c);
    const t = last.get(id)!;
    if (!(settled ? t < recFrom : t < now - 24 * HOUR)) keep.push(id);
  }
  return keep.sort();
}

describe('contact eviction', () => {
  for (const seed of [1, 2]) {
    it(`seed ${seed}: releases exactly the contacts the rule names, also after a restore`, () => {
      const evs = stream(seed);
      let e = new TenantEngine({ tenant: 't' });
      let i = 0;
      let released = 0;
      const last = new Map<string, number>();
      let silent = 0;
      for (let now = FROM + 5 * MIN; now < FROM + 34 * HOUR; now += 7 * MIN) {
        for (; i < evs.length && evs[i].ts <= now - 10 * MIN; i++) {
          const ev = evs[i];
          const cid = (ev as { contact_id?: string }).contact_id;
          if (!e.apply(ev) || cid === undefined) continue;
          last.set(cid, Math.max(last.get(cid) ?? -Infinity, ev.ts));
        }
        const want = survivors(e, now, last);
        for (const [id, c] of e.contacts) if (c.openSc !== null && last.get(id)! < now - 24 * HOUR && !want.includes(id)) silent++;
        released += e.contacts.size - want.length;
        e.evict(now);
        expect([...e.contacts.keys()].sort(), new Date(now).toISOString()).toEqual(want);
        for (const id of last.keys()) if (!e.contacts.has(id)) last.delete(id); // heard of again: starts afresh
        let waiting = 0;
        for (const c of e.contacts.values()) if (c.openSc !== null) waiting++;
        expect(e.metrics('all', '15m', now)!.waiting).toBe(waiting);
        if (now - FROM > 20 * HOUR && now - FROM < 20 * HOUR + 7 * MIN) e = TenantEngine.fromJSON(JSON.parse(JSON.stringify(e.toJSON())));
      }
      expect(released).toBeGreaterThan(1000);
      expect(silent).toBeGreaterThan(20);
    });
  }
});
