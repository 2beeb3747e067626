// One line of Asterisk's queue_log file: `time|callid|queue|agent|event|data1|…|dataN`,
// exactly as main/logger.c ast_queue_log() writes it ("%ld|%s|%s|%s|%s|" then the data).
// The data fields of each event, and how many of them there are, come from the
// ast_queue_log() calls in apps/app_queue.c and from the "Queue Logs" page of the Asterisk
// documentation (https://docs.asterisk.org/Operation/Logging/Queue-Logs/); see README.md.

export interface QueueLogLine {
  /** epoch milliseconds */
  t: number;
  /** the time field as written: part of the event id */
  time: string;
  callid: string;
  queue: string;
  agent: string;
  event: string;
  /** data1 … dataN (at least one, possibly empty, on lines written by ast_queue_log) */
  data: string[];
}

/** Reason codes, as counted in the rejects endpoint's `fw_adapter_records_rejected_total{reason}`. */
export type RejectReason = 'bad_field_count' | 'bad_time' | 'unknown_event' | 'unmappable';

export interface Rejected {
  reason: RejectReason;
  detail: string;
}

/**
 * What each event needs. `min` is the fewest data fields any Asterisk version writes for
 * it (older versions wrote fewer: e.g. TRANSFER gained holdtime|calltime in 1.4 and
 * origposition in 1.6); a line with fewer is refused as `bad_field_count`. Extra fields
 * are ignored. `fields` names them for the messages and the README.
 */
export interface EventSpec {
  min: number;
  fields: string;
  /** known to app_queue or the logger, but nothing in the event model corresponds */
  ignored?: boolean;
}

export const EVENTS: Record<string, EventSpec> = {
  ENTERQUEUE: { min: 2, fields: 'url|callerid|origposition|callername' },
  CONNECT: { min: 1, fields: 'holdtime|bridgeduniqueid|ringtime' },
  COMPLETECALLER: { min: 2, fields: 'holdtime|calltime|origposition' },
  COMPLETEAGENT: { min: 2, fields: 'holdtime|calltime|origposition' },
  ABANDON: { min: 3, fields: 'position|origposition|waittime' },
  EXITWITHTIMEOUT: { min: 1, fields: 'position|origposition|waittime' },
  EXITEMPTY: { min: 1, fields: 'position|origposition|waittime' },
  EXITWITHKEY: { min: 2, fields: 'key|position|origposition|waittime' },
  WITHDRAW: { min: 3, fields: 'position|origposition|waittime|withdrawinfo' },
  TRANSFER: { min: 2, fields: 'extension|context|holdtime|calltime|origposition' },
  BLINDTRANSFER: { min: 5, fields: 'extension|context|holdtime|calltime|origposition' },
  ATTENDEDTRANSFER: { min: 5, fields: 'BRIDGE|bridge or APP|app or LINK|chan1|chan2, then holdtime|calltime|origposition' },
  RINGNOANSWER: { min: 1, fields: 'ringtime_ms' },
  ADDMEMBER: { min: 0, fields: '"PAUSED" or empty' },
  REMOVEMEMBER: { min: 0, fields: '' },
  PAUSE: { min: 0, fields: 'reason' },
  UNPAUSE: { min: 0, fields: 'reason' },
  PAUSEALL: { min: 0, fields: 'reason' },
  UNPAUSEALL: { min: 0, fields: 'reason' },
  AGENTLOGIN: { min: 1, fields: 'channel' },
  AGENTLOGOFF: { min: 1, fields: 'channel|logintime' },
  AGENTCALLBACKLOGIN: { min: 1, fields: 'exten@context' },
  AGENTCALLBACKLOGOFF: { min: 1, fields: 'exten@context|logintime|reason' },
  // Written by app_queue or the logger, with nothing to map to.
  QUEUESTART: { min: 0, fields: '', ignored: true },
  CONFIGRELOAD: { min: 0, fields: '', ignored: true },
  RINGCANCELED: { min: 0, fields: 'ringtime_ms', ignored: true },
  AGENTDUMP: { min: 0, fields: '', ignored: true },
  SYSCOMPAT: { min: 0, fields: '', ignored: true },
  PENALTY: { min: 0, fields: 'penalty', ignored: true },
  RINGINUSE: { min: 0, fields: 'ringinuse', ignored: true },
  OUTCALL: { min: 0, fields: 'status|talktime|params', ignored: true },
  AGENTCALLED: { min: 0, fields: 'channel', ignored: true },
  // Written by dialplans (FreePBX and others) with the QueueLog() application.
  DID: { min: 0, fields: 'did', ignored: true },
  INFO: { min: 0, fields: 'free text', ignored: true },
};

// 2000-01-01 .. 2100-01-01: a plain integer outside it is not epoch seconds (it may be
// milliseconds, or a line whose fields slipped).
const MIN_S = 946_684_800;
const MAX_S = 4_102_444_800;
const TIME_RE = /^\d{9,10}(\.\d{1,6})?$/;

/**
 * The time rule: epoch seconds as app_queue writes them (`time(NULL)`, an integer), with an
 * optional fraction of up to 6 digits accepted for files written by other tools; kept to the
 * millisecond. Anything else (the realtime table's "2026-11-24 10:00:00.000000", epoch
 * milliseconds, empty) is `bad_time`.
 */
export function parseTime(s: string): number {
  if (!TIME_RE.test(s)) return NaN;
  const v = Number(s);
  return v >= MIN_S && v < MAX_S ? Math.round(v * 1000) : NaN;
}

/**
 * Parses one line (without its newline; a trailing CR is dropped). `outcomeEvent` is the
 * custom call-outcome event name that the mapper understands besides EVENTS.
 */
export function parseLine(raw: string, outcomeEvent = ''): QueueLogLine | Rejected {
  const s = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
  const f = s.split('|');
  if (f.length < 5) return { reason: 'bad_field_count', detail: `${f.length} fields, at least 5 needed (time|callid|queue|agent|event)` };
  const t = parseTime(f[0]);
  if (Number.isNaN(t)) return { reason: 'bad_time', detail: `"${f[0].slice(0, 40)}" is not epoch seconds` };
  const event = f[4];
  const spec = EVENTS[event];
  if (spec === undefined && event !== outcomeEvent) {
    return { reason: 'unknown_event', detail: `unknown event "${event.slice(0, 60)}"` };
  }
  const data = f.length > 5 ? f.slice(5) : [];
  if (spec !== undefined && data.length < spec.min) {
    return {
      reason: 'bad_field_count',
      detail: `${event} needs ${spec.min} data field${spec.min > 1 ? 's' : ''} (${spec.fields}), got ${data.length}`,
    };
  }
  return { t, time: f[0], callid: f[1], queue: f[2], agent: f[3], event, data };
}

export const isRejected = (r: QueueLogLine | Rejected): r is Rejected => (r as Rejected).reason !== undefined;

/** A non-negative integer data field, or undefined (app_queue writes %d / %ld). */
export function intField(s: string | undefined): number | undefined {
  if (s === undefined || s === '' || s.length > 12) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(s);
}
