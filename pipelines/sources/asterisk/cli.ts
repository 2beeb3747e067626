// `npm run adapter:asterisk -- [--follow] FILE`: Asterisk's queue_log into Floorwatch.
// The CLI is the config boundary: flags, FLOORWATCH_URL / FLOORWATCH_KEY and the --config
// file are read and checked here, with a one-line error for each mistake.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { CcEvent } from '../../events/schema.ts';
import { loadConfig } from './config-file.ts';
import { Delivery, DeliveryError } from './delivery.ts';
import { Follower } from './follow.ts';
import { importFile, type Outlet } from './import.ts';
import type { MapperConfig, MapStats, RejectRecord } from './mapper.ts';
import { statePathFor } from './state-file.ts';

const HELP = `usage: npm run adapter:asterisk -- [options] FILE            import FILE once
       npm run adapter:asterisk -- --follow [options] FILE   tail FILE (e.g. /var/log/asterisk/queue_log)
  --url URL        Floorwatch (default: $FLOORWATCH_URL)
  --key KEY        an ingest key (default: $FLOORWATCH_KEY)
  --config FILE    JSON: agents {team, name, wrapup_s}, queues {wrapup_s}, outcomes {event, resolved, unresolved}
  --wrapup-s N     wrap-up after a call when neither member nor queue sets one (default 0)
  --overflow-s N   an ENTERQUEUE this many seconds after an EXIT* of the same call is a transfer (default 5)
  --id-prefix P    event id prefix (default ast); one per PBX when several feed one tenant
  --batch N        events per request (default 2000)
  --state DIR      --follow: directory of the state file (default: beside FILE, .<name>.floorwatch.json)
  --from-end       --follow, first start only: skip what FILE already holds
  --poll-ms N      --follow: how often FILE is looked at (default 250)
  --dry-run        print the events as NDJSON on stdout instead of sending them
  --json           print the summary as one JSON line`;

function fail(message: string): never {
  process.stderr.write(`adapter:asterisk: ${message}\n`);
  process.exit(2);
}

const log = (m: string) => process.stderr.write(`adapter:asterisk: ${m}\n`);

function num(name: string, v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || n < min || n > max) fail(`--${name} must be a number from ${min} to ${max}, got "${v}"`);
  return n;
}

