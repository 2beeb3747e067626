// The API areas and background roles beyond ingestion, in start order.
import type { Area } from './runtime.ts';
import { liveArea } from '../pipelines/live/live-area.ts';

export function allAreas(): Area[] {
  return [liveArea()];
}
