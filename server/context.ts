// What every plugin gets: the running parts of this process and the auth helpers.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from './config.ts';
import type { Bus } from '../pipelines/bus/bus.ts';
import type { KvMap } from '../pipelines/bus/kv-map.ts';
import type { KeyScope, KeyStore, Principal } from './auth/keys.ts';
import type { Registry } from './metrics.ts';
import { Errors } from './errors.ts';

export interface Services {
  config: Config;
  log: Logger;
  metrics: Registry;
  bus: Bus;
  ch: ClickHouseClient;
  keys: KeyStore;
  /** a watched, cached NATS KV bucket (config: tenants, queues, boards, rules …) */
  kv<T>(bucket: string): Promise<KvMap<T>>;
  /** true once migrations are applied */
  ready(): boolean;
  /** what roles add to /health, by name (the engine: its partitions, position and consumer) */
  status: Map<string, () => Promise<unknown>>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** onRequest hook: 401 without a key, 403 when the key lacks the scope. */
export function requireScope(scope: KeyScope) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const p = req.principal;
    if (!p) throw new Errors.Unauthorized('an API key is required: send Authorization: Bearer <key>');
    if (!p.scopes.has(scope)) throw new Errors.Forbidden(`this key lacks the "${scope}" scope`);
  };
}

/** The tenant of the authenticated request (call after requireScope). */
export function tenantOf(req: FastifyRequest): string {
  return req.principal!.tenant;
}
