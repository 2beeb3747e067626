// Messages between the main thread and a role thread (host.ts ↔ worker.ts). The main
// thread owns the ClickHouse client (embedded chDB exists once per process); threads
// send it SQL and bytes, and get bytes back. Buffers move, they are not copied.

export type RoleName = 'engine' | 'engine-checkpoint' | 'writer' | 'history';

export interface RoleThreadData {
  role: RoleName;
  natsUrl: string;
  logLevel: string;
  duplicateWindowMs: number;
  /** engine-checkpoint: save interval */
  saveEveryMs: number;
  /** tests: a frozen clock for the engine */
  fixedNow?: number;
}

export type FromThread =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'metrics'; id: number; text: string }
  | { type: 'query'; id: number; sql: string; params: Record<string, unknown> }
  | { type: 'insert'; id: number; table: string; body: Uint8Array; settings: Record<string, string | number> };

export type ToThread =
  | { type: 'reply'; id: number; body?: Uint8Array; error?: { message: string; code?: string } }
  | { type: 'metrics'; id: number }
  | { type: 'stop' };
