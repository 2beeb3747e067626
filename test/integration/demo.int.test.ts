// `npm run demo` on an empty data dir: within 30 s the wall's API shows answered
// contacts and agents, and the printed wall URL carries a read key that works.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { ROOT, tempDir } from '../support/harness.ts';
import { freePort } from '../../pipelines/bus/nats-server.ts';

let proc: ChildProcess | null = null;
afterAll(async () => {
  if (proc && proc.exitCode === null) {
    const done = new Promise((r) => proc!.once('exit', r));
    proc.kill('SIGINT');
    await done;
  }
});

it('starts, backfills and shows live numbers within 30 s', async () => {
  const port = await freePort();
  const t0 = Date.now();
  proc = spawn(process.execPath, ['--import', 'tsx', 'server/demo.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: tempDir('fw-demo-'), PORT: String(port), ADMIN_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const wall = await new Promise<URL>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /Wall display:\s+(\S+)/.exec(out);
      if (m) {
        clearInterval(t);
        resolve(new URL(m[1]));
      } else if (Date.now() - t0 > 30_000 || proc!.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`no wall URL:\n${out.slice(-2000)}`));
      }
    }, 100);
  });
  expect(wall.pathname).toBe('/wall/default');
  const key = wall.searchParams.get('key')!;
  expect(out).toMatch(/admin key was created/);

  let last: any = null;
  while (Date.now() - t0 < 30_000) {
    const r = await Promise.all(
      ['1h', 'today'].map(async (w) => (await fetch(`${wall.origin}/v1/kpis?scope=all&window=${w}`, { headers: { authorization: `Bearer ${key}` } })).json()),
    );
    last = r;
    const answered = Math.max(...r.map((x) => x.metrics?.answered ?? 0));
    const agents = Object.values((r[0].metrics?.agents ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
    if (answered > 0 && agents > 0) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  expect(Date.now() - t0).toBeLessThan(30_000);
  expect(Math.max(...last.map((x: any) => x.metrics.answered))).toBeGreaterThan(0);
  expect(Object.values(last[0].metrics.agents as Record<string, number>).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  // the wall page itself is served
  const page = await fetch(wall);
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/<div id="svelte"|<body/);
}, 60_000);
