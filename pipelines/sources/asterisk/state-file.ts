// The --follow state file: where reading stands (file identity, byte offset, line number)
// and the mapping state at exactly that offset. Written only after Floorwatch acknowledged
// every event up to the offset, atomically (temporary file, fsync, rename, fsync of the
// directory), so after a SIGKILL or a power cut it holds either the previous or the new
// position, never a torn one.
import fs from 'node:fs';
import path from 'node:path';
import type { MapperState } from './mapper.ts';

export interface FollowState {
  v: 1;
  /** the followed path, as given */
  path: string;
  dev: number;
  ino: number;
  /** byte offset: the start of the next line to read */
  offset: number;
  /** lines read from this file so far (line numbers in reject reports) */
  line: number;
  /** base64 of the file's first bytes (up to 64, at most `offset`): tells a truncated-and-regrown file */
  head: string;
  mapper: MapperState;
  saved_at: string;
}

/** Default: a hidden file beside the log (`.queue_log.floorwatch.json`), or in --state DIR. */
export function statePathFor(file: string, dir?: string): string {
  const base = `.${path.basename(file)}.floorwatch.json`;
  return path.join(dir ?? path.dirname(path.resolve(file)), base);
}

export function readState(file: string): FollowState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const s = JSON.parse(text) as FollowState;
  if (s.v !== 1 || typeof s.offset !== 'number' || typeof s.ino !== 'number') throw new Error(`${file} is not a state file of this adapter`);
  return s;
}

export function writeState(file: string, s: FollowState): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(s));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}
