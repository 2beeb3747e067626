// All tenants of one engine process: routes bus events to each tenant's engine.
import type { BusEvent } from '../events/schema.ts';
import { tenantFromJSON, tenantToJSON, type TenantState } from './engine-state.ts';
import { TenantEngine, type TenantEngineOptions } from './tenant-engine.ts';

export interface EngineState {
  v: 1;
  tenants: TenantState[];
}

export class Engine {
  private readonly map = new Map<string, TenantEngine>();

  /** `defaults` apply to tenants created from now on (time zone, policies). */
  constructor(private readonly defaults: Omit<TenantEngineOptions, 'tenant'> = {}) {}

  tenant(t: string): TenantEngine {
    let e = this.map.get(t);
    if (!e) {
      e = new TenantEngine({ ...this.defaults, tenant: t });
      this.map.set(t, e);
    }
    return e;
  }

  /** false when the event is a duplicate or older than its tenant's horizon */
  apply(ev: BusEvent): boolean {
    return this.tenant(ev.tenant).apply(ev);
  }

  tenants(): string[] {
    return [...this.map.keys()];
  }

  evict(now: number): void {
    for (const e of this.map.values()) e.evict(now);
  }

  toJSON(): EngineState {
    return { v: 1, tenants: [...this.map.values()].map(tenantToJSON) };
  }

  static fromJSON(s: EngineState, defaults: Omit<TenantEngineOptions, 'tenant'> = {}): Engine {
    const e = new Engine(defaults);
    for (const t of s.tenants) e.map.set(t.tenant, tenantFromJSON(t));
    return e;
  }
}
