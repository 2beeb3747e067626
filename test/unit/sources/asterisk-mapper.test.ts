// queue_log → spec events, one rule at a time, then the worked example fixture against the
// events of worked-example.json it was written from.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CcEvent } from '../../../pipelines/events/schema.ts';
import { QueueLogMapper, type MapperConfig } from '../../../pipelines/sources/asterisk/mapper.ts';
import { parseConfig } from '../../../pipelines/sources/asterisk/config-file.ts';
import { FIXTURE } from '../../support/worked-example.ts';

const T0 = 1795514400; // 2026-11-24T10:00:00Z
const FIX = path.resolve(import.meta.dirname, '../../fixtures/asterisk');
const L = (dt: number, callid: string, queue: string, agent: string, event: string, ...data: string[]) =>
  [String(T0 + dt), callid, queue, agent, event, ...data].join('|');
const at = (dt: number) => new Date((T0 + dt) * 1000).toISOString();

function run(lines: string[], cfg: MapperConfig = {}, finish = true) {
  const m = new QueueLogMapper(cfg);
  const out: CcEvent[] = [];
  lines.forEach((l, i) => m.line(l, i + 1, out));
  if (finish) m.finish(out);
  return { m, out, strip: out.map(({ id: _id, ...e }) => e) };
}
const agentStates = (out: CcEvent[], agent: string) =>
  out.filter((e) => e.type === 'agent.state' && e.agent_id === agent).map((e) => [e.time, (e as { state: string }).state]);

