// startNatsServer's hook that kills the child when our process exits is there only while
// a child runs: a process starting and stopping many servers keeps none behind.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startNatsServer } from '../../pipelines/bus/nats-server.ts';
import { tempDir } from '../support/harness.ts';

describe('startNatsServer exit hook', () => {
  it('is added while the child runs and removed by stop and kill, across restarts', async () => {
    const before = process.listenerCount('exit');
    const dir = tempDir('fw-nats-hook-');
    const nats = await startNatsServer({ storeDir: dir });
    try {
      expect(process.listenerCount('exit')).toBe(before + 1);
      await nats.stop();
      expect(process.listenerCount('exit')).toBe(before);
      await nats.restart();
      expect(process.listenerCount('exit')).toBe(before + 1);
      await nats.kill();
      expect(process.listenerCount('exit')).toBe(before);
    } finally {
      await nats.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
