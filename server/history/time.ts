// RFC 3339 parsing of query parameters (bucket labels are formatted by ClickHouse).
import { RFC3339 } from '../../pipelines/events/schema.ts';

const RE = new RegExp(RFC3339);
/** Epoch ms of an RFC 3339 string, or null when it is not one. */
export function parseRfc3339(s: string): number | null {
  if (!RE.test(s)) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}
