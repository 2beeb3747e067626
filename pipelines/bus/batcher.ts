// Size-and-time batching shared by the consumers of CC_EVENTS (writer, history, voice of
// the customer): items collect until `maxWeight` or `maxDelayMs`, then go to `handle`
// one batch after another, never two at once.
export class Batcher<T> {
  private items: T[] = [];
  private weight = 0;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: { maxWeight: number; maxDelayMs: number; handle: (batch: T[]) => Promise<void> },
  ) {}

  /**
   * Adds an item. When the batch is full the returned promise settles after it was
   * handled, so a consumer that awaits it gets backpressure instead of a growing queue.
   */
  add(item: T, weight = 1): Promise<void> {
    this.items.push(item);
    this.weight += weight;
    if (this.weight >= this.o.maxWeight) return this.flush();
    if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.o.maxDelayMs);
    return Promise.resolve();
  }

  /** Hands what is buffered to `handle` (after the batches before it); resolves when done. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.items;
    this.items = [];
    this.weight = 0;
    if (batch.length) this.chain = this.chain.then(() => this.o.handle(batch));
    return this.chain;
  }

  get size(): number {
    return this.items.length;
  }
}
