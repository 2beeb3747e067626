// A NATS KV bucket mirrored in memory and kept current by a watch, so every node sees a
// config change (keys, queues, boards, rules) at once and reads cost nothing.
import type { KV } from '@nats-io/kv';
import type { Bus } from './bus.ts';

type Listener<T> = (key: string, value: T | undefined) => void;

/** A KV key for a tenant's id: NATS keys allow [-/_=.a-zA-Z0-9], others become `_`. */
export const tenantKey = (tenant: string, id: string): string => `${tenant}.${id}`.replace(/[^-/_=.a-zA-Z0-9]/g, '_');

export class KvMap<T> {
  private data = new Map<string, T>();
  private listeners = new Set<Listener<T>>();
  private stopped = false;

  private constructor(private kv: KV) {}

  static async open<T>(bus: Bus, bucket: string): Promise<KvMap<T>> {
    const kv = await bus.kv(bucket);
    const m = new KvMap<T>(kv);
    // Watch first (updates only), then list: a change made while listing is applied after.
    const watch = await kv.watch({ include: 'updates' as never });
    const keys = await kv.keys();
    for await (const k of keys) {
      const e = await kv.get(k);
      if (e && e.operation === 'PUT' && e.length > 0) m.data.set(k, e.json<T>());
    }
    void (async () => {
      for await (const e of watch) {
        if (m.stopped) break;
        if (e.operation === 'PUT' && e.length > 0) m.apply(e.key, e.json<T>());
        else m.apply(e.key, undefined);
      }
    })().catch(() => {});
    m.stopWatch = () => watch.stop();
    return m;
  }

  private stopWatch = () => {};

  private apply(key: string, value: T | undefined) {
    if (value === undefined) this.data.delete(key);
    else this.data.set(key, value);
    for (const l of this.listeners) l(key, value);
  }

  get(key: string): T | undefined {
    return this.data.get(key);
  }

  /** entries whose key starts with `prefix` */
  *entries(prefix = ''): IterableIterator<[string, T]> {
    for (const e of this.data) if (e[0].startsWith(prefix)) yield e;
  }

  values(prefix = ''): T[] {
    return [...this.entries(prefix)].map(([, v]) => v);
  }

  /** writes through to KV and applies locally at once (the watch repeats it harmlessly) */
  async put(key: string, value: T): Promise<void> {
    await this.kv.put(key, JSON.stringify(value));
    this.apply(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(key);
    this.apply(key, undefined);
  }

  onChange(fn: Listener<T>): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close() {
    this.stopped = true;
    this.stopWatch();
  }
}
