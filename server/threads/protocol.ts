// Messages between the main thread and a role thread (host.ts ↔ worker.ts). The main
// thread owns the ClickHouse client (embedded chDB exists once per process); threads
// send it SQL and bytes, and get bytes back. Buffers move where they can (insertTransfer).
import type { PartitionAssignment } from '../../pipelines/live/partition.ts';

export type RoleName = 'engine' | 'engine-checkpoint' | 'writer' | 'history';

export interface RoleThreadData {
  role: RoleName;
  natsUrl: string;
  logLevel: string;
  duplicateWindowMs: number;
  /** stream and KV replicas, as the main thread's bus has them */
  natsReplicas: number;
  /** engine-checkpoint: save interval */
  saveEveryMs: number;
  /** tests: a frozen clock for the engine */
  fixedNow?: number;
  /** engine and checkpointer: the tenants they serve */
  partitions: PartitionAssignment;
}

export type FromThread =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'metrics'; id: number; text: string }
  | { type: 'status'; id: number; status: unknown }
  | { type: 'query'; id: number; sql: string; params: Record<string, unknown> }
  | { type: 'insert'; id: number; table: string; body: Uint8Array; settings: Record<string, string | number> };

/**
 * What to transfer with an insert body instead of copying it: its buffer when the body
 * is all of it. The buffer is detached, so the caller must not use the body again (the
 * writer builds one per attempt). A view into a larger buffer is copied: transferring
 * would detach the rest of that buffer, which the caller may still hold.
 */
export function insertTransfer(body: Uint8Array): ArrayBuffer[] {
  return body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? [body.buffer as ArrayBuffer] : [];
}

export type ToThread =
  | { type: 'reply'; id: number; body?: Uint8Array; error?: { message: string; code?: string } }
  | { type: 'metrics'; id: number }
  | { type: 'status'; id: number }
  | { type: 'stop' };
