// A private nats-server child with JetStream, used when NATS_URL is unset (and by tests).
// The store lives under the data dir so accepted events survive a restart of Floorwatch.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export class NatsServerMissing extends Error {}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function findBinary(): string {
  for (const p of ['nats-server', '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    try {
      execFileSync(p, ['--version'], { stdio: 'ignore' });
      return p;
    } catch {
      /* try the next */
    }
  }
  throw new NatsServerMissing(
    'nats-server not found: install it (Debian: apt-get install -y nats-server) or set NATS_URL to a running NATS with JetStream',
  );
}

export interface PrivateNats {
  url: string;
  port: number;
  storeDir: string;
  /** graceful stop (SIGTERM), waits for exit */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would */
  kill(): Promise<void>;
  /** start again on the same port and store (after stop/kill) */
  restart(): Promise<void>;
}

export async function startNatsServer(opts: {
  storeDir: string;
  port?: number;
  /** more nats-server flags (a cluster node's name, routes) */
  args?: string[];
}): Promise<PrivateNats> {
  const bin = findBinary();
  const port = opts.port ?? (await freePort());
  fs.mkdirSync(opts.storeDir, { recursive: true });
  let child: ChildProcess | null = null;
  // Our process's exit takes the child with it; the hook is there only while a child
  // runs, so a process that starts and stops many servers (tests, benches) keeps none.
  const onExit = () => child?.kill('SIGKILL');

  // A Floorwatch that was killed (SIGKILL) could not stop its nats-server child; the
  // orphan still holds the store, so end it before starting a new one on that store.
  const pidFile = path.join(opts.storeDir, 'floorwatch-nats.pid');
  killOrphan(pidFile);

  const launch = async () => {
    const args = ['-js', '-sd', opts.storeDir, '-a', '127.0.0.1', '-p', String(port), '-P', pidFile, ...(opts.args ?? [])];
    const c = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${log.slice(-500)}`)), 15_000);
      c.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      c.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}: ${log.slice(-500)}`));
      });
    });
    c.stderr!.resume();
    c.removeAllListeners('exit');
    process.once('exit', onExit);
  };

  const waitExit = (sig: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      const c = child;
      child = null;
      process.off('exit', onExit);
      if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill(sig);
    });

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir: opts.storeDir,
    stop: () => waitExit('SIGTERM'),
    kill: () => waitExit('SIGKILL'),
    restart: async () => {
      if (child) await waitExit('SIGTERM');
      await launch();
    },
  };
}

function killOrphan(pidFile: string) {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmd.includes('nats-server')) return;
    const ppid = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
    const parent = ppid > 1 ? fs.readFileSync(`/proc/${ppid}/cmdline`, 'utf8') : '';
    if (parent.includes('node'))
      throw new Error(`another Floorwatch (pid ${ppid}) is using this data directory; stop it or set another DATA_DIR`);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) execFileSync('sleep', ['0.05']);
  } catch (err) {
    if ((err as Error).message.startsWith('another Floorwatch')) throw err;
  }
}
