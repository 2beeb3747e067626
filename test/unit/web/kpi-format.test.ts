import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import {
  KPI_META, formatDuration, formatMetric, formatPercent, formatValue, fromDisplayUnit, metricValue,
  thresholdState, toDisplayUnit, yTicks,
} from '../../../web/src/lib/kpi-meta.ts';
import { scaleLinear } from 'd3';
import { BoardSchema, TILE_METRICS, checkBoard, defaultBoard } from '../../../server/boards/board-schema.ts';

describe('formatting by unit', () => {
  it('shows durations as mm:ss, and h:mm:ss from an hour', () => {
    expect(formatDuration(0)).toBe('00:00');
    expect(formatDuration(7)).toBe('00:07');
    expect(formatDuration(18.333)).toBe('00:18');
    expect(formatDuration(65)).toBe('01:05');
    expect(formatDuration(59.6)).toBe('01:00');
    expect(formatDuration(3599)).toBe('59:59');
    expect(formatDuration(3600 + 62)).toBe('1:01:02');
    expect(formatMetric('longest_wait_s', 120)).toBe('02:00');
    expect(formatMetric('asa_s', 18.333)).toBe('00:18');
  });

  it('shows ratios as percent, with a decimal only below 10%', () => {
    expect(formatPercent(0.5)).toBe('50%');
    expect(formatPercent(0.8456)).toBe('85%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0.034)).toBe('3.4%');
    expect(formatPercent(0.05)).toBe('5%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatMetric('service_level', 0.5)).toBe('50%');
    expect(formatMetric('abandon_rate', 0.25)).toBe('25%');
    expect(formatMetric('csat', 0.6667)).toBe('67%');
    expect(formatMetric('occupancy', 0.37121)).toBe('37%');
    expect(formatMetric('fcr', 1)).toBe('100%');
  });

  it('shows counts as integers with separators, NPS signed', () => {
    expect(formatMetric('waiting', 2)).toBe('2');
    expect(formatMetric('backlog', 12345)).toBe('12,345');
    expect(formatMetric('nps', 0)).toBe('0');
    expect(formatMetric('nps', 12.4)).toBe('+12');
    expect(formatMetric('nps', -33)).toBe('−33');
    expect(formatMetric('csat_avg', 3.6667)).toBe('3.7');
    expect(formatMetric('sentiment_avg', -0.351)).toBe('−0.35');
  });

  it('shows a dash for null, absent and non-finite values, never 0', () => {
    for (const v of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(formatValue(v, 'percent')).toBe('–');
      expect(formatValue(v, 'duration')).toBe('–');
      expect(formatValue(v, 'count')).toBe('–');
    }
    expect(formatMetric('service_level', null)).toBe('–');
  });

  it('reads agent states from the agent counts', () => {
    const m = { waiting: 3, agents: { available: 1, busy: 4, wrap_up: 0, away: 1, offline: 2 } };
    expect(metricValue(m, 'agents.busy')).toBe(4);
    expect(metricValue(m, 'agents.wrap_up')).toBe(0);
    expect(metricValue(m, 'waiting')).toBe(3);
    expect(metricValue({}, 'agents.available')).toBeUndefined();
    expect(metricValue(undefined, 'waiting')).toBeUndefined();
  });

  it('has metadata for every tile metric', () => {
    for (const m of TILE_METRICS) expect(KPI_META[m]?.label, m).toBeTruthy();
  });
});

describe('threshold states', () => {
  const above = { direction: 'above_is_bad', amber: 60, red: 120 } as const;
  const below = { direction: 'below_is_bad', amber: 0.8, red: 0.7 } as const;

  it('grades higher-is-worse metrics, reaching a threshold counts', () => {
    expect(thresholdState(10, above)).toBe('ok');
    expect(thresholdState(59.9, above)).toBe('ok');
    expect(thresholdState(60, above)).toBe('warn');
    expect(thresholdState(119, above)).toBe('warn');
    expect(thresholdState(120, above)).toBe('alert');
  });

  it('grades lower-is-worse metrics', () => {
    expect(thresholdState(0.95, below)).toBe('ok');
    expect(thresholdState(0.8, below)).toBe('warn');
    expect(thresholdState(0.75, below)).toBe('warn');
    expect(thresholdState(0.7, below)).toBe('alert');
    expect(thresholdState(0, below)).toBe('alert');
  });

  it('has no state without thresholds or without a value', () => {
    expect(thresholdState(5, undefined)).toBe('none');
    expect(thresholdState(null, below)).toBe('none');
    expect(thresholdState(undefined, above)).toBe('none');
  });

  it('converts percent thresholds between display and stored units', () => {
    expect(toDisplayUnit('service_level', 0.8)).toBe(80);
    expect(fromDisplayUnit('service_level', 80)).toBe(0.8);
    expect(fromDisplayUnit('abandon_rate', 7.5)).toBe(0.075);
    expect(toDisplayUnit('asa_s', 20)).toBe(20);
  });
});

describe('board document', () => {
  it('default board is valid and has the headline tiles', () => {
    const board = defaultBoard([{ scope: 'queue:billing', kind: 'queue', id: 'billing', name: 'Billing' }]);
    expect(Value.Check(BoardSchema, board)).toBe(true);
    expect(checkBoard(board)).toEqual([]);
    const metrics = board.widgets.flatMap((w) => (w.kind === 'tile' ? [w.metric] : []));
    expect(metrics).toEqual(expect.arrayContaining([
      'waiting', 'longest_wait_s', 'service_level', 'abandon_rate', 'asa_s', 'csat', 'backlog',
      'agents.available', 'agents.busy',
    ]));
    expect(board.widgets.map((w) => w.kind)).toEqual(expect.arrayContaining(['queues', 'agents', 'alerts', 'clock']));
  });

  it('rejects unknown metrics and bad scopes, and catches what the schema cannot', () => {
    const board = defaultBoard([]);
    const badMetric = { ...board, widgets: [{ kind: 'tile', id: 't', w: 1, h: 1, metric: 'nope', scope: 'all', window: '15m' }] };
    expect(Value.Check(BoardSchema, badMetric)).toBe(false);
    const badScope = { ...board, widgets: [{ kind: 'agents', id: 'a', w: 1, h: 1, scope: 'planet:x' }] };
    expect(Value.Check(BoardSchema, badScope)).toBe(false);
    const dup = { ...board, widgets: [board.widgets[0], board.widgets[0]] };
    expect(checkBoard(dup)).toHaveLength(1);
    const inverted = {
      ...board,
      widgets: [{ kind: 'tile' as const, id: 't', w: 1, h: 1, metric: 'service_level' as const, scope: 'all', window: '15m' as const,
        thresholds: { direction: 'below_is_bad' as const, amber: 0.7, red: 0.8 } }],
    };
    expect(checkBoard(inverted)[0]).toMatch(/red must be ≤ amber/);
  });
});

describe('yTicks', () => {
  it('gives a count axis whole numbers only, each once', () => {
    expect(yTicks('arrived', scaleLinear().domain([0, 1]).nice(), 5)).toEqual([0, 1]);
    expect(yTicks('arrived', scaleLinear().domain([0, 3]).nice(), 5)).toEqual([0, 1, 2, 3]);
    expect(yTicks('arrived', scaleLinear().domain([0, 40]).nice(), 5)).toEqual([0, 10, 20, 30, 40]);
  });
  it('leaves other units to d3', () => {
    expect(yTicks('service_level', scaleLinear().domain([0, 1]), 5)).toEqual(scaleLinear().domain([0, 1]).ticks(5));
  });
});