const printer = (): Outlet => ({
  push: async (events: CcEvent[]) => {
    if (events.length) process.stdout.write(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  },
  flush: async () => {},
  rejects: async () => {},
});

function summary(file: string, s: MapStats, kept: RejectRecord[], d: Delivery | null, json: boolean): string {
  const sink = d?.sink.stats;
  const total = Object.values(s.rejected).reduce((a, b) => a + b, 0);
  if (json) {
    return JSON.stringify({
      file, lines: s.lines, blank: s.blank, mapped: s.mapped, events: s.events, ignored: s.ignored, rejected: s.rejected,
      rejects: kept.map((r) => ({ line: r.line, reason: r.reason, detail: r.detail })),
      sent: sink?.sent ?? 0, accepted: sink?.accepted ?? 0, server_rejected: sink?.rejected ?? 0, failed: sink?.failed ?? 0,
      rejects_stored: d?.rejectStats.stored ?? 0, rejects_unsent: d?.rejectStats.unsent ?? 0,
    });
  }
  const counts = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ');
  const out = [
    `${file}: ${s.lines} lines, ${s.mapped} mapped, ${s.events} events` +
      (sink ? ` (${sink.accepted} accepted, ${sink.rejected} refused by the server, ${sink.failed} failed)` : '') +
      `, ${Object.values(s.ignored).reduce((a, b) => a + b, 0)} ignored${Object.keys(s.ignored).length ? ` (${counts(s.ignored)})` : ''}` +
      `, ${total} rejected${total ? ` (${counts(s.rejected)})` : ''}`,
  ];
  for (const r of kept.slice(0, 50)) out.push(`  line ${r.line}: ${r.reason}: ${r.detail}`);
  if (total > 50) out.push(`  … ${total - 50} more`);
  if (d && total) out.push(`  rejects stored by Floorwatch: ${d.rejectStats.stored}${d.rejectStats.unsent ? `, not stored: ${d.rejectStats.unsent}` : ''}`);
  return out.join('\n');
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        follow: { type: 'boolean' }, url: { type: 'string' }, key: { type: 'string' }, config: { type: 'string' },
        'wrapup-s': { type: 'string' }, 'overflow-s': { type: 'string' }, 'id-prefix': { type: 'string' },
        batch: { type: 'string' }, state: { type: 'string' }, 'from-end': { type: 'boolean' }, 'poll-ms': { type: 'string' },
        'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    fail(`${(err as Error).message} (see --help)`);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (parsed.positionals.length !== 1) fail(`give exactly one queue_log FILE (see --help)`);
  const file = parsed.positionals[0];
  if (!v.follow && !fs.existsSync(file)) fail(`${file} does not exist`);
  const dry = v['dry-run'] === true;
  const url = v.url ?? process.env.FLOORWATCH_URL;
  const key = v.key ?? process.env.FLOORWATCH_KEY;
  if (!dry && !url) fail('FLOORWATCH_URL is not set: give the Floorwatch address (e.g. http://floorwatch:3000) in FLOORWATCH_URL or --url');
  if (!dry && !/^https?:\/\/[^/]/.test(url!)) fail(`FLOORWATCH_URL must be an http(s) URL, got "${url}"`);
  if (!dry && !key) fail('FLOORWATCH_KEY is not set: create an ingest key (npm run keys -- create --scopes ingest) and put it in FLOORWATCH_KEY or --key');
  const prefix = v['id-prefix'] ?? 'ast';
  if (!/^[A-Za-z0-9_-]{1,16}$/.test(prefix)) fail(`--id-prefix must be 1-16 letters, digits, - or _, got "${prefix}"`);
  let cfg: MapperConfig;
  try {
    cfg = v.config ? loadConfig(v.config) : {};
  } catch (err) {
    fail((err as Error).message);
  }
  cfg.wrapupS = num('wrapup-s', v['wrapup-s'], 0, 0, 86_400);
  cfg.overflowS = num('overflow-s', v['overflow-s'], 5, 0, 9);
  cfg.idPrefix = prefix;
  const batch = num('batch', v.batch, 2000, 1, 10_000);
  const delivery = dry ? null : new Delivery({ url: url!, key: key!, batchSize: batch, log, maxAttempts: v.follow ? Infinity : 10 });
  const outlet = delivery ?? printer();
  const json = v.json === true;
  // the summary goes to stdout, or to stderr when stdout carries the --dry-run events
  const print = (s: string) => (dry ? process.stderr : process.stdout).write(`${s}\n`);

  if (!v.follow) {
    try {
      const r = await importFile(file, cfg, outlet, { log });
      print(summary(file, r.stats, r.rejects, delivery, json));
      if (delivery && delivery.sink.stats.failed > 0) process.exitCode = 1;
    } catch (err) {
      if (err instanceof DeliveryError) fail(err.message);
      throw err;
    }
    return;
  }
  const follower = new Follower({
    file, statePath: statePathFor(file, v.state), cfg, outlet, log, fromEnd: v['from-end'] === true,
    pollMs: num('poll-ms', v['poll-ms'], 250, 10, 60_000),
  });
  let stops = 0;
  const stop = () => {
    if (++stops > 1) process.exit(130); // a second signal: do not wait for the server
    follower.stop();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    await follower.run();
  } catch (err) {
    if (err instanceof DeliveryError) {
      log(`${err.message}; the offset stays where the last accepted batch ended`);
      process.exitCode = 1;
    } else throw err;
  }
  print(summary(file, follower.stats, follower.kept, delivery, json));
}

main().catch((err) => {
  process.stderr.write(`adapter:asterisk: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
