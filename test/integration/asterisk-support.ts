// Shared by the Asterisk adapter's integration tests: the real CLI as a child process,
// queue_log fixtures moved in time, and an ingest key of a tenant.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT, createKey, type TestFloorwatch } from '../support/harness.ts';

export const FIXTURES = path.join(ROOT, 'test/fixtures/asterisk');
const CLI = path.join(ROOT, 'pipelines/sources/asterisk/cli.ts');

/** A fixture with every time field moved by `shiftS` seconds. */
export function shifted(name: string, shiftS: number): string {
  return fs
    .readFileSync(path.join(FIXTURES, name), 'utf8')
    .split('\n')
    .map((l) => l.replace(/^(\d+)\|/, (_, t: string) => `${Number(t) + shiftS}|`))
    .join('\n');
}

export const ingestKey = (fw: TestFloorwatch, tenant?: string): Promise<string> => createKey(fw, ['ingest'], tenant);

export interface CliChild {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `node --import tsx pipelines/sources/asterisk/cli.ts …args`, as `npm run adapter:asterisk` runs it. */
export function spawnCli(args: string[], env: Record<string, string>): CliChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, stdout: () => out, stderr: () => err, exited };
}

export async function runCli(args: string[], env: Record<string, string>) {
  const c = spawnCli(args, env);
  const code = await c.exited;
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

/** The sum of a Prometheus counter's series whose labels contain `match`. */
export function counter(metrics: string, name: string, match = ''): number {
  let sum = 0;
  for (const l of metrics.split('\n')) {
    if (!l.startsWith(name) || (l[name.length] !== '{' && l[name.length] !== ' ')) continue;
    if (match && !l.includes(match)) continue;
    sum += Number(l.slice(l.lastIndexOf(' ') + 1));
  }
  return sum;
}
