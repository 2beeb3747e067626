// --follow: tails queue_log like `tail -F`, and keeps its place durably.
// - Each cycle reads the complete lines after the offset, maps them, settles wrap-ups and
//   overflow windows that the clock has passed, sends the events, waits for the answers,
//   and only then writes the state file (offset, file identity, mapping state).
// - Rotation by rename (logrotate `create`, Asterisk's own `logger rotate`): the old file
//   is read to its end before moving to the new one, and the move waits until the new
//   file has data, because Asterisk writes to the old one until it reopens the log.
// - Truncation (logrotate `copytruncate`): the file is shorter than the offset, or its first
//   bytes changed. What was written between the last read and the copy is read from the
//   copy (a sibling file that starts with the same bytes), then the file from its start.
// - A rotation while the adapter was stopped is found by the old file's inode.
import fs from 'node:fs';
import path from 'node:path';
import type { CcEvent } from '../../events/schema.ts';
import type { Outlet } from './import.ts';
import { KEEP_REJECTS } from './import.ts';
import { CHUNK, readLines } from './line-reader.ts';
import { QueueLogMapper, type MapperConfig, type RejectRecord } from './mapper.ts';
import { readState, writeState, type FollowState } from './state-file.ts';

export interface FollowOptions {
  file: string;
  statePath: string;
  cfg: MapperConfig;
  outlet: Outlet;
  log: (m: string) => void;
  pollMs?: number;
  /** first start without a state file: skip what the file holds already */
  fromEnd?: boolean;
  now?: () => number;
}

const HEAD = 64;
/** bytes mapped per cycle at most, so a long backlog is acknowledged (and stored) in steps */
const CYCLE_BYTES = 4 * CHUNK;

interface Open {
  fd: number;
  dev: number;
  ino: number;
}

export class Follower {
  readonly kept: RejectRecord[] = [];
  private mapper: QueueLogMapper;
  private cur: Open | null = null;
  private offset = 0;
  private line = 0;
  private lastSize = -1;
  private lastMtime = -1;
  /** the first bytes of the file as of the last commit (up to 64, at most the offset) */
  private head: Buffer = Buffer.alloc(0);
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private readonly now: () => number;

  constructor(private readonly o: FollowOptions) {
    this.now = o.now ?? Date.now;
    this.mapper = new QueueLogMapper(o.cfg);
  }

  get stats() {
    return this.mapper.stats;
  }

