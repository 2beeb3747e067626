// Shared by the benchmarks: percentiles, a keep-alive HTTP load loop, and the report line.
import fs from 'node:fs';
import http from 'node:http';
import { statFields } from '../support/proc-stat.ts';

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'MISS';
}

export function line(label: string, value: string, target?: string, ok?: boolean): void {
  console.log(`${label.padEnd(42)} ${value.padStart(16)}${target ? `   target ${target}  ${verdict(!!ok)}` : ''}`);
}

/**
 * Posts the bodies with `concurrency` requests in flight over keep-alive connections.
 * Returns per-request latencies (ms) and status counts.
 */
export async function postAll(
  url: string,
  bodies: Buffer[],
  opts: { concurrency: number; headers?: Record<string, string> },
): Promise<{ latencies: number[]; statuses: Map<number, number>; seconds: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const u = new URL(url);
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const s = performance.now();
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            agent,
            host: u.hostname,
            port: u.port,
            path: u.pathname,
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': body.length, ...opts.headers },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      latencies.push(performance.now() - s);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { latencies, statuses, seconds };
}

/**
 * CPU time per thread (Linux /proc) of a process and its children (the private
 * nats-server), by thread name: role threads are named fw-<role>. The main thread is
 * "main"; Node's unnamed helper threads (V8's GC workers, libuv's pool where chDB runs
 * inserts and queries) are summed as "node (helpers)". Empty where /proc is missing.
 */
export function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const tick = 100; // USER_HZ on Linux
  let pids: number[];
  try {
    pids = [pid, ...fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => ppidOf(p) === pid)];
  } catch {
    return out;
  }
  for (const p of pids) {
    let tids: string[] = [];
    try {
      tids = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tids) {
      try {
        const s = fs.readFileSync(`/proc/${p}/task/${t}/stat`, 'utf8');
        const name = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
        const f = statFields(s);
        const label = p !== pid ? name : Number(t) === pid ? 'main' : name === 'node' ? 'node (helpers)' : name;
        out.set(label, (out.get(label) ?? 0) + (Number(f[11]) + Number(f[12])) / tick);
      } catch {
        /* the thread ended */
      }
    }
  }
  return out;
}

function ppidOf(p: number): number {
  try {
    return Number(statFields(fs.readFileSync(`/proc/${p}/stat`, 'utf8'))[1]);
  } catch {
    return -1;
  }
}

/** CPU seconds per thread name spent between two threadCpu() readings, largest first. */
export function cpuBetween(a: Map<string, number>, b: Map<string, number>): [string, number][] {
  return [...b].map(([k, v]) => [k, v - (a.get(k) ?? 0)] as [string, number]).filter(([, v]) => v > 0.005).sort((x, y) => y[1] - x[1]);
}

/** events per request of the ingest benches */
export const BATCH = 500;

/** `requests` bodies of BATCH events (queued, answered, agent state, wrapped in turn), ids prefixed with `run` */
export function makeBodies(run: string, requests: number): Buffer[] {
  const out: Buffer[] = [];
  const base = Date.now() - 3_600_000;
  const types = ['contact.queued', 'contact.answered', 'agent.state', 'contact.wrapped'];
  for (let r = 0; r < requests; r++) {
    const evs = [];
    for (let i = 0; i < BATCH; i++) {
      const n = r * BATCH + i;
      const t = new Date(base + n).toISOString();
      const type = types[n % 4];
      const c = `c${n >> 2}`;
      if (type === 'contact.queued') evs.push({ id: `${run}-${n}`, type, time: t, contact_id: c, queue: `q${n % 20}`, channel: 'voice' });
      else if (type === 'contact.answered') evs.push({ id: `${run}-${n}`, type, time: t, contact_id: c, queue: `q${n % 20}`, agent_id: `a${n % 300}` });
      else if (type === 'agent.state') evs.push({ id: `${run}-${n}`, type, time: t, agent_id: `a${n % 300}`, state: 'busy', team: `t${n % 10}` });
      else evs.push({ id: `${run}-${n}`, type, time: t, contact_id: c, agent_id: `a${n % 300}`, resolved: true });
    }
    out.push(Buffer.from(JSON.stringify(evs)));
  }
  return out;
}
