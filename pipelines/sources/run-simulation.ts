// Runs the simulator against a Floorwatch server: backfill (a past range, as fast as
// the server accepts) or live (paced by the wall clock). The CLI and the demo call this.
import type { CcEvent } from '../events/schema.ts';
import { HttpSink, type HttpSinkOptions, type SinkStats } from './http-sink.ts';
import { liveEvents, simulate, type SimOptions } from './simulator.ts';

export interface RunOptions {
  url: string;
  key: string;
  seed?: string | number;
  agents?: number;
  queues?: number | string[];
  tenantTimeZone?: string;
  profile?: SimOptions['profile'];
  /** Backfill [from, to] when `from` is given; live otherwise. */
  from?: number;
  to?: number;
  /** Live: simulated time per wall-clock time (default 1). */
  speed?: number;
  /** Live: stop after this much wall-clock time; 0 or absent = until aborted. */
  durationMs?: number;
  /** Live: history simulated before now and sent first (default 1 h). */
  warmupMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  progressEveryMs?: number;
  log?: (message: string) => void;
  sink?: Partial<Omit<HttpSinkOptions, 'url' | 'key' | 'log'>>;
}

export interface Progress extends SinkStats {
  mode: 'backfill' | 'live';
  /** Events produced by the simulator so far. */
  generated: number;
  /** Events per second sent over the last interval. */
  rate: number;
  /** Time of the latest event produced. */
  simTime: string | null;
  elapsedMs: number;
}

export async function runSimulation(opts: RunOptions): Promise<Progress> {
  const mode = opts.from !== undefined ? 'backfill' : 'live';
  const sink = new HttpSink({ url: opts.url, key: opts.key, log: opts.log, ...opts.sink });
  const sim = { seed: opts.seed ?? 1, agents: opts.agents ?? 40, queues: opts.queues ?? 6, tenantTimeZone: opts.tenantTimeZone, profile: opts.profile };
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) stop.abort();
  const durationTimer = mode === 'live' && opts.durationMs ? setTimeout(onAbort, opts.durationMs) : undefined;

  const started = Date.now();
  let generated = 0;
  let simTime: string | null = null;
  let lastSent = 0;
  let lastAt = started;
  let rate = 0;
  const snapshot = (): Progress => ({ mode, ...sink.stats, generated, rate, simTime, elapsedMs: Date.now() - started });
  const ticker = opts.onProgress
    ? setInterval(() => {
        const now = Date.now();
        rate = ((sink.stats.sent - lastSent) * 1000) / Math.max(1, now - lastAt);
        lastSent = sink.stats.sent;
        lastAt = now;
        opts.onProgress!(snapshot());
      }, opts.progressEveryMs ?? 1000)
    : undefined;

  const take = async (e: CcEvent) => {
    generated++;
    simTime = e.time;
    await sink.push(e);
    // Let timers (progress, flush) run during a long synchronous backfill.
    if (generated % 2000 === 0) await new Promise((r) => setImmediate(r));
  };

  try {
    if (mode === 'backfill') {
      const to = opts.to ?? Date.now();
      for (const e of simulate({ ...sim, from: opts.from!, to })) {
        if (stop.signal.aborted) break;
        await take(e);
      }
    } else {
      const live = liveEvents({ ...sim, speed: opts.speed, warmupMs: opts.warmupMs, signal: stop.signal });
      for await (const e of live) await take(e);
    }
  } finally {
    await sink.close();
    if (ticker) clearInterval(ticker);
    if (durationTimer) clearTimeout(durationTimer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  const elapsed = Math.max(1, Date.now() - started);
  return { ...snapshot(), rate: (sink.stats.sent * 1000) / elapsed };
}
