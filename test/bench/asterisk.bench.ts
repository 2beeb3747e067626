// npm run bench:asterisk — how fast the Asterisk adapter reads a queue_log (issue 16:
// ≥ 200k lines/s). A synthetic day of a 120-member, 8-queue PBX is written to a temp
// file with every event kind a real log has (members added, paused and unpaused, calls
// entering, ringing unanswered, connecting, completing, abandoning, timing out, blind
// transfers), then read three ways:
//   read     the line reader alone (bytes → lines), the floor of what can be done;
//   parse    + the field parser and checks (what a malformed line is caught by);
//   import   + the mapper to spec events: the one-shot import up to the HTTP sink, the
//            figure compared against the target.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CcEvent } from '../../pipelines/events/schema.ts';
import { importFile, type Outlet } from '../../pipelines/sources/asterisk/import.ts';
import { CHUNK, readLines } from '../../pipelines/sources/asterisk/line-reader.ts';
import { isRejected, parseLine } from '../../pipelines/sources/asterisk/parse.ts';
import { Rng } from '../../pipelines/sources/prng.ts';
import { line } from './bench-util.ts';

const TARGET = 200_000;
const CALLS = Number(process.env.CALLS ?? 250_000);
const MEMBERS = 120;
const QUEUES = ['billing', 'sales', 'support', 'tech', 'retention', 'claims', 'vip', 'it'];

/** Writes the log in time order, as app_queue does; returns the line count. */
function write(file: string): number {
  const rng = new Rng(7, 'bench:asterisk');
  const rnd = () => rng.next();
  const all: { t: number; l: string }[] = [];
  const put = (t: number, l: string) => all.push({ t, l: `${t}|${l}\n` });
  let t = 1795478400; // 2026-11-24 00:00 UTC
  put(t, 'NONE|NONE|NONE|QUEUESTART|');
  for (let m = 0; m < MEMBERS; m++) for (const q of [QUEUES[m % 8], QUEUES[(m + 3) % 8]]) put(t, `MANAGER|${q}|m${m}|ADDMEMBER|`);
  for (let c = 0; c < CALLS; c++) {
    t += rnd() < 0.5 ? 0 : 1;
    const q = QUEUES[c % 8];
    const id = `${t}.${c}`;
    const m = `m${Math.floor(rnd() * MEMBERS)}`;
    const pos = 1 + (c % 4);
    put(t, `${id}|${q}|NONE|ENTERQUEUE||0255${String(c % 1e6).padStart(6, '0')}|${pos}`);
    const r = rnd();
    if (r < 0.07) put(t + 40, `${id}|${q}|NONE|ABANDON|1|${pos}|40`);
    else if (r < 0.09) put(t + 300, `${id}|${q}|NONE|EXITWITHTIMEOUT|2|${pos}|300`);
    else {
      if (r < 0.2) put(t + 15, `${id}|${q}|m${(c * 7) % MEMBERS}|RINGNOANSWER|15000`);
      put(t + 20, `${id}|${q}|${m}|CONNECT|20|${id}9|4`);
      if (r < 0.25) put(t + 200, `${id}|${q}|${m}|BLINDTRANSFER|2000|from-internal|20|180|1`);
      else put(t + 200, `${id}|${q}|${m}|${r < 0.6 ? 'COMPLETECALLER' : 'COMPLETEAGENT'}|20|180|1`);
    }
    if (c % 50 === 0) {
      put(t, `NONE|NONE|${m}|PAUSEALL|lunch`);
      put(t + 600, `NONE|NONE|${m}|UNPAUSEALL|`);
    }
  }
  all.sort((a, b) => a.t - b.t); // stable: lines of one second keep their order
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < all.length; i += 50_000) fs.writeSync(fd, all.slice(i, i + 50_000).map((x) => x.l).join(''));
  fs.closeSync(fd);
  return all.length;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bench-ast-'));
const file = path.join(dir, 'queue_log');
const lines = write(file);
const bytes = fs.statSync(file).size;
console.log(`queue_log: ${lines.toLocaleString('en')} lines, ${(bytes / 1e6).toFixed(1)} MB (${CALLS.toLocaleString('en')} calls, ${MEMBERS} members, ${QUEUES.length} queues)`);

function readAll(each: (l: string) => void): void {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let off = 0;
  for (;;) {
    const r = readLines(fd, off, true, buf);
    if (r.bytes === 0) break;
    off += r.bytes;
    for (const l of r.lines) each(l);
  }
  fs.closeSync(fd);
}

function best(run: () => Promise<number> | number, times = 3): Promise<number> {
  return (async () => {
    let b = Infinity;
    for (let i = 0; i < times; i++) {
      const t0 = performance.now();
      await run();
      b = Math.min(b, (performance.now() - t0) / 1000);
    }
    return b;
  })();
}

let seen = 0;
const tRead = await best(() => {
  seen = 0;
  readAll(() => seen++);
  return seen;
});
let bad = 0;
const tParse = await best(() => {
  bad = 0;
  readAll((l) => {
    if (isRejected(parseLine(l))) bad++;
  });
  return 0;
});
let events = 0;
const counting: Outlet = {
  push: async (evs: CcEvent[]) => {
    events += evs.length;
  },
  flush: async () => {},
  rejects: async () => {},
};
let stats: Awaited<ReturnType<typeof importFile>>['stats'] | undefined;
const tImport = await best(async () => {
  events = 0;
  stats = (await importFile(file, { wrapupS: 30 }, counting, { now: () => Date.parse('2026-11-26T00:00:00Z') })).stats;
  return events;
});

if (seen !== lines) throw new Error(`the reader saw ${seen} lines of ${lines}`);
if (bad !== 0) throw new Error(`${bad} generated lines were rejected by the parser`);
const rejected = Object.values(stats!.rejected).reduce((a, b) => a + b, 0);
if (rejected !== 0) throw new Error(`the mapper rejected ${rejected} lines: ${JSON.stringify(stats!.rejected)}`);
console.log(`import: ${events.toLocaleString('en')} events from ${stats!.mapped.toLocaleString('en')} mapped lines`);
const rate = (s: number) => `${Math.round(lines / s / 1000).toLocaleString('en')}k lines/s`;
line('read (line reader only)', rate(tRead));
line('parse (reader + field checks)', rate(tParse));
line('import (reader + parser + mapper)', rate(tImport), `≥ ${TARGET / 1000}k lines/s`, lines / tImport >= TARGET);
console.log(`heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`);
fs.rmSync(dir, { recursive: true, force: true });
