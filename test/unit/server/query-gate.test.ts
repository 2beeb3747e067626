// The gate in front of embedded chDB's one-at-a-time bound queries: one caller inside,
// the most urgent waiting caller next, FIFO within a priority, failures release the slot.
import { describe, expect, it } from 'vitest';
import { PriorityGate } from '../../../server/threads/query-gate.ts';

function deferred() {
  let resolve!: () => void;
  const p = new Promise<void>((r) => (resolve = r));
  return { p, resolve };
}

describe('PriorityGate', () => {
  it('lets one caller in at a time and the most urgent waiting one next', async () => {
    const gate = new PriorityGate(2);
    const order: string[] = [];
    const first = deferred();
    let inside = 0;
    let most = 0;
    const job = (name: string, wait?: Promise<void>) => async () => {
      inside++;
      most = Math.max(most, inside);
      order.push(name);
      await (wait ?? Promise.resolve());
      inside--;
      return name;
    };
    const running = gate.run(1, job('history-1', first.p));
    const queued = [
      gate.run(1, job('history-2')),
      gate.run(0, job('writer-1')),
      gate.run(1, job('history-3')),
      gate.run(0, job('writer-2')),
    ];
    await Promise.resolve();
    expect(gate.queued).toBe(4);
    first.resolve();
    expect(await Promise.all([running, ...queued])).toEqual(['history-1', 'history-2', 'writer-1', 'history-3', 'writer-2']);
    expect(order).toEqual(['history-1', 'writer-1', 'writer-2', 'history-2', 'history-3']);
    expect(most).toBe(1);
    expect(gate.queued).toBe(0);
  });

  it('passes a failure to its caller and the slot to the next', async () => {
    const gate = new PriorityGate(2);
    const failing = gate.run(0, async () => {
      throw new Error('chDB said no');
    });
    const next = gate.run(1, async () => 'ran');
    await expect(failing).rejects.toThrow('chDB said no');
    expect(await next).toBe('ran');
    // and the gate is free again: a caller goes straight in
    let entered = false;
    const p = gate.run(1, async () => {
      entered = true;
    });
    expect(entered).toBe(true);
    await p;
  });
});
