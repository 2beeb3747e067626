// The insert body of an import batch for `events_in` (sql/0014), written as the events
// arrive: one line `{"m":[...]}` per PER_MESSAGE events, each event as writeEvents
// (pipelines/writer/events-in.ts) writes it, i.e. JSON.stringify of the validated event,
// whose last three fields are the tenant, ts and received_at validateEvent adds.
//
// Most records are already written as JSON.stringify writes what JSON.parse made of them
// (no spaces, plain numbers, no escapes but \" \\ \n \r \t \b \f, each key once): such a
// record's own bytes are copied, its closing brace replaced by those three fields. The
// bytes are then the same as the stringified event's, so ClickHouse stores the same rows,
// and the main thread skips a JSON.stringify and a UTF-8 encoding per event (~1.9 µs of
// its ~5 µs, plus their garbage). Anything else is stringified as before.
import { isUtf8 } from 'node:buffer';
import type { BusEvent } from '../../pipelines/events/schema.ts';
import { eventJson } from '../../pipelines/writer/events-in.ts';

const OPEN = Buffer.from('{"m":[');
const CLOSE = Buffer.from(']}\n');

const enum C {
  Quote = 0x22,
  Backslash = 0x5c,
  Comma = 0x2c,
  Colon = 0x3a,
  OpenObject = 0x7b,
  CloseObject = 0x7d,
  OpenArray = 0x5b,
  CloseArray = 0x5d,
  Minus = 0x2d,
  Zero = 0x30,
  Nine = 0x39,
}

/** Own enumerable keys of a parsed object (JSON.parse makes only those). */
function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/**
 * Copies `src[start, end)`, the text of one event object that JSON.parse read, to
 * `out[at…]` if it is exactly what JSON.stringify writes of that parse: returns the end
 * of the copy, or -1 when it is not (the copy is then garbage). `topKeys` and `attrKeys`
 * are the parsed object's and its `attrs`'s key counts: a repeated key (which JSON.parse
 * keeps once) shows as more colons than keys. Validated events nest no deeper than
 * `attrs` (strings) and `queues` (strings).
 */
export function copyIfCanonical(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number, topKeys: number, attrKeys: number): number {
  let depth = 0;
  let colons1 = 0;
  let colons2 = 0;
  let inObject2 = false; // the open depth-2 value is an object (attrs), not an array
  let prev = 0; // the last structural byte outside strings
  let digits = 0;
  let high = false;
  for (let i = start; i < end; i++) {
    const b = src[i];
    out[at++] = b;
    if (b === C.Quote) {
      // a string: a key of attrs must not look like an integer (JSON.parse orders those first)
      if (inObject2 && depth === 2 && (prev === C.OpenObject || prev === C.Comma)) {
        const f = src[i + 1];
        if (f >= C.Zero && f <= C.Nine) return -1;
      }
      for (i++; i < end; i++) {
        const s = src[i];
        out[at++] = s;
        if (s === C.Quote) break;
        if (s === C.Backslash) {
          const e = src[++i];
          out[at++] = e;
          // " \ n t r b f: the escapes JSON.stringify writes; \/ and \u…, never (control
          // characters and lone surrogates go the stringify way)
          if (e !== C.Quote && e !== C.Backslash && e !== 0x6e && e !== 0x74 && e !== 0x72 && e !== 0x62 && e !== 0x66) return -1;
        } else if (s >= 0x80) high = true;
      }
      prev = C.Quote;
      digits = 0;
      continue;
    }
    if (b >= C.Zero && b <= C.Nine) {
      if (++digits > 15) return -1; // beyond 2^53 a number is written otherwise
      continue;
    }
    digits = 0;
    switch (b) {
      case C.OpenObject:
      case C.OpenArray:
        if (++depth > 2) return -1;
        if (depth === 2) inObject2 = b === C.OpenObject;
        break;
      case C.CloseObject:
      case C.CloseArray:
        depth--;
        break;
      case C.Colon:
        if (depth === 1) colons1++;
        else colons2++;
        break;
      case C.Comma:
        break;
      case C.Minus:
        if (src[i + 1] === C.Zero) return -1; // -0 is written 0
        break;
      case 0x74: // true
        out[at++] = 0x72;
        out[at++] = 0x75;
        out[at++] = 0x65;
        i += 3;
        break;
      case 0x66: // false
        out[at++] = 0x61;
        out[at++] = 0x6c;
        out[at++] = 0x73;
        out[at++] = 0x65;
        i += 4;
        break;
      case 0x6e: // null
        out[at++] = 0x75;
        out[at++] = 0x6c;
        out[at++] = 0x6c;
        i += 3;
        break;
      default:
        return -1; // white space, a fraction or an exponent
    }
    prev = b;
  }
  if (colons1 !== topKeys || colons2 !== attrKeys || depth !== 0) return -1;
  if (high && !isUtf8(src.subarray(start, end))) return -1; // not UTF-8: JavaScript read U+FFFD
  return at;
}

