// `npm run keys -- create …` mints a key a script can use at once, against the same KV.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFloorwatch, startTestNats, post, ROOT, type TestFloorwatch } from '../support/harness.ts';
import type { PrivateNats } from '../../pipelines/bus/nats-server.ts';

const run = promisify(execFile);
let nats: PrivateNats;
let fw: TestFloorwatch;
beforeAll(async () => {
  nats = await startTestNats();
  fw = await startFloorwatch({ natsUrl: nats.url });
});
afterAll(async () => {
  await fw?.close();
  await nats?.stop();
});

const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'server/cli/keys.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, NATS_URL: nats.url, DATA_DIR: fw.dataDir },
  });

it('creates, lists and revokes keys from the command line', async () => {
  const { stdout } = await cli('create', '--tenant', 'acme', '--scopes', 'ingest,read');
  const created = JSON.parse(stdout);
  expect(created).toMatchObject({ tenant: 'acme', scopes: ['ingest', 'read'] });
  const ev = { id: 'cli-1', type: 'ticket.reopened', time: new Date().toISOString(), ticket_id: 't' };
  expect((await post(`${fw.url}/v1/events`, ev, { authorization: `Bearer ${created.key}` })).status).toBe(202);

  const list = await cli('list', '--tenant', 'acme');
  expect(list.stdout).toContain(created.id);
  expect(list.stdout).not.toContain(created.key);

  await cli('revoke', created.id);
  expect((await post(`${fw.url}/v1/events`, ev, { authorization: `Bearer ${created.key}` })).status).toBe(401);
  await expect(cli('create', '--tenant', 'acme', '--scopes', 'root')).rejects.toThrow(/--scopes must be/);
});
