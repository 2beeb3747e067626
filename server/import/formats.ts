// The three import formats, read as streams: NDJSON (one event per line), one JSON array
// (split element by element, never parsed whole) and CSV (a header row naming event
// fields). Each reader turns chunks of bytes into records, a chunk's worth at a time:
// `value` is the parsed event (not yet validated) or `error` says why the line is not
// one. A body that cannot be read on (a JSON array broken mid-way) throws StreamStop,
// which names where reading stopped.
import { StringDecoder } from 'node:string_decoder';
import { EventSchemas } from '../../pipelines/events/schema.ts';

export type ImportFormat = 'ndjson' | 'json' | 'csv';

/**
 * One record of the input: `line` is the 1-based line (NDJSON, CSV) or element number
 * (JSON array). A record parsed from JSON text also names its bytes, `src[start, end)`,
 * so that a valid event written as JSON.stringify would write it is stored from them
 * (event-bytes.ts).
 */
export type ImportRecord =
  | { line: number; value: unknown; error?: undefined; src?: Uint8Array; start?: number; end?: number }
  | { line: number; error: string; field?: string };

/** The body cannot be read past this point. */
export class StreamStop extends Error {
  constructor(
    readonly line: number,
    readonly byte: number,
    reason: string,
  ) {
    super(reason);
  }
}

const NL = 0x0a;

/** NDJSON: blank lines are skipped (they still count for line numbers); `\r\n` is accepted. */
export async function* ndjsonRecords(chunks: AsyncIterable<Buffer>): AsyncGenerator<ImportRecord[]> {
  let carry: Buffer | null = null;
  let line = 0;
  /** the lines of buf[0, end) (end: the last newline or the end of the body) */
  const parse = (buf: Buffer, end: number, out: ImportRecord[]) => {
    const text = buf.toString('utf8', 0, end);
    // all ASCII: a line's characters are its bytes; else each line's bytes are looked up
    const ascii = text.length === end;
    let pos = 0;
    let at = 0;
    for (;;) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = text.length;
      let nlAt = nl; // the newline's byte
      if (!ascii) {
        nlAt = buf.indexOf(NL, at);
        if (nlAt < 0 || nlAt > end) nlAt = end;
      }
      let stop = nlAt;
      line++;
      let s = text.slice(pos, nl);
      if (s.charCodeAt(s.length - 1) === 13) {
        s = s.slice(0, -1);
        stop--;
      }
      if (s.length !== 0 && s.trim()) {
        try {
          out.push({ line, value: JSON.parse(s), src: buf, start: at, end: stop });
        } catch (err) {
          out.push({ line, error: `invalid JSON: ${(err as Error).message}` });
        }
      }
      if (nl >= text.length) break;
      pos = nl + 1;
      at = nlAt + 1;
    }
  };
  for await (const chunk of chunks) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    const last = buf.lastIndexOf(NL);
    if (last < 0) {
      carry = buf;
      continue;
    }
    carry = last + 1 < buf.length ? buf.subarray(last + 1) : null;
    const out: ImportRecord[] = [];
    parse(buf, last, out);
    if (out.length) yield out;
  }
  if (carry && carry.length) {
    const out: ImportRecord[] = [];
    parse(carry, carry.length, out);
    if (out.length) yield out;
  }
}

const enum J {
  Before, // before the opening '['
  Between, // inside the array, before an element (or ']')
  AfterElement, // after an element: ',' or ']'
  InElement,
  Done,
}

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * A streaming splitter of the top-level elements of one JSON array: tracks strings, escapes
 * and nesting depth byte by byte and hands each element's bytes to JSON.parse on its own,
 * so the array is never held whole. An element that is not valid JSON is a bad record;
 * a body that is not an array, ends inside one, or has text after it stops reading.
 */
export class JsonArraySplitter {
  private state = J.Before;
  private depth = 0;
  private inString = false;
  private escape = false;
  private parts: Buffer[] = [];
  private start = -1;
  /** 1-based number of the element being read */
  element = 0;
  /** bytes consumed so far */
  bytes = 0;

