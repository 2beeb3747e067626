// The one place that reads the environment (DESIGN convention 7). Everything else gets a
// parsed, validated Config passed in, so tests build any configuration they need.
import path from 'node:path';
import { defaultReplicas } from '../pipelines/bus/subjects.ts';
import { parsePartitionList, type PartitionAssignment } from '../pipelines/live/partition.ts';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  natsUrl: string | null;
  clickhouse: { url: string; user: string; password: string; database: string } | null;
  adminKey: string | null;
  logLevel: string;
  /** roles this process runs; all of them by default */
  roles: Set<Role>;
  /** ingestion limits */
  maxEventsPerRequest: number;
  maxBodyBytes: number;
  /** requests per second per key before 429 (0 = unlimited) */
  rateLimitPerKey: number;
  /** days raw events are kept (0 = forever) */
  eventsTtlDays: number;
  /** days history facts (segments, agent states) are kept (0 = forever) */
  historyTtlDays: number;
  /** the URL people reach Floorwatch at (links in notifications); default http://HOST:PORT */
  publicUrl: string | null;
  /** how often the engine saves a restart snapshot (ms) */
  engineSnapshotMs: number;
  /** JetStream's duplicate window for fast retries (ms) */
  natsDuplicateWindowMs: number;
  /** replicas of the streams and KV buckets: NATS_REPLICAS, default 3 when NATS_URL lists 3 or more servers, else 1 */
  natsReplicas: number;
  /** the engine's tenants: ENGINE_PARTITIONS (N) and ENGINE_PARTITION (which of them, default all) */
  enginePartitions: PartitionAssignment;
}

export const ROLES = ['ingest', 'writer', 'engine', 'gateway', 'notifier', 'voc'] as const;
export type Role = (typeof ROLES)[number];

export class ConfigError extends Error {}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function int(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name}=${raw} is not valid: expected an integer from ${min} to ${max}`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = []): Config {
  const rolesArg = argv.find((a) => a.startsWith('--roles='))?.slice(8) ?? env.ROLES;
  const roles = new Set<Role>(rolesArg ? [] : ROLES);
  if (rolesArg) {
    for (const r of rolesArg.split(',').map((s) => s.trim()).filter(Boolean)) {
      if (!(ROLES as readonly string[]).includes(r))
        throw new ConfigError(`unknown role "${r}": roles are ${ROLES.join(', ')}`);
      roles.add(r as Role);
    }
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LEVELS.includes(logLevel))
    throw new ConfigError(`LOG_LEVEL=${logLevel} is not valid: use one of ${LEVELS.join(', ')}`);
  const chUrl = env.CLICKHOUSE_URL || null;
  if (chUrl && !/^https?:\/\//.test(chUrl))
    throw new ConfigError(`CLICKHOUSE_URL=${chUrl} is not valid: expected http(s)://host:8123`);
  const natsUrl = env.NATS_URL || null;
  // a cluster is a comma-separated list of its servers: nats://a:4222,nats://b:4222,nats://c:4222
  const natsServers = natsUrl ? natsUrl.split(',').map((u) => u.trim()) : [];
  for (const u of natsServers)
    if (!/^(nats|tls|ws|wss):\/\/[^\s,]+$|^[\w.-]+:\d+$/.test(u))
      throw new ConfigError(`NATS_URL=${natsUrl} is not valid: expected nats://host:4222, or a comma-separated list of a cluster's servers`);
  if (env.ADMIN_KEY !== undefined && env.ADMIN_KEY !== '' && env.ADMIN_KEY.length < 16)
    throw new ConfigError('ADMIN_KEY is too short: use at least 16 random characters');
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    dataDir: path.resolve(env.DATA_DIR || './data'),
    natsUrl,
    clickhouse: chUrl
      ? {
          url: chUrl,
          user: env.CLICKHOUSE_USER || 'default',
          password: env.CLICKHOUSE_PASSWORD || '',
          database: env.CLICKHOUSE_DATABASE || 'default',
        }
      : null,
    adminKey: env.ADMIN_KEY || null,
    logLevel,
    roles,
    maxEventsPerRequest: 10_000,
    maxBodyBytes: 5 * 1024 * 1024,
    rateLimitPerKey: int(env, 'RATE_LIMIT_PER_KEY', 0, 0, 1_000_000),
    eventsTtlDays: int(env, 'EVENTS_TTL_DAYS', 0, 0, 36500),
    historyTtlDays: int(env, 'HISTORY_TTL_DAYS', 0, 0, 36500),
    publicUrl: publicUrl(env.PUBLIC_URL),
    engineSnapshotMs: int(env, 'ENGINE_SNAPSHOT_S', 30, 1, 3600) * 1000,
    natsDuplicateWindowMs: int(env, 'NATS_DUPLICATE_WINDOW_S', 120, 1, 86_400) * 1000,
    natsReplicas: int(env, 'NATS_REPLICAS', defaultReplicas(natsServers.length), 1, 5),
    enginePartitions: enginePartitions(env),
  };
}

function enginePartitions(env: NodeJS.ProcessEnv): PartitionAssignment {
  const of = int(env, 'ENGINE_PARTITIONS', 1, 1, 1024);
  const raw = env.ENGINE_PARTITION;
  if (raw === undefined || raw === '') return { of, owned: Array.from({ length: of }, (_, i) => i) };
  const owned = parsePartitionList(raw, of);
  if (!owned)
    throw new ConfigError(`ENGINE_PARTITION=${raw} is not valid: expected partitions from 0 to ${of - 1} (ENGINE_PARTITIONS=${of}), as "1", "0,2" or "0-3"`);
  return { of, owned };
}

function publicUrl(v: string | undefined): string | null {
  if (!v) return null;
  if (!/^https?:\/\/[^/\s]+/.test(v)) throw new ConfigError(`PUBLIC_URL=${v} is not valid: expected http(s)://host[:port]`);
  return v.replace(/\/+$/, '');
}