  get position() {
    return { offset: this.offset, line: this.line, ino: this.cur?.ino };
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  async run(): Promise<void> {
    await this.resume();
    while (!this.stopped) {
      const busy = await this.cycle();
      if (!busy && !this.stopped) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, this.o.pollMs ?? 250);
          this.wake = () => (clearTimeout(t), r());
        });
        this.wake = null;
      }
    }
    if (this.cur) fs.closeSync(this.cur.fd);
  }

  private open(): Open | null {
    try {
      const fd = fs.openSync(this.o.file, 'r');
      const st = fs.fstatSync(fd);
      return { fd, dev: st.dev, ino: st.ino };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  private async resume(): Promise<void> {
    const s = readState(this.o.statePath);
    if (s) this.mapper = QueueLogMapper.fromJSON(this.o.cfg, s.mapper);
    this.cur = this.open();
    if (!s) {
      if (this.cur && this.o.fromEnd) this.offset = this.lineStartBefore(fs.fstatSync(this.cur.fd).size);
      if (this.cur) this.head = this.headOf(this.cur.fd, this.offset);
      else this.o.log(`waiting for ${this.o.file} to appear`);
      return;
    }
    const head = Buffer.from(s.head, 'base64');
    if (this.cur && s.ino === this.cur.ino && s.dev === this.cur.dev) {
      if (fs.fstatSync(this.cur.fd).size >= s.offset && this.headOf(this.cur.fd, head.length).equals(head)) {
        this.offset = s.offset;
        this.line = s.line;
        this.head = head;
        this.o.log(`resuming ${this.o.file} at byte ${s.offset} (line ${s.line + 1})`);
      } else await this.fromCopy(s.offset, s.line, head, `${this.o.file} was truncated while stopped`);
      return;
    }
    // renamed or replaced while stopped: finish the old file first, found by its inode
    const old = this.find((st) => st.ino === s.ino && st.dev === s.dev);
    if (old) {
      this.o.log(`${this.o.file} was rotated while stopped; reading the rest of ${old} from byte ${s.offset}`);
      await this.drain(old, s.offset, s.line);
    } else this.o.log(`${this.o.file} was replaced while stopped and the old file is gone: lines after byte ${s.offset} of it are lost`);
    if (!this.cur) this.o.log(`waiting for ${this.o.file} to appear`);
  }

  /** One poll: detect truncation, read, detect rotation, settle by the clock, send, store. */
  private async cycle(): Promise<boolean> {
    const events: CcEvent[] = [];
    const start = { offset: this.offset, ino: this.cur?.ino };
    if (!this.cur) {
      this.cur = this.open();
      if (this.cur) this.o.log(`reading ${this.o.file}`);
    }
    let more = false;
    if (this.cur) {
      const st = fs.fstatSync(this.cur.fd);
      const size = st.size;
      // a copytruncate can regrow the file to the very size it had: a changed mtime says look
      const changed = size !== this.lastSize || st.mtimeMs !== this.lastMtime;
      const regrown = changed && this.head.length > 0 && !this.headOf(this.cur.fd, this.head.length).equals(this.head);
      if (size < this.offset || regrown) {
        await this.fromCopy(this.offset, this.line, this.head, `${this.o.file} was truncated`);
        return true;
      }
      this.lastSize = size;
      this.lastMtime = st.mtimeMs;
      more = this.read(this.cur.fd, events, false);
      if (!more && (await this.rotated(events))) return true;
    }
    // Only once caught up: a backlog's later lines may still settle a decision. A line is
    // in the file within a second of its time, so what is due before now − 1 s is settled.
    if (!more) this.mapper.advance(this.now() - 1000, events);
    if (events.length > 0 || this.offset !== start.offset || this.cur?.ino !== start.ino) await this.commit(events);
    return more;
  }

  /** Maps complete lines of `fd` from the offset (at most CYCLE_BYTES); true when more is waiting. */
  private read(fd: number, events: CcEvent[], final: boolean, limit = CYCLE_BYTES): boolean {
    let n = 0;
    for (;;) {
      const r = readLines(fd, this.offset, final, this.buf);
      if (r.bytes === 0) return false;
      this.offset += r.bytes;
      n += r.bytes;
      for (const l of r.lines) this.mapper.line(l, ++this.line, events);
      if (!r.more) return false;
      if (n >= limit) return true;
    }
  }

  /** The path names another file than the one read: move over once the new one has data. */
  private async rotated(events: CcEvent[]): Promise<boolean> {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.o.file);
    } catch {
      return false; // renamed, not recreated yet: keep reading the old one
    }
    if (!this.cur || (st.ino === this.cur.ino && st.dev === this.cur.dev) || st.size === 0) return false;
    while (this.read(this.cur.fd, events, true));
    await this.commit(events);
    fs.closeSync(this.cur.fd);
    this.cur = this.open();
    this.offset = 0;
    this.line = 0;
    this.lastSize = -1;
    this.o.log(`${this.o.file} was rotated; reading the new file`);
    await this.commit([]);
    return true;
  }

  /** After a truncation: the rest of the copy (if one is found), then the file from byte 0. */
  private async fromCopy(offset: number, line: number, head: Buffer, why: string): Promise<void> {
    const copy = head.length > 0
      ? this.find((st, p) => st.size > offset && path.resolve(p) !== path.resolve(this.o.file) && this.headOfPath(p, head.length).equals(head))
      : undefined;
    this.o.log(copy ? `${why}; reading the rest of its copy ${copy} from byte ${offset}` : `${why}; reading it from the start`);
    if (copy) await this.drain(copy, offset, line);
    this.offset = 0;
    this.line = 0;
    this.lastSize = -1;
    await this.commit([]);
  }

  /** Reads another file (a rotated one, a copy) from `offset` to its end and sends it. */
  private async drain(file: string, offset: number, line: number): Promise<void> {
    const fd = fs.openSync(file, 'r');
    const saved = { offset: this.offset, line: this.line };
    this.offset = offset;
    this.line = line;
    try {
      const events: CcEvent[] = [];
      while (this.read(fd, events, true));
      await this.o.outlet.push(events);
      await this.shipRejects();
      await this.o.outlet.flush();
    } finally {
      fs.closeSync(fd);
      this.offset = saved.offset;
      this.line = saved.line;
    }
  }

  private find(match: (st: fs.Stats, p: string) => boolean): string | undefined {
    const dir = path.dirname(path.resolve(this.o.file));
    const base = path.basename(this.o.file);
    for (const name of fs.readdirSync(dir)) {
      if (!name.startsWith(base) || name.endsWith('.floorwatch.json')) continue;
      const p = path.join(dir, name);
      try {
        const st = fs.statSync(p);
        if (st.isFile() && match(st, p)) return p;
      } catch {
        /* gone meanwhile */
      }
    }
    return undefined;
  }

  private headOf(fd: number, upTo: number): Buffer {
    const b = Buffer.alloc(Math.min(HEAD, upTo));
    const n = b.length ? fs.readSync(fd, b, 0, b.length, 0) : 0;
    return b.subarray(0, n);
  }

  private headOfPath(p: string, upTo: number): Buffer {
    const fd = fs.openSync(p, 'r');
    try {
      return this.headOf(fd, upTo);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The start of the last complete line before `size` (for --from-end). */
  private lineStartBefore(size: number): number {
    if (!this.cur || size === 0) return 0;
    const b = Buffer.alloc(Math.min(size, CHUNK));
    fs.readSync(this.cur.fd, b, 0, b.length, size - b.length);
    const i = b.lastIndexOf(10);
    return i < 0 ? size - b.length : size - b.length + i + 1;
  }

  private async shipRejects(): Promise<void> {
    const r = this.mapper.takeRejects();
    for (const x of r) if (this.kept.length < KEEP_REJECTS) this.kept.push(x);
    if (r.length) await this.o.outlet.rejects(r);
  }

  /** Sends, waits for the answers, then stores the position they cover. */
  private async commit(events: CcEvent[]): Promise<void> {
    await this.o.outlet.push(events);
    await this.o.outlet.flush();
    await this.shipRejects();
    if (!this.cur) return;
    this.head = this.headOf(this.cur.fd, this.offset);
    const s: FollowState = {
      v: 1, path: this.o.file, dev: this.cur.dev, ino: this.cur.ino, offset: this.offset, line: this.line,
      head: this.head.toString('base64'), mapper: this.mapper.toJSON(), saved_at: new Date().toISOString(),
    };
    writeState(this.o.statePath, s);
  }
}
