// The engine role's threads. The publishing engine runs off the main thread (HTTP,
// WebSockets and the writer keep their event loop); a second engine, fed by the same
// stream, only saves snapshots, so serialising a large state (seconds, at 300k open
// contacts) never holds up the numbers on the walls. Both restore from the newest
// snapshot. ClickHouse stays on the main thread: the threads send and receive bytes.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { ClickHouseClient } from '@clickhouse/client';
import { insertRaw, queryRaw } from '../../server/db/clickhouse.ts';

export interface EngineThreadData {
  mode: 'publish' | 'checkpoint';
  natsUrl: string;
  logLevel: string;
  duplicateWindowMs: number;
  saveEveryMs: number;
  /** tests: a frozen clock */
  fixedNow?: number;
}

export type FromEngineThread =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'stopped' }
  | { type: 'load'; id: number }
  | { type: 'save'; id: number; body: Uint8Array };

export type ToEngineThread = { type: 'reply'; id: number; body?: Uint8Array; error?: string } | { type: 'stop' };

const ENTRY = new URL('./engine-worker.ts', import.meta.url).href;
// Workers do not inherit the TypeScript loader: register it, then load the entry.
const BOOT = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(ENTRY)}); })`;

export class EngineThread {
  private constructor(
    private worker: Worker,
    private log: Logger,
  ) {}

  static start(data: EngineThreadData, ch: ClickHouseClient, log: Logger): Promise<EngineThread> {
    const worker = new Worker(BOOT, { eval: true, workerData: data, execArgv: [], name: `engine-${data.mode}` });
    const t = new EngineThread(worker, log);
    return new Promise((resolve, reject) => {
      worker.on('message', (m: FromEngineThread) => {
        if (m.type === 'ready') resolve(t);
        else if (m.type === 'failed') reject(new Error(`engine thread (${data.mode}): ${m.message}`));
        else if (m.type === 'load' || m.type === 'save') void t.serve(m, ch);
      });
      worker.on('error', (err) => {
        log.error({ err, mode: data.mode }, 'engine thread failed');
        reject(err);
      });
      worker.on('exit', (code) => {
        if (!t.stopping) {
          log.error({ code, mode: data.mode }, 'engine thread exited');
          reject(new Error(`engine thread (${data.mode}) exited with ${code}`));
        }
      });
    });
  }

  private stopping = false;

  private async serve(m: { type: 'load'; id: number } | { type: 'save'; id: number; body: Uint8Array }, ch: ClickHouseClient) {
    try {
      if (m.type === 'load') {
        const buf = await queryRaw(ch, 'SELECT tenant, seq, state FROM engine_snapshots FINAL FORMAT JSONEachRow');
        // A private copy whose buffer can move to the thread without copying again.
        const body = new Uint8Array(buf);
        this.worker.postMessage({ type: 'reply', id: m.id, body } satisfies ToEngineThread, [body.buffer]);
      } else {
        await insertRaw(ch, 'engine_snapshots', Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength));
        this.worker.postMessage({ type: 'reply', id: m.id } satisfies ToEngineThread);
      }
    } catch (err) {
      this.worker.postMessage({ type: 'reply', id: m.id, error: (err as Error).message } satisfies ToEngineThread);
    }
  }

  /** stops the engine (a checkpointer saves once more first) and ends the thread */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    const done = new Promise<void>((resolve) => {
      this.worker.on('message', (m: FromEngineThread) => m.type === 'stopped' && resolve());
      this.worker.once('exit', () => resolve());
    });
    this.worker.postMessage({ type: 'stop' } satisfies ToEngineThread);
    const timer = new Promise<void>((r) => setTimeout(r, timeoutMs).unref());
    await Promise.race([done, timer]);
    await this.worker.terminate().catch((err) => this.log.warn({ err }, 'engine thread terminate failed'));
  }
}