describe('contacts', () => {
  it('ENTERQUEUE → contact.queued (voice, caller id as customer_id)', () => {
    const { strip } = run([L(0, 'u.1', 'billing', 'NONE', 'ENTERQUEUE', '', '0255501001', '1', 'Rossi Mario')]);
    expect(strip).toEqual([{ type: 'contact.queued', time: at(0), contact_id: 'u.1', queue: 'billing', channel: 'voice', customer_id: '0255501001' }]);
  });

  it('CONNECT → contact.answered with wait_ms from holdtime, and the agent busy', () => {
    const { strip } = run([L(12, 'u.1', 'billing', 'PJSIP/anna', 'CONNECT', '12', 'u.2', '4')]);
    expect(strip).toEqual([
      { type: 'contact.answered', time: at(12), contact_id: 'u.1', queue: 'billing', agent_id: 'PJSIP/anna', wait_ms: 12_000 },
      { type: 'agent.state', time: at(12), agent_id: 'PJSIP/anna', state: 'busy', queues: ['billing'] },
    ]);
  });

  it('COMPLETECALLER / COMPLETEAGENT with no wrap-up: ended and wrapped at the hang-up, agent available', () => {
    for (const ev of ['COMPLETECALLER', 'COMPLETEAGENT']) {
      const { strip } = run([L(0, 'u.1', 'q', 'a1', 'CONNECT', '3'), L(90, 'u.1', 'q', 'a1', ev, '3', '90', '1')]);
      expect(strip.slice(2)).toEqual([
        { type: 'contact.ended', time: at(90), contact_id: 'u.1', agent_id: 'a1', attrs: { 'asterisk.event': ev } },
        { type: 'contact.wrapped', time: at(90), contact_id: 'u.1', agent_id: 'a1' },
        { type: 'agent.state', time: at(90), agent_id: 'a1', state: 'available', queues: ['q'] },
      ]);
    }
  });

  it('a wrap-up time keeps the agent in wrap_up until it ends: member over queue over --wrapup-s', () => {
    const lines = [L(0, 'u.1', 'q', 'a1', 'CONNECT', '3'), L(90, 'u.1', 'q', 'a1', 'COMPLETEAGENT', '3', '90', '1'), L(500, 'NONE', 'NONE', 'NONE', 'QUEUESTART', '')];
    const end = (cfg: MapperConfig) => run(lines, cfg).out.find((e) => e.type === 'contact.wrapped')!.time;
    expect(end({ wrapupS: 10 })).toBe(at(100));
    expect(end({ wrapupS: 10, queues: { q: { wrapup_s: 20 } } })).toBe(at(110));
    expect(end({ wrapupS: 10, queues: { q: { wrapup_s: 20 } }, agents: { a1: { wrapup_s: 45 } } })).toBe(at(135));
    expect(agentStates(run(lines, { wrapupS: 10 }).out, 'a1')).toEqual([[at(0), 'busy'], [at(90), 'wrap_up'], [at(100), 'available']]);
  });

  it('a wrap-up ends early when the agent takes the next call or logs off', () => {
    const { out } = run([
      L(0, 'u.1', 'q', 'a1', 'CONNECT', '3'), L(60, 'u.1', 'q', 'a1', 'COMPLETECALLER', '3', '60', '1'),
      L(70, 'u.2', 'q', 'a1', 'CONNECT', '5'),
    ], { wrapupS: 30 });
    expect(out.find((e) => e.type === 'contact.wrapped')).toMatchObject({ contact_id: 'u.1', time: at(70) });
    expect(agentStates(out, 'a1')).toEqual([[at(0), 'busy'], [at(60), 'wrap_up'], [at(70), 'busy']]);
    const off = run([L(0, 'u.1', 'q', 'a1', 'CONNECT', '3'), L(60, 'u.1', 'q', 'a1', 'COMPLETECALLER', '3', '60', '1'), L(65, 'MANAGER', 'q', 'a1', 'REMOVEMEMBER', '')], { wrapupS: 30 });
    expect(off.out.find((e) => e.type === 'contact.wrapped')!.time).toBe(at(65));
    expect(agentStates(off.out, 'a1').at(-1)).toEqual([at(65), 'offline']);
  });

  it('the configured outcome event sets resolved on the wrap, during the call or the wrap-up', () => {
    const cfg: MapperConfig = { wrapupS: 30, outcomes: { event: 'CALLSTATUS', resolved: ['SOLVED'], unresolved: ['CALLBACK'] } };
    const wrap = (lines: string[]) => run(lines, cfg).out.find((e) => e.type === 'contact.wrapped') as { resolved?: boolean };
    const base = [L(0, 'u.1', 'q', 'a1', 'CONNECT', '3')];
    expect(wrap([...base, L(10, 'u.1', 'q', 'a1', 'CALLSTATUS', 'SOLVED'), L(60, 'u.1', 'q', 'a1', 'COMPLETEAGENT', '3', '60', '1')]).resolved).toBe(true);
    expect(wrap([...base, L(60, 'u.1', 'q', 'a1', 'COMPLETEAGENT', '3', '60', '1'), L(70, 'u.1', 'q', 'a1', 'CALLSTATUS', 'CALLBACK')]).resolved).toBe(false);
    expect(wrap([...base, L(60, 'u.1', 'q', 'a1', 'COMPLETEAGENT', '3', '60', '1'), L(70, 'u.1', 'q', 'a1', 'CALLSTATUS', 'OTHER')])).not.toHaveProperty('resolved');
  });

  it('TRANSFER, BLINDTRANSFER, ATTENDEDTRANSFER end the agent\'s part with the target in attrs', () => {
    const ended = (line: string) => run([L(0, 'u.1', 'q', 'a1', 'CONNECT', '3'), line]).out.find((e) => e.type === 'contact.ended')!.attrs;
    expect(ended(L(60, 'u.1', 'q', 'a1', 'TRANSFER', '200', 'from-internal', '3', '60', '1'))).toEqual({ 'asterisk.event': 'TRANSFER', 'asterisk.transfer': '200|from-internal' });
    expect(ended(L(60, 'u.1', 'q', 'a1', 'BLINDTRANSFER', '200', 'from-internal', '3', '60', '1'))).toEqual({ 'asterisk.event': 'BLINDTRANSFER', 'asterisk.transfer': '200|from-internal' });
    expect(ended(L(60, 'u.1', 'q', 'a1', 'ATTENDEDTRANSFER', 'LINK', 'PJSIP/a-1', 'PJSIP/b-2', '3', '60', '1'))).toEqual({ 'asterisk.event': 'ATTENDEDTRANSFER', 'asterisk.transfer': 'LINK|PJSIP/a-1|PJSIP/b-2' });
    expect(ended(L(60, 'u.1', 'q', 'a1', 'ATTENDEDTRANSFER', 'BRIDGE', 'b-77', '3', '60', '1'))).toEqual({ 'asterisk.event': 'ATTENDEDTRANSFER', 'asterisk.transfer': 'BRIDGE|b-77' });
  });

  it('ABANDON → contact.abandoned with wait_ms from waittime', () => {
    const { strip } = run([L(0, 'u.1', 'q', 'NONE', 'ENTERQUEUE', '', '', '1'), L(3, 'u.1', 'q', 'NONE', 'ABANDON', '1', '1', '3')]);
    expect(strip[1]).toEqual({ type: 'contact.abandoned', time: at(3), contact_id: 'u.1', queue: 'q', wait_ms: 3000, attrs: { 'asterisk.event': 'ABANDON' } });
  });

  it('EXITWITHTIMEOUT then ENTERQUEUE elsewhere within --overflow-s → contact.transferred', () => {
    const { strip } = run([
      L(0, 'u.1', 'sales', 'NONE', 'ENTERQUEUE', '', '', '1'), L(60, 'u.1', 'sales', 'NONE', 'EXITWITHTIMEOUT', '1', '1', '60'),
      L(61, 'u.1', 'support', 'NONE', 'ENTERQUEUE', '', '', '1'),
    ]);
    expect(strip.map((e) => e.type)).toEqual(['contact.queued', 'contact.transferred', 'contact.queued']);
    expect(strip[1]).toEqual({ type: 'contact.transferred', time: at(61), contact_id: 'u.1', queue: 'sales', to_queue: 'support' });
  });

  it('an EXIT* with no queue after it is an abandon at the exit, settled by a later line, the clock or the end', () => {
    for (const [ev, data] of [['EXITWITHTIMEOUT', ['1', '1', '60']], ['EXITEMPTY', ['1', '1', '60']], ['EXITWITHKEY', ['5', '1', '1', '60']]] as const) {
      const lines = [L(0, 'u.1', 'q', 'NONE', 'ENTERQUEUE', '', '', '1'), L(60, 'u.1', 'q', 'NONE', ev, ...data)];
      const later = run([...lines, L(70, 'u.9', 'q', 'NONE', 'ENTERQUEUE', '', '', '1')], {}, false);
      expect(later.strip[1], ev).toEqual({ type: 'contact.abandoned', time: at(60), contact_id: 'u.1', queue: 'q', wait_ms: 60_000, attrs: { 'asterisk.event': ev } });
      const waiting = run(lines, {}, false);
      expect(waiting.out).toHaveLength(1);
      const clock: CcEvent[] = [];
      waiting.m.advance((T0 + 64) * 1000, clock);
      expect(clock).toEqual([]);
      waiting.m.advance((T0 + 66) * 1000, clock);
      expect(clock.map((e) => [e.type, e.time])).toEqual([['contact.abandoned', at(60)]]);
    }
  });

  it('the overflow decision has one id whichever way it goes', () => {
    const lines = [L(0, 'u.1', 'a', 'NONE', 'ENTERQUEUE', '', '', '1'), L(60, 'u.1', 'a', 'NONE', 'EXITEMPTY', '1', '1', '60')];
    const transferred = run([...lines, L(61, 'u.1', 'b', 'NONE', 'ENTERQUEUE', '', '', '1')]).out[1];
    const abandoned = run(lines).out[1];
    expect([transferred.type, abandoned.type]).toEqual(['contact.transferred', 'contact.abandoned']);
    expect(transferred.id).toBe(abandoned.id);
  });
});

