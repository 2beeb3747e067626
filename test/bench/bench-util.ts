// Shared by the benchmarks: percentiles, a keep-alive HTTP load loop, and the report line.
import fs from 'node:fs';
import http from 'node:http';
import { statFields } from '../support/proc-stat.ts';
import { validateEvent } from '../../server/ingest/validate.ts';
import { toMessages } from '../../server/ingest/publish.ts';
import type { BusMessage } from '../../pipelines/bus/bus.ts';

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

/** One POST over `agent`; resolves with the status once the answer is read. */
export function postOne(agent: http.Agent, url: URL, body: Buffer, headers: Record<string, string> = {}): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length, ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Posts `concurrency` requests at a time over keep-alive connections: every body of a
 * list, or, with a function, body(i) for i = 0, 1, … until it returns null.
 * Returns per-request latencies (ms, sorted) and status counts.
 */
export async function postAll(
  url: string,
  bodies: Buffer[] | ((i: number) => Buffer | null),
  opts: { concurrency: number; headers?: Record<string, string> },
): Promise<{ latencies: number[]; statuses: Map<number, number>; seconds: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const u = new URL(url);
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const body = typeof bodies === 'function' ? bodies : (i: number) => bodies[i] ?? null;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (let b = body(next++); b; b = body(next++)) {
      const s = performance.now();
      const status = await postOne(agent, u, b, opts.headers);
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

/** events per request of the ingest benches */
export const BATCH = 500;

const TYPES = ['contact.queued', 'contact.answered', 'agent.state', 'contact.wrapped'];

/**
 * Request `r` of a run: BATCH events (queued, answered, agent state, wrapped in turn, 300
 * agents, 20 queues), ids prefixed with `run`, built as text so that the client's own CPU
 * stays small beside what is measured. Times are 30 s old, 1 ms apart.
 */
export function makeBody(run: string, r: number): Buffer {
  const base = Date.now() - 30_000;
  const parts: string[] = [];
  for (let i = 0; i < BATCH; i++) {
    const n = r * BATCH + i;
    const id = `"id":"${run}-${n}","time":"${new Date(base + i).toISOString()}"`;
    const c = `c${run}-${n >> 2}`;
    switch (TYPES[n % 4]) {
      case 'contact.queued':
        parts.push(`{${id},"type":"contact.queued","contact_id":"${c}","queue":"q${n % 20}","channel":"voice"}`);
        break;
      case 'contact.answered':
        parts.push(`{${id},"type":"contact.answered","contact_id":"${c}","queue":"q${n % 20}","agent_id":"a${n % 300}"}`);
        break;
      case 'agent.state':
        parts.push(`{${id},"type":"agent.state","agent_id":"a${n % 300}","state":"busy","team":"t${n % 10}"}`);
        break;
      default:
        parts.push(`{${id},"type":"contact.wrapped","contact_id":"${c}","agent_id":"a${n % 300}","resolved":true}`);
    }
  }
  return Buffer.from(`[${parts.join(',')}]`);
}

/**
 * The bus messages ingestion publishes for request `r` of makeBody (validated and grouped
 * by type with ingestion's own validateEvent and toMessages).
 */
export function requestMessages(run: string, r: number, tenant: string, now = Date.now()): BusMessage[] {
  const events = (JSON.parse(String(makeBody(run, r))) as unknown[]).map((raw) => {
    const v = validateEvent(raw, tenant, now);
    if (!v.ok) throw new Error(v.errors.join('; '));
    return v.event;
  });
  return toMessages(tenant, events);
}

/** `requests` bodies of makeBody. */
export function makeBodies(run: string, requests: number): Buffer[] {
  return Array.from({ length: requests }, (_, r) => makeBody(run, r));
}
