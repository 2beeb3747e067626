// The API areas and background roles beyond ingestion, in start order.
import type { Area } from './runtime.ts';

export function allAreas(): Area[] {
  return [];
}
