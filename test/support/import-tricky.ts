// NDJSON lines that test whether an import stores an event from its own bytes exactly as
// from the event stringified again (server/import/event-bytes.ts): canonical lines (taken
// as they are) next to lines JSON.parse reads the same but JSON.stringify writes otherwise
// (spaces, escapes, number forms, repeated keys, integer-like attrs keys, bytes that are
// not UTF-8, a lone surrogate). `copied` says which the byte path should take.
export const TRICKY_TIME = '2026-03-02T10:00:00.000Z';

const q = (id: string, extra = '') => `{"id":"${id}","type":"contact.queued","time":"${TRICKY_TIME}","contact_id":"c-${id}","queue":"q1","channel":"voice"${extra}}`;

export const TRICKY: { name: string; line: string | Buffer; copied: boolean }[] = [
  { name: 'plain', line: q('t01'), copied: true },
  { name: 'unicode (2-, 3- and 4-byte UTF-8)', line: q('t02', ',"attrs":{"name":"Zoë","city":"東京","mood":"😀"}'), copied: true },
  { name: 'escapes JSON.stringify writes', line: q('t03', ',"attrs":{"note":"a\\"b\\\\c\\nd\\te\\rf\\bg\\fh"}'), copied: true },
  { name: 'U+2028 and DEL written raw', line: q('t04', ',"attrs":{"x":"a\u2028b\u007fc"}'), copied: true },
  { name: 'fields in another order, priority, negative integer', line: `{"type":"contact.queued","queue":"q1","id":"t05","channel":"chat","contact_id":"c5","time":"${TRICKY_TIME}","priority":-3}`, copied: true },
  { name: 'booleans, integers, arrays', line: `{"id":"t06","type":"contact.wrapped","time":"${TRICKY_TIME}","contact_id":"c6","agent_id":"a1","resolved":false}`, copied: true },
  { name: 'agent state with queues', line: `{"id":"t07","type":"agent.state","time":"${TRICKY_TIME}","agent_id":"a1","state":"available","queues":["q1","q2"],"attrs":{}}`, copied: true },
  { name: 'time with an offset, before 1970', line: `{"id":"t08","type":"ticket.reopened","time":"1969-12-31T23:59:59.5+01:00","ticket_id":"k8"}`, copied: true },
  { name: 'feedback with a comment and a language', line: `{"id":"t09","type":"feedback.submitted","time":"${TRICKY_TIME}","survey":"nps","score":0,"comment":"très \\"bien\\"","language":"fr-CA"}`, copied: true },
  { name: 'spaces', line: `{ "id": "t10", "type": "contact.queued", "time": "${TRICKY_TIME}", "contact_id": "c10", "queue": "q1", "channel": "voice" }`, copied: false },
  { name: 'a \\u escape of a plain letter', line: q('t11', ',"attrs":{"name":"Zo\\u00eb"}'), copied: false },
  { name: 'an escaped slash', line: q('t12', ',"attrs":{"url":"a\\/b"}'), copied: false },
  { name: 'an escaped control character', line: q('t13', ',"attrs":{"c":"a\\u0001b"}'), copied: false },
  { name: 'a lone surrogate', line: q('t14', ',"attrs":{"s":"x\\ud800y"}'), copied: false },
  { name: 'an escaped surrogate pair', line: q('t15', ',"attrs":{"s":"\\ud83d\\ude00"}'), copied: false },
  { name: 'an integer written 1.0', line: q('t16', ',"priority":1.0'), copied: false },
  { name: 'an integer written 1e2', line: q('t17', ',"priority":1e2'), copied: false },
  { name: 'an integer written -0', line: q('t18', ',"priority":-0'), copied: false },
  { name: 'an integer beyond 2^53', line: q('t19', ',"priority":123456789012345678'), copied: false },
  { name: 'a repeated key', line: q('t20', ',"queue":"q2"'), copied: false },
  { name: 'a repeated attrs key', line: q('t21', ',"attrs":{"k":"1","k":"2"}'), copied: false },
  { name: 'integer-like attrs keys (JSON.parse orders them first)', line: q('t22', ',"attrs":{"b":"x","10":"y","2":"z"}'), copied: false },
  { name: 'bytes that are not UTF-8', line: Buffer.concat([Buffer.from(q('t23', ',"attrs":{"b":"a').slice(0, -1)), Buffer.from('a'), Buffer.from([0xff, 0xfe]), Buffer.from('b"}}')]), copied: false },
  { name: 'a string that holds a backslash-u-d', line: q('t24', ',"attrs":{"s":"\\\\ud800"}'), copied: true },
];

/** The lines as one NDJSON body (CRLF after every other line). */
export function trickyNdjson(): Buffer {
  return Buffer.concat(TRICKY.flatMap((t, i) => [Buffer.isBuffer(t.line) ? t.line : Buffer.from(t.line), Buffer.from(i % 2 ? '\r\n' : '\n')]));
}
