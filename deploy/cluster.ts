// npm run cluster:up   — a three-node NATS cluster with JetStream on loopback, in the
//                        foreground (Ctrl-C stops it); prints the NATS_URL to give Floorwatch.
// npm run cluster:down — stops a cluster left running (its nodes' pid files in the dir).
// Options (env): CLUSTER_DIR (default ./data/cluster), CLUSTER_PORTS (default
// 14222,14223,14224: 4222 is often a system nats-server), CLUSTER_ROUTE_PORTS (default
// 16222,16223,16224).
import fs from 'node:fs';
import path from 'node:path';
import { startNatsCluster } from '../pipelines/bus/nats-cluster.ts';

const dir = path.resolve(process.env.CLUSTER_DIR ?? 'data/cluster');
const ports = (v: string | undefined, d: number[]) => {
  const p = (v ?? '').split(',').filter(Boolean).map(Number);
  if (v !== undefined && (p.length !== 3 || p.some((x) => !Number.isInteger(x) || x < 1 || x > 65535))) {
    console.error(`cluster: expected three ports, comma-separated, got "${v}"`);
    process.exit(2);
  }
  return p.length ? p : d;
};

async function up(): Promise<void> {
  const cluster = await startNatsCluster({
    dir,
    ports: ports(process.env.CLUSTER_PORTS, [14222, 14223, 14224]),
    routePorts: ports(process.env.CLUSTER_ROUTE_PORTS, [16222, 16223, 16224]),
  });
  fs.writeFileSync(path.join(dir, 'nats.url'), cluster.url);
  console.log(`NATS cluster up (3 nodes, JetStream, stores in ${dir})`);
  console.log(`NATS_URL=${cluster.url}`);
  console.log('Ctrl-C stops it');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await cluster.stop();
    console.log('NATS cluster stopped');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await new Promise(() => {});
}

function down(): void {
  let n = 0;
  for (const node of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const pidFile = path.join(dir, node, 'floorwatch-nats.pid');
    if (!fs.existsSync(pidFile)) continue;
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('nats-server')) continue;
      process.kill(pid, 'SIGTERM');
      n++;
    } catch {
      /* not running */
    }
  }
  console.log(n ? `stopped ${n} nats-server nodes of ${dir}` : `no running node in ${dir}`);
}

const cmd = process.argv[2];
if (cmd === 'up') await up();
else if (cmd === 'down') down();
else {
  console.error('usage: tsx deploy/cluster.ts up|down');
  process.exit(2);
}
