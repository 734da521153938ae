/**
 * A bounded async queue between a source's reader and its consumer. Producers `await push()`,
 * which resolves only when there is room, so a slow consumer pauses file reads and socket reads
 * instead of growing memory. `end()` lets the consumer drain what is queued, then finishes.
 */
export class LineQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private ended = false;
  private failure: unknown = null;
  private wakeConsumer: (() => void) | null = null;
  private readonly wakeProducers: (() => void)[] = [];

  constructor(private readonly capacity = 1024) {}

  get size(): number {
    return this.items.length;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Queues `item`; resolves once the queue has room again (immediately when not full). */
  async push(item: T): Promise<void> {
    if (this.ended) return;
    this.items.push(item);
    this.wake();
    while (this.items.length >= this.capacity && !this.ended) {
      await new Promise<void>((resolve) => this.wakeProducers.push(resolve));
    }
  }

  /** No more items; an error makes the consumer's iteration throw after the queued items. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) this.failure = error;
    this.wake();
    for (const resolve of this.wakeProducers.splice(0)) resolve();
  }

  private wake(): void {
    const resolve = this.wakeConsumer;
    this.wakeConsumer = null;
    resolve?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      const item = this.items.shift();
      if (item !== undefined) {
        if (this.items.length < this.capacity) {
          for (const resolve of this.wakeProducers.splice(0)) resolve();
        }
        yield item;
        continue;
      }
      if (this.ended) {
        if (this.failure !== null) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => {
        this.wakeConsumer = resolve;
      });
    }
  }
}
