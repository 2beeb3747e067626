// A NATS cluster of `nodes` nats-servers on loopback, each with JetStream and its own
// store, routed to each other: what `npm run cluster:up` starts and what the cluster tests
// run against. Floorwatch connects with NATS_URL set to `url` (the servers, comma-
// separated) and keeps its streams and KV buckets at R3 on it.
import fs from 'node:fs';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { freePort, startNatsServer, type PrivateNats } from './nats-server.ts';

export interface NatsCluster {
  /** the client URLs, comma-separated (NATS_URL) */
  url: string;
  nodes: PrivateNats[];
  /** every node's graceful stop */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  dir: string;
  nodes?: number;
  /** client ports of the nodes (default: free ports); route ports are free ports too */
  ports?: number[];
  routePorts?: number[];
  name?: string;
}

/** Starts the nodes and waits until JetStream has a meta leader (streams can be made). */
export async function startNatsCluster(o: ClusterOptions): Promise<NatsCluster> {
  const n = o.nodes ?? 3;
  const ports = o.ports ?? (await Promise.all(Array.from({ length: n }, freePort)));
  const routePorts = o.routePorts ?? (await Promise.all(Array.from({ length: n }, freePort)));
  const name = o.name ?? 'floorwatch';
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`);
  const nodes: PrivateNats[] = [];
  try {
    for (let i = 0; i < n; i++) {
      nodes.push(
        await startNatsServer({
          storeDir: path.join(o.dir, `n${i + 1}`),
          port: ports[i],
          args: [
            '-n', `${name}-n${i + 1}`, '--cluster_name', name, '--cluster', routes[i],
            '--routes', routes.filter((_, j) => j !== i).join(','),
          ],
        }),
      );
    }
    const url = nodes.map((x) => x.url).join(',');
    await waitForJetStream(url);
    return { url, nodes, stop: async () => void (await Promise.all(nodes.map((x) => x.stop()))) };
  } catch (err) {
    await Promise.all(nodes.map((x) => x.kill()));
    throw err;
  }
}

/** Until the cluster answers JetStream requests (a meta leader is elected), at most `ms`. */
export async function waitForJetStream(url: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    const nc = await connect({ servers: url.split(','), timeout: 2_000 }).catch((e: Error) => {
      last = e.message;
      return null;
    });
    if (nc) {
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2_000 });
        await jsm.getAccountInfo();
        return;
      } catch (e) {
        last = (e as Error).message;
      } finally {
        await nc.close();
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the NATS cluster at ${url} has no JetStream after ${ms} ms: ${last}`);
}

export function clusterStateFile(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, 'cluster.json');
}
