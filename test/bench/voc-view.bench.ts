// Measures the in-memory feedback view against deriving state per query from the change
// log, on one tenant with N submissions and ~3 changes each (run: npx tsx <this file> [N]).
// Prints figures; never fails. Targets: inbox page < 50 ms, KPI tick < 100 ms at 100k items.
import { FeedbackView, type ChangeRecord, type ItemRecord } from '../../pipelines/voc/feedback-view.ts';
import { deriveItem, isOverdue, vocKpis, type FeedbackChange } from '../../pipelines/voc/workflow.ts';
import { SUBCATEGORIES, categoryOf } from '../../pipelines/voc/taxonomy.ts';

const N = Number(process.argv[2] ?? 100_000);
const NOW = Date.UTC(2026, 10, 24, 12);
const HOUR = 3_600_000;
const subs = Object.keys(SUBCATEGORIES);

function time<T>(label: string, fn: () => T, reps = 1): T {
  let r!: T;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) r = fn();
  const ms = (performance.now() - t0) / reps;
  console.log(`${label.padEnd(52)} ${ms.toFixed(2).padStart(9)} ms`);
  return r;
}

const items: ItemRecord[] = [];
const changes: ChangeRecord[] = [];
let seq = 0;
for (let i = 0; i < N; i++) {
  const t = NOW - Math.floor(((N - i) / N) * 30 * 24 * HOUR);
  const sub = subs[i % subs.length];
  const id = `f${i}`;
  items.push({
    tenant: 't', feedback_id: id, submitted_at: t, survey: i % 2 ? 'nps' : 'csat', score: i % 2 ? i % 11 : 1 + (i % 5),
    comment: 'some comment text', language: 'en', language_detected: false, contact_id: '', ticket_id: '', agent_id: `a${i % 200}`,
    queue: `q${i % 10}`, channel: 'voice', category: categoryOf(sub)!, subcategory: sub, sentiment: ((i % 7) - 3) / 3,
    sentiment_label: i % 7 < 3 ? 'negative' : i % 7 > 3 ? 'positive' : 'neutral', classified_at: t,
  });
  const base = { feedback_id: id, actor: 'bench' };
  const cs: FeedbackChange[] = [];
  if (i % 3 !== 0) cs.push({ ...base, at: t + HOUR, kind: 'assigned', owner: `o${i % 30}`, team: `team${i % 5}` });
  if (i % 3 === 2) cs.push({ ...base, at: t + 2 * HOUR, kind: 'status', status: 'in_progress' });
  if (i % 4 === 0) cs.push({ ...base, at: t + 3 * HOUR, kind: 'follow_up', channel: 'phone', message: 'called' });
  for (const c of cs) changes.push({ tenant: 't', change_id: `c${seq}`, seq: seq++, change: c });
}
console.log(`${N} submissions, ${changes.length} changes`);

const view = new FeedbackView(() => 48);
time('restore view (add items + changes)', () => {
  view.addChanges(changes);
  for (const r of items) view.addItem(r);
});
time('inbox first page (50, no filter)', () => view.list('t', {}, NOW, 50), 20);
time('inbox page (50, status=new, negative)', () => view.list('t', { status: ['new'], sentiment_label: ['negative'] }, NOW, 50), 20);
time('inbox overdue=true (scan all)', () => view.list('t', { overdue: true }, NOW, 50), 5);
time('views range 7 d (range + vocKpis)', () => vocKpis(view.range('t', NOW - 7 * 24 * HOUR, NOW), NOW, NOW - 7 * 24 * HOUR), 5);
time('KPI tick (all/queue/channel/agent scopes, 3 windows)', () => view.kpis('t', NOW, { '15m': NOW - 900_000, '1h': NOW - HOUR, today: NOW - 12 * HOUR }), 5);
const extra: ChangeRecord = { tenant: 't', change_id: 'x', seq: seq++, change: { feedback_id: 'f5', actor: 'b', at: NOW, kind: 'note', text: 'x' } };
time('one PATCH (check + add change + re-derive item)', () => {
  view.check('t', 'f5', [extra.change]);
  view.addChanges([extra]);
});

// The alternative: derive every item from the log at query time.
const byItem = new Map<string, FeedbackChange[]>();
for (const c of changes) {
  const l = byItem.get(c.change.feedback_id) ?? [];
  l.push(c.change);
  byItem.set(c.change.feedback_id, l);
}
time('per query: derive all items, then overdue filter', () => {
  let n = 0;
  for (const r of items) {
    const { item } = deriveItem({ feedback_id: r.feedback_id, survey: r.survey, score: r.score, submitted_at: r.submitted_at }, byItem.get(r.feedback_id) ?? []);
    if (isOverdue(item, NOW)) n++;
  }
  return n;
}, 3);
const mb = process.memoryUsage().heapUsed / 1e6;
console.log(`heap used with the view: ${mb.toFixed(0)} MB (~${((mb * 1e6) / N).toFixed(0)} B per item)`);

// The tick skips items that cannot count: check it equals vocKpis over everything.
const starts = { '15m': NOW - 900_000, '1h': NOW - HOUR, today: NOW - 12 * HOUR };
const fast = view.kpis('t', NOW, starts).get('all')!;
const all = view.all('t');
const same = (['15m', '1h', 'today'] as const).every((w) => JSON.stringify(fast[w]) === JSON.stringify(vocKpis(all, NOW, starts[w])));
console.log(`tick KPIs equal vocKpis over all items: ${same ? 'yes' : 'NO'}`);
