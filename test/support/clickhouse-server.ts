// A ClickHouse HTTP server for tests of the CLICKHOUSE_URL path: deploy/chdb-http-server.ts
// (the ClickHouse engine of chDB behind ClickHouse's HTTP interface) as a child process on
// a free port with its own data directory, so that several Floorwatch processes can share
// one ClickHouse as they do in a split deployment.
//
//   const ch = await startClickHouseServer();
//   const fw = await spawnFloorwatch({ ...ch.env, NATS_URL: nats.url, DATA_DIR: tempDir() });
//   …
//   await ch.stop();
import crypto from 'node:crypto';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { ROOT, tempDir } from './harness.ts';

export interface TestClickHouse {
  url: string;
  user: string;
  password: string;
  /** its data directory (kept after stop() when the caller gave it, to start again on it) */
  dataDir: string;
  /** CLICKHOUSE_URL, CLICKHOUSE_USER and CLICKHOUSE_PASSWORD for a Floorwatch process */
  env: { CLICKHOUSE_URL: string; CLICKHOUSE_USER: string; CLICKHOUSE_PASSWORD: string };
  /** a new @clickhouse/client of this server (close it): what is stored there, seen from outside Floorwatch */
  client(): ClickHouseClient;
  /** what the server printed */
  output(): string;
  /** SIGTERM (SIGKILL after 10 s, or at once with `sig`), and the temp data directory removed */
  stop(sig?: NodeJS.Signals): Promise<void>;
}

export async function startClickHouseServer(
  opts: { port?: number; dataDir?: string; user?: string; password?: string; database?: string } = {},
): Promise<TestClickHouse> {
  const dataDir = opts.dataDir ?? tempDir('fw-chserver-');
  const user = opts.user ?? 'floorwatch';
  const password = opts.password ?? crypto.randomBytes(12).toString('base64url');
  const proc = spawn(process.execPath, ['--import', 'tsx', 'deploy/chdb-http-server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      // all of its settings, none inherited from the environment the tests run in
      CLICKHOUSE_HOST: '127.0.0.1',
      CLICKHOUSE_PORT: String(opts.port ?? 0),
      CLICKHOUSE_DATABASE: opts.database ?? '',
      CLICKHOUSE_SESSIONS: '2',
      CLICKHOUSE_DATA_DIR: dataDir,
      CLICKHOUSE_USER: user,
      CLICKHOUSE_PASSWORD: password,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the ClickHouse server did not start:\n${out.slice(-2000)}`)), 60_000);
    proc.stdout!.on('data', () => {
      const m = / on (http:\/\/\S+),/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    void exited.then(() => {
      clearTimeout(t);
      reject(new Error(`the ClickHouse server exited with ${proc.exitCode}:\n${out.slice(-2000)}`));
    });
  });
  return {
    url,
    user,
    password,
    dataDir,
    env: { CLICKHOUSE_URL: url, CLICKHOUSE_USER: user, CLICKHOUSE_PASSWORD: password },
    client: () => createClient({ url, username: user, password, log: { level: ClickHouseLogLevel.OFF } }),
    output: () => out,
    async stop(sig: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill(sig);
        const force = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(force);
      }
      if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
