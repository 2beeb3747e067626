// Real parts for integration tests: a nats-server on a free port, chDB in a temp dir, and
// Floorwatch itself, in this process (app.inject / real HTTP) or as a child process that
// a test can SIGKILL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import pino from 'pino';
import { startNatsServer, type PrivateNats } from '../../pipelines/bus/nats-server.ts';
import { EVENTS_STREAM } from '../../pipelines/bus/subjects.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { startRuntime, type Area, type Runtime } from '../../server/runtime.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const ADMIN_KEY = 'test-admin-key-0123456789';

export function tempDir(prefix = 'fw-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startTestNats(): Promise<PrivateNats> {
  return startNatsServer({ storeDir: path.join(tempDir('fw-nats-'), 'store') });
}

export interface TestFloorwatch {
  rt: Runtime;
  url: string;
  dataDir: string;
  config: Config;
  /** an `Authorization` header for the bootstrap admin key */
  admin: { authorization: string };
  close(): Promise<void>;
}

export async function startFloorwatch(
  opts: { natsUrl: string; dataDir?: string; env?: Record<string, string>; areas?: Area[]; listen?: boolean },
): Promise<TestFloorwatch> {
  const dataDir = opts.dataDir ?? tempDir();
  const config = loadConfig({
    DATA_DIR: dataDir,
    NATS_URL: opts.natsUrl,
    ADMIN_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    ...opts.env,
  });
  const rt = await startRuntime(config, pino({ level: config.logLevel }), opts.areas ?? []);
  let url = '';
  if (opts.listen !== false) {
    await rt.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(rt.app.server.address() as { port: number }).port}`;
  }
  return { rt, url, dataDir, config, admin: { authorization: `Bearer ${ADMIN_KEY}` }, close: () => rt.close() };
}

export interface ChildFloorwatch {
  url: string;
  proc: ChildProcess;
  output: () => string;
  kill(sig?: NodeJS.Signals): Promise<number | null>;
}

/** Floorwatch as a separate process (server/main.ts), ready when it listens. */
export async function spawnFloorwatch(env: Record<string, string>, nodeArgs: string[] = []): Promise<ChildFloorwatch> {
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', PORT: '0', ADMIN_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`Floorwatch did not start:\n${out.slice(-2000)}`)), 60_000);
    const onData = () => {
      const m = /Floorwatch is listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`Floorwatch exited with ${code}:\n${out.slice(-2000)}`));
    });
  });
  return {
    url,
    proc,
    output: () => out,
    kill: (sig = 'SIGTERM') =>
      new Promise((resolve) => {
        // ended already (by itself, or by a signal: then exitCode stays null)
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (code) => resolve(code));
        proc.kill(sig);
      }),
  };
}

/** Polls `fn` until it returns a truthy value or the time runs out. */
export async function eventually<T>(
  fn: () => Promise<T> | T,
  timeoutMs = 15_000,
  stepMs = 100,
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Until the writer and history consumers have nothing pending: every event stored and in the facts. */
export async function settled(fw: TestFloorwatch, timeoutMs = 60_000): Promise<void> {
  await eventually(async () => {
    for (const d of ['writer', 'history']) {
      const i = await fw.rt.svc.bus.jsm.consumers.info(EVENTS_STREAM, d);
      if (i.num_pending + i.num_ack_pending > 0) return false;
    }
    return true;
  }, timeoutMs);
}

/** A new API key of `tenant` (the bootstrap tenant when unset) with `scopes`, made by the admin key. */
export async function createKey(fw: TestFloorwatch, scopes: string[], tenant?: string): Promise<string> {
  const r = await post(`${fw.url}/v1/keys`, { scopes, tenant }, fw.admin);
  if (r.status !== 201) throw new Error(`POST /v1/keys: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.key as string;
}