  /** Feeds a chunk; returns the records it completes. */
  push(chunk: Buffer): ImportRecord[] {
    const out: ImportRecord[] = [];
    const n = chunk.length;
    let i = 0;
    this.start = this.state === J.InElement ? 0 : -1;
    while (i < n) {
      const c = chunk[i];
      switch (this.state) {
        case J.Before:
          if (c === 0x5b) this.state = J.Between;
          else if (!isWs(c) && !(this.bytes + i === 0 && c === 0xef)) this.stop(i, `expected a JSON array ('[') at byte ${this.bytes + i}`);
          else if (c === 0xef) i += 2; // UTF-8 byte order mark
          i++;
          break;
        case J.Between:
        case J.AfterElement:
          if (isWs(c)) i++;
          else if (c === 0x5d) {
            if (this.state === J.Between && this.element > 0) this.stop(i, `a ']' after a ',' at byte ${this.bytes + i}`);
            this.state = J.Done;
            i++;
          } else if (this.state === J.AfterElement) {
            if (c !== 0x2c) this.stop(i, `expected ',' or ']' after element ${this.element} at byte ${this.bytes + i}`);
            this.state = J.Between;
            i++;
          } else {
            this.state = J.InElement;
            this.element++;
            this.depth = 0;
            this.inString = false;
            this.escape = false;
            this.start = i;
          }
          break;
        case J.InElement: {
          // the hot loop: scan to the end of the element inside this chunk
          let depth = this.depth;
          let inString = this.inString;
          let escape = this.escape;
          let end = -1;
          for (; i < n; i++) {
            const b = chunk[i];
            if (inString) {
              if (escape) escape = false;
              else if (b === 0x5c) escape = true;
              else if (b === 0x22) inString = false;
            } else if (b === 0x22) inString = true;
            else if (b === 0x7b || b === 0x5b) depth++;
            else if (b === 0x7d || b === 0x5d) {
              if (depth === 0) {
                end = i; // the array's own ']' ends a scalar element
                break;
              }
              depth--;
              if (depth === 0) {
                end = i + 1;
                break;
              }
            } else if (b === 0x2c && depth === 0) {
              end = i;
              break;
            }
          }
          this.depth = depth;
          this.inString = inString;
          this.escape = escape;
          if (end < 0) break; // continues in the next chunk
          this.parts.push(chunk.subarray(this.start, end));
          out.push(this.record());
          this.state = J.AfterElement;
          i = end;
          break;
        }
        case J.Done:
          if (!isWs(c)) this.stop(i, `text after the end of the array at byte ${this.bytes + i}`);
          i++;
          break;
      }
    }
    if (this.state === J.InElement) this.parts.push(chunk.subarray(this.start));
    this.bytes += n;
    return out;
  }

  /** The end of the body: anything but a closed array stops. */
  end(): void {
    if (this.state === J.Done) return;
    if (this.state === J.Before) throw new StreamStop(0, this.bytes, 'the body is empty: expected a JSON array');
    throw new StreamStop(this.element, this.bytes, `the body ended inside the array (in or after element ${this.element}, byte ${this.bytes})`);
  }

  private record(): ImportRecord {
    const buf = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    this.parts = [];
    let end = buf.length;
    while (end > 0 && isWs(buf[end - 1])) end--;
    try {
      return { line: this.element, value: JSON.parse(buf.toString('utf8')), src: buf, start: 0, end };
    } catch (err) {
      return { line: this.element, error: `invalid JSON: ${(err as Error).message}` };
    }
  }

  private stop(i: number, reason: string): never {
    throw new StreamStop(this.element, this.bytes + i, reason);
  }
}

export async function* jsonArrayRecords(chunks: AsyncIterable<Buffer>): AsyncGenerator<ImportRecord[]> {
  const s = new JsonArraySplitter();
  for await (const chunk of chunks) {
    const out = s.push(chunk);
    if (out.length) yield out;
  }
  s.end();
}

// ---- CSV ----

type Kind = 'string' | 'integer' | 'boolean' | 'array';

/** How each event field is written in a CSV cell, read off the event schemas. */
export const FIELD_KINDS: ReadonlyMap<string, Kind> = (() => {
  const m = new Map<string, Kind>();
  for (const s of Object.values(EventSchemas)) {
    for (const [k, p] of Object.entries((s as unknown as { properties: Record<string, { type?: string }> }).properties)) {
      if (k === 'attrs') continue;
      const t = p.type;
      const kind: Kind = t === 'integer' ? 'integer' : t === 'boolean' ? 'boolean' : t === 'array' ? 'array' : 'string';
      if (m.has(k) && m.get(k) !== kind) throw new Error(`event field ${k} has two types`);
      m.set(k, kind);
    }
  }
  return m;
})();

/**
 * One cell as the event schema wants it. A cell that does not convert stays a string, so
 * validation names the field and says what it must be.
 */
export function cellValue(field: string, cell: string): unknown {
  switch (FIELD_KINDS.get(field)) {
    case 'integer':
      return /^-?\d+$/.test(cell.trim()) ? Number(cell.trim()) : cell;
    case 'boolean': {
      const v = cell.trim().toLowerCase();
      return v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : cell;
    }
    case 'array':
      if (cell.trimStart().startsWith('[')) {
        try {
          return JSON.parse(cell);
        } catch {
          return cell;
        }
      }
      return cell.split('|').map((x) => x.trim()).filter(Boolean);
    default:
      return cell;
  }
}

