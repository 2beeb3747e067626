// --follow against real files in a temp dir (no server: events go to a list): partial
// lines, rotation by rename (running and while stopped), copytruncate (running, and while
// stopped with the unread rest only in the copy), restarts from the state file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CcEvent } from '../../../pipelines/events/schema.ts';
import { Follower } from '../../../pipelines/sources/asterisk/follow.ts';
import type { Outlet } from '../../../pipelines/sources/asterisk/import.ts';
import { readState, statePathFor } from '../../../pipelines/sources/asterisk/state-file.ts';

const T0 = 1795514400;
let n = 0;
/** one ENTERQUEUE line per call: one contact.queued each, so lines can be counted in events */
const lines = (k: number) => Array.from({ length: k }, () => `${T0 + n}|call.${++n}|q|NONE|ENTERQUEUE||555|1\n`).join('');
const calls = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `call.${from + i}`);

let dir: string;
let running: { f: Follower; done: Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running) r.f.stop();
  await Promise.all(running.map((r) => r.done));
  running = [];
});

function setup() {
  n = 0;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-ast-follow-'));
  const file = path.join(dir, 'queue_log');
  const got: string[] = [];
  const outlet: Outlet = {
    push: async (evs: CcEvent[]) => {
      for (const e of evs) if (e.type === 'contact.queued') got.push(e.contact_id);
    },
    flush: async () => {},
    rejects: async () => {},
  };
  const logs: string[] = [];
  const start = () => {
    const f = new Follower({ file, statePath: statePathFor(file), cfg: {}, outlet, log: (m) => logs.push(m), pollMs: 10 });
    const r = { f, done: f.run() };
    running.push(r);
    return r;
  };
  const stop = async (r: { f: Follower; done: Promise<void> }) => {
    r.f.stop();
    await r.done;
    running = running.filter((x) => x !== r);
  };
  return { file, got, logs, start, stop };
}

async function until(check: () => boolean, what: string) {
  const end = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Follower', () => {
  it('reads a line only once it is complete, and stores the offset after it', async () => {
    const { file, got, start } = setup();
    fs.writeFileSync(file, lines(2));
    const whole = lines(1);
    fs.appendFileSync(file, whole.slice(0, 10));
    start();
    await until(() => got.length === 2, 'two lines');
    await new Promise((r) => setTimeout(r, 60));
    expect(got).toEqual(calls(1, 2));
    expect(readState(statePathFor(file))!.offset).toBe(fs.statSync(file).size - 10);
    fs.appendFileSync(file, whole.slice(10));
    await until(() => got.length === 3, 'the completed line');
    await until(() => readState(statePathFor(file))!.offset === fs.statSync(file).size, 'the stored offset');
    expect(readState(statePathFor(file))!.line).toBe(3);
  });

  it('follows a rename rotation, reading what is written to the old file until the new one has data', async () => {
    const { file, got, start } = setup();
    fs.writeFileSync(file, lines(3));
    start();
    await until(() => got.length === 3, 'first lines');
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, ''); // logrotate `create`: empty until Asterisk reopens the log
    await new Promise((r) => setTimeout(r, 60)); // polls see the empty new file
    fs.appendFileSync(`${file}.1`, lines(2)); // Asterisk still writes to the old inode
    await until(() => got.length === 5, 'lines of the renamed file');
    fs.appendFileSync(file, lines(2));
    await until(() => got.length === 7, 'lines of the new file');
    expect(got).toEqual(calls(1, 7));
  });

  it('follows a copytruncate, and reads from the start of the truncated file', async () => {
    const { file, got, start, logs } = setup();
    fs.writeFileSync(file, lines(4));
    start();
    await until(() => got.length === 4, 'first lines');
    fs.copyFileSync(file, `${file}.1`);
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, lines(1));
    await until(() => got.length === 5, 'line after the truncation');
    expect(got).toEqual(calls(1, 5));
    expect(logs.join('\n')).toContain('was truncated');
  });

  it('notices a copytruncate that regrows the file to the very size it had', async () => {
    const { file, got, start } = setup();
    fs.writeFileSync(file, lines(3));
    start();
    await until(() => got.length === 3, 'first lines');
    const size = fs.statSync(file).size;
    fs.copyFileSync(file, `${file}.1`);
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, lines(3)); // calls 4-6: lines of the same length as calls 1-3
    expect(fs.statSync(file).size).toBe(size);
    await until(() => got.length === 6, 'lines of the regrown file');
    expect(got).toEqual(calls(1, 6));
  });

  it('a restart resumes at the stored offset: nothing again, nothing skipped', async () => {
    const { file, got, start, stop } = setup();
    fs.writeFileSync(file, lines(3));
    const a = start();
    await until(() => got.length === 3, 'first lines');
    await stop(a);
    fs.appendFileSync(file, lines(2));
    start();
    await until(() => got.length === 5, 'lines appended while stopped');
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(calls(1, 5));
  });

  it('a rotation while stopped: the rest of the old file is found by its inode, then the new one is read', async () => {
    const { file, got, start, stop, logs } = setup();
    fs.writeFileSync(file, lines(3));
    const a = start();
    await until(() => got.length === 3, 'first lines');
    await stop(a);
    fs.appendFileSync(file, lines(2));
    fs.renameSync(file, `${file}-20261124`);
    fs.writeFileSync(file, lines(2));
    start();
    await until(() => got.length === 7, 'old rest and new file');
    expect(got).toEqual(calls(1, 7));
    expect(logs.join('\n')).toContain('rotated while stopped');
  });

  it('a copytruncate while stopped: the unread rest comes from the copy, then the new content', async () => {
    const { file, got, start, stop, logs } = setup();
    fs.writeFileSync(file, lines(3));
    const a = start();
    await until(() => got.length === 3, 'first lines');
    await stop(a);
    fs.appendFileSync(file, lines(2)); // written after the last read: only the copy will hold them
    fs.copyFileSync(file, `${file}.1`);
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, lines(6)); // longer than before: only the first bytes tell
    start();
    await until(() => got.length === 11, 'copy rest and new content');
    expect(got).toEqual(calls(1, 11));
    expect(logs.join('\n')).toMatch(/truncated while stopped; reading the rest of its copy .*queue_log\.1/);
  });
});
