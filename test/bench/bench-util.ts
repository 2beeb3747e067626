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
  for (const { label, cpu } of threadTimes(pid).values()) out.set(label, (out.get(label) ?? 0) + cpu);
  return out;
}

/**
 * CPU seconds of each thread of a process and its children, keyed `pid/tid`, with the
 * label threadCpu sums them under. ClickHouse's pool threads rename themselves per task,
 * so a thread's label is only its name at the time of reading.
 */
export function threadTimes(pid: number): Map<string, { label: string; cpu: number }> {
  const out = new Map<string, { label: string; cpu: number }>();
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
        out.set(`${p}/${t}`, { label, cpu: (Number(f[11]) + Number(f[12])) / tick });
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
