// Role threads name themselves and the checkpointer lowers its own priority: on Linux
// both are visible in /proc, for that thread only.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { statNice } from '../../support/proc-stat.ts';

const linux = process.platform === 'linux';

describe.runIf(linux)('os-thread', () => {
  it('names and renices the calling thread only', async () => {
    const entry = new URL('../../../server/threads/os-thread.ts', import.meta.url).href;
    const code = `
      const { parentPort } = require('node:worker_threads');
      const fs = require('node:fs');
      import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(entry)}); }).then((m) => {
        m.nameThisThread('fw-test-thread-name-too-long');
        const ok = m.niceThisThread(7);
        parentPort.postMessage({ ok, comm: fs.readFileSync('/proc/thread-self/comm', 'utf8').trim(),
          stat: fs.readFileSync('/proc/thread-self/stat', 'utf8') });
      });`;
    const w = new Worker(code, { eval: true });
    const r = await new Promise<{ ok: boolean; comm: string; stat: string }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    expect(r.ok).toBe(true);
    expect(r.comm).toBe('fw-test-thread-'); // the kernel keeps 15 characters
    expect(statNice(r.stat)).toBe(7);
    expect(statNice(readFileSync('/proc/thread-self/stat', 'utf8'))).toBe(0); // this thread is untouched
  });
});