describe('agents', () => {
  it('ADDMEMBER → available with its queues; REMOVEMEMBER of the last → offline; team and name from the config', () => {
    const { strip } = run([
      L(0, 'MANAGER', 'billing', 'a3', 'ADDMEMBER', ''), L(0, 'MANAGER', 'sales', 'a3', 'ADDMEMBER', ''),
      L(60, 'MANAGER', 'billing', 'a3', 'REMOVEMEMBER', ''), L(90, 'MANAGER', 'sales', 'a3', 'REMOVEMEMBER', ''),
    ], { agents: { a3: { team: 'south', name: 'Carla' } } });
    const c = { agent_id: 'a3', team: 'south', name: 'Carla', type: 'agent.state' };
    expect(strip).toEqual([
      { ...c, time: at(0), state: 'available', queues: ['billing'] },
      { ...c, time: at(0), state: 'available', queues: ['billing', 'sales'] },
      { ...c, time: at(60), state: 'available', queues: ['sales'] },
      { ...c, time: at(90), state: 'offline', queues: [] },
    ]);
  });

  it('ADDMEMBER PAUSED → away; PAUSE in every queue → away with the reason; UNPAUSE in one → available', () => {
    expect(run([L(0, 'CLI', 'q', 'a1', 'ADDMEMBER', 'PAUSED')]).strip[0]).toMatchObject({ state: 'away' });
    const { out } = run([
      L(0, 'MANAGER', 'q1', 'a1', 'ADDMEMBER', ''), L(0, 'MANAGER', 'q2', 'a1', 'ADDMEMBER', ''),
      L(10, 'NONE', 'q1', 'a1', 'PAUSE', 'lunch'), L(11, 'NONE', 'q2', 'a1', 'PAUSE', 'lunch'), L(50, 'NONE', 'q2', 'a1', 'UNPAUSE', ''),
    ]);
    expect(out.filter((e) => e.type === 'agent.state').map((e) => [e.time, (e as { state: string }).state, (e as { reason?: string }).reason])).toEqual([
      [at(0), 'available', undefined], [at(0), 'available', undefined], [at(11), 'away', 'lunch'], [at(50), 'available', undefined],
    ]);
  });

  it('PAUSEALL / UNPAUSEALL (queue NONE), and the per-queue PAUSE lines after them change nothing more', () => {
    const { out } = run([
      L(0, 'MANAGER', 'q1', 'a1', 'ADDMEMBER', ''), L(5, 'NONE', 'NONE', 'a1', 'PAUSEALL', 'meeting'), L(5, 'NONE', 'q1', 'a1', 'PAUSE', 'meeting'),
      L(9, 'NONE', 'NONE', 'a1', 'UNPAUSEALL', ''), L(9, 'NONE', 'q1', 'a1', 'UNPAUSE', ''),
    ]);
    expect(agentStates(out, 'a1')).toEqual([[at(0), 'available'], [at(5), 'away'], [at(9), 'available']]);
  });

  it('AGENTLOGIN → available, AGENTLOGOFF → offline (app_agent_pool: queue NONE, data1 the channel)', () => {
    const { strip } = run([L(0, 'u.5', 'NONE', 'Agent/1001', 'AGENTLOGIN', 'PJSIP/1001-0001'), L(600, 'u.5', 'NONE', 'Agent/1001', 'AGENTLOGOFF', 'PJSIP/1001-0001', '600')]);
    expect(strip).toEqual([
      { type: 'agent.state', time: at(0), agent_id: 'Agent/1001', state: 'available' },
      { type: 'agent.state', time: at(600), agent_id: 'Agent/1001', state: 'offline' },
    ]);
  });

  it('a static member (no ADDMEMBER) is learnt from RINGNOANSWER, CONNECT or PAUSE in a queue', () => {
    const { strip } = run([L(0, 'u.1', 'support', 'SIP/1001', 'RINGNOANSWER', '15000')]);
    expect(strip).toEqual([{ type: 'agent.state', time: at(0), agent_id: 'SIP/1001', state: 'available', queues: ['support'] }]);
  });
});

