// One process at a time across a deployment, through a NATS KV key that every process
// reaches: the first to create the key holds it, the others poll until it is gone. The
// holder refreshes the key while it works; the bucket's TTL removes the key of a holder
// that died, so a crash holds the others up for at most `ttlMs`.
import { Kvm, type KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { Bus } from './bus.ts';

const LOCKS_BUCKET = 'fw_locks';

export interface LockOptions {
  /** how long a key outlives a holder that stopped refreshing it */
  ttlMs?: number;
  /** how often a waiting process tries again */
  pollMs?: number;
}

export async function withLock<T>(bus: Bus, name: string, log: Logger, fn: () => Promise<T>, o: LockOptions = {}): Promise<T> {
  const ttlMs = o.ttlMs ?? 60_000;
  const kv: KV = await new Kvm(bus.nc).create(LOCKS_BUCKET, { history: 1, replicas: bus.replicas, ttl: ttlMs });
  const me = `${process.pid}@${bus.nc.info?.client_ip ?? 'local'}`;
  let revision = 0;
  let waited = false;
  for (;;) {
    try {
      revision = await kv.create(name, me);
      break;
    } catch (err) {
      if (!/wrong last sequence|key exists/i.test((err as Error).message)) throw err;
      if (!waited) log.info({ lock: name, holder: (await kv.get(name))?.string() }, 'waiting for another process to finish');
      waited = true;
      await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
    }
  }
  const refresh = setInterval(() => {
    kv.update(name, me, revision).then((r) => (revision = r), (err) => log.warn({ lock: name, err: (err as Error).message }, 'lock refresh failed'));
  }, ttlMs / 3);
  try {
    return await fn();
  } finally {
    clearInterval(refresh);
    await kv.delete(name, { previousSeq: revision }).catch((err) => log.warn({ lock: name, err: (err as Error).message }, 'lock release failed'));
  }
}
