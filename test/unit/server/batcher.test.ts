// The batching every CC_EVENTS consumer uses: by weight, by time, one batch at a time.
import { describe, expect, it, vi } from 'vitest';
import { Batcher } from '../../../pipelines/bus/batcher.ts';

describe('Batcher', () => {
  it('hands over a batch when its weight is reached, and waits for it (backpressure)', async () => {
    const seen: number[][] = [];
    let release!: () => void;
    const b = new Batcher<number>({
      maxWeight: 3,
      maxDelayMs: 10_000,
      handle: async (batch) => {
        seen.push(batch);
        await new Promise<void>((r) => (release = r));
      },
    });
    await b.add(1);
    await b.add(2);
    let done = false;
    const full = b.add(3).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([[1, 2, 3]]);
    expect(done).toBe(false);
    release();
    await full;
    expect(done).toBe(true);
  });

  it('hands over a partial batch after maxDelayMs, and never runs two batches at once', async () => {
    vi.useFakeTimers();
    let running = 0;
    let most = 0;
    const seen: string[][] = [];
    const b = new Batcher<string>({
      maxWeight: 100,
      maxDelayMs: 50,
      handle: async (batch) => {
        most = Math.max(most, ++running);
        seen.push(batch);
        await Promise.resolve();
        running--;
      },
    });
    await b.add('a', 10);
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(50);
    expect(seen).toEqual([['a']]);
    await b.add('b', 60);
    await b.add('c', 60); // weight 120 ≥ 100: flushed at once
    const p = b.flush();
    await p;
    expect(seen).toEqual([['a'], ['b', 'c']]);
    expect(most).toBe(1);
    expect(b.size).toBe(0);
    vi.useRealTimers();
  });
});
