// One-shot import of a whole queue_log file: read, map, send, and at the end settle what
// is still pending. A wrap-up or overflow window that ends in the future (the import of
// a live file) is waited for rather than guessed, so the import sends what --follow would.
import fs from 'node:fs';
import type { CcEvent } from '../../events/schema.ts';
import { CHUNK, readLines } from './line-reader.ts';
import { QueueLogMapper, type MapperConfig, type RejectRecord } from './mapper.ts';

/** Where events and rejects go: Floorwatch (Delivery) or stdout (--dry-run). */
export interface Outlet {
  push(events: CcEvent[]): Promise<void>;
  flush(): Promise<void>;
  rejects(records: RejectRecord[]): Promise<void>;
}

export interface ImportOptions {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: (m: string) => void;
}

/** Reject records kept in detail for the summary; all of them are counted and sent. */
export const KEEP_REJECTS = 1000;

export async function importFile(file: string, cfg: MapperConfig, outlet: Outlet, o: ImportOptions = {}) {
  const now = o.now ?? Date.now;
  const mapper = new QueueLogMapper(cfg);
  const kept: RejectRecord[] = [];
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let offset = 0;
  let line = 0;
  const ship = async (events: CcEvent[]) => {
    await outlet.push(events);
    const r = mapper.takeRejects();
    if (r.length === 0) return;
    for (const x of r) if (kept.length < KEEP_REJECTS) kept.push(x);
    await outlet.rejects(r);
  };
  try {
    for (;;) {
      const r = readLines(fd, offset, true, buf);
      if (r.bytes === 0) break;
      offset += r.bytes;
      const events: CcEvent[] = [];
      for (const l of r.lines) mapper.line(l, ++line, events);
      await ship(events);
    }
  } finally {
    fs.closeSync(fd);
  }
  const rest: CcEvent[] = [];
  mapper.advance(now(), rest);
  const due = mapper.lastDue();
  if (due !== undefined && due >= now()) {
    const ms = due - now() + 1;
    o.log?.(`waiting ${Math.ceil(ms / 1000)} s for wrap-ups and overflow windows that end after now`);
    await (o.sleep ?? ((t: number) => new Promise((res) => setTimeout(res, t))))(ms);
  }
  mapper.finish(rest);
  await ship(rest);
  await outlet.flush();
  return { stats: mapper.stats, rejects: kept, bytes: offset };
}
