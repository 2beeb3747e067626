// Alert transitions to ClickHouse `alert_transitions`, batched (by count and time) so a
// storm of alerts is a few inserts, not thousands. A failed insert keeps its rows for the
// next flush; history is a record, so losing a batch only costs a log line, never an alert.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';

/** What every alert record names: the rule, where it looked, and what it saw. */
export interface AlertFields {
  rule_id: string;
  rule_name: string;
  metric: string;
  scope: string;
  window: string;
  severity: string;
  value: number | null;
  threshold: number;
}

export interface TransitionRow extends AlertFields {
  tenant: string;
  at: number;
  from_state: string;
  to_state: string;
  notification: string;
  silenced: boolean;
  fingerprint: string;
  seq: number;
  starts_at: number | null;
  ends_at: number | null;
}

const MAX_BUFFER = 100_000;

export class TransitionLog {
  private buf: TransitionRow[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private ch: ClickHouseClient,
    private log: Logger,
    private maxDelayMs = 500,
    private maxRows = 5_000,
  ) {}

  add(row: TransitionRow) {
    this.buf.push(row);
    if (this.buf.length > MAX_BUFFER) this.buf.splice(0, this.buf.length - MAX_BUFFER);
    if (this.buf.length >= this.maxRows) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.maxDelayMs);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = this.buf;
    this.buf = [];
    if (rows.length === 0) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      try {
        await this.ch.insert({ table: 'alert_transitions', values: rows, format: 'JSONEachRow' });
      } catch (err) {
        this.log.warn({ err: (err as Error).message, rows: rows.length }, 'alert transitions insert failed; kept for retry');
        this.buf.unshift(...rows);
        if (!this.timer) this.timer = setTimeout(() => void this.flush(), 5_000);
      }
    });
    return this.flushing;
  }

  async stop() {
    await this.flush();
  }
}
