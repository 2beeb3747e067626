// Validation and normalisation of incoming events: the TypeBox schemas of
// pipelines/events/schema.ts compiled once, plus the rules JSON Schema cannot say
// (score range per survey, real calendar times, not too far in the future).
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { EventSchemas, EVENT_TYPES, SCORE_RANGES, type BusEvent, type CcEvent, type EventType } from '../../pipelines/events/schema.ts';

const checks = new Map<string, TypeCheck<any>>(
  Object.entries(EventSchemas).map(([t, s]) => [t, TypeCompiler.Compile(s)]),
);

const FUTURE_LIMIT_MS = 7 * 86_400_000;

export interface Rejection {
  index: number;
  id?: string;
  errors: string[];
  reason: string;
}

function field(path: string) {
  return path.replace(/^\//, '').replace(/\//g, '.') || '(event)';
}

/** Returns the normalised bus event, or the list of reasons it was rejected. */
export function validateEvent(
  raw: unknown,
  tenant: string,
  now: number,
): { ok: true; event: BusEvent } | { ok: false; errors: string[]; reason: string } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, errors: ['(event): must be a JSON object'], reason: 'not_object' };
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string')
    return { ok: false, errors: ['type: is required (one of ' + EVENT_TYPES.join(', ') + ')'], reason: 'missing_field' };
  const check = checks.get(type);
  if (!check)
    return {
      ok: false,
      errors: [`type: unknown event type "${type.slice(0, 64)}" (expected one of ${EVENT_TYPES.join(', ')})`],
      reason: 'unknown_type',
    };
  if (!check.Check(raw)) {
    const errors: string[] = [];
    let reason = 'invalid_field';
    for (const e of check.Errors(raw)) {
      if (errors.length >= 10) break;
      const f = field(e.path);
      // TypeBox reports an unexpected property with the property's own path.
      if (e.message.startsWith('Unexpected property')) {
        errors.push(`${f}: unknown field (not part of ${type})`);
        reason = 'unknown_field';
      } else if (e.message.startsWith('Expected required property')) {
        errors.push(`${f}: is required for ${type}`);
        if (reason === 'invalid_field') reason = 'missing_field';
      } else errors.push(`${f}: ${e.message.replace(/^Expected /, 'must be ')}`);
    }
    return { ok: false, errors: [...new Set(errors)], reason };
  }
  const ev = raw as CcEvent;
  const ts = Date.parse(ev.time);
  if (!Number.isFinite(ts) || !realCalendarTime(ev.time))
    return { ok: false, errors: [`time: "${ev.time}" is not a valid RFC 3339 time`], reason: 'bad_time' };
  if (ts > now + FUTURE_LIMIT_MS)
    return { ok: false, errors: ['time: more than 7 days in the future'], reason: 'bad_time' };
  if (ev.type === 'ticket.created' && ev.first_response_due !== undefined) {
    if (!realCalendarTime(ev.first_response_due) || !Number.isFinite(Date.parse(ev.first_response_due)))
      return { ok: false, errors: ['first_response_due: is not a valid RFC 3339 time'], reason: 'bad_time' };
  }
  if (ev.type === 'feedback.submitted') {
    const [lo, hi] = SCORE_RANGES[ev.survey as keyof typeof SCORE_RANGES];
    if (ev.score < lo || ev.score > hi)
      return {
        ok: false,
        errors: [`score: ${ev.score} is out of range for ${ev.survey} (${lo}–${hi})`],
        reason: 'out_of_range',
      };
  }
  return { ok: true, event: { ...ev, tenant, ts, received_at: now } as BusEvent };
}

/** Date.parse accepts 2026-02-31; RFC 3339 does not. */
function realCalendarTime(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})/.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 60) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d >= 1 && d <= days;
}

export type { EventType };
