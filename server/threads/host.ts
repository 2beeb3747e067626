// Starts a role (engine, checkpointer, writer, history consumer) in a worker thread and
// serves its ClickHouse calls. Roles that parse, serialise and compute per event run
// here instead of on the main thread, whose event loop answers HTTP and WebSockets:
// with every role on one loop, ingestion stalled at one core while the other idled.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { ClickHouseClient } from '@clickhouse/client';
import { clickhouseErrorCode, insertRaw, queryRaw } from '../db/clickhouse.ts';
import type { Registry } from '../metrics.ts';
import type { Services } from '../context.ts';
import type { FromThread, RoleName, RoleThreadData, ToThread } from './protocol.ts';
import { PriorityGate } from './query-gate.ts';

/** Whose bound queries go first through the embedded chDB gate (query-gate.ts). */
const QUERY_PRIORITY: Record<RoleName, number> = { writer: 0, engine: 0, 'engine-checkpoint': 1, history: 1 };
/** One per process: chDB's parameter slot is process-wide. */
const embeddedGate = new PriorityGate(2);

const ENTRY = new URL('./worker.ts', import.meta.url).href;
// Workers do not inherit the TypeScript loader: register it, then load the entry.
const BOOT = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(ENTRY)}); })`;

export class RoleThread {
  private stopping = false;
  private nextId = 1;
  /** answers awaited from the thread (metrics, status), by request id */
  private waiters = new Map<number, (answer: unknown) => void>();
  private removeSource: () => void = () => {};

  private constructor(
    private worker: Worker,
    private data: RoleThreadData,
    private log: Logger,
  ) {}

  static start(
    data: RoleThreadData,
    svc: { ch: ClickHouseClient; log: Logger; metrics: Registry; gate: PriorityGate | null },
  ): Promise<RoleThread> {
    // Of the process's node flags only profiling carries over (the loader is in BOOT).
    const execArgv = process.execArgv.filter((a) => a.startsWith('--cpu-prof') || a.startsWith('--heap-prof'));
    const worker = new Worker(BOOT, { eval: true, workerData: data, execArgv, name: data.role });
    const t = new RoleThread(worker, data, svc.log);
    return new Promise((resolve, reject) => {
      worker.on('message', (m: FromThread) => {
        if (m.type === 'ready') {
          t.removeSource = svc.metrics.addSource(() => t.metricsText());
          resolve(t);
        } else if (m.type === 'failed') reject(new Error(`${data.role} thread: ${m.message}`));
        else if (m.type === 'metrics' || m.type === 'status') {
          t.waiters.get(m.id)?.(m.type === 'metrics' ? m.text : m.status);
          t.waiters.delete(m.id);
        } else if (m.type === 'query' || m.type === 'insert') void t.serve(m, svc.ch, svc.gate);
      });
      worker.on('error', (err) => {
        svc.log.error({ err, role: data.role }, 'role thread failed');
        reject(err);
      });
      worker.on('exit', (code) => {
        t.removeSource();
        for (const w of t.waiters.values()) w(undefined);
        if (!t.stopping) {
          svc.log.error({ code, role: data.role }, 'role thread exited');
          reject(new Error(`${data.role} thread exited with ${code}`));
        }
      });
    });
  }

  private async serve(m: Extract<FromThread, { type: 'query' | 'insert' }>, ch: ClickHouseClient, gate: PriorityGate | null) {
    try {
      if (m.type === 'query') {
        const run = () => queryRaw(ch, m.sql, m.params);
        const bound = gate !== null && Object.keys(m.params).length > 0;
        const raw = await (bound ? gate.run(QUERY_PRIORITY[this.data.role], run) : run());
        // A private copy whose buffer can move to the thread without copying again.
        const body = new Uint8Array(raw);
        this.post({ type: 'reply', id: m.id, body }, [body.buffer]);
      } else {
        await insertRaw(ch, m.table, m.body, m.settings);
        this.post({ type: 'reply', id: m.id });
      }
    } catch (err) {
      const code = clickhouseErrorCode(err);
      this.post({ type: 'reply', id: m.id, error: { message: (err as Error).message, code: code === '' ? undefined : code } });
    }
  }

  private post(m: ToThread, transfer: ArrayBuffer[] = []) {
    this.worker.postMessage(m, transfer);
  }

  /** the thread's own metrics, in Prometheus text */
  async metricsText(timeoutMs = 2_000): Promise<string> {
    return ((await this.ask('metrics', timeoutMs)) as string | undefined) ?? '';
  }

  /** what the role says of itself for /health (the engine: partitions, position, consumer), null if nothing */
  async status(timeoutMs = 2_000): Promise<unknown> {
    return (await this.ask('status', timeoutMs)) ?? null;
  }

  private ask(type: 'metrics' | 'status', timeoutMs: number): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.post({ type, id });
    });
  }

  /** stops the role (a checkpointer saves once more, a writer flushes) and ends the thread */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    this.removeSource();
    // The thread ends by itself once its role has stopped (a profile, if any, is written).
    const done = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'stop' } satisfies ToThread);
    const timer = new Promise<void>((r) => setTimeout(r, timeoutMs).unref());
    await Promise.race([done, timer]);
    await this.worker.terminate().catch((err) => this.log.warn({ err, role: this.data.role }, 'thread terminate failed'));
  }
}

/** Starts `role` in its own thread with this process's NATS URL and settings. */
export function startRoleThread(role: RoleName, svc: Services, extra: { fixedNow?: number } = {}): Promise<RoleThread> {
  const { config } = svc;
  return RoleThread.start(
    {
      role,
      natsUrl: svc.bus.url,
      logLevel: config.logLevel,
      duplicateWindowMs: config.natsDuplicateWindowMs,
      natsReplicas: svc.bus.replicas,
      saveEveryMs: config.engineSnapshotMs,
      partitions: config.enginePartitions,
      ...extra,
    },
    { ch: svc.ch, log: svc.log, metrics: svc.metrics, gate: config.clickhouse ? null : embeddedGate },
  );
}
