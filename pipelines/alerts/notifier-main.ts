// The notifier as its own process: `tsx pipelines/alerts/notifier-main.ts --nats=nats://…`
// (optional --ack-wait-ms, --backoff-ms, --max-backoff-ms, --timeout-ms). It needs only
// NATS: messages on CC_ALERTS carry everything a delivery needs.
import pino from 'pino';
import { Bus } from '../bus/bus.ts';
import { KvMap } from '../bus/kv-map.ts';
import { Registry } from '../../server/metrics.ts';
import { TENANTS_BUCKET, type TenantSettings } from '../../server/settings.ts';
import { Notifier } from './notifier.ts';

function arg(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}
function num(name: string): number | undefined {
  const v = arg(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name}=${v} is not valid: expected a positive number`);
    process.exit(2);
  }
  return n;
}

const url = arg('nats');
if (!url) {
  console.error('usage: notifier-main.ts --nats=nats://host:4222 [--ack-wait-ms=30000] [--backoff-ms=1000]');
  process.exit(2);
}
const log = pino({ level: arg('log-level') ?? 'info' });
const bus = await Bus.connect(url, log);
const tenants = await KvMap.open<Partial<TenantSettings>>(bus, TENANTS_BUCKET);
const notifier = new Notifier({
  bus,
  log,
  metrics: new Registry(),
  tenants,
  ackWaitMs: num('ack-wait-ms'),
  baseBackoffMs: num('backoff-ms'),
  maxBackoffMs: num('max-backoff-ms'),
  timeoutMs: num('timeout-ms'),
} as ConstructorParameters<typeof Notifier>[0]);
await notifier.start();
log.info('notifier started');

for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, async () => {
    await notifier.stop();
    tenants.close();
    await bus.close();
    process.exit(0);
  });
