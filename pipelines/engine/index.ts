// Public surface of the live KPI engine (see README.md).
export { Engine, type EngineState } from './engine.ts';
export { TenantEngine, type TenantEngineOptions } from './tenant-engine.ts';
export { tenantToJSON, tenantFromJSON, type TenantState } from './engine-state.ts';
export { erlangC, erlangAsa, serviceLevel, agentsRequired, type StaffingInput } from './erlang.ts';
export { localMidnight } from './day-start.ts';
export * from './types.ts';