/** Builds an event from a header and a row: empty cell = absent field; `attrs.<key>` columns or one JSON `attrs` column. */
export function rowEvent(header: readonly string[], row: readonly string[]): { value: unknown } | { error: string; field?: string } {
  if (row.length !== header.length)
    return { error: `has ${row.length} cells, the header has ${header.length}`, field: '(row)' };
  const ev: Record<string, unknown> = {};
  let attrs: Record<string, string> | null = null;
  for (let i = 0; i < header.length; i++) {
    const cell = row[i];
    if (cell === '') continue;
    const h = header[i];
    if (h.startsWith('attrs.')) {
      (attrs ??= {})[h.slice(6)] = cell;
    } else if (h === 'attrs') {
      try {
        const a = JSON.parse(cell);
        if (a === null || typeof a !== 'object' || Array.isArray(a)) return { error: 'must be a JSON object', field: 'attrs' };
        attrs = { ...(attrs ?? {}), ...a };
      } catch (err) {
        return { error: `invalid JSON: ${(err as Error).message}`, field: 'attrs' };
      }
    } else ev[h] = cellValue(h, cell);
  }
  if (attrs) ev.attrs = attrs;
  return { value: ev };
}

/**
 * RFC 4180 CSV as a stream: ',' between cells, '"' quotes (a quoted cell may hold ',',
 * '""' and line breaks), records end at '\n' or '\r\n'. Line numbers are the physical
 * line a record starts on (the header is line 1). Blank lines are skipped.
 */
export class CsvReader {
  private decoder = new StringDecoder('utf8');
  private cell = '';
  private row: string[] = [];
  private quoted = false;
  /** the cell began with a quote that has not closed */
  private inQuotes = false;
  /** a quote inside a quoted cell: either the end or the first of '""' */
  private quoteSeen = false;
  private afterCr = false;
  private line = 1;
  private rowLine = 1;
  private header: string[] | null = null;
  private first = true;
  bytes = 0;

  push(chunk: Buffer): ImportRecord[] {
    this.bytes += chunk.length;
    return this.feed(this.decoder.write(chunk));
  }

  end(): ImportRecord[] {
    const out = this.feed(this.decoder.end());
    if (this.inQuotes && !this.quoteSeen) throw new StreamStop(this.rowLine, this.bytes, `the body ended inside a quoted cell (record starting on line ${this.rowLine})`);
    if (this.cell !== '' || this.row.length || this.quoted) {
      this.row.push(this.cell);
      this.cell = '';
      this.endRow(out);
    }
    return out;
  }

  private feed(s: string): ImportRecord[] {
    const out: ImportRecord[] = [];
    if (this.first && s.length) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1); // byte order mark
      this.first = false;
    }
    let cell = this.cell;
    let from = 0; // start of the pending plain run in s
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (this.afterCr) {
        this.afterCr = false;
        if (c === 10) {
          from = i + 1;
          continue;
        }
      }
      if (this.inQuotes) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (c === 34) {
            cell += '"';
            from = i + 1;
            continue;
          }
          this.inQuotes = false; // the quote closed the cell; c is handled below
        } else {
          if (c === 34) {
            cell += s.slice(from, i);
            this.quoteSeen = true;
            from = i + 1;
          } else if (c === 10) this.line++;
          continue;
        }
      }
      if (c === 44 || c === 10 || c === 13) {
        cell += s.slice(from, i);
        from = i + 1;
        this.row.push(cell);
        cell = '';
        this.quoted = false;
        if (c !== 44) {
          this.cell = '';
          this.endRow(out);
          this.line++;
          this.rowLine = this.line;
          if (c === 13) this.afterCr = true;
        }
      } else if (c === 34 && cell === '' && from === i) {
        this.inQuotes = true;
        this.quoted = true;
        from = i + 1;
      }
    }
    if (!(this.inQuotes && this.quoteSeen)) cell += s.slice(from);
    this.cell = cell;
    return out;
  }

  private endRow(out: ImportRecord[]) {
    const row = this.row;
    this.row = [];
    if (row.length === 1 && row[0] === '' && !this.quoted) return; // blank line
    if (!this.header) {
      this.header = row.map((h) => h.trim());
      return;
    }
    const r = rowEvent(this.header, row);
    out.push('value' in r ? { line: this.rowLine, value: r.value } : { line: this.rowLine, error: r.error, field: r.field });
  }
}

export async function* csvRecords(chunks: AsyncIterable<Buffer>): AsyncGenerator<ImportRecord[]> {
  const r = new CsvReader();
  for await (const chunk of chunks) {
    const out = r.push(chunk);
    if (out.length) yield out;
  }
  const out = r.end();
  if (out.length) yield out;
}

export function recordsOf(format: ImportFormat, chunks: AsyncIterable<Buffer>): AsyncGenerator<ImportRecord[]> {
  return format === 'ndjson' ? ndjsonRecords(chunks) : format === 'json' ? jsonArrayRecords(chunks) : csvRecords(chunks);
}
