// Tenant and queue settings, kept in NATS KV so every node (and the engine) sees a
// change at once.
import { DEFAULT_POLICY, type QueuePolicy } from '../pipelines/engine/types.ts';
import { kvToken, fromKvToken } from '../pipelines/bus/subjects.ts';
import type { KvMap } from '../pipelines/bus/kv-map.ts';

export interface TenantSettings {
  name: string | null;
  time_zone: string;
  allow_private_webhooks: boolean;
  /** hours within which a detractor must be followed up (voice of the customer) */
  voc_follow_up_hours: number;
}
export const DEFAULT_TENANT: TenantSettings = {
  name: null,
  time_zone: 'UTC',
  allow_private_webhooks: false,
  voc_follow_up_hours: 48,
};

export interface QueueSettings extends QueuePolicy {
  name: string | null;
}

export const TENANTS_BUCKET = 'fw_tenants';
export const QUEUES_BUCKET = 'fw_queues';

export const queueKey = (tenant: string, queue: string) => `${tenant}.${kvToken(queue)}`;
export function parseQueueKey(k: string): { tenant: string; queue: string } {
  const i = k.indexOf('.');
  return { tenant: k.slice(0, i), queue: fromKvToken(k.slice(i + 1)) };
}

export function tenantSettings(map: KvMap<Partial<TenantSettings>>, tenant: string): TenantSettings {
  return { ...DEFAULT_TENANT, ...map.get(tenant) };
}

export function queueSettings(map: KvMap<Partial<QueueSettings>>, tenant: string, queue: string): QueueSettings {
  return { name: null, ...DEFAULT_POLICY, ...map.get(queueKey(tenant, queue)) };
}

export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