/**
 * One batch's body for `events_in`, written event by event: records whose bytes are
 * canonical are copied, the others stringified. `body()` hands over the bytes; a batch
 * that lost events to duplicates is rewritten from each event's offsets.
 */
export class EventBytes {
  private buf: Buffer;
  private at = 0;
  /** where each event's bytes start and end in `buf` */
  private starts: number[] = [];
  private ends: number[] = [];
  /** ',"tenant":"…","ts":' and ',"received_at":…}' as validateEvent's fields come out of JSON.stringify */
  private readonly tsPrefix: Buffer;
  private readonly tail: Buffer;
  /** records taken as they were, for tests and figures */
  copied = 0;

  constructor(
    tenant: string,
    receivedAt: number,
    private readonly perMessage: number,
    capacity = 1 << 20,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
    const t = JSON.stringify(tenant);
    // a tenant JavaScript would write with an escaped lone surrogate: stringify everything
    this.tsPrefix = Buffer.from(`,"tenant":${t},"ts":`);
    this.tail = Buffer.from(`,"received_at":${JSON.stringify(receivedAt)}}`);
    this.rawOk = !t.includes('\\ud') && Number.isSafeInteger(receivedAt);
  }
  private readonly rawOk: boolean;

  get length(): number {
    return this.starts.length;
  }

  private ensure(n: number) {
    if (this.at + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(b, 0, 0, this.at);
    this.buf = b;
  }

  /**
   * Appends a validated event; `src[start, end)` are the bytes JSON.parse read it from
   * (without them, or when they are not canonical, it is stringified).
   */
  add(ev: BusEvent, src?: Uint8Array, start = 0, end = 0): void {
    const first = this.starts.length % this.perMessage === 0;
    this.ensure(CLOSE.length + OPEN.length);
    if (first) {
      if (this.starts.length) this.at += CLOSE.copy(this.buf, this.at);
      this.at += OPEN.copy(this.buf, this.at);
    } else this.buf[this.at++] = C.Comma;
    const from = this.at;
    let to = -1;
    if (src && this.rawOk && Number.isSafeInteger(ev.ts)) {
      const ts = String(ev.ts);
      this.ensure(end - start + this.tsPrefix.length + ts.length + this.tail.length);
      const attrs = (ev as { attrs?: object }).attrs;
      to = copyIfCanonical(src, start, end, this.buf, from, keyCount(ev) - 3, attrs ? keyCount(attrs) : 0);
      if (to > 0) {
        to--; // the closing brace: validateEvent's fields go there
        to += this.tsPrefix.copy(this.buf, to);
        for (let k = 0; k < ts.length; k++) this.buf[to++] = ts.charCodeAt(k);
        to += this.tail.copy(this.buf, to);
        this.copied++;
      }
    }
    if (to < 0) {
      const s = eventJson(ev);
      this.ensure(Buffer.byteLength(s));
      to = from + this.buf.write(s, from);
    }
    this.starts.push(from);
    this.ends.push(to);
    this.at = to;
  }

  /**
   * The body of the events added, without those in `drop` (index order), and resets
   * for the next batch. The buffer is the caller's: the next batch writes a new one.
   */
  body(drop?: ReadonlySet<number>): Uint8Array {
    let out: Buffer;
    if (!drop || drop.size === 0) {
      if (this.starts.length) {
        this.ensure(CLOSE.length);
        this.at += CLOSE.copy(this.buf, this.at);
      }
      out = this.buf.subarray(0, this.at);
    } else {
      const keep: number[] = [];
      for (let i = 0; i < this.starts.length; i++) if (!drop.has(i)) keep.push(i);
      let n = 0;
      for (const i of keep) n += this.ends[i] - this.starts[i] + 1;
      n += Math.ceil(keep.length / this.perMessage) * (OPEN.length + CLOSE.length);
      out = Buffer.allocUnsafe(n);
      let at = 0;
      keep.forEach((i, k) => {
        if (k % this.perMessage === 0) {
          if (k) at += CLOSE.copy(out, at);
          at += OPEN.copy(out, at);
        } else out[at++] = C.Comma;
        at += this.buf.copy(out, at, this.starts[i], this.ends[i]);
      });
      if (keep.length) at += CLOSE.copy(out, at);
      out = out.subarray(0, at);
    }
    this.buf = Buffer.allocUnsafe(Math.max(1 << 20, this.buf.length));
    this.at = 0;
    this.starts = [];
    this.ends = [];
    return out;
  }
}
