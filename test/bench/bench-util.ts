// Shared by the benchmarks: percentiles, a keep-alive HTTP load loop, and the report line.
import http from 'node:http';

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
