// Which history requests may read the hourly queue rollup (server/history/history-query.ts).
import { describe, expect, it } from 'vitest';
import { rollupEligible, rollupFor, wholeHourZone, type HistoryRequest } from '../../../server/history/history-query.ts';

const Y0 = Date.parse('2026-01-01T00:00:00Z');
const Y1 = Date.parse('2027-01-01T00:00:00Z');

describe('wholeHourZone', () => {
  it('accepts zones whose every offset in the range is whole hours, DST included', () => {
    expect(wholeHourZone('UTC', Y0, Y1)).toBe(true);
    expect(wholeHourZone('Europe/Rome', Y0, Y1)).toBe(true);
    expect(wholeHourZone('America/New_York', Y0, Y1)).toBe(true);
  });
  it('refuses a zone with a half-hour offset at any time of the range', () => {
    expect(wholeHourZone('Asia/Kolkata', Y0, Y1)).toBe(false);
    expect(wholeHourZone('America/St_Johns', Y0, Y1)).toBe(false);
    // +10:30 in winter, +11 in summer: only the summer half would pass
    expect(wholeHourZone('Australia/Lord_Howe', Y0, Y1)).toBe(false);
    expect(wholeHourZone('Australia/Lord_Howe', Date.parse('2026-12-01T00:00:00Z'), Date.parse('2026-12-20T00:00:00Z'))).toBe(true);
  });
});

describe('rollupEligible', () => {
  const base: Omit<HistoryRequest, 'rollup'> = {
    tenant: 't', metrics: ['service_level', 'asa_s'], from: Y0, to: Y0 + 90 * 86_400_000, interval: '1h', groupBy: 'queue',
    filters: {}, tz: 'Europe/Rome', now: Y1,
    policies: { queues: [], slMs: [], shortMs: [], defaultSlMs: 20_000, defaultShortMs: 5_000 },
  };
  it('by queue, channel or nothing, queue and channel filters, whole-hour buckets, a contact KPI among the metrics', () => {
    expect(rollupEligible(base)).toBe(true);
    expect(rollupEligible({ ...base, groupBy: null, interval: '1w', filters: { queue: ['billing'] } })).toBe(true);
    expect(rollupEligible({ ...base, metrics: ['occupancy', 'answered'] })).toBe(true);
    expect(rollupEligible({ ...base, groupBy: 'channel', interval: '1d' })).toBe(true);
    expect(rollupEligible({ ...base, groupBy: null, filters: { channel: ['voice'], queue: ['billing'] } })).toBe(true);
  });
  it('reads the rollup by queue unless the request is grouped or filtered by channel; none for team or agent', () => {
    expect(rollupFor(base)?.table).toBe('hist_queue_hourly');
    expect(rollupFor({ ...base, groupBy: null, filters: { queue: ['billing'] } })?.table).toBe('hist_queue_hourly');
    expect(rollupFor({ ...base, groupBy: 'channel' })?.table).toBe('hist_queue_channel_hourly');
    expect(rollupFor({ ...base, filters: { channel: ['chat'] } })?.table).toBe('hist_queue_channel_hourly');
    expect(rollupFor({ ...base, groupBy: 'agent' })).toBeUndefined();
    expect(rollupFor({ ...base, filters: { team: ['north'] } })).toBeUndefined();
  });
  it('not for other dimensions, 15-minute buckets, other families alone or half-hour zones', () => {
    expect(rollupEligible({ ...base, groupBy: 'agent' })).toBe(false);
    expect(rollupEligible({ ...base, groupBy: 'team' })).toBe(false);
    expect(rollupEligible({ ...base, groupBy: 'channel', filters: { agent: ['a1'] } })).toBe(false);
    expect(rollupEligible({ ...base, filters: { team: ['north'] } })).toBe(false);
    expect(rollupEligible({ ...base, interval: '15m' })).toBe(false);
    expect(rollupEligible({ ...base, metrics: ['occupancy', 'csat'] })).toBe(false);
    expect(rollupEligible({ ...base, tz: 'Asia/Kolkata' })).toBe(false);
  });
});
