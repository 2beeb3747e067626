// The queue_log line rules: field split, the time rule, per-event data field counts
// (from app_queue.c's ast_queue_log calls), unknown events.
import { describe, expect, it } from 'vitest';
import { EVENTS, intField, isRejected, parseLine, parseTime } from '../../../pipelines/sources/asterisk/parse.ts';
import { fnv1a, lineId } from '../../../pipelines/sources/asterisk/ids.ts';

describe('parseTime', () => {
  it('takes epoch seconds as app_queue writes them, and a fraction to the millisecond', () => {
    expect(parseTime('1795514400')).toBe(1795514400_000);
    expect(parseTime('1795514400.5')).toBe(1795514400_500);
    expect(parseTime('1795514400.123456')).toBe(1795514400_123);
  });

  it('refuses what is not epoch seconds: the realtime format, milliseconds, out of range, junk', () => {
    for (const s of ['2026-11-24 10:00:00.000000', '1795514400000', '12345', '4102444800', '', ' 1795514400', '1795514400.', '0x6ab', '17955144OO']) {
      expect(parseTime(s), s).toBeNaN();
    }
  });
});

describe('parseLine', () => {
  it('splits time|callid|queue|agent|event|data… and keeps every data field', () => {
    const l = parseLine('1795514410|1795514399.11|billing|PJSIP/anna|CONNECT|10|1795514405.13|5');
    expect(l).toEqual({
      t: 1795514410_000, time: '1795514410', callid: '1795514399.11', queue: 'billing', agent: 'PJSIP/anna',
      event: 'CONNECT', data: ['10', '1795514405.13', '5'],
    });
  });

  it('accepts the empty data field ast_queue_log leaves after "%s" with "", a missing one, and a CR', () => {
    expect(parseLine('1795514000|NONE|NONE|NONE|QUEUESTART|')).toMatchObject({ event: 'QUEUESTART', data: [''] });
    expect(parseLine('1795514000|NONE|NONE|NONE|QUEUESTART')).toMatchObject({ event: 'QUEUESTART', data: [] });
    expect(parseLine('1795514760|NONE|billing|a2|PAUSE|break\r')).toMatchObject({ event: 'PAUSE', data: ['break'] });
  });

  it('refuses fewer than five fields as bad_field_count', () => {
    expect(parseLine('1795514400|1795514399.11|billing')).toEqual({ reason: 'bad_field_count', detail: expect.stringContaining('3 fields') });
  });

  it('refuses an event with fewer data fields than any Asterisk version writes', () => {
    const r = parseLine('1795514523|1795514519.16|billing|NONE|ABANDON|2');
    expect(r).toEqual({ reason: 'bad_field_count', detail: 'ABANDON needs 3 data fields (position|origposition|waittime), got 1' });
    expect(isRejected(parseLine('1795514523|1795514519.16|billing|NONE|ABANDON|2|2|3'))).toBe(false);
    // extra fields are ignored (an old ENTERQUEUE with a caller name holding "|")
    expect(isRejected(parseLine('1795514400|x.1|billing|NONE|ENTERQUEUE||555|1|Rossi|Mario'))).toBe(false);
    expect(parseLine('1795514400|x.1|billing|a1|BLINDTRANSFER|200|default|10|20')).toMatchObject({ reason: 'bad_field_count' });
  });

  it('refuses a bad time as bad_time, naming the value', () => {
    expect(parseLine('2026-11-24 10:00:00|x.1|billing|NONE|ENTERQUEUE||555|1')).toEqual({
      reason: 'bad_time', detail: '"2026-11-24 10:00:00" is not epoch seconds',
    });
  });

  it('refuses an unknown event, but accepts the configured outcome event', () => {
    expect(parseLine('1795514400|x.1|billing|a1|FROBNICATE|1')).toEqual({ reason: 'unknown_event', detail: 'unknown event "FROBNICATE"' });
    expect(parseLine('1795514400|x.1|billing|a1|CALLSTATUS|ok')).toMatchObject({ reason: 'unknown_event' });
    expect(parseLine('1795514400|x.1|billing|a1|CALLSTATUS|ok', 'CALLSTATUS')).toMatchObject({ event: 'CALLSTATUS', data: ['ok'] });
  });

  it('knows every event the issue lists, and the known-but-ignored ones', () => {
    const mapped = ['ENTERQUEUE', 'CONNECT', 'COMPLETECALLER', 'COMPLETEAGENT', 'ABANDON', 'EXITWITHTIMEOUT', 'EXITWITHKEY', 'EXITEMPTY',
      'TRANSFER', 'BLINDTRANSFER', 'ATTENDEDTRANSFER', 'RINGNOANSWER', 'ADDMEMBER', 'REMOVEMEMBER', 'PAUSE', 'UNPAUSE', 'PAUSEALL',
      'UNPAUSEALL', 'AGENTLOGIN', 'AGENTLOGOFF'];
    for (const e of mapped) expect(EVENTS[e]?.ignored, e).toBeFalsy();
    for (const e of ['QUEUESTART', 'CONFIGRELOAD', 'DID', 'INFO', 'SYSCOMPAT']) expect(EVENTS[e]?.ignored, e).toBe(true);
  });
});

describe('intField and ids', () => {
  it('reads only plain non-negative integers', () => {
    expect(intField('42')).toBe(42);
    expect(intField('0')).toBe(0);
    for (const s of ['', '-1', '1.5', 'x', undefined, '1e3']) expect(intField(s)).toBeUndefined();
  });

  it('ids are fixed-width, sort by time then position in the second, and differ with the line', () => {
    const a = lineId('ast', 1795514400_000, 0, 'line a');
    expect(a).toBe(`ast:1795514400000:0000:${fnv1a('line a')}`);
    expect(lineId('ast', 1795514400_000, 1, 'line a') > a).toBe(true);
    expect(lineId('ast', 1795514400_000, 36, 'x') > lineId('ast', 1795514400_000, 9, 'x')).toBe(true);
    expect(lineId('ast', 1795514401_000, 0, 'x') > lineId('ast', 1795514400_000, 99, 'x')).toBe(true);
    expect(fnv1a('line a')).not.toBe(fnv1a('line b'));
  });
});
