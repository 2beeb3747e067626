// Posts events to POST /v1/events like any real source: JSON-array batches by size and
// time, a bounded number of requests in flight, retries on 429/503/5xx and network
// errors (Retry-After first, then exponential backoff with jitter), and a count plus a
// report for everything the server did not accept: nothing is dropped silently.
import type { CcEvent } from '../events/schema.ts';

export interface HttpSinkOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:3000 */
  url: string;
  key: string;
  batchSize?: number;
  flushMs?: number;
  concurrency?: number;
  /** Attempts per batch before its events count as failed (default 10). */
  maxAttempts?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Events buffered or waiting for a free request slot before push() waits. */
  maxQueued?: number;
  /** Where problems are reported (default console.error). */
  log?: (message: string) => void;
  fetch?: typeof fetch;
  /** Waits between attempts (injectable so tests can see the delays). */
  sleep?: (ms: number) => Promise<void>;
}

export interface SinkStats {
  /** Events in requests the server answered with 202/207. */
  sent: number;
  accepted: number;
  rejected: number;
  /** Requests sent again after a 429, 503, 5xx or network error. */
  retries: number;
  /** Failed requests (any non-2xx answer or network error). */
  errors: number;
  /** Events given up on (non-retryable answer, or attempts exhausted). */
  failed: number;
}

interface Rejection {
  index: number;
  id?: string;
  errors?: string[];
}

export class HttpSink {
  readonly stats: SinkStats = { sent: 0, accepted: 0, rejected: 0, retries: 0, errors: 0, failed: 0 };
  private buffer: CcEvent[] = [];
  private readonly pending: CcEvent[][] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];
  private readonly endpoint: string;
  private readonly o: Required<Omit<HttpSinkOptions, 'url' | 'key'>>;

  constructor(private readonly opts: HttpSinkOptions) {
    this.endpoint = `${opts.url.replace(/\/+$/, '')}/v1/events`;
    const batchSize = opts.batchSize ?? 500;
    const concurrency = opts.concurrency ?? 4;
    this.o = {
      batchSize,
      flushMs: opts.flushMs ?? 200,
      concurrency,
      maxAttempts: opts.maxAttempts ?? 10,
      backoffMs: opts.backoffMs ?? 250,
      maxBackoffMs: opts.maxBackoffMs ?? 30_000,
      // Never below one batch, or a full buffer could wait for a request that never starts.
      maxQueued: Math.max(batchSize, opts.maxQueued ?? batchSize * concurrency * 2),
      log: opts.log ?? ((m) => console.error(m)),
      fetch: opts.fetch ?? fetch,
      sleep: opts.sleep ?? sleep,
    };
  }

  /** Buffers one event; waits only when too much is queued (backpressure). */
  async push(event: CcEvent): Promise<void> {
    this.buffer.push(event);
    if (this.buffer.length >= this.o.batchSize) this.cut();
    else this.timer ??= setTimeout(() => this.cut(), this.o.flushMs);
    while (this.queued() >= this.o.maxQueued) await this.settled();
  }

  /** Sends everything buffered and waits until every request has finished. */
  async flush(): Promise<void> {
    this.cut();
    while (this.inFlight > 0 || this.pending.length > 0) await this.settled();
  }

  close(): Promise<void> {
    return this.flush();
  }

  /** Events buffered or waiting, not counting requests in flight. */
  queued(): number {
    return this.buffer.length + this.pending.reduce((n, b) => n + b.length, 0);
  }

  private cut(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    this.pending.push(this.buffer);
    this.buffer = [];
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.o.concurrency && this.pending.length > 0) {
      const batch = this.pending.shift()!;
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.pump();
        const ws = this.waiters;
        this.waiters = [];
        for (const w of ws) w();
      });
    }
  }

  private settled(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async send(batch: CcEvent[]): Promise<void> {
    const body = JSON.stringify(batch);
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let retryAfterMs = 0;
      let text = '';
      try {
        const res = await this.o.fetch(this.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.key}` },
          body,
        });
        status = res.status;
        text = await res.text();
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      } catch (err) {
        text = (err as Error).message;
      }
      if (status === 202 || status === 207 || status === 200) return this.settle(batch, status, text);
      this.stats.errors++;
      if (status === 413 && batch.length > 1) {
        // Too large for the server: send the halves instead.
        const mid = batch.length >> 1;
        await Promise.all([this.send(batch.slice(0, mid)), this.send(batch.slice(mid))]);
        return;
      }
      const retryable = status === 0 || status === 429 || status >= 500;
      if (!retryable || attempt >= this.o.maxAttempts) {
        this.stats.failed += batch.length;
        if (status === 400) this.stats.rejected += batch.length;
        this.o.log(`floorwatch sink: ${batch.length} events not accepted after ${attempt} attempt(s): ${status || 'network error'} ${text.slice(0, 500)}`);
        return;
      }
      this.stats.retries++;
      const backoff = Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** (attempt - 1));
      await this.o.sleep(Math.max(retryAfterMs, backoff * (0.5 + Math.random() * 0.5)));
    }
  }

  private settle(batch: CcEvent[], status: number, text: string): void {
    this.stats.sent += batch.length;
    let accepted = batch.length;
    let rejected: Rejection[] = [];
    try {
      const parsed = JSON.parse(text) as { accepted?: number; rejected?: Rejection[] };
      if (typeof parsed.accepted === 'number') accepted = parsed.accepted;
      if (Array.isArray(parsed.rejected)) rejected = parsed.rejected;
    } catch {
      // A 202 without a readable body still means every event was accepted.
    }
    this.stats.accepted += accepted;
    if (status !== 207) return;
    const count = rejected.length || batch.length - accepted;
    this.stats.rejected += count;
    if (rejected.length === 0) this.o.log(`floorwatch sink: ${count} events rejected (no details in the 207 answer)`);
    for (const r of rejected.slice(0, 5)) {
      this.o.log(`floorwatch sink: event ${r.id ?? batch[r.index]?.id ?? r.index} rejected: ${(r.errors ?? []).join('; ')}`);
    }
    if (rejected.length > 5) this.o.log(`floorwatch sink: … and ${rejected.length - 5} more rejected in this batch`);
  }
}

/** Retry-After in seconds or as an HTTP date; 0 when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number {
  if (!value) return 0;
  const s = Number(value);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
