// API keys: `fw_<id>_<secret>`. Only sha256(secret) is stored; the id finds the record
// without scanning. Keys are random 256-bit secrets, so a fast hash is enough (no
// password stretching needed) and comparison is constant-time.
import crypto from 'node:crypto';
import type { KvMap } from '../../pipelines/bus/kv-map.ts';
import { TENANT_RE } from '../../pipelines/bus/subjects.ts';

export const SCOPES = ['ingest', 'read', 'admin'] as const;
export type KeyScope = (typeof SCOPES)[number];

export interface KeyRecord {
  id: string;
  tenant: string;
  scopes: KeyScope[];
  hash: string;
  name: string | null;
  created_at: string;
}

export interface Principal {
  keyId: string;
  tenant: string;
  scopes: ReadonlySet<KeyScope>;
}

export const BOOTSTRAP_TENANT = 'default';
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export function generateKey(tenant: string, scopes: KeyScope[], name: string | null = null) {
  const id = crypto.randomBytes(9).toString('base64url').replace(/[-_]/g, 'x');
  const secret = crypto.randomBytes(32).toString('base64url');
  const record: KeyRecord = { id, tenant, scopes, hash: sha256(secret), name, created_at: new Date().toISOString() };
  return { key: `fw_${id}_${secret}`, record };
}

export function validTenant(t: string): boolean {
  return TENANT_RE.test(t);
}

export class KeyStore {
  private adminHash: string | null;
  constructor(
    private map: KvMap<KeyRecord>,
    adminKey: string | null,
  ) {
    this.adminHash = adminKey ? sha256(adminKey) : null;
  }

  /** the principal a presented key stands for, or null */
  verify(presented: string): Principal | null {
    if (this.adminHash && safeEqual(sha256(presented), this.adminHash))
      return { keyId: 'env:ADMIN_KEY', tenant: BOOTSTRAP_TENANT, scopes: new Set(SCOPES) };
    const m = /^fw_([A-Za-z0-9]+)_([A-Za-z0-9_-]+)$/.exec(presented);
    if (!m) return null;
    const rec = this.map.get(m[1]);
    if (!rec || !safeEqual(sha256(m[2]), rec.hash)) return null;
    return { keyId: rec.id, tenant: rec.tenant, scopes: new Set(rec.scopes) };
  }

  byId(id: string): Principal | null {
    if (id === 'env:ADMIN_KEY' && this.adminHash)
      return { keyId: id, tenant: BOOTSTRAP_TENANT, scopes: new Set(SCOPES) };
    const rec = this.map.get(id);
    return rec ? { keyId: rec.id, tenant: rec.tenant, scopes: new Set(rec.scopes) } : null;
  }

  async create(tenant: string, scopes: KeyScope[], name: string | null = null) {
    const { key, record } = generateKey(tenant, scopes, name);
    await this.map.put(record.id, record);
    return { key, record };
  }

  list(tenant: string): Omit<KeyRecord, 'hash'>[] {
    return this.map
      .values()
      .filter((r) => r.tenant === tenant)
      .map(({ hash: _h, ...rest }) => rest);
  }

  get(id: string): KeyRecord | undefined {
    return this.map.get(id);
  }

  async revoke(id: string): Promise<void> {
    await this.map.delete(id);
  }

  hasAdmin(tenant: string): boolean {
    return this.adminHash !== null || this.map.values().some((r) => r.tenant === tenant && r.scopes.includes('admin'));
  }

  tenants(): string[] {
    return [...new Set(this.map.values().map((r) => r.tenant))];
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
