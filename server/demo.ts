// npm run demo: Floorwatch with embedded storage and a private NATS, seven days of
// simulated history, then live traffic; prints the wall URL with a read key.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.ts';
import { main } from './main.ts';
import { runSimulation } from '../pipelines/sources/run-simulation.ts';
import { BOOTSTRAP_TENANT } from './auth/keys.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WEEK_MS = 7 * 86_400_000;

function ensureWebBuild() {
  if (fs.existsSync(path.join(ROOT, 'web/build/index.html'))) return;
  console.log('Building the web app (first run only)…');
  execFileSync('npm', ['run', '-s', 'build:web'], { cwd: ROOT, stdio: 'inherit' });
}

async function lastEventAt(rt: Awaited<ReturnType<typeof main>>): Promise<number | null> {
  const r = await rt.svc.ch.query({
    query: 'SELECT toUnixTimestamp64Milli(max(time)) AS t, count() AS n FROM events WHERE tenant = {t:String}',
    query_params: { t: BOOTSTRAP_TENANT },
    format: 'JSONEachRow',
  });
  const [row] = await r.json<{ t: number; n: number }>();
  return Number(row?.n) > 0 ? Number(row.t) : null;
}

async function demo() {
  ensureWebBuild();
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env }, process.argv.slice(2));
  const rt = await main(config);
  const keys = rt.svc.keys;
  // Fresh keys each run; the previous run's demo keys are revoked.
  for (const k of keys.list(BOOTSTRAP_TENANT)) if (k.name?.startsWith('demo ')) await keys.revoke(k.id);
  const ingest = await keys.create(BOOTSTRAP_TENANT, ['ingest'], 'demo simulator');
  const read = await keys.create(BOOTSTRAP_TENANT, ['read'], 'demo wall');
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${(rt.app.server.address() as { port: number }).port}`;

  const last = await lastEventAt(rt);
  const warmupMs = last === null ? WEEK_MS : Math.min(WEEK_MS, Math.max(60_000, Date.now() - last));
  console.log(`
Floorwatch demo is running.

  Wall display:  ${url}/wall/default?key=${read.key}
  History:       ${url}/history?key=${read.key}
  API docs:      ${url}/docs

Sending ${Math.round(warmupMs / 3_600_000)} h of simulated history first, then live traffic. Ctrl-C stops.
`);
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  let lastLine = 0;
  await runSimulation({
    url,
    key: ingest.key,
    seed: `demo-${Date.now()}`,
    agents: 40,
    queues: 6,
    warmupMs,
    signal: stop.signal,
    onProgress: (p) => {
      if (p.mode === 'live' && Date.now() - lastLine < 10_000) return;
      lastLine = Date.now();
      process.stderr.write(
        `\r  sent ${p.sent.toLocaleString('en')} events (${Math.round(p.rate).toLocaleString('en')}/s), simulated time ${p.simTime?.slice(0, 19) ?? '–'}, errors ${p.errors}   `,
      );
    },
  }).catch((err) => console.error(`\nsimulator stopped: ${(err as Error).message}`));
}

await demo();