describe('counting and ids', () => {
  it('counts ignored and rejected lines with line number and reason; the lines around them still map', () => {
    const { m, out } = run([
      L(0, 'NONE', 'NONE', 'NONE', 'QUEUESTART', ''), L(1, 'u.1', 'q', 'NONE', 'ENTERQUEUE', '', '', '1'), 'garbage line',
      L(2, 'u.1', 'q', 'NONE', 'ABANDON', '1'), 'x|u.2|q|NONE|ENTERQUEUE||1|1', L(3, 'u.1', 'q', 'a1', 'WIBBLE', ''),
      L(4, 'u.2', 'q', 'NONE', 'CONNECT', '3'), '', L(5, 'u.1', 'q', 'NONE', 'ABANDON', '1', '1', '5'),
    ]);
    expect(m.stats).toMatchObject({ lines: 9, blank: 1, mapped: 2, ignored: { QUEUESTART: 1 }, rejected: { bad_field_count: 2, bad_time: 1, unknown_event: 1, unmappable: 1 } });
    expect(m.takeRejects().map((r) => [r.line, r.reason])).toEqual([[3, 'bad_field_count'], [4, 'bad_field_count'], [5, 'bad_time'], [6, 'unknown_event'], [7, 'unmappable']]);
    expect(out.map((e) => e.type)).toEqual(['contact.queued', 'contact.abandoned']);
  });

  it('the same lines give the same ids; lines of one second get increasing ids', () => {
    const lines = [L(0, 'MANAGER', 'q1', 'a1', 'ADDMEMBER', ''), L(0, 'MANAGER', 'q2', 'a1', 'ADDMEMBER', ''), L(0, 'u.1', 'q1', 'NONE', 'ENTERQUEUE', '', '', '1')];
    const a = run(lines).out.map((e) => e.id);
    expect(run(lines).out.map((e) => e.id)).toEqual(a);
    expect(new Set(a).size).toBe(a.length);
    expect([...a].sort()).toEqual(a);
  });

  it('the state saved mid-stream continues exactly like the uninterrupted mapper', () => {
    const lines = fs.readFileSync(path.join(FIX, 'worked-example.queue_log'), 'utf8').trim().split('\n');
    const cfg = parseConfig(JSON.parse(fs.readFileSync(path.join(FIX, 'worked-example.config.json'), 'utf8')));
    const whole = run(lines, cfg).out;
    for (const cut of [3, 10, 15, 17]) {
      const first = new QueueLogMapper(cfg);
      const out: CcEvent[] = [];
      lines.slice(0, cut).forEach((l, i) => first.line(l, i + 1, out));
      const second = QueueLogMapper.fromJSON(cfg, JSON.parse(JSON.stringify(first.toJSON())));
      lines.slice(cut).forEach((l, i) => second.line(l, cut + i + 1, out));
      second.finish(out);
      expect(out, `cut at ${cut}`).toEqual(whole);
    }
  });
});

