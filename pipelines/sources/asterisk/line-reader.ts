// Reads whole lines from a file descriptor at a byte offset. The offset only ever moves
// to just past a newline, so a line Asterisk is still writing is read again, whole, next
// time; the offset is therefore always the start of a line and can be stored as it is.
import fs from 'node:fs';

export const CHUNK = 1 << 20;

export interface ReadResult {
  /** bytes consumed (complete lines, newline included) */
  bytes: number;
  lines: string[];
  /** the read filled the buffer: there may be more to read right away */
  more: boolean;
}

/**
 * Reads up to `max` bytes at `offset` and returns the complete lines in them. With
 * `final`, a last line without a newline at the end of the file counts as complete (an
 * import of a finished file, or a file rotated away). A line longer than `max` is returned
 * cut at `max` bytes rather than blocking the reader forever.
 */
export function readLines(fd: number, offset: number, final: boolean, buf: Buffer): ReadResult {
  const max = buf.length;
  const n = fs.readSync(fd, buf, 0, max, offset);
  const more = n === max;
  if (n === 0) return { bytes: 0, lines: [], more };
  const last = buf.lastIndexOf(10, n - 1);
  if (last < 0) {
    if ((final && !more) || more) return { bytes: n, lines: [buf.toString('utf8', 0, n)], more };
    return { bytes: 0, lines: [], more };
  }
  const lines = buf.toString('utf8', 0, last).split('\n');
  if (final && !more && last + 1 < n) {
    lines.push(buf.toString('utf8', last + 1, n));
    return { bytes: n, lines, more };
  }
  return { bytes: last + 1, lines, more };
}
