// Reconnect delays for the wall's socket: exponential so a down server is not hammered,
// jittered so a room full of walls does not reconnect in lockstep after a restart.
export interface Backoff {
  baseMs: number;
  maxMs: number;
}
export const DEFAULT_BACKOFF: Backoff = { baseMs: 500, maxMs: 15_000 };

/** Delay before reconnect attempt `attempt` (0-based): between half and all of base·2^attempt, capped. */
export function backoffDelay(attempt: number, b: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(b.maxMs, b.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
