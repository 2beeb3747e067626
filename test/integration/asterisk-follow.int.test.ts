// `npm run adapter:asterisk -- --follow` as a real child process against a real Floorwatch,
// while the queue_log is appended, rotated by rename, copy-truncated, and the adapter is
// SIGKILLed once (and the file rotated and truncated while it is down): every line must be
// ingested exactly once. The reference is the same lines, in the order they were written,
// mapped by the one-shot `--dry-run`: the tenant's stored events must be exactly those ids,
// each once, and the adapter must have stored its place at the end of the live file.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFloorwatch, startTestNats, eventually, tempDir, type TestFloorwatch } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { readState, statePathFor } from '../../pipelines/sources/asterisk/state-file.ts';
import { ingestKey, runCli, spawnCli, type CliChild } from './asterisk-support.ts';

const TENANT = 'ast-follow';
let nats: PrivateNats;
let fw: TestFloorwatch;
const dir = tempDir('fw-ast-follow-');
const log = path.join(dir, 'queue_log');
const stateDir = path.join(dir, 'state');
const written: string[] = [];
// one call every 10 s from two hours ago, each line on its own second (ids number lines
// sharing a second in file order, and a line must get the same id wherever it is read)
const T0 = Math.floor(Date.now() / 1000) - 2 * 3600;

function calls(from: number, to: number): string {
  const out: string[] = [];
  for (let i = from; i < to; i++) {
    const t = T0 + i * 10;
    const id = `${t}.${i}`;
    const agent = `a${(i % 3) + 1}`;
    out.push(`${t}|${id}|billing|NONE|ENTERQUEUE||02555${String(i).padStart(5, '0')}|1`);
    if (i % 5 === 4) {
      out.push(`${t + 4}|${id}|billing|NONE|ABANDON|1|1|4`);
    } else {
      out.push(`${t + 3}|${id}|billing|${agent}|CONNECT|3|${t}.9${i}|2`);
      out.push(`${t + 8}|${id}|billing|${agent}|COMPLETECALLER|3|5|1`);
    }
  }
  written.push(...out);
  return out.map((l) => `${l}\n`).join('');
}

async function storedIds(): Promise<{ n: number; ids: string[] }> {
  const q = await fw.rt.svc.ch.query({
    query: 'SELECT count() AS n, groupArray(id) AS ids FROM events WHERE tenant = {t:String}',
    query_params: { t: TENANT },
    format: 'JSONEachRow',
  });
  const row = (await q.json<{ n: string; ids: string[] }>())[0];
  return { n: Number(row.n), ids: row.ids };
}

const atLeast = (n: number) => eventually(async () => ((await storedIds()).n >= n ? true : null), 60_000);

let key = '';
let cli: CliChild | null = null;
const follow = () => (cli = spawnCli(['--follow', '--poll-ms', '50', '--batch', '40', '--state', stateDir, log], {
  FLOORWATCH_URL: fw.url, FLOORWATCH_KEY: key,
}));

beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url });
  key = await ingestKey(fw, TENANT);
}, 90_000);
afterAll(async () => {
  cli?.proc.kill('SIGKILL');
  await fw?.close();
  await nats?.stop();
});

describe('--follow through append, rotation, truncation and a SIGKILL', () => {
  let expected: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(stateDir);
    fs.writeFileSync(log, calls(0, 40));
    follow();
    await atLeast(80);
    fs.appendFileSync(log, calls(40, 80)); // appended while followed
    await atLeast(200);

    // logrotate `create`: renamed, Asterisk writes on to the old file until it reopens the log
    fs.renameSync(log, `${log}.1`);
    fs.appendFileSync(`${log}.1`, calls(80, 90));
    fs.writeFileSync(log, calls(90, 130));
    await atLeast(350);

    // killed in the middle of a long append: no chance to store anything on the way out
    fs.appendFileSync(log, calls(130, 400));
    await atLeast(450);
    cli!.proc.kill('SIGKILL');
    await cli!.exited;
    expect((await storedIds()).n).toBeLessThan(1000); // it really was stopped half-way

    // while it is down: more lines, then a copytruncate (the copy holds the unread rest)
    fs.appendFileSync(log, calls(400, 420));
    fs.copyFileSync(log, `${log}.2`);
    fs.truncateSync(log, 0);
    fs.appendFileSync(log, calls(420, 450));
    follow();

    // and a copytruncate while it runs, once it has caught up (the old state's offset was
    // past the truncated file's end, so equality means the new run stored its place)
    await eventually(async () => readState(statePathFor(log, stateDir))?.offset === fs.statSync(log).size, 60_000);
    fs.copyFileSync(log, `${log}.3`);
    fs.truncateSync(log, 0);
    fs.appendFileSync(log, calls(450, 480));

    // the reference: every line written, in order, through the one-shot mapper
    const all = path.join(dir, 'all.queue_log');
    fs.writeFileSync(all, written.map((l) => `${l}\n`).join(''));
    const dry = await runCli(['--dry-run', all], {});
    expect(dry.code, dry.stderr).toBe(0);
    expected = dry.stdout.trim().split('\n').map((l) => JSON.parse(l).id as string);
    await atLeast(expected.length).catch(async (e) => {
      const { n, ids } = await storedIds();
      const have = new Set(ids);
      console.error('T0', T0, 'stored', n, 'expected', expected.length, 'missing', expected.filter((x) => !have.has(x)).slice(0, 3), expected.filter((x) => !have.has(x)).slice(-3), 'extra', ids.filter((x) => !expected.includes(x)).slice(0, 20), cli?.stderr());
      throw e;
    });
    // give a repeat the time to show up before counting
    await eventually(async () => (readState(statePathFor(log, stateDir))?.offset ?? 0) === fs.statSync(log).size, 60_000);
    await new Promise((r) => setTimeout(r, 1500));
  }, 240_000);

  it('stores every line\'s events exactly once, and nothing else', async () => {
    const { n, ids } = await storedIds();
    expect(expected.length).toBeGreaterThan(1200);
    expect(new Set(expected).size).toBe(expected.length);
    expect(n).toBe(expected.length);
    expect([...ids].sort()).toEqual([...expected].sort());
  });

  it('keeps its place at the end of the live file, and stops cleanly on SIGTERM', async () => {
    const s = readState(statePathFor(log, stateDir))!;
    const st = fs.statSync(log);
    expect(s.offset).toBe(st.size);
    cli!.proc.kill('SIGTERM');
    expect(await cli!.exited).toBe(0);
    expect(cli!.stdout()).toMatch(/rejected/);
    cli = null;
  });
});
