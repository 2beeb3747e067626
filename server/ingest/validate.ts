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
  // The parsed request body is ours: extend the object in place. A spread copy
  // ({ ...ev, tenant, … }) cost 2.3–2.6 µs per event here against 0.01 µs, more than
  // parsing and schema checking together (1.4 + 0.15 µs).
  const out = ev as BusEvent;
  out.tenant = tenant;
  out.ts = ts;
  out.received_at = now;
  return { ok: true, event: out };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const TIME_SHAPE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}/;
/** two ASCII digits at i (the shape is checked before) */
const two = (s: string, i: number) => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;

/**
 * Date.parse accepts 2026-02-31; RFC 3339 does not. Reads the digits by position: the
 * regex-with-groups version took 0.5 µs per event, this one 0.05 µs.
 */
function realCalendarTime(s: string): boolean {
  if (!TIME_SHAPE.test(s)) return false;
  const y = two(s, 0) * 100 + two(s, 2);
  const mo = two(s, 5);
  const d = two(s, 8);
  if (mo < 1 || mo > 12 || two(s, 11) > 23 || two(s, 14) > 59 || two(s, 17) > 60) return false;
  const leap = mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d >= 1 && d <= DAYS_IN_MONTH[mo - 1] + (leap ? 1 : 0);
}

export type { EventType };
