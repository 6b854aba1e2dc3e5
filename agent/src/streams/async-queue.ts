/**
 * The one stream primitive: producers push from callbacks, a consumer async-iterates
 * (STYLE.md §2). Bounded: past `capacity` the queue either drops its oldest item (live audio and
 * events, where the newest matters) or fails with `onOverflow()` (provider streams, where a
 * consumer that stopped reading is a bug).
 */
export interface AsyncQueueOptions {
  capacity?: number;
  overflow?: 'drop-oldest' | 'fail';
  /** The error the consumer gets when a 'fail' queue overflows. */
  onOverflow?: () => unknown;
  /** Called when the consumer stops early (break out of for-await). */
  onReturn?: () => void;
}

type Waiter<T> = { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void };

export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  /** Items dropped by a 'drop-oldest' queue. */
  dropped = 0;

  private readonly capacity: number;
  private readonly overflow: 'drop-oldest' | 'fail';
  private readonly onOverflow: () => unknown;
  private readonly onReturn: (() => void) | undefined;

  constructor(options: AsyncQueueOptions = {}) {
    this.capacity = options.capacity ?? 1024;
    this.overflow = options.overflow ?? 'drop-oldest';
    this.onOverflow = options.onOverflow ?? (() => new RangeError('queue overflow'));
    this.onReturn = options.onReturn;
  }

  get isClosed(): boolean {
    return this.ended;
  }

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.resolve({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.capacity) {
      if (this.overflow === 'fail') {
        this.fail(this.onOverflow());
        return;
      }
      this.items.shift();
      this.dropped++;
    }
    this.items.push(item);
  }

  /** No more items; the consumer drains what is queued, then finishes. Idempotent. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    for (const w of this.waiters.splice(0)) w.resolve({ value: undefined, done: true });
  }

  /** Drop what is queued and finish now. */
  clear(): void {
    this.items.length = 0;
    this.close();
  }

  /** The consumer gets `error` thrown after the queued items. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (this.items.length === 0 && this.waiters.length > 0) {
      for (const w of this.waiters.splice(0)) w.reject(error);
      return;
    }
    this.failure = { error };
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      return Promise.reject(error);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: (): Promise<IteratorResult<T>> => {
        this.clear();
        this.onReturn?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
