// Sends mapped events and rejected lines to Floorwatch. Events go through the simulator's
// HttpSink (batches, Retry-After, backoff) with one request in flight, so the server sees
// them in file order; `send` returns only when every event was answered, which is what lets
// --follow store its offset. Rejected lines go to POST /v1/adapters/asterisk/rejects, where
// they are counted in /metrics (fw_adapter_records_rejected_total) and kept in the
// dead-letter stream with their line number and reason.
import type { CcEvent } from '../../events/schema.ts';
import { HttpSink, parseRetryAfter } from '../http-sink.ts';
import type { RejectRecord } from './mapper.ts';

export interface DeliveryOptions {
  url: string;
  key: string;
  batchSize?: number;
  /** attempts per request before giving up (default: forever, as --follow needs) */
  maxAttempts?: number;
  log: (m: string) => void;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export class DeliveryError extends Error {}

export class Delivery {
  readonly sink: HttpSink;
  /** rejects the server stored; those it could not take (no endpoint, gave up) */
  readonly rejectStats = { stored: 0, unsent: 0 };
  private rejectsEndpoint = true;
  private readonly base: string;
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: DeliveryOptions) {
    this.base = o.url.replace(/\/+$/, '');
    this.fetch = o.fetch ?? fetch;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.sink = new HttpSink({
      url: o.url, key: o.key, batchSize: o.batchSize ?? 2000, concurrency: 1, flushMs: 50,
      maxAttempts: o.maxAttempts ?? Infinity, log: o.log, fetch: o.fetch, sleep: o.sleep,
    });
  }

  /** Buffers events (waits when too many are queued); `flush` waits for the answers. */
  async push(events: CcEvent[]): Promise<void> {
    for (const e of events) await this.sink.push(e);
  }

  /** Waits until every pushed event was answered; throws if some were given up on. */
  async flush(): Promise<void> {
    const failed = this.sink.stats.failed;
    await this.sink.flush();
    if (this.sink.stats.failed > failed) {
      throw new DeliveryError(`Floorwatch did not accept ${this.sink.stats.failed - failed} events (the reason is above)`);
    }
  }

  async send(events: CcEvent[]): Promise<void> {
    await this.push(events);
    await this.flush();
  }

  /** Posts rejected lines; never throws (a missing endpoint or an outage leaves them in the summary only). */
  async rejects(records: RejectRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += 10_000) await this.postRejects(records.slice(i, i + 10_000));
  }

  private async postRejects(records: RejectRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (!this.rejectsEndpoint) {
      this.rejectStats.unsent += records.length;
      return;
    }
    const body = JSON.stringify({
      records: records.map((r) => ({ line: r.line, reason: r.reason, detail: r.detail.slice(0, 1024), record: r.record, id: r.id })),
    });
    let last = '';
    for (let attempt = 1; attempt <= 8; attempt++) {
      let status = 0;
      let text = '';
      let retryAfter = 0;
      try {
        const res = await this.fetch(`${this.base}/v1/adapters/asterisk/rejects`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.o.key}` },
          body,
        });
        status = res.status;
        text = await res.text();
        retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      } catch (err) {
        text = (err as Error).message;
      }
      if (status >= 200 && status < 300) {
        this.rejectStats.stored += records.length;
        return;
      }
      if (status === 404 || status === 405) {
        this.rejectsEndpoint = false;
        this.o.log('floorwatch: this server has no /v1/adapters/asterisk/rejects endpoint; rejected lines are only in this summary');
        this.rejectStats.unsent += records.length;
        return;
      }
      last = `${status || 'network error'} ${text}`;
      if (status !== 0 && status !== 429 && status < 500) break;
      if (attempt < 8) await this.sleep(Math.max(retryAfter, Math.min(30_000, 250 * 2 ** (attempt - 1))));
    }
    this.rejectStats.unsent += records.length;
    this.o.log(`floorwatch: ${records.length} rejected lines not stored by the server: ${last.slice(0, 300)}`);
  }
}
