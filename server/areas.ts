// The API areas and background roles beyond ingestion, in start order.
import type { Area } from './runtime.ts';
import { liveArea } from '../pipelines/live/live-area.ts';
import { alertsArea } from '../pipelines/alerts/area.ts';
import { vocArea } from '../pipelines/voc/area.ts';
import { historyArea } from './history/area.ts';

export function allAreas(): Area[] {
  return [liveArea(), historyArea(), alertsArea(), vocArea()];
}