describe('the worked example fixture', () => {
  it('gives the contact and agent events of worked-example.json, at the same times', () => {
    const lines = fs.readFileSync(path.join(FIX, 'worked-example.queue_log'), 'utf8').trim().split('\n');
    const cfg = parseConfig(JSON.parse(fs.readFileSync(path.join(FIX, 'worked-example.config.json'), 'utf8')));
    const { out, m } = run(lines, cfg);
    expect(m.stats.rejected).toEqual({});
    // contact ids: Asterisk uniqueids in order of arrival stand for c1…c7
    const ids = new Map(out.filter((e) => e.type === 'contact.queued').map((e, i) => [(e as { contact_id: string }).contact_id, `c${i + 1}`]));
    const key = (e: Record<string, unknown>) =>
      JSON.stringify([e.type, Date.parse(e.time as string), ids.get(e.contact_id as string) ?? e.contact_id, e.queue, e.agent_id, e.state, e.reason, e.resolved]);
    const want = (JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>[])
      .filter((e) => /^(contact|agent)\./.test(e.type as string)).map(key).sort();
    const got = out.map((e) => key(e as unknown as Record<string, unknown>)).sort();
    // a3 joins billing, then sales, at 10:00: one agent.state more than the example's single one
    const extra = [...got];
    for (const k of want) {
      expect(extra, k).toContain(k);
      extra.splice(extra.indexOf(k), 1);
    }
    expect(extra).toEqual([JSON.stringify(['agent.state', T0 * 1000, null, null, 'a3', 'available', null, null])]);
  });
});
