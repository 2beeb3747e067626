// The streaming readers of POST /v1/import: the JSON array splitter (elements split on
// any chunk boundary, strings and escapes tracked, broken bodies stop with a place) and
// the CSV reader (quotes, line breaks in cells, types per the event schema).
import { describe, expect, it } from 'vitest';
import { CsvReader, JsonArraySplitter, StreamStop, cellValue, rowEvent } from '../../../server/import/formats.ts';

/** Feeds `text` in chunks of `size` bytes. */
function split(text: string, size: number) {
  const s = new JsonArraySplitter();
  const buf = Buffer.from(text);
  const out = [];
  for (let i = 0; i < buf.length; i += size) out.push(...s.push(buf.subarray(i, i + size)));
  s.end();
  return out;
}

describe('JsonArraySplitter', () => {
  const elements = [{ a: 'x,]}"\\' }, [1, [2, { b: '[' }]], 'str"ing', 42, null, { é: 'ü€𝄞' }];
  const text = ` \n[ ${elements.map((e) => JSON.stringify(e, null, 1)).join(' ,\n')} ]\n`;

  it.each([1, 2, 3, 7, 64, 100_000])('gives every element whole with chunks of %i bytes', (size) => {
    const out = split(text, size);
    expect(out.map((r) => ('value' in r ? r.value : r.error))).toEqual(elements);
    expect(out.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('an element that is not JSON is a bad record; the others still come', () => {
    const out = split('[{"a":1}, {"a": tru}, {"a":3}]', 5);
    expect(out.map((r) => ('value' in r ? r.value : r.error))).toEqual([{ a: 1 }, expect.stringMatching(/^invalid JSON/), { a: 3 }]);
  });

  it('an empty array has no elements', () => {
    expect(split('[]', 1)).toEqual([]);
  });

  it.each([
    ['{"a":1}', /expected a JSON array/],
    ['[{"a":1}, {"a":', /ended inside the array \(in or after element 2/],
    ['[{"a":1}] x', /text after the end/],
    ['[{"a":1} {"b":2}]', /expected ',' or '\]' after element 1/],
    ['', /empty/],
  ])('%j stops reading', (body, reason) => {
    let err: unknown;
    try {
      split(body, 4);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StreamStop);
    expect((err as Error).message).toMatch(reason);
  });

  it('says how far it read when the body breaks off', () => {
    const s = new JsonArraySplitter();
    s.push(Buffer.from('[{"a":1},{"a":'));
    expect(() => s.end()).toThrow(expect.objectContaining({ line: 2, byte: 14 }));
  });
});

function csv(text: string, size = 3) {
  const r = new CsvReader();
  const buf = Buffer.from(text);
  const out = [];
  for (let i = 0; i < buf.length; i += size) out.push(...r.push(buf.subarray(i, i + size)));
  out.push(...r.end());
  return out;
}

describe('CSV', () => {
  it('reads quoted cells with commas, quotes and line breaks, across chunks, numbering records by their first line', () => {
    const text = 'id,type,comment,score\r\n1,feedback.submitted,"a, ""b""\nand c",5\r\n\r\n2,feedback.submitted,plain,x\n3,feedback.submitted,é€,4';
    for (const size of [1, 2, 5, 1000]) {
      const out = csv(text, size);
      expect(out).toEqual([
        { line: 2, value: { id: '1', type: 'feedback.submitted', comment: 'a, "b"\nand c', score: 5 } },
        { line: 5, value: { id: '2', type: 'feedback.submitted', comment: 'plain', score: 'x' } },
        { line: 6, value: { id: '3', type: 'feedback.submitted', comment: 'é€', score: 4 } },
      ]);
    }
  });

  it('a row with the wrong number of cells is a bad record', () => {
    expect(csv('id,type\n1,a,b\n')).toEqual([{ line: 2, error: 'has 3 cells, the header has 2', field: '(row)' }]);
  });

  it('a quoted cell never closed stops reading', () => {
    expect(() => csv('id,comment\n1,"open\n')).toThrow(StreamStop);
  });

  it('converts cells per the event schema; empty cells are absent', () => {
    expect(cellValue('wait_ms', '1500')).toBe(1500);
    expect(cellValue('wait_ms', '1.5')).toBe('1.5');
    expect(cellValue('resolved', 'TRUE')).toBe(true);
    expect(cellValue('resolved', '0')).toBe(false);
    expect(cellValue('queues', 'billing|sales')).toEqual(['billing', 'sales']);
    expect(cellValue('queues', '["a","b"]')).toEqual(['a', 'b']);
    expect(cellValue('queue', '007')).toBe('007');
    expect(rowEvent(['id', 'attrs.region', 'attrs', 'team'], ['x', 'emea', '{"tier":"gold"}', ''])).toEqual({
      value: { id: 'x', attrs: { region: 'emea', tier: 'gold' } },
    });
    expect(rowEvent(['id', 'attrs'], ['x', '[1]'])).toEqual({ error: 'must be a JSON object', field: 'attrs' });
  });
});
