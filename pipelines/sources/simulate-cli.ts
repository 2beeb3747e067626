// `npm run simulate -- --url … --key … --agents 40 --queues 6 --speed 1 --duration 10m --seed 1`
// Live by default; `--from -7d --to now` backfills history as fast as the server accepts.
// The key may come from FLOORWATCH_KEY (read here only: the CLI is the config boundary).
import { parseArgs } from 'node:util';
import { parseDuration, parseInstant } from './cli-args.ts';
import { runSimulation, type Progress } from './run-simulation.ts';

const HELP = `usage: npm run simulate -- [options]
  --url URL          server (default http://127.0.0.1:3000)
  --key KEY          ingest API key (default: $FLOORWATCH_KEY)
  --agents N         agents (default 40)
  --queues N         queues (default 6)
  --seed S           seed (default 1): the same seed gives the same center
  --tz ZONE          tenant time zone of the intraday profile (default UTC)
  --speed X          live: simulated seconds per real second (default 1)
  --duration D       live: run time, e.g. 10m, 2h; 0 = forever (default 0)
  --warmup D         live: history sent first (default 1h)
  --from T --to T    backfill a range: ISO time, now, or relative (-7d)`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${HELP}\n`);
  process.exit(2);
}

function line(p: Progress): string {
  const sim = p.simTime ? p.simTime.slice(0, 19).replace('T', ' ') : '–';
  return `${p.mode} · sent ${p.sent.toLocaleString('en')} · ${Math.round(p.rate).toLocaleString('en')}/s · accepted ${p.accepted.toLocaleString('en')} · rejected ${p.rejected} · errors ${p.errors} · retries ${p.retries} · failed ${p.failed} · sim ${sim}Z`;
}

/** `--from -7d` reads as two flags to parseArgs; join such values as `--from=-7d`. */
function joinRelative(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if ((args[i] === '--from' || args[i] === '--to') && next !== undefined && /^[-+]\d/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: joinRelative(process.argv.slice(2)),
      options: {
        url: { type: 'string', default: 'http://127.0.0.1:3000' },
        key: { type: 'string' },
        agents: { type: 'string', default: '40' },
        queues: { type: 'string', default: '6' },
        seed: { type: 'string', default: '1' },
        tz: { type: 'string', default: 'UTC' },
        speed: { type: 'string', default: '1' },
        duration: { type: 'string', default: '0' },
        warmup: { type: 'string', default: '1h' },
        from: { type: 'string' },
        to: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const key = values.key ?? process.env.FLOORWATCH_KEY;
  if (!key) fail('no API key: pass --key or set FLOORWATCH_KEY');
  const int = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer`);
    return n;
  };
  const speed = Number(values.speed);
  if (!(speed > 0)) fail('--speed must be > 0');
  let from: number | undefined;
  let to: number | undefined;
  let durationMs: number;
  let warmupMs: number;
  try {
    const now = Date.now();
    from = values.from !== undefined ? parseInstant(values.from, now) : undefined;
    to = values.to !== undefined ? parseInstant(values.to, now) : undefined;
    durationMs = parseDuration(values.duration);
    warmupMs = parseDuration(values.warmup);
  } catch (err) {
    fail((err as Error).message);
  }
  if (to !== undefined && from === undefined) fail('--to needs --from');
  if (from !== undefined && to !== undefined && to <= from) fail('--to must be after --from');

  const abort = new AbortController();
  let interrupted = 0;
  process.on('SIGINT', () => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    process.stderr.write('\nstopping: flushing what was generated (Ctrl-C again to quit now)…\n');
    abort.abort();
  });
  const tty = process.stderr.isTTY;
  const summary = await runSimulation({
    url: values.url,
    key,
    seed: values.seed,
    agents: int('agents', values.agents),
    queues: int('queues', values.queues),
    tenantTimeZone: values.tz,
    speed,
    durationMs,
    warmupMs,
    from,
    to,
    signal: abort.signal,
    onProgress: (p) => process.stderr.write(tty ? `\r\x1b[2K${line(p)}` : `${line(p)}\n`),
    log: (m) => process.stderr.write(`${tty ? '\n' : ''}${m}\n`),
  });
  process.stderr.write(`${tty ? '\n' : ''}done in ${(summary.elapsedMs / 1000).toFixed(1)} s: ${line(summary)}\n`);
  process.exitCode = summary.failed > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`simulate: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
