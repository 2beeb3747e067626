// columnsJson: the JS side of format=columns. From the lines ClickHouse writes (head, big,
// group as ClickHouse's JSON, labels, values) to the body JSON.stringify gave for the old
// pivot's object: groups JSON-decoded, escaped and sorted as JS does, the every-bucket
// group "\u0001" left out, and the '+' that ClickHouse leaves out of exponents ≥ 21
// (lines flagged `big`) put back. The integration test compares whole answers.
import { describe, expect, it } from 'vitest';
import { columnsJson } from '../../../server/history/history-query.ts';

const line = (head: number, big: number, g: string, labels: string, values: string) => `${head}\t${big}\t${g}\t${labels}\t${values}`;
const body = (...lines: string[]) => Buffer.from(lines.join('\n'));

describe('columnsJson', () => {
  it('grouped: groups sorted as JS strings, escaped by JSON.stringify, "\\u0001" left out, exponents ≥ 21 with "+"', () => {
    const req = { interval: '1h' as const, tz: 'Europe/Rome', metrics: ['asa_s', 'arrived'], groupBy: 'queue' as const };
    const b = body(
      line(0, 0, '"z"', '[]', '{"asa_s":[1.5,null],"arrived":[3,null]}'),
      line(1, 0, '""', '["2026-11-20T00:00:00+01:00","2026-11-20T01:00:00+01:00"]', '{"asa_s":[null,null],"arrived":[null,null]}'),
      line(0, 0, '"\\u0001"', '[]', '{"asa_s":[0,0],"arrived":[0,0]}'),
      line(0, 0, '"a\\/b \\"q\\"\\t\u2028"', '[]', '{"asa_s":[null,1e-7],"arrived":[null,1]}'),
      line(0, 1, '"\u00e9"', '[]', '{"asa_s":[1e21,-1.5e300],"arrived":[2,0]}'),
      line(0, 0, '"\ud83d\ude00"', '[]', '{"asa_s":[null,0.8],"arrived":[null,5]}'),
    );
    const expected = {
      interval: '1h', tz: 'Europe/Rome', format: 'columns', metrics: ['asa_s', 'arrived'],
      buckets: ['2026-11-20T00:00:00+01:00', '2026-11-20T01:00:00+01:00'],
      series: [
        { queue: 'a/b "q"\t\u2028', values: { asa_s: [null, 1e-7], arrived: [null, 1] } },
        { queue: 'z', values: { asa_s: [1.5, null], arrived: [3, null] } },
        { queue: '\u00e9', values: { asa_s: [1e21, -1.5e300], arrived: [2, 0] } },
        { queue: '\ud83d\ude00', values: { asa_s: [null, 0.8], arrived: [null, 5] } },
      ],
    };
    expect(columnsJson(req, b).toString('utf8')).toBe(JSON.stringify(expected));
  });

  it('ungrouped: one series without a group key; a repeated metric named twice, its values once', () => {
    const req = { interval: '1d' as const, tz: 'UTC', metrics: ['fcr', 'fcr'], groupBy: null };
    const b = body(line(1, 0, '""', '["2026-11-20T00:00:00Z"]', '{"fcr":[null]}'), line(0, 0, '""', '[]', '{"fcr":[0.75]}'));
    expect(columnsJson(req, b).toString('utf8')).toBe(
      JSON.stringify({ interval: '1d', tz: 'UTC', format: 'columns', metrics: ['fcr', 'fcr'], buckets: ['2026-11-20T00:00:00Z'], series: [{ values: { fcr: [0.75] } }] }),
    );
  });
});
